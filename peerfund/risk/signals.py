"""Fraud signals: everything the rules can look at for an event, computed from what
the platform already records (logins, evaluations, verifications, cards).

Signal names (rule conditions use these):
  event, amount_fen, age, verified, ip, ip_city, phone_city, city_mismatch, device,
  accounts_per_device_24h, accounts_per_ip_24h, velocity_1h, velocity_24h,
  linked_accounts, blacklisted, blacklist_kinds
"""
import datetime as dt
from dataclasses import dataclass

from peerfund.accounts.models import BankCard, LoginRecord, User, Verification
from peerfund.core import clock
from peerfund.core.devices import device_of, ip_of
from peerfund.risk.blacklist import blacklist_hits
from peerfund.risk.models import Evaluation
from peerfund.sandbox.geo import city_of, city_of_phone


@dataclass(frozen=True)
class Origin:
    """Where a request came from: IP and device fingerprint."""

    ip: str = ""
    device: str = ""

    @classmethod
    def of(cls, request) -> "Origin":
        if request is None:
            return cls()
        return cls(ip=ip_of(request), device=device_of(request))


UNKNOWN_ORIGIN = Origin()


def _age(identity: Verification | None) -> int | None:
    if identity is None or identity.birth_date is None:
        return None
    today, birth = clock.business_date(), identity.birth_date
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _accounts_seen(field: str, value: str, since) -> int:
    if not value:
        return 0
    return LoginRecord.objects.filter(**{field: value}, created_at__gte=since).values("user").distinct().count()


def _linked_accounts(user: User | None, device: str) -> int:
    """Other accounts sharing this user's phone, a bank card or a device."""
    if user is None:
        return 0
    others: set[int] = set()
    if user.phone_index:
        others |= set(User.objects.filter(phone_index=user.phone_index).exclude(pk=user.pk).values_list("pk", flat=True))
    card_indexes = BankCard.objects.filter(user=user).values_list("card_index", flat=True)
    others |= set(BankCard.objects.filter(card_index__in=list(card_indexes)).exclude(user=user).values_list("user_id", flat=True))
    devices = set(LoginRecord.objects.filter(user=user).values_list("device", flat=True)) | ({device} if device else set())
    others |= set(LoginRecord.objects.filter(device__in=devices).exclude(user=user).values_list("user_id", flat=True))
    return len(others)


def collect(*, event: str, user: User | None = None, origin: Origin = UNKNOWN_ORIGIN, phone: str = "", amount_fen: int | None = None, extra: dict | None = None) -> dict:
    now = clock.now()
    day_ago = now - dt.timedelta(hours=24)
    phone = phone or (user.phone if user else "")
    identity = Verification.objects.filter(user=user, status=Verification.Status.VERIFIED).first() if user else None
    ip_city = city_of(origin.ip)
    phone_city = city_of_phone(phone)
    history = Evaluation.objects.filter(user=user, event=event) if user else Evaluation.objects.none()
    cards = [card.card_number for card in BankCard.objects.filter(user=user, removed_at__isnull=True)] if user else []
    hits = blacklist_hits(phone=phone, id_number=identity.id_number if identity else "", device=origin.device, ip=origin.ip, cards=cards)
    signals = {
        "event": event,
        "amount_fen": amount_fen,
        "age": _age(identity),
        "verified": identity is not None,
        "ip": origin.ip,
        "ip_city": ip_city,
        "phone_city": phone_city,
        "city_mismatch": bool(ip_city and phone_city and ip_city != phone_city and ip_city not in ("本机", "内网", "未知")),
        "device": origin.device,
        "accounts_per_device_24h": _accounts_seen("device", origin.device, day_ago),
        "accounts_per_ip_24h": _accounts_seen("ip_address", origin.ip, day_ago) if origin.ip else 0,
        "velocity_1h": history.filter(created_at__gte=now - dt.timedelta(hours=1)).count(),
        "velocity_24h": history.filter(created_at__gte=day_ago).count(),
        "linked_accounts": _linked_accounts(user, origin.device),
        "blacklisted": bool(hits),
        "blacklist_kinds": sorted({hit["kind"] for hit in hits}),
        "blacklist_reasons": [f"{hit['source']}:{hit['kind']}: {hit['reason']}" for hit in hits],
    }
    signals.update(extra or {})
    return signals

