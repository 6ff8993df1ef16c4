"""Helpers that move money the way the platform does, for tests."""
from contextlib import nullcontext

from django.db import transaction

from peerfund.custody.services import custody_deposit, custody_move
from peerfund.ledger.services import user_accounts


def deposit(user, amount_fen: int, capture, key: str | None = None):
    """Deposit through the sandbox custodian and let the outbox run."""
    with capture(execute=True):
        with transaction.atomic():
            instruction = custody_deposit(user=user, amount_fen=amount_fen, key=key or f"dep-{user.pk}-{amount_fen}")
    instruction.refresh_from_db()
    return instruction


def freeze(user, amount_fen: int, capture, key: str):
    accounts = user_accounts(user)
    with capture(execute=True):
        with transaction.atomic():
            return custody_move(
                kind="freeze", legs=[(accounts["user_available"], -amount_fen), (accounts["user_frozen"], amount_fen)], key=key
            )


def pay_deposit(user, amount_fen: int, capture, key: str = "order"):
    """A deposit the way a user makes one: order, payment page, custodian."""
    from peerfund.funds.services.deposits import deposit_order_create, deposit_order_paid

    order = deposit_order_create(user=user, amount_fen=amount_fen, key=key)
    with capture(execute=True):
        deposit_order_paid(order_no=order.order_no)
    order.refresh_from_db()
    return order


def committing(execute=True):
    """Stands in for django_capture_on_commit_callbacks in transactional tests, where
    transactions commit for real and on-commit work runs by itself."""
    return nullcontext()
