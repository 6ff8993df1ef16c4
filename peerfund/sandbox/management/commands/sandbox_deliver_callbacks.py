from django.core.management.base import BaseCommand

from peerfund.sandbox.bank import deliver_callbacks


class Command(BaseCommand):
    help = "Make the sandbox bank deliver its due callbacks now."

    def handle(self, *args, **options):
        self.stdout.write(f"Delivered {deliver_callbacks()} callback(s).")
