"""Reads on users and API tokens."""
from peerfund.accounts.models import ApiToken, User
from peerfund.core.fields import blind_index_for


def api_token_lookup(plaintext: str) -> ApiToken | None:
    return (
        ApiToken.objects.select_related("user")
        .filter(token_hash=ApiToken.hash_token(plaintext), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def user_find_by_phone(phone: str) -> User | None:
    return User.objects.filter(phone_index=blind_index_for(User, "phone_index", phone)).first()
