import sys

from django.core.management.base import BaseCommand

from peerfund.ledger.invariants import ledger_check


class Command(BaseCommand):
    help = "Prove the ledger's invariants (and that it matches the custodian); exit 1 on any violation."

    def add_arguments(self, parser):
        parser.add_argument("--ledger-only", action="store_true", help="skip checks against the custodian")

    def handle(self, *args, ledger_only=False, **options):
        violations = ledger_check(include_external=not ledger_only)
        if not violations:
            self.stdout.write(self.style.SUCCESS("Ledger check: all invariants hold."))
            return
        for violation in violations:
            self.stderr.write(f"[{violation.check}] {violation.detail}")
        self.stderr.write(self.style.ERROR(f"Ledger check: {len(violations)} violation(s)."))
        sys.exit(1)
