import pytest
from django.conf import settings


@pytest.fixture(scope="session")
def artefact():
    """The scorecard fitted once per test process (about two seconds)."""
    from peerfund.risk.training import fit_artefact

    return fit_artefact(scaling=dict(settings.PEERFUND_SCORE_SCALING))


@pytest.fixture
def active_model(db, artefact):
    from peerfund.risk.models import ScoreModel
    from peerfund.risk.services import score_model_activate

    model = ScoreModel.objects.create(version="test-1", artefact=artefact, metrics={}, data_sha256="x", features=[])
    return score_model_activate(staff=None, model=model)


GOOD = {
    "status_of_existing_checking_account": "no checking account",
    "duration_in_month": 12,
    "credit_history": "critical account/ other credits existing (not at this bank)",
    "purpose": "car (used)",
    "credit_amount": 20_000,
    "savings_account_and_bonds": "... >= 1000 DM",
    "present_employment_since": "... >= 7 years",
    "installment_rate_in_percentage_of_disposable_income": 2,
    "other_debtors_or_guarantors": "guarantor",
    "present_residence_since": 4,
    "property": "real estate",
    "age_in_years": 45,
    "other_installment_plans": "none",
    "housing": "own",
    "number_of_existing_credits_at_this_bank": 1,
    "job": "skilled employee / official",
    "number_of_people_being_liable_to_provide_maintenance_for": 1,
    "telephone": "yes, registered under the customers name",
}
WEAK = {
    **GOOD,
    "status_of_existing_checking_account": "... < 0 DM",
    "duration_in_month": 48,
    "credit_history": "delay in paying off in the past",
    "purpose": "education",
    "credit_amount": 120_000,
    "savings_account_and_bonds": "... < 100 DM",
    "present_employment_since": "... < 1 year",
    "installment_rate_in_percentage_of_disposable_income": 4,
    "other_debtors_or_guarantors": "none",
    "property": "unknown / no property",
    "age_in_years": 22,
    "other_installment_plans": "bank",
    "housing": "rent",
}
