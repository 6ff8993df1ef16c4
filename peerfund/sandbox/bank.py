"""The sandbox custodian bank: a working simulation of a custody bank (银行存管)
behind the same `Custodian` protocol a real one is spoken to through.

It keeps its own accounts (available and frozen buckets), remembers every request
number (a repeat gets the first answer and moves nothing), journals every movement
for its daily statement, and can misbehave on demand (BankFaults): latency, lost
requests, rejections, asynchronous confirmation by callback, and lost, duplicated,
delayed or reordered callbacks.
"""
import datetime as dt
import json
import random
import secrets
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum

from peerfund.core import clock
from peerfund.custody import signing
from peerfund.custody.gateway import (
    AVAILABLE,
    FAILED,
    FROZEN,
    NOT_FOUND,
    PROCESSING,
    SUCCEEDED,
    CustodianUnavailable,
    Reply,
)
from peerfund.sandbox.models import BankAccount, BankCallback, BankFaults, BankJournalLine, BankRequest

BUCKET_FIELDS = {AVAILABLE: "available_fen", FROZEN: "frozen_fen"}


class BankRefusal(Exception):
    """The bank declines the instruction; the text is the bank's reason code."""


def faults() -> BankFaults:
    return BankFaults.objects.get_or_create(id=1)[0]


def _take_one(counter: str) -> bool:
    """Atomically use up one unit of a 'next N' fault counter."""
    return BankFaults.objects.filter(id=1, **{f"{counter}__gt": 0}).update(**{counter: F(counter) - 1}) == 1


def _chaos_rng(switches: BankFaults) -> random.Random:
    """The generator for the next random fault: seeded by (seed, draw number), the
    number counted in the database, so the same calls in the same order meet the
    same faults, in process or over HTTP."""
    BankFaults.objects.filter(id=1).update(chaos_draws=F("chaos_draws") + 1)
    draw = BankFaults.objects.filter(id=1).values_list("chaos_draws", flat=True).get()
    return random.Random(f"{switches.chaos_seed}:{draw}")


def _chaos(switches: BankFaults, pct_field: str) -> bool:
    """Whether a random fault strikes (never when no seed is set or its chance is 0)."""
    pct = getattr(switches, pct_field)
    if switches.chaos_seed is None or not pct:
        return False
    return _chaos_rng(switches).random() * 100 < pct


def _apply_lines(lines: list[tuple[str, str, int]], *, request_no: str, op: str, business_date: dt.date) -> None:
    """Apply an instruction's lines in order, all or nothing, like the bank does: no
    bucket may go below zero at any step. The accounts are locked and read once, the
    balances written once each and the journal lines in one insert."""
    for _account_no, bucket, _amount in lines:
        if bucket not in BUCKET_FIELDS:
            raise BankRefusal("INVALID_BUCKET")
    accounts = {a.account_no: a for a in BankAccount.objects.select_for_update().filter(account_no__in={line[0] for line in lines}).order_by("pk")}
    for account_no, bucket, amount in lines:
        account = accounts.get(account_no)
        if account is None:
            raise BankRefusal("ACCOUNT_NOT_FOUND")
        field = BUCKET_FIELDS[bucket]
        if getattr(account, field) + amount < 0:
            raise BankRefusal("INSUFFICIENT_FUNDS")
        setattr(account, field, getattr(account, field) + amount)
    BankAccount.objects.bulk_update(accounts.values(), ["available_fen", "frozen_fen"])
    BankJournalLine.objects.bulk_create(
        BankJournalLine(request_no=request_no, op=op, account_no=account_no, bucket=bucket, amount_fen=amount, business_date=business_date)
        for account_no, bucket, amount in lines
    )


def _item_lines(item: dict[str, Any]) -> list[tuple[str, str, int]]:
    """The (account, bucket, signed amount) lines one instruction item makes."""
    kind = item["type"]
    amount = int(item["amount_fen"])
    if amount <= 0:
        raise BankRefusal("INVALID_AMOUNT")
    if kind == "deposit":
        return [(item["account_no"], AVAILABLE, amount)]
    if kind == "withdraw":
        return [(item["account_no"], item.get("bucket", AVAILABLE), -amount)]
    if kind == "freeze":
        return [(item["account_no"], AVAILABLE, -amount), (item["account_no"], FROZEN, amount)]
    if kind == "unfreeze":
        return [(item["account_no"], FROZEN, -amount), (item["account_no"], AVAILABLE, amount)]
    if kind == "transfer":
        return [(item["from_account"], item["from_bucket"], -amount), (item["to_account"], item["to_bucket"], amount)]
    raise BankRefusal("UNKNOWN_OPERATION")


