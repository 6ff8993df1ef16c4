"""Reads on users, their cards, verifications and API tokens."""
from django.http import Http404

from peerfund.accounts.models import ApiToken, BankCard, ShippingAddress, User
from peerfund.core.fields import blind_index_for


def api_token_lookup(plaintext: str) -> ApiToken | None:
    return (
        ApiToken.objects.select_related("user")
        .filter(token_hash=ApiToken.hash_token(plaintext), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def user_find_by_phone(phone: str) -> User | None:
    return User.objects.filter(phone_index=blind_index_for(User, "phone_index", phone)).first()


def cards_of(user: User):
    return BankCard.objects.filter(user=user, removed_at__isnull=True)


def card_get_for_user(user: User, card_id: int) -> BankCard:
    """One of the user's own active cards; anyone else's is a 404."""
    card = cards_of(user).filter(pk=card_id).first()
    if card is None:
        raise Http404
    return card


def addresses_of(user: User):
    return ShippingAddress.objects.filter(user=user)


def address_get_for_user(user: User, address_id: int) -> ShippingAddress:
    """One of the user's own addresses; anyone else's is a 404."""
    address = addresses_of(user).filter(pk=address_id).first()
    if address is None:
        raise Http404
    return address
