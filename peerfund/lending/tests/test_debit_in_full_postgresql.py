"""The set-based debit (PostgreSQL) writes exactly what the loan-by-loan one writes:
the same book is closed both ways, each inside a savepoint that is rolled back, and
every row the debit touches is compared — repayments, receivables, instalments,
entries and their postings, balances, bank instructions, loan states."""
import re
import threading

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerfund.core import clock
from peerfund.custody.models import Instruction
from peerfund.custody.services import _request_no
from peerfund.ledger.chart import EntryKind
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.models import Account, Entry, Posting
from peerfund.ledger.selectors import user_balances
from peerfund.lending.models import Investment, Loan, Receivable, Repayment, RepaymentInstalment
from peerfund.lending.services import repayment as repayment_service
from peerfund.lending.services.repayment import loan_repay, loans_auto_debit
from peerfund.tests_support.book import INTEREST_FEN, SHARE_FEN, repaying_book
from peerfund.tests_support.concurrency import start_together
from peerfund.tests_support.money import committing, pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]

PER_LOAN = 3
FEE_FEN = 57  # each instalment's service fee (the platform's): on top of what the investors get
INSTALMENT_FEN = PER_LOAN * (SHARE_FEN + INTEREST_FEN) + FEE_FEN


def _with_fees(book):
    """The book's instalments carry a service fee, as every loan disbursed now does."""
    RepaymentInstalment.objects.filter(loan_id__in=book.loan_ids).update(fee_fen=FEE_FEN)
    return book


class _Undo(Exception):
    pass


def _snapshot(*, running_balances: bool) -> dict:
    """What the debit wrote, by natural keys (ids of new rows differ between runs)."""
    loan_of_repayment = dict(Repayment.objects.values_list("pk", "loan_id"))
    accounts = {pk: (kind, owner, scope) for pk, kind, owner, scope in Account.objects.values_list("pk", "kind", "owner_id", "scope")}
    kinds = [EntryKind.REPAYMENT_COLLECT, EntryKind.REPAYMENT_DISTRIBUTE, EntryKind.LOAN_SERVICE_FEE]
    postings: dict[int, list] = {}
    for entry_id, account_id, amount, after in Posting.objects.filter(entry__kind__in=kinds).order_by("id").values_list("entry_id", "account_id", "amount_fen", "balance_after_fen"):
        postings.setdefault(entry_id, []).append((accounts[account_id], amount, after if running_balances else None))
    entries = {
        key: (kind, ref, day, re.sub(r"\d+$", lambda m: f"of loan {loan_of_repayment[int(m.group())]}", memo), postings[pk])
        for pk, key, kind, ref, day, memo in Entry.objects.filter(kind__in=kinds).values_list("pk", "key", "kind", "ref", "business_date", "memo")
    }
    return {
        "entries": entries,
        "balances": {accounts[pk]: balance for pk, balance in Account.objects.values_list("pk", "balance_fen")},
        "repayments": {
            (row[0], row[1]): row[2:]
            for row in Repayment.objects.values_list("loan_id", "key", "source", "amount_fen", "penalty_fen", "interest_fen", "principal_fen", "fee_fen", "service_fee_fen", "business_date")
        },
        "receivables": list(Receivable.objects.order_by("id").values_list("id", "status", "principal_received_fen", "interest_received_fen", "penalty_received_fen", "received_on")),
        "instalments": list(RepaymentInstalment.objects.order_by("id").values_list("id", "status", "principal_paid_fen", "interest_paid_fen", "penalty_paid_fen", "fee_paid_fen", "paid_on")),
        "instructions": {
            row[0]: row[1:]
            for row in Instruction.objects.filter(entry__kind__in=kinds).values_list("request_no", "op", "payload", "ref", "status", "business_date", "entry__key")
        },
        "loans": dict(Loan.objects.values_list("pk", "status")),
    }


def _close_both_ways(book, on, monkeypatch, *, running_balances: bool = True) -> tuple[dict, dict, list[set]]:
    """The debit of `book`'s loans on `on`, set-based and loan by loan; each undone."""
    left_over: list[set] = []
    real = repayment_service.debit_in_full

    def spied(**kwargs):
        left = real(**kwargs)
        left_over.append(set(kwargs["loan_ids"]) - left)
        return left

    snapshots = []
    for set_based in (True, False):
        with monkeypatch.context() as patch:
            patch.setattr(repayment_service, "debit_in_full", spied if set_based else lambda **kwargs: set(kwargs["loan_ids"]))
            try:
                with transaction.atomic():
                    loans_auto_debit(loan_ids=book.loan_ids, on=on)
                    snapshots.append(_snapshot(running_balances=running_balances))
                    assert ledger_check(include_external=False) == []
                    raise _Undo
            except _Undo:
                pass
    return snapshots[0], snapshots[1], left_over


