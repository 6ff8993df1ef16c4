"""The loan contract and the claim transfer agreement carry real clauses: parties
(masked), amount, rate, service fee and all-in cost, the schedule with a service fee
column, overdue terms, prepayment, transfer, dispute resolution, signature block."""
import datetime as dt
import hashlib
import io
import unicodedata
from decimal import Decimal

import pytest
from pypdf import PdfReader

from peerfund.contracts.documents import loan_contract, loan_contract_issue, transfer_contract, transfer_contract_issue, wrap
from peerfund.contracts.evidence import evidence_verify
from peerfund.lending.models import ClaimListing, ClaimPurchase, Investment, Loan, LoanProduct, Receivable, RepaymentInstalment
from peerfund.lending.schedules import Method
from peerfund.tests_support.people import IDENTITIES, onboard

START = dt.date(2026, 3, 10)
# ¥3,000 over 3 months at 8 %, equal instalments; ¥30 service fee in three ¥10 parts.
INSTALMENTS = [(1, dt.date(2026, 4, 10), 99_336, 2_000, 1_000), (2, dt.date(2026, 5, 10), 99_998, 1_338, 1_000), (3, dt.date(2026, 6, 10), 100_666, 671, 1_000)]


@pytest.fixture
def disbursed(platform, make_user):
    product = LoanProduct.objects.create(
        name="工薪贷", min_amount_fen=100_000, max_amount_fen=20_000_000, terms_months=[3, 6, 12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.06"), rate_max=Decimal("0.09"), service_fee_rate=Decimal("0.01"), max_per_investor_fen=500_000,
        penalty_rate_daily=Decimal("0.00010"), grace_days=3, write_off_days=90, holding_days=30, transfer_fee_rate=Decimal("0.0050"),
        prepayment_fee_rate=Decimal("0.0100"),
    )
    lender, borrower = make_user(username="lender"), make_user(username="borrower")
    onboard(lender, identity=0)
    onboard(borrower, identity=3)
    listed = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    loan = Loan.objects.create(borrower=borrower, product=product, title="周转借款", purpose="店铺进货", amount_fen=300_000, left_fen=0, months=3,
                               annual_rate=Decimal("0.08"), service_fee_rate=Decimal("0.01"), grade="B", status=Loan.Status.DISBURSED,
                               listed_at=listed, deadline=listed + dt.timedelta(days=7))
    for number, due, principal, interest, fee in INSTALMENTS:
        RepaymentInstalment.objects.create(loan=loan, number=number, due_date=due, principal_fen=principal, interest_fen=interest, fee_fen=fee)
    investment = Investment.objects.create(loan=loan, investor=lender, principal_fen=300_000, acquired_on=START)
    for number, due, principal, interest, _fee in INSTALMENTS:
        Receivable.objects.create(investment=investment, number=number, due_date=due, principal_fen=principal, interest_fen=interest)
    return investment


def _pdf_text(contract) -> str:
    with contract.pdf.open("rb") as handle:
        content = handle.read()
    assert hashlib.sha256(content).hexdigest() == contract.sha256
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace(" ", "").replace("\n", "")


def test_the_loan_contract_has_every_clause_with_the_loans_figures(disbursed):
    text = loan_contract(disbursed)
    body = "".join(line.strip() for line in text.lines)
    lender_name, borrower_name = IDENTITIES[0][1], IDENTITIES[3][1]
    assert lender_name not in body and borrower_name not in body  # masked: each party reads the other's
    assert f"{lender_name[0]}*" in body and IDENTITIES[3][0][:6] + "********" + IDENTITIES[3][0][-4:] in body
    for clause in ("第一条合同各方", "第三条放款", "第四条服务费与综合年化成本", "第六条逾期", "第七条提前还款", "第八条债权转让",
                   "第十条争议解决", "签署栏"):
        assert clause in body.replace(" ", "")
    assert "借款总额 ¥3,000.00" in body and "出借金额 ¥3,000.00" in body and "借款年化利率：8.00%" in body
    assert "全额划付" in body and "不得从本金中预先扣除" in body
    assert "费率 1.00%（按借款总额计，合计 ¥30.00）" in body and "每期 ¥10.00" in body
    assert "综合年化成本" in body and "每日 0.010%（折合年化 3.65%）" in body and "宽限期 3 日" in body
    assert "提前偿还本金的 1.00%" in body and "满 30 日" in body and "转让本金的 0.50%" in body
    assert "人民法院" in body and "仲裁" in body and "电子签名法" in body and text.number in body
    signatures = body[body.index("签署栏"):]
    assert "出借人（甲方）：" in signatures and "借款人（乙方）：" in signatures and "居间服务方（丙方）：本平台运营方    （电子签章）" in signatures
    assert signatures.count("（电子签名）") == 2 and "签署日期：" in signatures and "存证引用 investment:" in signatures
    assert "不得超过" in body  # the legal ceiling on rate plus penalty
    assert text.table[1] == ("期数", "到期日", "本金", "利息", "服务费", "当期应还")
    assert text.table[2] == ("1", "2026-04-10", "¥993.36", "¥20.00", "¥10.00", "¥1,023.36")
    assert text.table[5] == ("合计", "", "¥3,000.00", "¥40.09", "¥30.00", "¥3,070.09")
    assert max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in text.lines) <= 92  # fits the page


