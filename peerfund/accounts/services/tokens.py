"""API tokens for apps and mini-programs."""
import secrets

from django.db import transaction

from peerfund.accounts.models import ApiToken, User
from peerfund.core import clock


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and the plaintext token, which is not stored."""
    plaintext = "pf_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:60], prefix=plaintext[:8], token_hash=ApiToken.hash_token(plaintext)
        )
    return token, plaintext


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
