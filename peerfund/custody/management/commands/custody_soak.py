import sys

from django.core.management.base import BaseCommand, CommandError

from peerfund.custody.soak import SoakNeedsEmptyDatabase, soak_run


class Command(BaseCommand):
    help = (
        "Seeded soak: random deposits, bids, cancellations, pledges and withdrawals under random bank and queue faults, "
        "then drain and check the ledger against the bank and a model of what the business decided. "
        "Needs an empty database; exits 1 and prints the differences when something is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ops", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, ops, seed, **options):
        if ops <= 0:
            raise CommandError("--ops must be a positive number")
        try:
            result = soak_run(ops=ops, seed=seed)
        except SoakNeedsEmptyDatabase as exc:
            raise CommandError(str(exc)) from exc
        done = ", ".join(f"{k} {v}" for k, v in sorted(result.done.items()))
        refused = ", ".join(f"{k} {v}" for k, v in sorted(result.refused.items())) or "none"
        self.stdout.write(f"Soak seed {seed}, {ops} operations: done {done}; refused {refused}")
        if result.problems:
            for problem in result.problems:
                self.stdout.write(f"  DIFFERENCE {problem}")
            sys.exit(1)
        self.stdout.write("Ledger equals the bank; every balance equals the model; nothing released stays frozen.")
