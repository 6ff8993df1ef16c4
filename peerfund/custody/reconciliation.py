"""Daily reconciliation of our ledger with the custodian's statement.

For a business date it matches, request by request, what our books say each bank
instruction moved (the mapped postings of its ledger entries) against the bank's
statement lines, and classifies every difference:

- missing_here: the bank moved money for a request we never booked (or booked as failed);
- missing_at_bank: we booked it, the bank has no record of it;
- amount: both have it, the amounts differ;
- duplicate: the bank applied it more than once;
- timing: both have it (or it is still in flight), on different days.

Then it compares each bank sub-account's closing balance with our books for the same
day, after allowing for the differences already listed; whatever is left is a
`balance` difference (for example a bank balance changed with no instruction). A
mismatch raises an alert. Nothing is ever corrected automatically.
"""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from peerfund.core import clock
from peerfund.core.alerts import alert_raise
from peerfund.core.models import Alert
from peerfund.custody.gateway import AVAILABLE, FROZEN, SUCCEEDED, get_custodian
from peerfund.custody.mapping import Location, Locator, NoCustodyAccount
from peerfund.custody.models import Instruction, ReconciliationDifference, ReconciliationReport
from peerfund.ledger.invariants import Violation
from peerfund.ledger.models import Entry, Posting
from peerfund.ledger.selectors import accounts_at

Kind = ReconciliationDifference.Kind
IN_FLIGHT = (Instruction.Status.PENDING, Instruction.Status.PROCESSING)


@dataclass
class Difference:
    kind: str
    request_no: str = ""
    location: Location | None = None
    ours_fen: int | None = None
    bank_fen: int | None = None
    detail: str = ""


@dataclass
class Comparison:
    business_date: dt.date
    matched: int = 0
    differences: list[Difference] = field(default_factory=list)


def _net(lines) -> dict[Location, int]:
    net: dict[Location, int] = defaultdict(int)
    for location, amount in lines:
        net[location] += amount
    return {loc: amt for loc, amt in net.items() if amt}


def _mapped(postings, locator: Locator) -> dict[Location, int]:
    lines = []
    for posting in postings:
        location = locator.location(posting.account)
        if location is not None:
            lines.append((location, posting.amount_fen))
    return _net(lines)


def _total(net: dict[Location, int]) -> int:
    return sum(amount for amount in net.values() if amount > 0)


def _multiple_of(bank: dict[Location, int], ours: dict[Location, int]) -> bool:
    if not ours or set(bank) != set(ours):
        return False
    return any(all(bank[loc] == times * ours[loc] for loc in ours) for times in (2, 3, 4))


def compare(*, business_date: dt.date) -> Comparison:
    """Match the day's bank statement against our books (see module docstring)."""
    custodian = get_custodian()
    statement = custodian.daily_statement(business_date=business_date)
    locator = Locator()
    result = Comparison(business_date=business_date)

    bank_by_request: dict[str, dict[Location, int]] = defaultdict(dict)
    for request_no, lines in _group_lines(statement["lines"]).items():
        bank_by_request[request_no] = _net(lines)

    instructions = {
        i.request_no: i
        for i in Instruction.objects.filter(request_no__in=list(bank_by_request)).select_related("entry", "compensation_entry")
    }
    for i in Instruction.objects.filter(entry__business_date=business_date).select_related("entry", "compensation_entry"):
        instructions[i.request_no] = i

    postings_by_entry: dict[int, list[Posting]] = defaultdict(list)
    entry_ids = [eid for i in instructions.values() for eid in (i.entry_id, i.compensation_entry_id) if eid]
    for posting in Posting.objects.filter(entry_id__in=entry_ids, entry__business_date__lte=business_date).select_related("account"):
        postings_by_entry[posting.entry_id].append(posting)

    explained: dict[Location, int] = defaultdict(int)  # ours - bank, per place, for listed requests
    for request_no in sorted(set(bank_by_request) | set(instructions)):
        bank = bank_by_request.get(request_no, {})
        instruction = instructions.get(request_no)
        ours = {}
        if instruction is not None:
            ours = _mapped(
                [p for eid in (instruction.entry_id, instruction.compensation_entry_id) if eid for p in postings_by_entry[eid]],
                locator,
            )
        bank_booked_on = business_date
        if request_no not in bank_by_request:
            bank, bank_booked_on = _bank_elsewhere(custodian, request_no, ours, business_date)
        difference = _classify(request_no, instruction, ours, bank, business_date, bank_booked_on)
        if difference is None:
            result.matched += 1
            continue
        result.differences.append(difference)
        for location in set(ours) | set(bank):
            explained[location] += ours.get(location, 0) - bank.get(location, 0)

    result.differences += _unmirrored_entries(business_date, locator, instructions, explained)
    result.differences += _balance_differences(statement["balances"], business_date, locator, explained)
    return result


