"""Explicit state machines: a model declares TRANSITIONS {from: {to, …}}; an illegal
move raises, every move is audited (deposit orders, withdrawals, loans, …)."""
from django.db import models

from peerfund.core.audit import audit_record


class IllegalTransition(Exception):
    pass


def transition(obj: models.Model, to: str, *, actor=None, reason: str = "", fields: tuple[str, ...] = ()) -> None:
    allowed = type(obj).TRANSITIONS.get(obj.status, set())
    if to not in allowed:
        raise IllegalTransition(f"{type(obj).__name__} {obj.pk}: {obj.status} -> {to} is not allowed")
    from_state = obj.status
    obj.status = to
    obj.save(update_fields=["status", *fields])
    audit_record(actor=actor, action=f"{type(obj).__name__.lower()}.{to}", obj=obj, from_state=from_state, to_state=to, reason=reason)
