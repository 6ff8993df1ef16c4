"""Trade password (交易密码) and login history.

The trade password is separate from the login password, hashed like it, and asked
for on every money action. Wrong tries count; the fifth locks money actions for three
hours (settings) and tells the user. Logins are recorded so a new device or a new city
triggers a notice.
"""
import datetime as dt
import re

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError, MoneyActionsLocked
from peerfund.accounts.models import LoginRecord, User
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.geo import geo_adapter
from peerfund.notify.services import notify

TRADE_PASSWORD_RE = re.compile(r"^\d{6}$")


def trade_password_set(*, user: User, new: str, current: str | None = None) -> None:
    """Set the trade password (six digits). Changing it needs the current one."""
    if not TRADE_PASSWORD_RE.match(new or ""):
        raise AccountError(_("The trade password is six digits."), "trade_password.format", {"field": "new"})
    if len(set(new)) == 1 or new in "0123456789" or new in "9876543210":
        raise AccountError(_("The trade password is too easy to guess."), "trade_password.weak", {"field": "new"})
    if user.trade_password:
        trade_password_check(user=user, password=current or "")
    user.trade_password = make_password(new)
    user.save(update_fields=["trade_password"])
    audit_record(actor=user, action="trade_password.set", obj=user)


def _lock_message(user: User) -> MoneyActionsLocked:
    until = clock.localtime(user.trade_password_locked_until)
    return MoneyActionsLocked(
        _("Money actions are locked until %(until)s after too many wrong trade passwords.") % {"until": f"{until:%Y-%m-%d %H:%M}"},
        "trade_password.locked",
        {"locked_until": user.trade_password_locked_until.isoformat()},
    )


def trade_password_check(*, user: User, password: str) -> None:
    """Raise unless `password` is the user's trade password. Counts failures in its
    own transaction, so a refused money action still records the wrong try."""
    with transaction.atomic():
        fresh = User.objects.select_for_update().get(pk=user.pk)
        if not fresh.trade_password:
            raise AccountError(_("Set your trade password first."), "trade_password.not_set")
        if fresh.trade_password_locked_until and fresh.trade_password_locked_until > clock.now():
            raise _lock_message(fresh)
        if check_password(password or "", fresh.trade_password):
            if fresh.trade_password_failures:
                fresh.trade_password_failures = 0
                fresh.save(update_fields=["trade_password_failures"])
            return
        fresh.trade_password_failures += 1
        limit = settings.PEERFUND_TRADE_PASSWORD_MAX_FAILURES
        if fresh.trade_password_failures >= limit:
            fresh.trade_password_failures = 0
            fresh.trade_password_locked_until = clock.now() + dt.timedelta(minutes=settings.PEERFUND_TRADE_PASSWORD_LOCK_MINUTES)
            fresh.save(update_fields=["trade_password_failures", "trade_password_locked_until"])
            notify(
                user=fresh,
                event="trade_password.locked",
                context={"failures": limit, "until": f"{clock.localtime(fresh.trade_password_locked_until):%Y-%m-%d %H:%M}"},
            )
            audit_record(actor=fresh, action="trade_password.locked", obj=fresh)
            error = _lock_message(fresh)
        else:
            fresh.save(update_fields=["trade_password_failures"])
            error = AccountError(
                _("Wrong trade password; %(left)s tries left before money actions lock.") % {"left": limit - fresh.trade_password_failures},
                "trade_password.wrong",
                {"field": "trade_password", "tries_left": limit - fresh.trade_password_failures},
            )
    raise error


def user_assert_can_move_money(*, user: User, trade_password: str) -> None:
    """The gate in front of every money action: not frozen, trade password right."""
    if user.is_frozen:
        raise MoneyActionsLocked(_("Your account is frozen; contact customer service."), "account.frozen")
    trade_password_check(user=user, password=trade_password)


def login_record(*, user: User, ip_address: str | None, user_agent: str, device: str) -> LoginRecord:
    """Record a login; the first login from a new device or city (not the very first
    login) sends a security notice."""
    city = geo_adapter().city_of(ip_address)
    previous = LoginRecord.objects.filter(user=user)
    seen_before = previous.exists()
    new_place = seen_before and not previous.filter(device=device, city=city).exists()
    record = LoginRecord.objects.create(user=user, ip_address=ip_address, city=city, device=device, user_agent=(user_agent or "")[:200])
    if new_place:
        notify(user=user, event="login.new_device", context={"city": city or ip_address or "?", "time": f"{clock.localtime(record.created_at):%Y-%m-%d %H:%M}"})
    return record
