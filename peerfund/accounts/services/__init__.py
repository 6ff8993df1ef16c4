"""Writes of the user centre, one module per domain: tokens, security (trade
password, logins), identity, cards, risk, invitations."""
from peerfund.accounts.services.tokens import api_token_create, api_token_revoke

__all__ = ["api_token_create", "api_token_revoke"]
