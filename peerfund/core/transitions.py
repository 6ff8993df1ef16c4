"""Explicit state machines: a model declares TRANSITIONS {from: {to, …}}; an illegal
move raises, every move is audited (deposit orders, withdrawals, loans, …)."""
from django.db import models

from peerfund.core.audit import audit_record
from peerfund.core.bulk import insert_objects
from peerfund.core.models import AuditLog


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


def transition_many(objs: list[models.Model], to: str, *, reason: str = "") -> None:
    """`transition` for many objects of one model (the daily close settling a batch of
    loans): one UPDATE and one audit insert."""
    if not objs:
        return
    model = type(objs[0])
    for obj in objs:
        if to not in model.TRANSITIONS.get(obj.status, set()):
            raise IllegalTransition(f"{model.__name__} {obj.pk}: {obj.status} -> {to} is not allowed")
    insert_objects([
        AuditLog(action=f"{model.__name__.lower()}.{to}", object_type=model._meta.label_lower, object_id=str(obj.pk),
                 from_state=obj.status, to_state=to, reason=reason, data={})
        for obj in objs
    ])
    model.objects.filter(pk__in=[obj.pk for obj in objs]).update(status=to)
    for obj in objs:
        obj.status = to
