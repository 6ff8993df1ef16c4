"""A checker deciding a fee change sees the rate the product charges now beside the
rate asked for, so the size of the change is plain before approving it."""
import re
from decimal import Decimal

import pytest
from django.test import Client

from peerfund.backoffice.approvals import approval_request
from peerfund.backoffice.models import ApprovalRequest
from peerfund.lending.models import LoanProduct
from peerfund.lending.schedules import Method

pytestmark = pytest.mark.django_db


def test_the_checker_sees_the_current_rate_beside_the_requested_one(staff_with):
    maker, checker = staff_with("finance", "maker"), staff_with("finance", "checker")
    product = LoanProduct.objects.create(name="p", min_amount_fen=1, max_amount_fen=10, terms_months=[12], method=Method.EQUAL_INSTALMENT,
                                         rate_min=Decimal("0.05"), rate_max=Decimal("0.06"), service_fee_rate=Decimal("0.002"),
                                         penalty_rate_daily=Decimal("0.00010"), max_per_investor_fen=10)
    request = approval_request(staff=maker, kind=ApprovalRequest.Kind.PRODUCT_FEE, target_id=product.pk, reason="pricing review",
                               payload={"service_fee_rate": "0.005", "penalty_rate_daily": "0.00012"})
    client = Client()
    client.force_login(checker)
    html = client.get("/backoffice/approvals/").content.decode()
    table = re.search(rf'data-testid="fee-changes-{request.pk}".*?</table>', html, re.S).group(0)
    service = re.search(r'data-testid="fee-change-service_fee_rate">(.*?)</tr>', table, re.S).group(1)
    assert re.search(r'fee-current">0\.20%<', service) and re.search(r'fee-requested"><strong>0\.50%<', service)
    penalty = re.search(r'data-testid="fee-change-penalty_rate_daily">(.*?)</tr>', table, re.S).group(1)
    assert re.search(r'fee-current">0\.01%<', penalty) and re.search(r'fee-requested"><strong>0\.012%<', penalty)  # never rounded away
    assert "服务费率" in service and "当前" in table and "申请调整为" in table
    assert "fee-change-transfer_fee_rate" not in table  # only the rates asked to change
