import sys

from django.core.management.base import BaseCommand

from peerfund.contracts.evidence import evidence_verify


class Command(BaseCommand):
    help = "Verify the evidence hash chain and every contract file against it; exit 1 on any problem."

    def handle(self, *args, **options):
        problems = evidence_verify()
        if not problems:
            self.stdout.write(self.style.SUCCESS("Evidence chain intact."))
            return
        for problem in problems:
            self.stderr.write(problem)
        sys.exit(1)
