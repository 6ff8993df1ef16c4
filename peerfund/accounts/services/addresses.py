"""The address book: where a backer's rewards are shipped."""
from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import PROVINCES, ShippingAddress, User
from peerfund.core.phones import is_valid_mobile, normalize_phone

MAX_ADDRESSES = 20


def address_save(*, user: User, recipient: str, phone: str, province: str, city: str, street: str, make_default: bool = False) -> ShippingAddress:
    """Add an address; the first one (or one asked for) becomes the default."""
    recipient, city, street = recipient.strip(), city.strip(), street.strip()
    if not recipient or not city or not street:
        raise AccountError(_("Give the recipient, city and street."), "address.required", {"field": "street" if recipient else "recipient"})
    if len(recipient) > 30 or len(city) > 30 or len(street) > 120:
        raise AccountError(_("The recipient and city take at most 30 characters, the street 120."), "address.too_long", {"field": "street"})
    if province not in PROVINCES:
        raise AccountError(_("Choose a province."), "address.province", {"field": "province"})
    if not is_valid_mobile(phone):
        raise AccountError(_("Enter a valid mainland mobile number."), "address.phone", {"field": "phone"})
    with transaction.atomic():
        existing = ShippingAddress.objects.select_for_update().filter(user=user)
        count = existing.count()
        if count >= MAX_ADDRESSES:
            raise AccountError(_("An address book holds at most %(n)s addresses.") % {"n": MAX_ADDRESSES}, "address.too_many")
        default = make_default or count == 0
        if default:
            existing.update(is_default=False)
        return ShippingAddress.objects.create(
            user=user, recipient=recipient, phone=normalize_phone(phone), province=province, city=city, street=street, is_default=default
        )


def address_remove(*, user: User, address: ShippingAddress) -> None:
    with transaction.atomic():
        address.delete()
        if address.is_default:
            nxt = ShippingAddress.objects.filter(user=user).order_by("id").first()
            if nxt is not None:
                ShippingAddress.objects.filter(pk=nxt.pk).update(is_default=True)
