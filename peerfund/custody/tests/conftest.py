import pytest

from peerfund.sandbox.bank import faults
from peerfund.sandbox.models import BankFaults


@pytest.fixture
def bank_faults(db):
    """Set sandbox bank fault switches: bank_faults(async_callbacks=True, …)."""

    def set_(**switches):
        faults()
        BankFaults.objects.filter(id=1).update(**switches)

    return set_
