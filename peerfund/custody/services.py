"""Money that moves at the custodian, written so the ledger and the bank never drift
apart silently.

Two flows:
- ledger-first (`custody_move`): inside the caller's transaction the ledger entry is
  posted and the mirroring bank instruction is written to the outbox; after commit the
  outbox sends it. A bank rejection is compensated by a reversing entry and an alert.
- bank-first (`custody_deposit`): money arriving from outside is booked only when the
  bank confirms it, by reply or by callback.
"""
import hashlib

from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.core import clock
from peerfund.core.bulk import insert_objects
from peerfund.core.errors import ApplicationError
from peerfund.core.money import MAX_FEN
from peerfund.custody.gateway import SUCCEEDED, get_custodian
from peerfund.custody.mapping import Locator, NoCustodyAccount, instruction_for_legs
from peerfund.custody.models import CustodyAccount, Instruction
from peerfund.custody.ordering import lanes_open
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.models import Entry


class CustodyError(ApplicationError):
    pass


def custody_account_open(*, user=None, platform_code: str | None = None) -> CustodyAccount:
    """Open (or return) the sub-account of a user or of the platform. Idempotent: the
    request number is derived from the holder, and the bank keys accounts on it too."""
    lookup = {"owner": user} if user is not None else {"platform_code": platform_code}
    existing = CustodyAccount.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    holder_ref = f"user:{user.pk}" if user is not None else f"platform:{platform_code}"
    name = (user.display_name or user.username) if user is not None else str(platform_code)
    reply = get_custodian().open_account(request_no=f"OPEN-{holder_ref}", holder_ref=holder_ref, name=name)
    if reply.status != SUCCEEDED:
        raise CustodyError(_("The custodian bank could not open the account: %(reason)s") % {"reason": reply.reason}, "custody.open_failed")
    account, _created = CustodyAccount.objects.get_or_create(**lookup, defaults={"account_no": reply.data["account_no"]})
    if user is not None:
        ledger.user_accounts(user)
    return account


def platform_accounts_open() -> None:
    for code in CustodyAccount.PlatformCode.values:
        custody_account_open(platform_code=code)


def _request_no(prefix: str, key: str) -> str:
    # Request numbers are what the bank de-duplicates on; deriving them from the
    # business key makes a retried use case produce the same number.
    return f"{prefix}-{hashlib.sha256(key.encode()).hexdigest()[:24]}"


def enqueue_instructions(ids: list[int], *, queued: bool = False) -> None:
    """Send these outbox instructions after the current transaction commits, by one
    task. Unless the caller says it has already `queued` them on their sub-accounts
    (custody.ordering), they are queued here: one read of the new rows, one insert."""
    from peerfund.custody.tasks import custody_dispatch

    if not ids:
        return
    if not queued:
        lanes_open(Instruction.objects.filter(pk__in=ids).values_list("pk", "op", "payload"))
    transaction.on_commit(lambda: custody_dispatch(*ids))


def custody_move(*, kind: str, legs: list, key: str, ref: str = "", memo: str = "", actor=None) -> Entry:
    """Post a ledger entry and, in the same transaction, queue the bank instruction
    that mirrors it. Call inside the use case's transaction. Idempotent on `key`."""
    return custody_move_many([ledger.EntrySpec(kind=kind, legs=legs, key=key, ref=ref, memo=memo, actor=actor)])[0]


def custody_move_many(specs: list[ledger.EntrySpec]) -> list[Entry]:
    """`custody_move` for a batch (a batch of bids): entries posted with
    `ledger.post_many`, their instructions written in one statement and sent by one
    task after commit. Idempotent per key; all or nothing."""
    locator = Locator()
    locator.prefetch({account.owner_id for spec in specs for account, _amount in spec.legs if account.owner_id})
    mirrors = []
    for spec in specs:
        try:
            mirrored = instruction_for_legs([(a, amt) for a, amt in spec.legs], locator)
        except NoCustodyAccount as exc:
            raise CustodyError(_("This account has no custody sub-account yet."), "custody.no_account") from exc
        if mirrored is not None and mirrored.op == "deposit":
            raise ValueError("money arriving from outside is booked by custody_deposit on the bank's confirmation")
        mirrors.append(mirrored)
    with transaction.atomic():
        entries = ledger.post_many(specs)
        wanted = {
            _request_no("MV", spec.key): (spec, entry, mirrored)
            for spec, entry, mirrored in zip(specs, entries, mirrors, strict=True)
            if mirrored is not None
        }
        sent = set(Instruction.objects.filter(request_no__in=list(wanted)).values_list("request_no", flat=True))
        fresh = [request_no for request_no in wanted if request_no not in sent]
        now = clock.now()
        instructions = []
        for request_no in fresh:
            spec, entry, mirrored = wanted[request_no]
            instructions.append(Instruction(
                request_no=request_no, op=mirrored.op, payload=mirrored.payload, ref=spec.ref[:80], entry=entry,
                business_date=entry.business_date, next_attempt_at=now,
            ))
        insert_objects(instructions)
        if fresh:  # COPY returns no ids: read them back by request number
            ids = dict(Instruction.objects.filter(request_no__in=fresh).values_list("request_no", "pk"))
            # Queue each on the sub-accounts it touches, so the bank gets them in
            # the order of their entries (custody.ordering).
            lanes_open((ids[i.request_no], i.op, i.payload) for i in instructions)
            enqueue_instructions(sorted(ids.values()), queued=True)
    return entries