class SandboxBank:
    """In-process client of the sandbox bank (also served over HTTP by sandbox.views)."""

    def open_account(self, *, request_no: str, holder_ref: str, name: str) -> Reply:
        with transaction.atomic():
            account = BankAccount.objects.filter(holder_ref=holder_ref).first()
            if account is None:
                account = BankAccount.objects.create(
                    account_no="6217" + "".join(secrets.choice("0123456789") for _ in range(12)),
                    holder_ref=holder_ref,
                    name=name,
                )
        return Reply(request_no, SUCCEEDED, data={"account_no": account.account_no})

    # --- money -------------------------------------------------------------------
    def deposit(self, *, request_no, account_no, amount_fen):
        return self._process("deposit", request_no, [{"type": "deposit", "account_no": account_no, "amount_fen": amount_fen}])

    def withdraw(self, *, request_no, account_no, bucket, amount_fen):
        item = {"type": "withdraw", "account_no": account_no, "bucket": bucket, "amount_fen": amount_fen}
        return self._process("withdraw", request_no, [item])

    def freeze(self, *, request_no, account_no, amount_fen):
        return self._process("freeze", request_no, [{"type": "freeze", "account_no": account_no, "amount_fen": amount_fen}])

    def unfreeze(self, *, request_no, account_no, amount_fen):
        return self._process("unfreeze", request_no, [{"type": "unfreeze", "account_no": account_no, "amount_fen": amount_fen}])

    def transfer(self, *, request_no, from_account, from_bucket, to_account, to_bucket, amount_fen):
        item = {
            "type": "transfer",
            "from_account": from_account,
            "from_bucket": from_bucket,
            "to_account": to_account,
            "to_bucket": to_bucket,
            "amount_fen": amount_fen,
        }
        return self._process("transfer", request_no, [item])

    def batch_transfer(self, *, request_no, items):
        return self._process("batch_transfer", request_no, list(items))

    def _process(self, op: str, request_no: str, items: list[dict[str, Any]]) -> Reply:
        switches = faults()
        if _take_one("lose_next_requests") or _chaos(switches, "chaos_lose_request_pct"):
            raise CustodianUnavailable("sandbox bank: the request timed out before reaching the bank")
        if switches.latency_ms:
            time.sleep(switches.latency_ms / 1000)
        business_date = clock.business_date()
        with transaction.atomic():
            prior = BankRequest.objects.filter(request_no=request_no).first()
            if prior is not None:
                return Reply(request_no, prior.status, prior.reason)
            status, reason = SUCCEEDED, ""
            reject_ops = {o.strip() for o in switches.chaos_reject_ops.split(",") if o.strip()}
            if _take_one("reject_next_requests") or ((not reject_ops or op in reject_ops) and _chaos(switches, "chaos_reject_pct")):
                status, reason = FAILED, switches.reject_reason
            else:
                try:
                    with transaction.atomic():
                        _apply_lines([line for item in items for line in _item_lines(item)], request_no=request_no, op=op, business_date=business_date)
                except (BankRefusal, KeyError, ValueError, TypeError) as exc:
                    status, reason = FAILED, (str(exc) if isinstance(exc, BankRefusal) else "INVALID_REQUEST")
            BankRequest.objects.create(
                request_no=request_no, op=op, payload={"items": items}, status=status, reason=reason, business_date=business_date
            )
            answer_later = switches.async_callbacks or _chaos(switches, "chaos_async_pct")
            if answer_later:
                self._queue_callback(switches, request_no, status, reason)
        if _chaos(switches, "chaos_lose_reply_pct"):
            # Applied and remembered by the bank; the platform never hears the reply.
            raise CustodianUnavailable("sandbox bank: the reply was lost on the way back")
        return Reply(request_no, PROCESSING) if answer_later else Reply(request_no, status, reason)

    def _queue_callback(self, switches: BankFaults, request_no: str, status: str, reason: str) -> None:
        body = json.dumps({"request_no": request_no, "status": status, "reason": reason}, sort_keys=True)
        delay = switches.callback_delay_seconds
        if switches.chaos_seed is not None and switches.chaos_callback_delay_max_seconds:
            delay += _chaos_rng(switches).randint(0, switches.chaos_callback_delay_max_seconds)
        deliver_after = clock.now() + dt.timedelta(seconds=delay)
        copies = 2 if switches.duplicate_callbacks or _chaos(switches, "chaos_duplicate_callback_pct") else 1
        lost = _take_one("lose_next_callbacks") or _chaos(switches, "chaos_lose_callback_pct")
        for _ in range(copies):
            BankCallback.objects.create(
                request_no=request_no,
                body=body,
                deliver_after=deliver_after,
                status=BankCallback.Status.LOST if lost else BankCallback.Status.PENDING,
            )

    def authorise(self, *, request_no: str, account_no: str, scope: str, limit_fen: int) -> Reply:
        with transaction.atomic():
            prior = BankRequest.objects.filter(request_no=request_no).first()
            if prior is not None:
                return Reply(request_no, prior.status, prior.reason)
            status, reason = SUCCEEDED, ""
            if not BankAccount.objects.filter(account_no=account_no).exists():
                status, reason = FAILED, "ACCOUNT_NOT_FOUND"
            elif not isinstance(limit_fen, int) or limit_fen <= 0:
                status, reason = FAILED, "INVALID_LIMIT"
            BankRequest.objects.create(
                request_no=request_no, op="authorise", payload={"account_no": account_no, "scope": scope, "limit_fen": limit_fen},
                status=status, reason=reason, business_date=clock.business_date(),
            )
        return Reply(request_no, status, reason)

    # --- queries -----------------------------------------------------------------
    def query_account(self, *, account_no: str) -> dict[str, int]:
        account = BankAccount.objects.filter(account_no=account_no).first()
        if account is None:
            return {}
        return {"available_fen": account.available_fen, "frozen_fen": account.frozen_fen}

    def query_request(self, *, request_no: str) -> Reply:
        prior = BankRequest.objects.filter(request_no=request_no).first()
        if prior is None:
            return Reply(request_no, NOT_FOUND)
        return Reply(request_no, prior.status, prior.reason, {"business_date": prior.business_date.isoformat()})

    def daily_statement(self, *, business_date: dt.date) -> dict[str, Any]:
        """The day's movements and each account's closing balances for that day
        (today's balances less everything journaled after the day)."""
        lines = [
            {"request_no": r, "op": op, "account_no": a, "bucket": b, "amount_fen": amt}
            for r, op, a, b, amt in BankJournalLine.objects.filter(business_date=business_date)
            .order_by("id")
            .values_list("request_no", "op", "account_no", "bucket", "amount_fen")
        ]
        later = {
            (row["account_no"], row["bucket"]): row["total"]
            for row in BankJournalLine.objects.filter(business_date__gt=business_date)
            .values("account_no", "bucket")
            .annotate(total=Sum("amount_fen"))
        }
        balances = [
            {
                "account_no": acc.account_no,
                "holder_ref": acc.holder_ref,
                "available_fen": acc.available_fen - later.get((acc.account_no, AVAILABLE), 0),
                "frozen_fen": acc.frozen_fen - later.get((acc.account_no, FROZEN), 0),
            }
            for acc in BankAccount.objects.order_by("id")
        ]
        return {"business_date": business_date.isoformat(), "lines": lines, "balances": balances}


