"""The text of the loan contract (借款合同, one per investor–borrower pair) and of the
claim transfer agreement (债权转让协议): parties, amount, rate, the service fee and the
all-in annual cost, the schedule with principal / interest / service fee columns,
overdue terms, prepayment, transfer, dispute resolution and a signature block.

Both parties read the same PDF, so each party's name and ID number appear masked (the
platform keeps the full identities with the verification records). The text is in
Chinese, the contract language; figures are formatted once here. The lending and
transfer services call `loan_contract_issue` / `transfer_contract_issue`."""
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from peerfund.contracts.models import Contract
from peerfund.contracts.services import contract_issue
from peerfund.core import clock
from peerfund.core.masking import mask_id_number, mask_name
from peerfund.core.money import format_fen

# What fits on one line of the A4 page (render_document draws lines as they are):
# display columns, a CJK character counting two.
LINE_COLUMNS, TABLE_COLUMNS = 92, 100

METHODS = {
    "equal_instalment": "等额本息", "equal_principal": "等额本金", "interest_first": "按月付息、到期还本", "bullet": "到期一次还本付息",
}


@dataclass
class ContractText:
    ref: str
    title: str
    number: str
    lines: list[str] = field(default_factory=list)
    table: list[tuple[str, ...]] = field(default_factory=list)
    signers: list[str] = field(default_factory=list)


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, columns: int = LINE_COLUMNS) -> list[str]:
    """Break a clause into lines that fit the page (continuations indented)."""
    lines, current, width = [], "", 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if width + w > columns and current:
            lines.append(current)
            current, width = "  ", 2
        current += ch
        width += w
    if current.strip():
        lines.append(current)
    return lines


def percent(rate: Decimal, places: int = 2) -> str:
    step = Decimal(1).scaleb(-places)
    return f"{(Decimal(rate) * 100).quantize(step, rounding=ROUND_HALF_UP)}%"


def party(user) -> str:
    """`张*三（110101********1234）` for a verified person, the masked name otherwise."""
    from peerfund.accounts.services.identity import verified_identity

    identity = verified_identity(user)
    if identity is None:
        return f"{mask_name(user.display_name or user.username)}（平台用户 {user.pk}）"
    return f"{mask_name(identity.real_name)}（证件号码 {mask_id_number(identity.id_number)}，平台用户 {user.pk}）"


def _all_in_apr(loan) -> str:
    from peerfund.lending.cost import loan_all_in_apr

    return percent(loan_all_in_apr(loan))


def _ceiling() -> str:
    from peerfund.lending.cost import rate_ceiling

    return f"{percent(rate_ceiling())}（一年期贷款市场报价利率的法定倍数）"


def _clauses(text: ContractText, clauses: list[tuple[str, list[str]]]) -> None:
    for heading, paragraphs in clauses:
        text.lines.append(heading)
        for paragraph in paragraphs:
            text.lines.extend(wrap(paragraph))


def _signature_block(text: ContractText, parties: list[tuple[str, str]], signed_on) -> None:
    text.lines.append("签署栏")
    for role, name in parties:
        mark = "（电子签章）" if role.startswith("居间服务方") else "（电子签名）"
        text.lines.extend(wrap(f"{role}：{name}    {mark}    签署日期：{signed_on.isoformat()}"))
    text.lines.extend(wrap(
        f"本合同编号 {text.number}，以电子签名方式签署：各方通过平台电子签名服务对本合同文件的 SHA-256 摘要签名，签名值及存证记录"
        f"（存证引用 {text.ref}）由平台保存于防篡改存证链，可在平台核验。依照《中华人民共和国电子签名法》，可靠的电子签名与手写签名或盖章具有同等法律效力。"
    ))


