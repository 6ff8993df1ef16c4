"""Export the books as a Beancount file, so `bean-check` can verify them with
software that shares no code with ours.

Every ledger account here is money the custodian holds for someone, so users' and
escrow accounts are Liabilities, platform fees Income, platform funds Equity and the
clearing account (the outside world's side) Assets. Beancount's signs are the
negation of ours (a liability grows negative). After each business day the file
asserts the closing balance of every account that moved that day, taken from the
stored balance_after, and at the end the stored account balance: bean-check then
proves postings, running balances and stored balances agree.
"""
import datetime as dt
import re
from collections.abc import Iterator

from peerfund.core.money import fen_to_decimal_yuan
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.models import Account, Entry, Posting

CURRENCY = "CNY"


def _component(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9]", "", text.title())
    return cleaned or "X"


def beancount_name(account: Account) -> str:
    scope = f":{_component(account.scope)}" if account.scope else ""
    user = f"U{account.owner_id}"
    names = {
        AccountKind.USER_AVAILABLE: f"Liabilities:Users:{user}:Available",
        AccountKind.USER_FROZEN: f"Liabilities:Users:{user}:Frozen",
        AccountKind.BORROWER_REPAYMENT: f"Liabilities:Users:{user}:Repayment{scope}",
        AccountKind.PLEDGE_ESCROW: f"Liabilities:Escrow:Pledge{scope}",
        AccountKind.PLATFORM_FEE: "Income:Platform:Fees",
        AccountKind.PLATFORM_MARKETING: "Equity:Platform:Marketing",
        AccountKind.CUSTODY_CLEARING: "Assets:Custodian:Clearing",
    }
    return names[account.kind]


def _amount(fen: int) -> str:
    return f"{fen_to_decimal_yuan(-fen)} {CURRENCY}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', "'") + '"'


def export_lines() -> Iterator[str]:
    accounts = {a.pk: a for a in Account.objects.all()}
    first = Entry.objects.order_by("business_date").values_list("business_date", flat=True).first()
    open_date = first or dt.date(2000, 1, 1)
    yield f'option "operating_currency" "{CURRENCY}"'
    yield ""
    for account in accounts.values():
        yield f"{open_date.isoformat()} open {beancount_name(account)} {CURRENCY}"
    yield ""

    postings_by_entry: dict[int, list[Posting]] = {}
    for posting in Posting.objects.order_by("id").iterator(chunk_size=5000):
        postings_by_entry.setdefault(posting.entry_id, []).append(posting)

    closing: dict[dt.date, dict[int, int]] = {}
    last_date: dict[int, dt.date] = {}
    monotonic: dict[int, bool] = {}
    for entry in Entry.objects.order_by("business_date", "id").iterator(chunk_size=5000):
        yield f"{entry.business_date.isoformat()} * {_quote(entry.kind)} {_quote(f'#{entry.pk} {entry.ref} {entry.memo}'.strip())}"
        for posting in postings_by_entry.get(entry.pk, []):
            yield f"  {beancount_name(accounts[posting.account_id])}  {_amount(posting.amount_fen)}"
            closing.setdefault(entry.business_date, {})[posting.account_id] = posting.balance_after_fen
        yield ""
    # balance_after is in id order; a day's closing value is only meaningful when an
    # account's business dates never go backwards as ids grow.
    for posting in Posting.objects.select_related("entry").order_by("id").only("account_id", "entry__business_date"):
        day = posting.entry.business_date
        previous = last_date.get(posting.account_id)
        monotonic[posting.account_id] = monotonic.get(posting.account_id, True) and (previous is None or day >= previous)
        last_date[posting.account_id] = day
    for day in sorted(closing):
        for account_id, balance in sorted(closing[day].items()):
            if monotonic.get(account_id, True):
                yield f"{(day + dt.timedelta(days=1)).isoformat()} balance {beancount_name(accounts[account_id])}  {_amount(balance)}"
    end = (max(closing) if closing else open_date) + dt.timedelta(days=2)
    yield ""
    for account in accounts.values():
        yield f"{end.isoformat()} balance {beancount_name(account)}  {_amount(account.balance_fen)}"