def _partly_paid(loan_id: int, number: int, principal_paid: list[int], *, interest: bool = True) -> None:
    """Earlier money on an instalment: all its fee and interest (or none) and some
    principal, each receivable's part as given (the fee is paid before interest)."""
    instalment = RepaymentInstalment.objects.get(loan_id=loan_id, number=number)
    instalment.interest_paid_fen = instalment.interest_fen if interest else 0
    instalment.fee_paid_fen = instalment.fee_fen if interest or any(principal_paid) else 0
    instalment.principal_paid_fen = sum(principal_paid)
    instalment.save()
    receivables = Receivable.objects.filter(investment__loan_id=loan_id, number=number).order_by("investment_id")
    for receivable, paid in zip(receivables, principal_paid, strict=True):
        receivable.interest_received_fen = receivable.interest_fen if interest else 0
        receivable.principal_received_fen = paid
        receivable.save()


def _book(django_capture_on_commit_callbacks, balances: list[int]):
    on = clock.business_date()
    book = _with_fees(repaying_book(loans=8, per_loan=PER_LOAN, borrowers=len(balances), investors=5, due_dates=[on], prefix="eq"))
    for user, amount in zip(book.borrowers, balances, strict=True):
        if amount:
            pay_deposit(user, amount, django_capture_on_commit_callbacks, key="seed")
    return book, on


def test_loans_paying_all_that_is_due_are_written_as_the_loan_by_loan_debit_writes_them(django_capture_on_commit_callbacks, monkeypatch):
    book, on = _book(django_capture_on_commit_callbacks, [10**7] * 4)  # each borrower has two loans, both covered
    loans = book.loan_ids
    _partly_paid(loans[1], 1, [2_000, 1_500, 0])
    # two instalments due, the older one overdue (within grace: no penalty yet)
    RepaymentInstalment.objects.filter(loan_id=loans[2], number=1).update(status=RepaymentInstalment.Status.OVERDUE)
    RepaymentInstalment.objects.filter(loan_id=loans[2], number=2).update(due_date=on)
    Receivable.objects.filter(investment__loan_id=loans[2]).update(due_date=on)
    # one investor holds two of a loan's investments: one posting for both
    first, second, _third = Investment.objects.filter(loan_id=loans[3]).order_by("id")
    Investment.objects.filter(pk=second.pk).update(investor=first.investor)

    set_based, loan_by_loan, taken = _close_both_ways(book, on, monkeypatch)

    assert taken == [set(loans)]
    assert set_based == loan_by_loan
    # collect, distribute and fee for each, but loans[1] whose fee was paid before: no fee entry
    assert len(set_based["repayments"]) == 8 and len(set_based["instructions"]) == 3 * 8 - 1
    # loans[1]'s first instalment had its fee and interest paid already
    assert set_based["repayments"][(loans[1], f"auto:{on}")][1] == INSTALMENT_FEN - FEE_FEN - PER_LOAN * INTEREST_FEN - 3_500
    assert set_based["repayments"][(loans[1], f"auto:{on}")][-2] == 0
    assert set_based["repayments"][(loans[2], f"auto:{on}")][1] == 2 * INSTALMENT_FEN
    assert set_based["repayments"][(loans[2], f"auto:{on}")][-2] == 2 * FEE_FEN
    distribute = set_based["entries"][f"repay-distribute:auto:{on}:{loans[3]}"][4]
    assert sorted(amount for _account, amount, _after in distribute) == [-(INSTALMENT_FEN - FEE_FEN), SHARE_FEN + INTEREST_FEN, 2 * (SHARE_FEN + INTEREST_FEN)]
    fee = set_based["entries"][f"repay-fee:auto:{on}:{loans[3]}"]
    assert fee[0] == EntryKind.LOAN_SERVICE_FEE
    assert sorted((account[0], amount) for account, amount, _after in fee[4]) == [("borrower_repayment", -FEE_FEN), ("platform_fee", FEE_FEN)]
    assert set_based["instructions"][_request_no("MV", f"repay-fee:auto:{on}:{loans[3]}")][0] == "transfer"


def test_loans_it_cannot_pay_as_is_go_loan_by_loan_with_the_same_result(django_capture_on_commit_callbacks, monkeypatch):
    # borrower 3's balance covers its first loan and part of its second; borrower 2 is frozen
    book, on = _book(django_capture_on_commit_callbacks, [10**7, 10**7, 10**7, INSTALMENT_FEN + 5_000])
    loans = book.loan_ids
    # a penalty owed
    RepaymentInstalment.objects.filter(loan_id=loans[0], number=1).update(status=RepaymentInstalment.Status.OVERDUE, penalty_fen=500)
    # receivables that do not add up to their instalment (one expects a fen more)
    mismatched = Receivable.objects.filter(investment__loan_id=loans[1], number=1).order_by("id").first()
    Receivable.objects.filter(pk=mismatched.pk).update(interest_fen=INTEREST_FEN + 1)
    book.borrowers[2].frozen_at = clock.now()
    book.borrowers[2].save()

    # With both ways in one chunk, the order of a shared investor's postings differs
    # (set-based first); the running balances are checked by ledger_check instead.
    set_based, loan_by_loan, taken = _close_both_ways(book, on, monkeypatch, running_balances=False)

    assert taken == [{loans[3], loans[4], loans[5]}]
    assert set_based == loan_by_loan
    assert set_based["repayments"][(loans[7], f"auto:{on}")][1] == 5_000
    assert not Repayment.objects.filter(loan_id__in=[loans[2], loans[6]]).exists()