def loan_contract(investment) -> ContractText:
    """The contract between one investor and the borrower, after disbursement."""
    from peerfund.lending.models import RepaymentInstalment

    loan, product = investment.loan, investment.loan.product
    instalments = list(RepaymentInstalment.objects.filter(loan=loan).order_by("number"))
    receivables = list(investment.receivables.order_by("number"))
    fee_total = sum(i.fee_fen for i in instalments)
    fees = sorted({i.fee_fen for i in instalments})
    per_instalment = format_fen(fees[0]) if len(fees) == 1 else f"{format_fen(fees[0])}至{format_fen(fees[-1])}"
    start = investment.acquired_on
    last_due = instalments[-1].due_date if instalments else start
    penalty_daily = product.penalty_rate_daily
    text = ContractText(ref=f"investment:{investment.pk}", title="借款合同 Loan contract", number=f"PF-{loan.pk:06d}-{investment.pk:06d}",
                        signers=[f"user:{investment.investor_id}", f"user:{loan.borrower_id}", "platform"])
    _clauses(text, [
        ("第一条 合同各方", [
            f"出借人（甲方）：{party(investment.investor)}",
            f"借款人（乙方）：{party(loan.borrower)}",
            "居间服务方（丙方）：本平台运营方，网络借贷信息中介机构。",
        ]),
        ("第二条 借款信息", [
            f"借款标的：{loan.title}（编号 {loan.pk}），借款总额 {format_fen(loan.amount_fen)}；甲方本合同项下出借金额 {format_fen(investment.principal_fen)}。",
            f"借款用途：{loan.purpose or loan.title}。乙方不得将借款用于投资股票、期货、房地产等或任何违法用途。",
            f"借款期限：{loan.months} 个月，自 {start.isoformat()} 起至 {last_due.isoformat()} 止。还款方式：{METHODS.get(product.method, product.method)}。",
            f"借款年化利率：{percent(loan.annual_rate)}（单利，按月计息）。",
        ]),
        ("第三条 放款", [
            "借款本金由存管银行自甲方存管账户全额划付至乙方存管账户，任何一方均不得从本金中预先扣除利息、服务费或其他费用。",
        ]),
        ("第四条 服务费与综合年化成本", [
            f"乙方按丙方公示的费率 {percent(loan.service_fee_rate)}（按借款总额计，合计 {format_fen(fee_total)}）向丙方支付分期服务费，"
            f"分 {len(instalments)} 期随每期还款支付，每期 {per_instalment}，在还款计划中单独列示。服务费归丙方所有，不计入甲方收益，甲方不承担该费用。",
            f"计入利息和服务费后，本借款的综合年化成本（借款人实际收到和支付款项的内部收益率折算的年化值）为 {_all_in_apr(loan)}。",
        ]),
        ("第五条 还款", [
            "乙方应于每期到期日前将当期应还款项存入其存管账户，平台于到期日自动扣款；所还本金和利息按出借比例即时划付甲方，服务费划付丙方。",
            "乙方的借款还款计划如下表（本金、利息、服务费分列）；甲方按出借比例收取的回款计划附后。",
        ]),
        ("第六条 逾期", [
            f"乙方未按期足额还款的，自到期日次日起为逾期。宽限期 {product.grace_days} 日内还款的不计罚息；超过宽限期的，"
            f"自到期日次日起按逾期本金每日 {percent(penalty_daily, 3)}（折合年化 {percent(penalty_daily * 365)}）计收罚息，归甲方所有。",
            f"依照法律规定，借款利率与罚息折合年化之和不得超过 {_ceiling()}；超过部分乙方无须支付。",
            "逾期还款依次冲抵罚息、服务费、利息、本金，先到期者先冲抵。丙方可通过短信、电话等合法方式提醒和催收，不得采用暴力、恐吓、侮辱等手段。",
            f"逾期超过 {product.write_off_days} 日的，丙方可认定坏账并告知甲方；坏账认定不免除乙方的还款责任，甲方保留全部追偿权利。",
        ]),
        ("第七条 提前还款", [
            f"乙方可提前偿还全部或部分剩余本金，利息计至还款日；提前还款手续费为提前偿还本金的 {percent(product.prepayment_fee_rate)}，"
            "归甲方所有；提前结清后，尚未到期的服务费不再收取。",
        ]),
        ("第八条 债权转让", [
            f"甲方持有本债权满 {product.holding_days} 日且借款未逾期的，可通过平台将本合同项下债权全部或部分转让，转让手续费为转让本金的 "
            f"{percent(product.transfer_fee_rate)}，由甲方承担。债权转让后由平台通知乙方，乙方向受让人履行还款义务，本合同其他条款不变。",
        ]),
        ("第九条 平台性质与风险", [
            "丙方为网络借贷信息中介机构，仅提供信息服务，不提供担保，不承诺保本保息；各方资金由存管银行存管，丙方不归集、不挪用。甲方知悉出借可能损失本金。",
        ]),
        ("第十条 争议解决", [
            "本合同适用中华人民共和国法律。因本合同发生的争议，各方应协商解决；协商不成的，任何一方可向丙方住所地有管辖权的人民法院提起诉讼；"
            "各方另行书面约定仲裁的，提交约定的仲裁委员会仲裁。",
        ]),
        ("第十一条 生效", [
            "本合同自各方电子签名之日起生效，至乙方清偿全部借款本息、服务费及相关费用之日终止。",
        ]),
    ])
    _signature_block(text, [("出借人（甲方）", party(investment.investor)), ("借款人（乙方）", party(loan.borrower)),
                            ("居间服务方（丙方）", "本平台运营方")], clock.business_date())
    text.table = [("借款人还款计划", ""), ("期数", "到期日", "本金", "利息", "服务费", "当期应还")]
    text.table += [(str(i.number), i.due_date.isoformat(), format_fen(i.principal_fen), format_fen(i.interest_fen), format_fen(i.fee_fen),
                    format_fen(i.principal_fen + i.interest_fen + i.fee_fen)) for i in instalments]
    text.table += [("合计", "", format_fen(sum(i.principal_fen for i in instalments)), format_fen(sum(i.interest_fen for i in instalments)),
                    format_fen(fee_total), format_fen(sum(i.principal_fen + i.interest_fen + i.fee_fen for i in instalments)))]
    text.table += [("", ""), ("甲方回款计划", ""), ("期数", "到期日", "本金", "利息", "合计")]
    text.table += [(str(r.number), r.due_date.isoformat(), format_fen(r.principal_fen), format_fen(r.interest_fen),
                    format_fen(r.principal_fen + r.interest_fen)) for r in receivables]
    return text


