"""Fixtures shared by every app's tests: the three personas (owner, another user,
staff), a platform with its custody accounts open, and API clients."""
import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from peerfund.core import clock

# Hypothesis's timing checks (a slow example, slow input generation) fail on a busy
# 2-core CI machine without saying anything about the code; its checks of the
# properties themselves stay.
hypothesis_settings.register_profile("peerfund", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("peerfund")

POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://… (.ci/run runs the suite again on PostgreSQL)")
    for item in items:
        if "postgresql" in item.keywords and not POSTGRES:
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def _sandbox_reset(settings):
    settings.PEERFUND_CUSTODIAN = "inprocess"
    # A clock moved by the previous test was rolled back with its transaction.
    clock.forget_offset()
    # The process's memory cache outlives a test's transaction: without this, rate
    # limits spent by an earlier test (SMS codes to the same number at sign-up) refuse
    # a later one. A shared Redis cache is left alone.
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        cache.clear()
    yield
    clock.forget_offset()


@pytest.fixture
def platform(db):
    """Platform custody accounts open at the sandbox bank."""
    from peerfund.custody.services import platform_accounts_open

    platform_accounts_open()


@pytest.fixture
def bank_faults(db):
    """Set sandbox bank fault switches: bank_faults(async_callbacks=True, …)."""
    from peerfund.sandbox.bank import faults
    from peerfund.sandbox.models import BankFaults

    def set_(**switches):
        faults()
        BankFaults.objects.filter(id=1).update(**switches)

    return set_


@pytest.fixture
def make_user(db):
    from peerfund.tests_support.factories import UserFactory

    return UserFactory


@pytest.fixture
def owner(platform, make_user):
    from peerfund.custody.services import custody_account_open

    user = make_user(username="owner")
    custody_account_open(user=user)
    return user


@pytest.fixture
def other_user(platform, make_user):
    from peerfund.custody.services import custody_account_open

    user = make_user(username="other")
    custody_account_open(user=user)
    return user


@pytest.fixture
def staff(make_user):
    """A staff member with the admin role (every back-office permission)."""
    from peerfund.backoffice.roles import staff_with_role

    user = make_user(username="staff")
    staff_with_role(user, "admin")
    return user


@pytest.fixture
def staff_with(make_user):
    """staff_with("finance", "checker") -> a staff member with that role."""
    from peerfund.backoffice.roles import staff_with_role

    def build(role: str, username: str | None = None):
        user = make_user(username=username or f"staff-{role}")
        staff_with_role(user, role)
        return user

    return build


@pytest.fixture
def investor(platform, make_user):
    """A fully onboarded user (verified, card, trade password, risk level); `.card`."""
    from peerfund.tests_support.people import onboard

    user = make_user(username="investor")
    user.card = onboard(user, identity=0)
    return user


@pytest.fixture
def other_investor(platform, make_user):
    from peerfund.tests_support.people import onboard

    user = make_user(username="other-investor")
    user.card = onboard(user, identity=1)
    return user


@pytest.fixture
def funded(owner, django_capture_on_commit_callbacks):
    """`owner` with ¥10,000 deposited through the custodian."""
    from peerfund.tests_support.money import deposit

    deposit(owner, 1_000_000, django_capture_on_commit_callbacks)
    return owner


@pytest.fixture
def api_client_for(db):
    """A Django test client that authenticates with a fresh bearer token."""
    from django.test import Client

    from peerfund.accounts.services import api_token_create

    def build(user):
        _token, plaintext = api_token_create(user=user, name="tests")
        return Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")

    return build


@pytest.fixture
def on_postgresql():
    return connection.vendor == "postgresql"


@pytest.fixture(scope="session")
def artefact():
    """The credit scorecard fitted once per test process (about two seconds)."""
    from peerfund.risk.training import fit_artefact

    return fit_artefact(scaling=dict(settings.PEERFUND_SCORE_SCALING))


@pytest.fixture
def active_model(db, artefact):
    from peerfund.risk.models import ScoreModel
    from peerfund.risk.services import score_model_activate

    model = ScoreModel.objects.create(version="test-1", artefact=artefact, metrics={}, data_sha256="x", features=[])
    return score_model_activate(staff=None, model=model)


@pytest.fixture(scope="session")
def artifacts_dir():
    path = os.path.join(settings.BASE_DIR, "test-artifacts")
    os.makedirs(path, exist_ok=True)
    return path



def _uses_database(item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return bool(names & {"db", "transactional_db", "django_db_setup"}) or item.get_closest_marker("django_db") is not None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After every test's flows, while its data still exists: the ledger's invariants
    hold and the books match the custodian (tests that damage the books on purpose
    carry the `corrupts_books` marker)."""
    result = yield
    if item.get_closest_marker("corrupts_books") or not _uses_database(item):
        return result
    from peerfund.custody.models import CustodyAccount
    from peerfund.ledger.invariants import ledger_check
    from peerfund.ledger.models import Entry

    if Entry.objects.exists():
        violations = ledger_check(include_external=CustodyAccount.objects.exists())
        assert not violations, "books unsound after the test: " + "; ".join(f"[{v.check}] {v.detail}" for v in violations)
    return result