@pytest.fixture
def small_book(django_capture_on_commit_callbacks):
    return _book(django_capture_on_commit_callbacks, [0, 0, 0, 0])


loan_states = st.tuples(
    st.lists(st.integers(0, SHARE_FEN), min_size=PER_LOAN, max_size=PER_LOAN),  # principal each receivable got before
    st.booleans(),  # the instalment's interest was paid before
    st.booleans(),  # the next instalment is due too
    st.sampled_from([0, 0, 1, 777]),  # penalty owed
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(balances=st.lists(st.just(0) | st.integers(100, 3 * INSTALMENT_FEN), min_size=4, max_size=4), states=st.lists(loan_states, min_size=8, max_size=8))
def test_any_book_is_debited_alike_both_ways(small_book, balances, states, django_capture_on_commit_callbacks, monkeypatch):
    book, on = small_book
    try:
        with transaction.atomic():  # each example starts from the same book
            for user, amount in zip(book.borrowers, balances, strict=True):
                if amount:
                    pay_deposit(user, amount, django_capture_on_commit_callbacks, key=f"seed-{amount}")
            for loan_id, (principal_paid, interest_paid, next_due, penalty) in zip(book.loan_ids, states, strict=True):
                if any(principal_paid) or interest_paid:
                    _partly_paid(loan_id, 1, principal_paid, interest=interest_paid)
                if next_due:
                    RepaymentInstalment.objects.filter(loan_id=loan_id, number=2).update(due_date=on)
                if penalty:
                    RepaymentInstalment.objects.filter(loan_id=loan_id, number=1).update(status=RepaymentInstalment.Status.OVERDUE, penalty_fen=penalty)
            set_based, loan_by_loan, _taken = _close_both_ways(book, on, monkeypatch, running_balances=False)
            assert set_based == loan_by_loan
            raise _Undo
    except _Undo:
        pass


@pytest.mark.django_db(transaction=True)
def test_the_close_racing_borrowers_paying_by_hand_pays_each_instalment_once(settings):
    """The set-based debit of four loans and their borrowers' own repayments, all at
    once: each instalment is paid exactly once, by one side (the borrower who comes
    second pays the next instalment early), and every fen is accounted for. The
    first two borrowers hold their loan's lock before the close starts; the other two
    race it."""
    # A fast hasher, so the borrowers' trade-password check does not hand the close the lead.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    on = clock.business_date()
    book = _with_fees(repaying_book(loans=4, per_loan=PER_LOAN, borrowers=4, investors=5, due_dates=[on], prefix="race"))
    for user in book.borrowers:
        pay_deposit(user, 3 * INSTALMENT_FEN, committing, key="seed")
    taken: list[set] = []
    ahead = {book.loan_ids[0]: threading.Event(), book.loan_ids[1]: threading.Event()}
    real_debit, real_lock = repayment_service.debit_in_full, repayment_service._lock_repaying

    def spied_debit(**kwargs):
        left = real_debit(**kwargs)
        taken.append(set(kwargs["loan_ids"]) - left)
        return left

    def signalling_lock(loan_id, borrower=None):
        loan = real_lock(loan_id, borrower)
        if loan_id in ahead:
            ahead[loan_id].set()
        return loan

    def act(who):
        if who == "close":
            for locked in ahead.values():
                assert locked.wait(timeout=30)
            loans_auto_debit(loan_ids=book.loan_ids, on=on)
        else:
            loan_repay(borrower=who, loan_id=book.loan_ids[book.borrowers.index(who)], amount_fen=None, trade_password=TRADE_PASSWORD, key="by-hand")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(repayment_service, "debit_in_full", spied_debit)
        patch.setattr(repayment_service, "_lock_repaying", signalling_lock)
        assert start_together(act, ["close", *book.borrowers]) == []

    by_close = taken[0] if taken else set()
    assert not by_close & set(ahead)
    for loan_id, borrower in zip(book.loan_ids, book.borrowers, strict=True):
        first, second = RepaymentInstalment.objects.filter(loan_id=loan_id).order_by("number")
        assert first.status == RepaymentInstalment.Status.PAID and first.principal_paid_fen == first.principal_fen
        # the close paid the first instalment and the borrower the second, or the borrower the first and the close nothing
        expected = [first.total_fen, second.total_fen] if loan_id in by_close else [first.total_fen]
        assert sorted(Repayment.objects.filter(loan_id=loan_id).values_list("amount_fen", flat=True)) == sorted(expected)
        assert user_balances(borrower)["user_available"] == 3 * INSTALMENT_FEN - sum(expected)
        for number, instalment in ((1, first), (2, second)):
            shares = Receivable.objects.filter(investment__loan_id=loan_id, number=number)
            assert sum(r.principal_received_fen + r.interest_received_fen for r in shares) == instalment.principal_paid_fen + instalment.interest_paid_fen
    assert ledger_check(include_external=False) == []