def _group_lines(lines) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    for line in lines:
        grouped[line["request_no"]].append(((line["account_no"], line["bucket"]), int(line["amount_fen"])))
    return grouped


def _bank_elsewhere(custodian, request_no, ours, business_date) -> tuple[dict[Location, int], dt.date | None]:
    """A request we booked that is not on this day's statement: did the bank book it on
    another day? Returns what the bank's books hold of it on `business_date` and the
    day the bank booked it (None: never)."""
    if not ours:
        return {}, None
    reply = custodian.query_request(request_no=request_no)
    booked_on = reply.data.get("business_date") if reply.status == SUCCEEDED else None
    if not booked_on:
        return {}, None
    booked_on = dt.date.fromisoformat(booked_on)
    # Booked earlier: the bank's balances already hold it, as ours do.
    return (dict(ours) if booked_on < business_date else {}), booked_on


def _classify(request_no, instruction, ours, bank, business_date, bank_booked_on) -> Difference | None:
    ours_total, bank_total = _total(ours), _total(bank)
    if instruction is None:
        return Difference(Kind.MISSING_HERE, request_no, bank_fen=bank_total, detail="the bank booked a request we never sent")
    booked_on = instruction.entry.business_date if instruction.entry_id else None
    if not ours and not bank:
        return None  # refused and compensated, or never booked on either side
    if not ours:
        if instruction.status in IN_FLIGHT:
            return Difference(Kind.TIMING, request_no, ours_fen=0, bank_fen=bank_total, detail="bank booked it; confirmation not yet received")
        if booked_on and booked_on > business_date:
            return Difference(Kind.TIMING, request_no, ours_fen=0, bank_fen=bank_total, detail=f"we booked it on {booked_on}")
        return Difference(Kind.MISSING_HERE, request_no, ours_fen=0, bank_fen=bank_total, detail=f"we hold it as {instruction.status}")
    if not bank:
        if instruction.status in IN_FLIGHT:
            return Difference(Kind.TIMING, request_no, ours_fen=ours_total, bank_fen=0, detail="sent, not yet booked by the bank")
        if bank_booked_on and bank_booked_on > business_date:
            return Difference(Kind.TIMING, request_no, ours_fen=ours_total, bank_fen=0, detail=f"the bank booked it on {bank_booked_on}")
        return Difference(Kind.MISSING_AT_BANK, request_no, ours_fen=ours_total, bank_fen=0, detail=f"we hold it as {instruction.status}")
    if bank == ours:
        if bank_booked_on == business_date and booked_on == business_date:
            return None
        return Difference(Kind.TIMING, request_no, ours_fen=ours_total, bank_fen=bank_total, detail=f"we booked it on {booked_on}, the bank on {bank_booked_on}")
    if _multiple_of(bank, ours):
        return Difference(Kind.DUPLICATE, request_no, ours_fen=ours_total, bank_fen=bank_total, detail="the bank applied it more than once")
    return Difference(Kind.AMOUNT, request_no, ours_fen=ours_total, bank_fen=bank_total, detail="amounts differ")


