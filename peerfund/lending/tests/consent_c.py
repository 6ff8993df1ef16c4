"""Accepting the documents an application needs (the legal app's consent gate), for
tests of the application pages and API: consent is not what they test."""


def consent_to_apply(user) -> None:
    try:
        from peerfund.legal.services import Action, consent_missing, consent_record
    except ImportError:  # the consent gate is not installed
        return
    consent_record(user=user, versions=consent_missing(user, Action.APPLY), action=Action.APPLY)
