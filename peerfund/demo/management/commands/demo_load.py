from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from peerfund.demo.simulation import HISTORY_DAYS, demo_is_loaded, demo_load


class Command(BaseCommand):
    help = "Load the demo platform (users and simulated history) unless it is already loaded."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=HISTORY_DAYS, help="days of simulated history")

    def handle(self, *args, days: int, **options):
        if demo_is_loaded():
            self.stdout.write("Demo platform already loaded.")
            return
        self.stdout.write(f"Loading the demo platform with {days} days of history…")
        with translation.override(settings.LANGUAGE_CODE):  # texts stored by the simulation read in the platform's language
            demo_load(days=days, progress=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo platform loaded."))
