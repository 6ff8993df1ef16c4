import datetime as dt
import sys

from django.core.management.base import BaseCommand

from peerfund.core import clock
from peerfund.custody.reconciliation import reconcile


class Command(BaseCommand):
    help = "Reconcile the ledger with the custodian's statement for a business date (default: today)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, date=None, **options):
        report = reconcile(business_date=date or clock.business_date())
        self.stdout.write(f"Reconciliation {report.business_date}: {report.matched_requests} matched, {report.difference_count} difference(s)")
        for difference in report.differences.all():
            self.stdout.write(f"  [{difference.kind}] {difference.request_no or difference.account_no} ours={difference.ours_fen} bank={difference.bank_fen} {difference.detail}")
        if not report.is_clean:
            sys.exit(1)
