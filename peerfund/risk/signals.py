"""Fraud signals: everything the rules can look at for an event, computed from what
the platform already records (logins, evaluations, verifications, cards).

Signal names (rule conditions use these):
  event, amount_fen, age, verified, ip, ip_city, phone_city, city_mismatch, device,
  accounts_per_device_24h, accounts_per_ip_24h, velocity_1h, velocity_24h,
  linked_accounts, blacklisted, blacklist_kinds, blacklist_reasons

Signals are computed lazily, a group at a time, when a rule first reads one: an event
whose rules only look at the blacklist does not count logins. `SignalBatch` serves
many subjects of one event together (a batch of bids), and the groups that read the
database do so once for the whole batch. The evaluation log keeps the groups that
were computed — what the rules looked at.
"""
import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from peerfund.accounts.models import BankCard, LoginRecord, User, Verification
from peerfund.core import clock
from peerfund.core.devices import device_of, ip_of
from peerfund.core.geo import geo_adapter
from peerfund.risk.blacklist import blacklist_hits_many
from peerfund.risk.models import Evaluation


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


def identity_age(identity: Verification | None) -> int | None:
    """Age on the business date from a verified ID's date of birth (None for a firm)."""
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


@dataclass(frozen=True)
class Subject:
    """Who is doing what: one evaluation's input."""

    user: User | None = None
    origin: Origin = UNKNOWN_ORIGIN
    phone: str = ""
    amount_fen: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def phone_number(self) -> str:
        return self.phone or (self.user.phone if self.user else "")


class SignalBatch:
    """The signals of several subjects of one event, each group computed on first
    use for every subject at once."""

    def __init__(self, event: str, subjects: list[Subject]):
        self.event = event
        self.subjects = subjects
        self.now = clock.now()
        self.values: list[dict] = [
            {"event": event, "amount_fen": s.amount_fen, "ip": s.origin.ip, "device": s.origin.device, **s.extra} for s in subjects
        ]
        self._done: set[str] = set()
        self._identities: dict[int, Verification] | None = None

    def __getitem__(self, number: int) -> "Signals":
        return Signals(self, number)

    def __len__(self) -> int:
        return len(self.subjects)

    def ensure(self, group: str) -> None:
        if group not in self._done:
            for values, computed in zip(self.values, _GROUPS[group](self), strict=True):
                values.update(computed)
            self._done.add(group)

    def identity(self, subject: Subject) -> Verification | None:
        if self._identities is None:
            users = [s.user.pk for s in self.subjects if s.user is not None]
            verified = Verification.objects.filter(user_id__in=users, status=Verification.Status.VERIFIED).only("user_id", "id_number", "birth_date")
            self._identities = {v.user_id: v for v in verified}
        return self._identities.get(subject.user.pk) if subject.user else None


class Signals(Mapping):
    """One subject's signals as the rules engine reads them: a mapping whose values are
    computed when first read."""

    def __init__(self, batch: SignalBatch, number: int):
        self._batch = batch
        self._number = number

    def __getitem__(self, name: str):
        values = self._batch.values[self._number]
        if name not in values and name in _GROUP_OF:
            self._batch.ensure(_GROUP_OF[name])
        return values[name]

    def __contains__(self, name) -> bool:
        return name in _GROUP_OF or name in self._batch.values[self._number]

    def __iter__(self) -> Iterator[str]:
        return iter(self.computed())

    def __len__(self) -> int:
        return len(self.computed())

    def computed(self) -> dict:
        """The signals computed so far (what the evaluation log keeps)."""
        return dict(self._batch.values[self._number])


def _identity_group(batch: SignalBatch) -> list[dict]:
    return [{"age": identity_age(identity), "verified": identity is not None} for identity in map(batch.identity, batch.subjects)]


def _cities_group(batch: SignalBatch) -> list[dict]:
    rows = []
    geo = geo_adapter()
    for subject in batch.subjects:
        ip_city, phone_city = geo.city_of(subject.origin.ip), geo.city_of_phone(subject.phone_number)
        mismatch = bool(ip_city and phone_city and ip_city != phone_city and ip_city not in ("本机", "内网", "未知"))
        rows.append({"ip_city": ip_city, "phone_city": phone_city, "city_mismatch": mismatch})
    return rows


def _crowd_group(batch: SignalBatch) -> list[dict]:
    day_ago = batch.now - dt.timedelta(hours=24)
    return [
        {
            "accounts_per_device_24h": _accounts_seen("device", s.origin.device, day_ago),
            "accounts_per_ip_24h": _accounts_seen("ip_address", s.origin.ip, day_ago) if s.origin.ip else 0,
        }
        for s in batch.subjects
    ]


def _velocity_group(batch: SignalBatch) -> list[dict]:
    rows = []
    for subject in batch.subjects:
        history = Evaluation.objects.filter(user=subject.user, event=batch.event) if subject.user else Evaluation.objects.none()
        rows.append({
            "velocity_1h": history.filter(created_at__gte=batch.now - dt.timedelta(hours=1)).count(),
            "velocity_24h": history.filter(created_at__gte=batch.now - dt.timedelta(hours=24)).count(),
        })
    return rows


def _links_group(batch: SignalBatch) -> list[dict]:
    return [{"linked_accounts": _linked_accounts(s.user, s.origin.device)} for s in batch.subjects]


def _blacklist_group(batch: SignalBatch) -> list[dict]:
    users = [s.user.pk for s in batch.subjects if s.user is not None]
    cards: dict[int, list[str]] = {}
    for card in BankCard.objects.filter(user_id__in=users, removed_at__isnull=True):
        cards.setdefault(card.user_id, []).append(card.card_number)
    queries = []
    for subject in batch.subjects:
        identity = batch.identity(subject)
        queries.append({
            "phone": subject.phone_number,
            "id_number": identity.id_number if identity else "",
            "device": subject.origin.device,
            "ip": subject.origin.ip,
            "cards": cards.get(subject.user.pk, []) if subject.user else [],
        })
    return [
        {
            "blacklisted": bool(hits),
            "blacklist_kinds": sorted({hit["kind"] for hit in hits}),
            "blacklist_reasons": [f"{hit['source']}:{hit['kind']}: {hit['reason']}" for hit in hits],
        }
        for hits in blacklist_hits_many(queries)
    ]


_GROUPS: dict[str, Callable[[SignalBatch], list[dict]]] = {
    "identity": _identity_group,
    "cities": _cities_group,
    "crowd": _crowd_group,
    "velocity": _velocity_group,
    "links": _links_group,
    "blacklist": _blacklist_group,
}
_GROUP_OF = {
    "age": "identity", "verified": "identity",
    "ip_city": "cities", "phone_city": "cities", "city_mismatch": "cities",
    "accounts_per_device_24h": "crowd", "accounts_per_ip_24h": "crowd",
    "velocity_1h": "velocity", "velocity_24h": "velocity",
    "linked_accounts": "links",
    "blacklisted": "blacklist", "blacklist_kinds": "blacklist", "blacklist_reasons": "blacklist",
}


def collect(*, event: str, user: User | None = None, origin: Origin = UNKNOWN_ORIGIN, phone: str = "", amount_fen: int | None = None, extra: dict | None = None) -> Signals:
    """One subject's signals for `event`."""
    return SignalBatch(event, [Subject(user=user, origin=origin, phone=phone, amount_fen=amount_fen, extra=extra or {})])[0]
