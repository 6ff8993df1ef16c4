"""Blacklists: the internal one staff keep (with reason and expiry) and the external
provider's. Values are normalised per kind, stored encrypted, matched by blind index."""
from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.fields import blind_index_for
from peerfund.core.phones import normalize_phone
from peerfund.risk.models import BlacklistEntry

Kind = BlacklistEntry.Kind


def normalize(kind: str, value: str) -> str:
    value = (value or "").strip()
    if kind == Kind.PHONE:
        return normalize_phone(value)
    if kind in (Kind.ID_NUMBER, Kind.CARD):
        return "".join(ch for ch in value if ch.isalnum()).upper()
    return value


def blacklist_add(*, staff, kind: str, value: str, reason: str, expires_at=None) -> BlacklistEntry:
    if kind not in Kind.values:
        raise AccountError(_("Choose what to blacklist."), "blacklist.kind", {"field": "kind"})
    if not (value or "").strip() or not (reason or "").strip():
        raise AccountError(_("Give the value and the reason."), "blacklist.required", {"field": "value"})
    entry = BlacklistEntry.objects.create(kind=kind, value=normalize(kind, value), reason=reason.strip(), expires_at=expires_at, created_by=staff)
    audit_record(actor=staff, action="blacklist.add", obj=entry, reason=reason)
    return entry


def blacklist_remove(*, staff, entry: BlacklistEntry, reason: str) -> None:
    BlacklistEntry.objects.filter(pk=entry.pk).update(removed_at=clock.now())
    audit_record(actor=staff, action="blacklist.remove", obj=entry, reason=reason)


def external_provider():
    return import_string(settings.PEERFUND_BLACKLIST_ADAPTER)()


def blacklist_hits(*, cards: list[str] = (), **values: str) -> list[dict]:
    """Which of the given values (id_number=, phone=, card=, device=, ip=, and any
    number of `cards`) are listed, internally (active, unexpired) or by the external
    provider."""
    return blacklist_hits_many([{**values, "cards": cards}])[0]


def blacklist_hits_many(subjects: list[dict]) -> list[list[dict]]:
    """`blacklist_hits` for many subjects at once: one query for the internal list,
    whatever their number. Each subject is a dict of the same keyword values."""
    wanted = []
    for number, values in enumerate(subjects):
        pairs = [(kind, raw) for kind, raw in values.items() if kind != "cards" and raw]
        pairs += [(Kind.CARD, card) for card in values.get("cards", ()) if card]
        wanted += [(number, kind, blind_index_for(BlacklistEntry, "value_index", normalize(kind, raw))) for kind, raw in pairs]
    listed: dict[tuple[str, str], list[BlacklistEntry]] = {}
    if wanted:
        active = BlacklistEntry.objects.filter(removed_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=clock.now()))
        for entry in active.filter(value_index__in={index for _n, _k, index in wanted}).order_by("id"):
            listed.setdefault((entry.kind, entry.value_index), []).append(entry)
    hits: list[list[dict]] = [[] for _subject in subjects]
    for number, kind, index in dict.fromkeys(wanted):
        hits[number] += [{"kind": entry.kind, "source": "internal", "reason": entry.reason} for entry in listed.get((kind, index), ())]
    provider = external_provider()
    for number, values in enumerate(subjects):
        external = provider.lookup(
            id_number=normalize(Kind.ID_NUMBER, values.get("id_number", "")), phone=normalize(Kind.PHONE, values.get("phone", ""))
        )
        hits[number] += [{"kind": hit.kind, "source": "external", "reason": hit.reason} for hit in external]
    return hits
