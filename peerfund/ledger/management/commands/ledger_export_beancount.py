from django.core.management.base import BaseCommand

from peerfund.ledger.beancount_export import export_lines


class Command(BaseCommand):
    help = "Write the books as a Beancount file (verify with bean-check)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default="-", help="file path, or - for standard output")

    def handle(self, *args, output="-", **options):
        if output == "-":
            for line in export_lines():
                self.stdout.write(line)
            return
        with open(output, "w", encoding="utf-8") as handle:
            for line in export_lines():
                handle.write(line + "\n")
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