def test_the_all_in_cost_in_the_contract_is_the_loans(disbursed):
    from peerfund.lending.cost import as_percent, loan_all_in_apr

    body = "".join(line.strip() for line in loan_contract(disbursed).lines)
    assert f"综合年化成本（借款人实际收到和支付款项的内部收益率折算的年化值）为 {as_percent(loan_all_in_apr(disbursed.loan))}" in body


def test_the_issued_pdf_carries_the_clauses_and_joins_the_chain(disbursed):
    contract = loan_contract_issue(investment=disbursed)
    text = _pdf_text(contract)
    assert "借款合同" in text and "第十条争议解决" in text and "服务费" in text and "签署栏" in text
    assert loan_contract_issue(investment=disbursed).pk == contract.pk  # idempotent
    assert evidence_verify() == []


def test_the_transfer_agreement_names_price_fee_and_clauses(disbursed, make_user):
    buyer = make_user(username="buyer")
    onboard(buyer, identity=1)
    listing = ClaimListing.objects.create(investment=disbursed, seller=disbursed.investor, principal_fen=200_664, left_fen=0,
                                          discount_rate=Decimal("0.0100"), status=ClaimListing.Status.SOLD, listed_on=START, expires_on=START)
    part = Investment.objects.create(loan=disbursed.loan, investor=buyer, bought_from=disbursed, principal_fen=200_664, acquired_on=dt.date(2026, 4, 12))
    for number, due, principal, interest, _fee in INSTALMENTS[1:]:
        Receivable.objects.create(investment=part, number=number, due_date=due, principal_fen=principal, interest_fen=interest)
    purchase = ClaimPurchase.objects.create(listing=listing, buyer=buyer, key="k", principal_fen=200_664, price_fen=198_700, fee_fen=1_003,
                                            investment=part, business_date=dt.date(2026, 4, 12))
    text = transfer_contract(purchase)
    body = "".join(line.strip() for line in text.lines)
    assert IDENTITIES[1][1] not in body and IDENTITIES[0][1] not in body
    assert "剩余本金 ¥2,006.64" in body and "转让价格 ¥1,987.00" in body and "转让手续费 ¥10.03" in body and "按 1.00% 折让" in body
    assert "自转让日 2026-04-12 起" in body and "人民法院" in body and "签署栏" in body and "受让人（乙方）" in body
    assert text.table[2] == ("2", "2026-05-10", "¥999.98", "¥13.38", "¥1,013.36")
    assert "债权转让协议" in _pdf_text(transfer_contract_issue(purchase=purchase))


def test_a_long_clause_is_wrapped_to_the_page():
    lines = wrap("甲" * 100)
    assert len(lines) == 3 and lines[0] == "甲" * 46 and lines[1].startswith("  ")
