"""`make bench-hall`: the investment hall with 10,000 open loans. Times a filtered,
sorted first page (and a deep page) through the hall selector against a baseline in
the same run: the same number of rows read by primary key with no filter or sort."""
import datetime as dt
import os
import sys
import tempfile
import time
from decimal import Decimal

LOANS = int(os.environ.get("BENCH_LOANS", "10000"))
REPEAT = 50


def _setup() -> None:
    os.environ.pop("DATABASE_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ.setdefault("PEERFUND_VAR_DIR", tempfile.mkdtemp(prefix="peerfund-bench-hall-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed(run) -> float:
    run()  # warm
    start = time.perf_counter()
    for _ in range(REPEAT):
        run()
    return (time.perf_counter() - start) / REPEAT * 1000


def main() -> int:
    _setup()
    from peerfund.accounts.models import User
    from peerfund.core import clock
    from peerfund.lending.models import Loan, LoanProduct
    from peerfund.lending.schedules import Method
    from peerfund.lending.selectors import HallFilters, hall_page

    product = LoanProduct.objects.create(
        name="bench", min_amount_fen=10_000, max_amount_fen=10**9, terms_months=[3, 6, 12, 24], method=Method.EQUAL_INSTALMENT,
        # Lawful (4 × LPR = 12 %: rates to 8.3 % plus the default penalty, a 0.3 % fee):
        # the hall computes each row's all-in cost as it would on the site.
        rate_min=Decimal("0.05"), rate_max=Decimal("0.083"), service_fee_rate=Decimal("0.003"), max_per_investor_fen=10**9,
    )
    borrower = User.objects.create(username="bench-borrower")
    now = clock.now()
    grades = "ABCDE"
    Loan.objects.bulk_create(
        Loan(
            borrower=borrower, product=product, title=f"loan {i}", amount_fen=100_000 + (i % 50) * 10_000, left_fen=(i % 50) * 10_000 + 10_000,
            months=[3, 6, 12, 24][i % 4], annual_rate=Decimal("0.05") + Decimal(i % 34) / 1000, grade=grades[i % 5],
            listed_at=now - dt.timedelta(minutes=i), deadline=now + dt.timedelta(days=7), status=Loan.Status.LISTED,
        )
        for i in range(LOANS)
    )
    filters = HallFilters(rate_min=Decimal("0.07"), months_max=12, grades=("A", "B", "C"), sort="rate")

    def first_page():
        list(hall_page(filters, 1).object_list)

    def deep_page():
        list(hall_page(HallFilters(sort="newest"), 200).object_list)

    def baseline():
        list(Loan.objects.order_by("pk")[:20])

    base = _timed(baseline)
    first = _timed(first_page)
    deep = _timed(deep_page)
    print(f"investment hall with {LOANS} open loans (mean of {REPEAT} runs)")
    print(f"  baseline: 20 rows by primary key      {base:7.2f} ms")
    print(f"  filtered + sorted first page (+count)  {first:7.2f} ms = {first / base:.1f} x baseline")
    print(f"  page 200, newest first (+count)        {deep:7.2f} ms = {deep / base:.1f} x baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
