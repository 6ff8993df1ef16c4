from django.core.management.base import BaseCommand

from peerfund.demo.simulation import DEMO_PASSWORD, PEOPLE


class Command(BaseCommand):
    help = "Print the demo logins."

    def handle(self, *args, **options):
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for person in PEOPLE:
            self.stdout.write(f"  {person.username:<10} {person.display_name:<6} {person.role}")
