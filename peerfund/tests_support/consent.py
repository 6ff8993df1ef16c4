"""Consent for tests: a user who has accepted every published legal document, as a
user who signed up, bid, applied and pledged through the pages would have."""
import importlib


def publish_version_1() -> None:
    """Publish version 1 of every document again where none is published: tests on a
    flushed database (transaction=True, browser tests) lose the data migration's rows."""
    from django.apps import apps

    from peerfund.legal.models import DocumentVersion

    migration = importlib.import_module("peerfund.legal.migrations.0002_publish_version_1")
    if DocumentVersion.objects.filter(status="published").count() < len(migration.DOCUMENTS):
        migration.publish(apps, None)


def accept_all(user, *, ip: str = "127.0.0.1", user_agent: str = "tests") -> list:
    """Accept every currently published document (the acceptances, in the chain)."""
    from peerfund.legal.services import consent_record, published

    return consent_record(user=user, versions=list(published()), ip=ip, user_agent=user_agent, action="tests")
