"""What a listing discloses about its borrower (信息披露指引 art. 9), masked: never a
name, an ID number or anything that singles the person out — a type, an age band, a
province, the occupation, income band and other debts they declared, their record
on this platform and the purpose. The same dict feeds the loan page's panel and the
loan detail API (`borrower_disclosure`)."""
import datetime as dt

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from peerfund.accounts.models import ShippingAddress, Verification
from peerfund.core import clock
from peerfund.disclosure.services.statistics import LENT
from peerfund.lending.models import Loan, LoanApplication, RepaymentInstalment

# GB/T 2260: the first two digits of a resident ID number, and the third and fourth
# characters of a unified social credit code, name the province.
PROVINCE_CODES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东", "41": "河南",
    "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南", "50": "重庆", "51": "四川", "52": "贵州",
    "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆", "71": "台湾",
    "81": "香港", "82": "澳门",
}
# Application answers, by the names the form may use for them (the first found is shown).
OCCUPATION_KEYS = ("occupation", "job")
INCOME_KEYS = ("income_band", "monthly_income", "income")
DEBT_KEYS = ("other_debts", "other_installment_plans")


def age_band(birth: dt.date | None, on: dt.date) -> str:
    """"30–39 岁": the decade of the age, never the age itself."""
    if birth is None:
        return ""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    if age >= 60:
        return _("60 and over")
    low = max(age // 10 * 10, 18)
    return _("%(low)s–%(high)s years") % {"low": low, "high": low // 10 * 10 + 9}


def _birth(verification: Verification) -> dt.date | None:
    if verification.birth_date:
        return verification.birth_date
    number = (verification.id_number or "").strip()
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])) if len(number) == 18 else None
    except ValueError:
        return None


def _province(verification: Verification | None, user_id: int) -> str:
    if verification is not None:
        code = (verification.credit_code or "")[2:4] if verification.kind == Verification.Kind.ENTERPRISE else (verification.id_number or "")[:2]
        if code in PROVINCE_CODES:
            return PROVINCE_CODES[code]
    address = ShippingAddress.objects.filter(user_id=user_id).order_by("-id").values_list("province", flat=True).first()
    return address or ""


def _answer(attributes: dict, keys: tuple[str, ...]) -> str:
    """The label of the first of these answers the application holds ("" if none)."""
    from peerfund.risk.features import FEATURE_BY_NAME

    for key in keys:
        if key in attributes and attributes[key] not in (None, ""):
            feature = FEATURE_BY_NAME.get(key)
            return str(feature.value_label(attributes[key])) if feature else str(attributes[key])
    return ""


def platform_history(borrower_id: int, *, excluding: int | None = None) -> dict[str, int]:
    """The borrower's loans here: made, repaid in full, and overdue now (an overdue
    instalment, or written off and not recovered) with the principal they still owe."""
    loans = Loan.objects.filter(borrower_id=borrower_id, status__in=LENT).exclude(pk=excluding)
    counts = loans.aggregate(made=Count("id"), repaid=Count("id", filter=Q(status=Loan.Status.SETTLED)))
    late = loans.filter(Q(status=Loan.Status.WRITTEN_OFF) | Q(status=Loan.Status.DISBURSED, instalments__status=RepaymentInstalment.Status.OVERDUE)).distinct()
    owed = RepaymentInstalment.objects.filter(loan__in=late, status__in=RepaymentInstalment.UNPAID).aggregate(t=Sum(F("principal_fen") - F("principal_paid_fen")))["t"]
    return {"loans": counts["made"], "repaid": counts["repaid"], "overdue_now": late.count(), "overdue_now_fen": owed or 0}


def borrower_disclosure(loan: Loan) -> dict:
    """The masked borrower disclosure of a listing, in the active language."""
    verification = Verification.objects.filter(user_id=loan.borrower_id, status=Verification.Status.VERIFIED).first()
    application = LoanApplication.objects.filter(loan=loan).only("attributes", "purpose").first()
    attributes = application.attributes if application else {}
    enterprise = verification is not None and verification.kind == Verification.Kind.ENTERPRISE
    not_declared = _("Not declared")
    return {
        "type": Verification.Kind.ENTERPRISE.value if enterprise else Verification.Kind.PERSON.value,
        "type_label": _("Enterprise") if enterprise else _("Individual"),
        "age_band": "" if enterprise or verification is None else age_band(_birth(verification), clock.business_date()),
        "province": _province(verification, loan.borrower_id),
        "occupation": _answer(attributes, OCCUPATION_KEYS) or not_declared,
        "income_band": _answer(attributes, INCOME_KEYS) or not_declared,
        "other_debts": _answer(attributes, DEBT_KEYS) or not_declared,
        "history": platform_history(loan.borrower_id, excluding=loan.pk),
        "purpose": loan.purpose or (application.purpose if application else ""),
    }
