"""`manage.py cob --date 2026-11-24` closes one business date; `--until DATE` closes
every date from the one after the last closed (or `--from`) through DATE, moving the
platform clock day by day (the demo builds its history this way; refused in
production). `--fan-out` hands chunks to the huey consumers. While another close runs,
the command names it and exits with status 1; so does a date after today's."""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from peerfund.cob.services import close_run, close_until, last_closed
from peerfund.core import clock
from peerfund.core.errors import ApplicationError

BAR = 30


class Command(BaseCommand):
    help = "Run the daily close (日终批处理) for a business date, or day by day up to one."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, help="business date to close (default: yesterday)")
        parser.add_argument("--until", type=dt.date.fromisoformat, help="close every date up to this one, moving the clock")
        parser.add_argument("--from", dest="start", type=dt.date.fromisoformat, help="with --until: the first date to close")
        parser.add_argument("--fan-out", action="store_true", help="run chunks on the huey consumers")

    def _progress(self, step, done, total):
        filled = BAR * done // max(total, 1)
        self.stdout.write(f"\r  {step.name:<28} [{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}", ending="\n" if done >= total else "")
        self.stdout.flush()

    def handle(self, *args, **options):
        try:
            self._close(**options)
        except ApplicationError as error:
            raise CommandError(f"{error.message} [{error.code}]") from error

    def _close(self, *, date=None, until=None, start=None, fan_out=False, **options):
        if until is not None:
            last = last_closed()
            first = start or (last + dt.timedelta(days=1) if last else clock.business_date())
            if first > until:
                raise CommandError(f"nothing to close: {first} is after {until}")
            days = close_until(until=until, start=first, progress=self._progress, on_day=lambda day: self.stdout.write(f"close of {day}"), source="command")
            self.stdout.write(self.style.SUCCESS(f"closed {days} business dates, {first} to {until}"))
            return
        on = date or clock.business_date() - dt.timedelta(days=1)
        self.stdout.write(f"close of {on}")
        close_run(on=on, progress=self._progress, fan_out=fan_out, source="command")
        self.stdout.write(self.style.SUCCESS(f"business date {on} closed"))
