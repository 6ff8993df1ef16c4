"""`manage.py backup_facts` prints, as one line of JSON, the facts a restored copy of
the books must show unchanged: the latest proof-of-liabilities root, the ledger's
entry and posting counts and balance totals per account kind, and the evidence
chain's length and head. scripts/backup records them in its manifest;
scripts/restore and a restore drill compare them against the restored database.

`--hold` (PostgreSQL) reads the facts in a read-only REPEATABLE READ transaction,
exports its snapshot, prints it with the facts and keeps the transaction open until
standard input closes, so that `pg_dump --snapshot` dumps exactly the state the facts
describe while the platform goes on writing (docs/backups.md)."""
import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Sum

from peerfund.contracts.models import EvidenceRecord
from peerfund.disclosure.selectors import latest_tree
from peerfund.ledger.models import Account, Entry, Posting


def backup_facts() -> dict:
    tree = latest_tree()
    by_kind = Account.objects.values("kind").annotate(accounts=Count("id"), total=Sum("balance_fen")).order_by("kind")
    head = EvidenceRecord.objects.order_by("-id").values_list("hash", flat=True).first()
    return {
        "liabilities": None if tree is None else {
            "business_date": tree.business_date.isoformat(), "algorithm": tree.algorithm, "root": tree.root,
            "total_fen": tree.total_fen, "leaf_count": tree.leaf_count,
        },
        "ledger": {
            "entries": Entry.objects.count(),
            "postings": Posting.objects.count(),
            "accounts": Account.objects.count(),
            "postings_sum_fen": Posting.objects.aggregate(total=Sum("amount_fen"))["total"] or 0,
            "balance_totals_fen": {row["kind"]: row["total"] or 0 for row in by_kind},
        },
        "evidence": {"records": EvidenceRecord.objects.count(), "head": head},
    }


class Command(BaseCommand):
    help = "Print the facts a restored backup must show unchanged (liabilities root, ledger totals, evidence head) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--hold", action="store_true",
                            help="PostgreSQL: export the snapshot the facts were read in and hold it until standard input closes")

    def handle(self, *args, hold=False, **options):
        if not hold:
            self.stdout.write(json.dumps({"facts": backup_facts()}, sort_keys=True))
            return
        if connection.vendor != "postgresql":
            raise CommandError("--hold needs PostgreSQL (DATABASE_URL=postgres://…)")
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot(), current_database(), current_setting('server_version')")
                snapshot, database, server_version = cursor.fetchone()
            out = {
                "snapshot": snapshot, "database": database, "server_version": server_version,
                "media_root": str(settings.MEDIA_ROOT), "facts": backup_facts(),
            }
            self.stdout.write(json.dumps(out, sort_keys=True))
            self.stdout.flush()
            sys.stdin.read()  # the snapshot lives as long as this transaction