def transfer_contract(purchase) -> ContractText:
    """The agreement between the seller and the buyer of (part of) a claim."""
    listing, investment = purchase.listing, purchase.investment
    loan, product = investment.loan, investment.loan.product
    receivables = list(investment.receivables.order_by("number"))
    seller, buyer, borrower = listing.seller, purchase.buyer, loan.borrower
    text = ContractText(ref=f"claim-purchase:{purchase.pk}", title="债权转让协议 Claim transfer agreement",
                        number=f"PF-T-{loan.pk:06d}-{purchase.pk:06d}", signers=[f"user:{listing.seller_id}", f"user:{purchase.buyer_id}", "platform"])
    _clauses(text, [
        ("第一条 协议各方", [
            f"转让人（甲方）：{party(seller)}",
            f"受让人（乙方）：{party(buyer)}",
            f"借款人：{party(borrower)}",
            "居间服务方（丙方）：本平台运营方，网络借贷信息中介机构。",
        ]),
        ("第二条 转让标的", [
            f"甲方依据借款标的 {loan.title}（编号 {loan.pk}，年化利率 {percent(loan.annual_rate)}，期限 {loan.months} 个月，"
            f"还款方式 {METHODS.get(product.method, product.method)}）的借款合同对借款人享有的债权中，剩余本金 {format_fen(purchase.principal_fen)} 的部分。",
            f"借款人另按期向平台支付分期服务费，该服务费不属于转让的债权。该借款的综合年化成本为 {_all_in_apr(loan)}。",
        ]),
        ("第三条 转让价格与费用", [
            f"转让价格 {format_fen(purchase.price_fen)}（剩余本金按 {percent(listing.discount_rate)} 折让，加当期已计未付利息），"
            f"由乙方通过存管银行一次支付给甲方；甲方按转让本金的 {percent(product.transfer_fee_rate)} 向丙方支付转让手续费 {format_fen(purchase.fee_fen)}。",
        ]),
        ("第四条 权利转移", [
            f"自转让日 {purchase.business_date.isoformat()} 起，上述债权项下尚未到期的本金、利息及逾期罚息归乙方所有，回款计划见下表。"
            "丙方代为通知借款人，借款人向乙方履行还款义务。",
        ]),
        ("第五条 逾期与风险", [
            f"借款人逾期的，按借款合同约定自到期日次日起按逾期本金每日 {percent(product.penalty_rate_daily, 3)} 计收罚息，归债权持有人所有。"
            "乙方知悉借款人可能不能按期还款，出借可能损失本金；甲方不对借款人的还款能力作担保，丙方不提供担保、不承诺保本保息。",
        ]),
        ("第六条 争议解决", [
            "本协议适用中华人民共和国法律。因本协议发生的争议，各方应协商解决；协商不成的，任何一方可向丙方住所地有管辖权的人民法院提起诉讼；"
            "各方另行书面约定仲裁的，提交约定的仲裁委员会仲裁。",
        ]),
    ])
    _signature_block(text, [("转让人（甲方）", party(seller)), ("受让人（乙方）", party(buyer)), ("居间服务方（丙方）", "本平台运营方")],
                     purchase.business_date)
    text.table = [("乙方回款计划", ""), ("期数", "到期日", "本金", "利息", "合计")]
    text.table += [(str(r.number), r.due_date.isoformat(), format_fen(r.principal_fen), format_fen(r.interest_fen),
                    format_fen(r.principal_fen + r.interest_fen)) for r in receivables]
    return text


def aligned(table: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Cells padded to their column's width (within each block of rows of one shape),
    so the schedule reads as columns on the page."""
    widths: dict[int, list[int]] = {}
    for row in table:
        current = widths.setdefault(len(row), [0] * len(row))
        for i, cell in enumerate(row):
            current[i] = max(current[i], _columns(cell))
    return [tuple(cell + " " * (widths[len(row)][i] - _columns(cell)) for i, cell in enumerate(row)) for row in table]


def issue(text: ContractText) -> Contract:
    return contract_issue(ref=text.ref, title=text.title, number=text.number, lines=text.lines, table=aligned(text.table),
                          signers=text.signers)


def loan_contract_issue(*, investment) -> Contract:
    """Render, sign and chain the investment's loan contract (idempotent on its ref)."""
    existing = Contract.objects.filter(ref=f"investment:{investment.pk}").first()
    return existing or issue(loan_contract(investment))


def transfer_contract_issue(*, purchase) -> Contract:
    existing = Contract.objects.filter(ref=f"claim-purchase:{purchase.pk}").first()
    return existing or issue(transfer_contract(purchase))
