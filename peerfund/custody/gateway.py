"""The custodian bank as the platform sees it: a protocol modelled on real custody
APIs (银行存管). Every call carries a unique request number; the bank de-duplicates
on it, so re-sending after a time-out is always safe. A reply is final
("succeeded"/"failed") or "processing", in which case the result arrives later in an
HMAC-signed callback, possibly repeated or out of order.

`get_custodian()` returns the configured implementation: the sandbox bank called in
process, or any custodian spoken to over HTTP (`HttpCustodian`).
"""
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

SUCCEEDED = "succeeded"
FAILED = "failed"
PROCESSING = "processing"
NOT_FOUND = "not_found"

AVAILABLE = "available"
FROZEN = "frozen"


class CustodianUnavailable(Exception):
    """The request may not have reached the bank (time-out, connection refused).
    The instruction stays in the outbox and is re-sent with the same request number."""


@dataclass(frozen=True)
class Reply:
    request_no: str
    status: str
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class Custodian(Protocol):
    def open_account(self, *, request_no: str, holder_ref: str, name: str) -> Reply: ...

    def deposit(self, *, request_no: str, account_no: str, amount_fen: int) -> Reply: ...

    def withdraw(self, *, request_no: str, account_no: str, bucket: str, amount_fen: int) -> Reply: ...

    def freeze(self, *, request_no: str, account_no: str, amount_fen: int) -> Reply: ...

    def unfreeze(self, *, request_no: str, account_no: str, amount_fen: int) -> Reply: ...

    def transfer(
        self, *, request_no: str, from_account: str, from_bucket: str, to_account: str, to_bucket: str, amount_fen: int
    ) -> Reply: ...

    def batch_transfer(self, *, request_no: str, items: list[dict[str, Any]]) -> Reply: ...

    def query_account(self, *, account_no: str) -> dict[str, int]: ...

    def query_request(self, *, request_no: str) -> Reply: ...

    def authorise(self, *, request_no: str, account_no: str, scope: str, limit_fen: int) -> Reply:
        """The account holder lets the platform act for them within a limit (e.g.
        auto-invest bids, 自动投标授权). The bank keeps the authorisation."""
        ...

    def daily_statement(self, *, business_date: dt.date) -> dict[str, Any]: ...


# Operations that move money and go through the outbox, and the method each calls.
MONEY_OPS = ("deposit", "withdraw", "freeze", "unfreeze", "transfer", "batch_transfer")


def send(custodian: Custodian, *, op: str, request_no: str, payload: dict[str, Any]) -> Reply:
    if op not in MONEY_OPS:
        raise ValueError(f"unknown custody operation {op!r}")
    return getattr(custodian, op)(request_no=request_no, **payload)


_BACKENDS = {
    "inprocess": "peerfund.sandbox.bank.SandboxBank",
    "http": "peerfund.custody.http_client.HttpCustodian",
}


def get_custodian() -> Custodian:
    backend = settings.PEERFUND_CUSTODIAN
    return import_string(_BACKENDS.get(backend, backend))()
