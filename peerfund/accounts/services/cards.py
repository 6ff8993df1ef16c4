"""Binding bank cards (绑卡): Luhn, a known bank BIN, the holder's name equal to the
verified name, and the card check adapter; one default card for withdrawals."""
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError

from peerfund.accounts.bins import bank_of
from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import BankCard, User
from peerfund.accounts.services.identity import verified_identity
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import Conflict
from peerfund.core.fields import blind_index_for
from peerfund.notify.services import notify

CHECK_REASONS = {
    "CARD_NOT_ACTIVE": gettext_lazy("The bank says this card is not active."),
    "HOLDER_MISMATCH": gettext_lazy("The bank says this card does not belong to you."),
}


def card_check_adapter():
    return import_string(settings.PEERFUND_CARD_CHECK_ADAPTER)()


def _clean_card_number(raw: str) -> str:
    digits = "".join(ch for ch in (raw or "") if not ch.isspace())
    if not digits.isdigit() or not 16 <= len(digits) <= 19:
        raise AccountError(_("A bank card number has 16 to 19 digits."), "card.format", {"field": "card_number"})
    try:
        luhn.validate(digits)
    except StdnumError as exc:
        raise AccountError(_("This card number is not valid (check the digits)."), "card.checksum", {"field": "card_number"}) from exc
    return digits


def card_bind(*, user: User, card_number: str, holder_name: str) -> BankCard:
    identity = verified_identity(user)
    if identity is None:
        raise AccountError(_("Verify your identity before binding a card."), "card.not_verified")
    number = _clean_card_number(card_number)
    bank = bank_of(number)
    if bank is None:
        raise AccountError(_("We do not support this bank's cards yet."), "card.unknown_bank", {"field": "card_number"})
    if (holder_name or "").strip() != identity.real_name:
        raise AccountError(
            _("The name on the card must be your verified name."), "card.name_mismatch", {"field": "holder_name"}
        )
    if BankCard.objects.filter(card_index=blind_index_for(BankCard, "card_index", number), removed_at__isnull=True).exists():
        raise Conflict(_("This card is already bound to an account."), "card.taken", {"field": "card_number"})
    result = card_check_adapter().check(card_number=number, name=identity.real_name, id_number=identity.id_number)
    if not result.ok:
        raise AccountError(str(CHECK_REASONS.get(result.code, result.code)), f"card.{result.code.lower()}", {"field": "card_number"})
    try:
        with transaction.atomic():
            is_first = not BankCard.objects.filter(user=user, removed_at__isnull=True).exists()
            card = BankCard.objects.create(
                user=user, card_number=number, last4=number[-4:], bank_code=bank[0], bank_name=bank[1], is_default=is_first
            )
            audit_record(actor=user, action="card.bind", obj=card)
            notify(user=user, event="card.bound", context={"bank": bank[1], "last4": number[-4:]})
    except IntegrityError as exc:
        raise Conflict(_("This card is already bound to an account."), "card.taken", {"field": "card_number"}) from exc
    return card


def card_set_default(*, user: User, card: BankCard) -> BankCard:
    with transaction.atomic():
        BankCard.objects.filter(user=user, is_default=True).update(is_default=False)
        BankCard.objects.filter(pk=card.pk).update(is_default=True)
        audit_record(actor=user, action="card.default", obj=card)
    card.refresh_from_db()
    return card


def card_remove(*, user: User, card: BankCard) -> None:
    """Unbind a card; refused while a withdrawal to it is still under way."""
    from peerfund.funds.selectors import withdrawals_pending_to_card

    with transaction.atomic():
        if withdrawals_pending_to_card(card).exists():
            raise Conflict(_("A withdrawal to this card is still in progress; remove it when it is done."), "card.withdrawal_pending")
        card.removed_at = clock.now()
        was_default = card.is_default
        card.is_default = False
        card.save(update_fields=["removed_at", "is_default"])
        if was_default:
            successor = BankCard.objects.filter(user=user, removed_at__isnull=True).order_by("id").first()
            if successor is not None:
                BankCard.objects.filter(pk=successor.pk).update(is_default=True)
        audit_record(actor=user, action="card.remove", obj=card)
