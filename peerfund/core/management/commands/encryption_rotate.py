from django.core.management.base import BaseCommand

from peerfund.core.fields import reencrypt_all_rows


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the first key of PEERFUND_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        count = reencrypt_all_rows()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} rows with the primary key."))
