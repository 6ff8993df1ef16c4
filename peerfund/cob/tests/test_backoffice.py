"""Staff follow the daily close: every step of a date with its chunks, counts and
errors, and the nightly ledger checks."""
import pytest

from peerfund.cob import registry
from peerfund.cob.selectors import close_days
from peerfund.cob.services import close_run
from peerfund.core import clock


@pytest.fixture
def failing_step(db):
    def run(*, on, ids):
        raise RuntimeError("bank file missing")

    registry.close_step(name="test.failing", order=995, items=lambda on: [1, 2, 3])(run)
    yield
    registry._STEPS.pop("test.failing")


def test_finance_sees_each_step_of_a_close_and_the_error_of_a_failed_one(client, staff_with, failing_step):
    day = clock.business_date()
    with pytest.raises(RuntimeError):
        close_run(on=day)
    client.force_login(staff_with("finance"))
    page = client.get("/backoffice/close/").content.decode()
    assert day.isoformat() in page and "lending.auto_debit" in page and "ledger.check" in page
    assert "bank file missing" in page and "0 / 1" in page  # the failed step: no chunk of one done
    assert 'data-testid="ledger-checks"' in page
    done = {s.name: s for s in close_days()[0].steps}
    assert done["ledger.check"].seconds is not None and done["ledger.check"].seconds >= 0
    assert done["test.failing"].seconds is None


def test_roles_without_reconciliation_rights_are_kept_out(client, staff_with):
    client.force_login(staff_with("collection"))
    assert client.get("/backoffice/close/").status_code == 403
