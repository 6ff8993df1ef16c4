from django.core.management.base import BaseCommand

from peerfund.custody.outbox import outbox_retry


class Command(BaseCommand):
    help = "Re-send due outbox instructions and query the bank about unconfirmed ones, once."

    def handle(self, *args, **options):
        self.stdout.write(f"Retried {outbox_retry()} instruction(s).")