def _incoming(*, request_no: str, account: CustodyAccount, amount_fen: int, key: str, owner=None, ref: str = "") -> Instruction:
    """Queue money arriving from outside into `account`: bank-first, booked when the
    bank confirms. Idempotent on the request number; the same key with another
    amount is refused."""
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0 or amount_fen > MAX_FEN:
        raise CustodyError(_("Enter an amount greater than zero."), "custody.invalid_amount", {"amount_fen": amount_fen})
    with transaction.atomic():
        instruction, created = Instruction.objects.get_or_create(
            request_no=request_no,
            defaults={
                "op": "deposit",
                "payload": {"account_no": account.account_no, "amount_fen": amount_fen},
                "ref": ref[:80],
                "owner": owner,
                "business_date": clock.business_date(),
                "next_attempt_at": clock.now(),
            },
        )
        if not created and instruction.payload.get("amount_fen") != amount_fen:
            raise CustodyError(_("This deposit key was already used for another amount."), "custody.key_conflict", {"key": key})
        if created:  # money from outside waits for nothing (custody.ordering)
            enqueue_instructions([instruction.pk], queued=True)
    return instruction


def custody_deposit(*, user, amount_fen: int, key: str, ref: str = "") -> Instruction:
    """Ask the bank to take `amount_fen` in from the user's card. Booked in the ledger
    when the bank confirms it. Idempotent on `key`."""
    account = CustodyAccount.objects.filter(owner=user).first()
    if account is None:
        raise CustodyError(_("Open your custody account before depositing."), "custody.no_account")
    return _incoming(request_no=_request_no("DP", f"{user.pk}:{key}"), account=account, amount_fen=amount_fen, key=key, owner=user, ref=ref)


def custody_platform_fund(*, amount_fen: int, key: str) -> Instruction:
    """The operator pays its own money into the marketing account (for invitation
    rewards); booked as platform funding when the bank confirms it."""
    account = CustodyAccount.objects.get(platform_code=CustodyAccount.PlatformCode.MARKETING)
    return _incoming(request_no=_request_no("PF", key), account=account, amount_fen=amount_fen, key=key)


def deposit_entry_post(instruction: Instruction) -> Entry:
    """Book a confirmed deposit: from the clearing account to the user's balance, or
    to the marketing account for the platform's own funding."""
    amount = instruction.payload["amount_fen"]
    clearing = ledger.platform_account(AccountKind.CUSTODY_CLEARING)
    if instruction.owner_id is None:
        kind, target = "platform_funding", ledger.platform_account(AccountKind.PLATFORM_MARKETING)
    else:
        kind, target = "deposit", ledger.account_get_or_open(kind=AccountKind.USER_AVAILABLE, owner=instruction.owner)
    return ledger.post(
        kind=kind,
        legs=[(clearing, -amount), (target, amount)],
        key=f"custody:{instruction.request_no}",
        ref=instruction.request_no,
        memo="deposit confirmed by custodian",
    )



def custody_authorise(*, user, scope: str, limit_fen: int) -> str:
    """Ask the bank for the user's standing authorisation (e.g. auto-invest bids up to
    a limit). Returns the bank's request number as the authorisation reference."""
    account = CustodyAccount.objects.filter(owner=user).first()
    if account is None:
        raise CustodyError(_("Open your custody account first."), "custody.no_account")
    request_no = _request_no("AU", f"{user.pk}:{scope}:{limit_fen}")
    reply = get_custodian().authorise(request_no=request_no, account_no=account.account_no, scope=scope, limit_fen=limit_fen)
    if reply.status != SUCCEEDED:
        raise CustodyError(_("The custodian bank refused the authorisation: %(reason)s") % {"reason": reply.reason}, "custody.authorise_failed")
    return request_no


def custody_reverse(*, entry: Entry, key: str, reason: str, actor=None) -> Entry:
    """A manual adjustment: post the exact negation of `entry` and queue the bank
    instruction that mirrors it, like any other move. Money the bank would have to
    bring in from outside (undoing a withdrawal) cannot be reversed this way."""
    try:
        return custody_move_many([ledger.reversal_spec(entry=entry, key=key, reason=reason, actor=actor)])[0]
    except ValueError as exc:
        raise CustodyError(_("This entry brought money in from outside; the bank must return it, it cannot be reversed here."), "custody.reverse_inflow") from exc