def deliver_callbacks(*, limit: int = 200) -> int:
    """Send due callbacks to the platform; returns how many were delivered. In HTTP
    mode they are POSTed to PEERFUND_CALLBACK_URL, otherwise handed over in process."""
    switches = faults()
    order = "-id" if switches.reorder_callbacks else "id"
    due = list(BankCallback.objects.filter(status=BankCallback.Status.PENDING, deliver_after__lte=clock.now()).order_by(order)[:limit])
    if switches.chaos_seed is not None and switches.chaos_reorder_callbacks:
        _chaos_rng(switches).shuffle(due)
    delivered = 0
    for callback in due:
        body = callback.body.encode()
        try:
            _deliver(body, signing.sign(body))
        except Exception:  # the platform was unreachable or failed: try again next round
            BankCallback.objects.filter(pk=callback.pk).update(attempts=F("attempts") + 1)
            continue
        BankCallback.objects.filter(pk=callback.pk).update(status=BankCallback.Status.DELIVERED, attempts=F("attempts") + 1)
        delivered += 1
    return delivered


def _deliver(body: bytes, signature: str) -> None:
    if settings.PEERFUND_CUSTODIAN == "http":
        import urllib.request

        request = urllib.request.Request(  # noqa: S310 (the configured custodian URL, http or https)
            settings.PEERFUND_CALLBACK_URL,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", signing.HEADER: signature},
        )
        with urllib.request.urlopen(request, timeout=settings.PEERFUND_CUSTODIAN_TIMEOUT):  # noqa: S310
            return
    from peerfund.custody.callbacks import callback_receive

    callback_receive(body=body, signature=signature)
