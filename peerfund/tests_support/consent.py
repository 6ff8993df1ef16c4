"""Consent for tests: a user who has accepted every published legal document, as a
user who signed up, bid, applied and pledged through the pages would have."""


def accept_all(user, *, ip: str = "127.0.0.1", user_agent: str = "tests") -> list:
    """Accept every currently published document (the acceptances, in the chain)."""
    from peerfund.legal.services import consent_record, published

    return consent_record(user=user, versions=list(published()), ip=ip, user_agent=user_agent, action="tests")