def _unmirrored_entries(business_date, locator, instructions, explained) -> list[Difference]:
    """Entries of the day that moved money between bank places with no instruction."""
    linked = {eid for i in Instruction.objects.filter(entry__business_date__lte=business_date).values_list("entry_id", "compensation_entry_id") for eid in i if eid}
    found = []
    for entry in Entry.objects.filter(business_date=business_date).exclude(id__in=linked).prefetch_related("postings__account"):
        try:
            ours = _mapped(entry.postings.all(), locator)
        except NoCustodyAccount as exc:
            found.append(Difference(Kind.MISSING_AT_BANK, detail=f"entry {entry.pk}: {exc}"))
            continue
        if ours:
            found.append(Difference(Kind.MISSING_AT_BANK, ours_fen=_total(ours), bank_fen=0, detail=f"entry {entry.pk} ({entry.kind}) has no bank instruction"))
            for location, amount in ours.items():
                explained[location] += amount
    return found


def _ledger_positions(business_date, locator) -> tuple[dict[Location, int], list[Difference]]:
    """Our balance of every bank place at the end of `business_date`."""
    accounts = accounts_at(business_date)
    locator.prefetch({a.owner_id for a in accounts if a.owner_id})
    positions: dict[Location, int] = defaultdict(int)
    problems = []
    for account in accounts:
        total = account.balance_fen
        try:
            location = locator.location(account)
        except NoCustodyAccount as exc:
            if total:
                problems.append(Difference(Kind.MISSING_AT_BANK, ours_fen=total, detail=str(exc)))
            continue
        if location is not None:
            positions[location] += total
    return positions, problems


def _balance_differences(balances, business_date, locator, explained) -> list[Difference]:
    ours, found = _ledger_positions(business_date, locator)
    bank: dict[Location, int] = {}
    for row in balances:
        bank[(row["account_no"], AVAILABLE)] = int(row["available_fen"])
        bank[(row["account_no"], FROZEN)] = int(row["frozen_fen"])
    for location in sorted(set(ours) | set(bank)):
        ours_fen = ours.get(location, 0)
        bank_fen = bank.get(location, 0)
        if ours_fen - bank_fen != explained.get(location, 0):
            found.append(
                Difference(
                    Kind.BALANCE,
                    location=location,
                    ours_fen=ours_fen,
                    bank_fen=bank_fen,
                    detail=f"unexplained difference {ours_fen - bank_fen - explained.get(location, 0)} fen",
                )
            )
    return found


def reconcile(*, business_date: dt.date) -> ReconciliationReport:
    """Compare and store a report; a mismatch raises an alert for finance."""
    comparison = compare(business_date=business_date)
    with transaction.atomic():
        report = ReconciliationReport.objects.create(
            business_date=business_date, matched_requests=comparison.matched, difference_count=len(comparison.differences)
        )
        ReconciliationDifference.objects.bulk_create(
            ReconciliationDifference(
                report=report,
                kind=d.kind,
                request_no=d.request_no,
                account_no=d.location[0] if d.location else "",
                bucket=d.location[1] if d.location else "",
                ours_fen=d.ours_fen,
                bank_fen=d.bank_fen,
                detail=d.detail[:255],
            )
            for d in comparison.differences
        )
        if comparison.differences:
            kinds = sorted({d.kind for d in comparison.differences})
            alert_raise(
                kind="custody.reconciliation_mismatch",
                message=f"Reconciliation for {business_date} found {len(comparison.differences)} difference(s): {', '.join(kinds)}",
                ref=f"reconciliation:{report.pk}",
                severity=Alert.Severity.CRITICAL,
            )
    return report


def ledger_matches_custodian() -> list[Violation]:
    """Invariant for `ledger_check`: today's books equal the bank's, apart from
    instructions still in flight."""
    comparison = compare(business_date=clock.business_date())
    return [
        Violation("ledger_matches_custodian", f"{d.kind} {d.request_no or d.location}: ours {d.ours_fen}, bank {d.bank_fen} ({d.detail})")
        for d in comparison.differences
        if d.kind != Kind.TIMING
    ]
