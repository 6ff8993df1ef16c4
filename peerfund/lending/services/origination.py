"""Origination (借款申请 → 初审 → 复审 → 发标).

An application is checked here first (verified identity, product limits, the
borrowing cap across all the borrower's loans, the product's documents by content
and size), then pre-screened by the risk engine (scorecard + application rules: an
instant, reasoned decline), then reviewed twice, by two different staff members. The
final approval lists the loan at a rate within both the product's and the grade's
range, and auto-invest gets its share.
"""
import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils import translation
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import Verification
from peerfund.accounts.services.identity import verified_identity
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import Conflict, Forbidden
from peerfund.core.money import format_fen
from peerfund.core.schemas import InvalidInput
from peerfund.core.transitions import transition
from peerfund.legal.services import Action, consent_require
from peerfund.lending.cost import listing_check
from peerfund.lending.models import ApplicationDocument, Loan, LoanApplication, LoanProduct, RepaymentInstalment
from peerfund.lending.services.listing import loan_list
from peerfund.notify.services import notify
from peerfund.risk.features import DERIVED, EXTRA_QUESTIONS, FEATURE_BY_NAME, FEATURES, QUESTIONS, STUDENT
from peerfund.risk.history import PlatformHistory
from peerfund.risk.scoring import grade_terms
from peerfund.risk.services import credit_assess
from peerfund.risk.signals import UNKNOWN_ORIGIN, Origin, identity_age

# Leading bytes of the file types we accept: checked on content, not on the name.
SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
NOT_YET_DISBURSED = (Loan.Status.LISTED, Loan.Status.FULL)


class ApplicationRefused(AccountError):
    pass


def _sniff(upload) -> str | None:
    head = upload.read(16)
    upload.seek(0)
    return next((kind for magic, kind in SIGNATURES.items() if head.startswith(magic)), None)


def borrowing_cap_fen(borrower) -> int:
    identity = verified_identity(borrower)
    if identity is not None and identity.kind == Verification.Kind.ENTERPRISE:
        return settings.PEERFUND_BORROW_CAP_FIRM_FEN
    return settings.PEERFUND_BORROW_CAP_PERSON_FEN


def outstanding_fen(borrower) -> int:
    """Borrowing counted against the cap: the principal still owed on every loan that
    is repaying, overdue or written off and not yet recovered (principal less principal
    repaid, instalment by instalment), the whole amount of loans listed but not yet
    disbursed, and applications still in review. A settled loan counts nothing."""
    owed = RepaymentInstalment.objects.filter(loan__borrower=borrower, loan__status__in=Loan.REPAYABLE).aggregate(
        owed=Sum(F("principal_fen") - F("principal_paid_fen")))["owed"] or 0
    listed = Loan.objects.filter(borrower=borrower, status__in=NOT_YET_DISBURSED).aggregate(total=Sum("amount_fen"))["total"] or 0
    pending = LoanApplication.objects.filter(borrower=borrower, status__in=LoanApplication.PENDING).aggregate(total=Sum("amount_fen"))["total"] or 0
    return owed + listed + pending


def platform_history(borrower) -> PlatformHistory:
    """What this platform's books say of the borrower, for the pre-screen (risk.history):
    written-off loans still owing, loans overdue past their grace days today, loans
    settled with every instalment paid by its due date."""
    today = clock.business_date()
    written_off = list(Loan.objects.filter(borrower=borrower, status=Loan.Status.WRITTEN_OFF).prefetch_related("instalments"))
    written_off_owed = sum(i.owed_fen for loan in written_off for i in loan.instalments.all())
    late = [
        i for i in RepaymentInstalment.objects.filter(loan__borrower=borrower, loan__status=Loan.Status.DISBURSED, status__in=RepaymentInstalment.OPEN,
                                                      due_date__lt=today).select_related("loan__product")
        if today > i.due_date + dt.timedelta(days=i.loan.product.grace_days)
    ]
    paid_late = RepaymentInstalment.objects.filter(loan=OuterRef("pk")).filter(Q(paid_on__isnull=True) | Q(paid_on__gt=F("due_date")))
    on_time = Loan.objects.filter(borrower=borrower, status=Loan.Status.SETTLED).exclude(Exists(paid_late)).count()
    return PlatformHistory(
        written_off_loans=len(written_off), written_off_owed_fen=written_off_owed,
        overdue_loans=len({i.loan_id for i in late}), overdue_owed_fen=sum(i.owed_fen for i in late),
        settled_on_time=on_time,
        open_loans=Loan.objects.filter(borrower=borrower, status__in=(*NOT_YET_DISBURSED, *Loan.REPAYABLE)).count(),
    )


def age_on_id(borrower) -> int | None:
    """Age from the verified ID's date of birth on the business date (None for a firm)."""
    return identity_age(verified_identity(borrower))


def _check(borrower, product: LoanProduct, amount_fen: int, months: int, documents: dict) -> None:
    if verified_identity(borrower) is None:
        raise ApplicationRefused(_("Verify your identity before applying."), "application.not_verified")
    if not product.enabled:
        raise ApplicationRefused(_("This product is not open for applications."), "application.product_closed", {"field": "product"})
    if not product.min_amount_fen <= amount_fen <= product.max_amount_fen:
        raise ApplicationRefused(
            _("Borrow between %(min)s and %(max)s with this product.") % {"min": format_fen(product.min_amount_fen), "max": format_fen(product.max_amount_fen)},
            "application.amount", {"field": "amount"},
        )
    if months not in product.terms_months:
        raise ApplicationRefused(_("Choose one of the product's terms."), "application.term", {"field": "months", "terms": product.terms_months})
    cap, used = borrowing_cap_fen(borrower), outstanding_fen(borrower)
    if used + amount_fen > cap:
        raise ApplicationRefused(
            _("Your borrowing on the platform may not exceed %(cap)s in all; %(left)s is left.") % {"cap": format_fen(cap), "left": format_fen(max(0, cap - used))},
            "application.cap", {"field": "amount", "cap_fen": cap, "outstanding_fen": used},
        )
    for kind in product.required_documents:
        upload = documents.get(kind)
        if upload is None:
            raise ApplicationRefused(_("Upload the %(kind)s.") % {"kind": ApplicationDocument.Kind(kind).label}, "application.document_missing", {"field": kind})
    for kind, upload in documents.items():
        if upload.size > settings.PEERFUND_UPLOAD_MAX_BYTES:
            raise ApplicationRefused(
                _("A document may be at most %(mb)s MB.") % {"mb": settings.PEERFUND_UPLOAD_MAX_BYTES // (1024 * 1024)}, "application.document_size", {"field": kind}
            )
        if _sniff(upload) is None:
            raise ApplicationRefused(_("Upload a PDF, JPEG or PNG file."), "application.document_type", {"field": kind})


def _attributes_check(attributes) -> None:
    """The answers must be an object of the documented questions (risk.features), each
    a number or one of the offered values, every question answered; anything else is a
    422 naming what is wrong. A skipped question is never guessed: it is an error."""
    if not isinstance(attributes, dict):
        raise InvalidInput(_("The answers (`attributes`) must be an object: each question's name and its answer."), "application.attributes",
                           {"field": "attributes"})
    known = {feature.name for feature in (*FEATURES, *EXTRA_QUESTIONS)}
    unknown = sorted(str(name) for name in attributes if name not in known)
    if unknown:
        raise InvalidInput(_("These are not questions of the application: %(names)s.") % {"names": ", ".join(unknown[:10])[:300]},
                           "application.attributes", {"field": "attributes", "unknown": [name[:60] for name in unknown[:10]]})
    malformed = sorted(name for name, value in attributes.items() if isinstance(value, bool) or not isinstance(value, (int, str)))
    if malformed:
        raise InvalidInput(_("Answer each question with a number or one of the offered values."), "application.attributes",
                           {"field": "attributes", "questions": malformed})
    missing = [feature.name for feature in QUESTIONS if attributes.get(feature.name) in (None, "")]
    if missing:
        raise InvalidInput(_("Answer every question; these are not answered: %(names)s.") % {"names": ", ".join(missing)},
                           "application.unanswered", {"field": missing[0], "questions": missing})


def _student_check(attributes: dict) -> None:
    """The 2017 ban on campus lending (校园贷): no loans to students, whatever their score."""
    if attributes.get(STUDENT.name) == "yes":
        raise ApplicationRefused(
            _("We cannot lend to students: since 2017 online lending platforms may not lend to students at school or university (校园贷)."),
            "application.student", {"field": STUDENT.name},
        )
    if attributes.get(STUDENT.name) not in dict(STUDENT.choices):
        raise InvalidInput(_("Answer this question with one of the offered values."), "application.attributes", {"field": STUDENT.name})


def _purpose_title(attributes: dict, purpose: str) -> str:
    """The listing's purpose text: what the borrower wrote (API clients may), else the
    purpose chosen, in the platform's language (the form asks the purpose once)."""
    if purpose.strip():
        return purpose.strip()[:200]
    with translation.override(settings.LANGUAGE_CODE):
        return FEATURE_BY_NAME["purpose"].value_label(attributes.get("purpose"))[:200]


def application_submit(*, borrower, product: LoanProduct, amount_fen: int, months: int, attributes: dict, documents: dict, purpose: str = "",
                       origin: Origin = UNKNOWN_ORIGIN) -> LoanApplication:
    """Checks, then the pre-screen with what the platform knows filled in: amount and
    term, age from the verified ID, loans here and their history (risk.history). The
    borrower must have accepted the credit-report authorisation and the lending service
    agreement in force (legal)."""
    consent_require(user=borrower, action=Action.APPLY)
    if isinstance(attributes, dict) and "purpose" not in attributes and purpose in dict(FEATURE_BY_NAME["purpose"].choices):
        attributes, purpose = {**attributes, "purpose": purpose}, ""  # an API client that put the purpose's value in `purpose`
    _attributes_check(attributes)
    if verified_identity(borrower) is not None:
        _student_check(attributes)
    _check(borrower, product, amount_fen, months, documents)
    history = platform_history(borrower)
    answers = {name: value for name, value in attributes.items() if name in FEATURE_BY_NAME and name not in DERIVED}
    derived = {"credit_amount": amount_fen // 100, "duration_in_month": months, "age_in_years": age_on_id(borrower),
               "number_of_existing_credits_at_this_bank": min(history.open_loans, 10)}
    decision = credit_assess(user=borrower, application={**answers, **derived}, origin=origin, history=history)
    declined = decision.outcome == "reject"
    coded = [r for r in decision.reasons if r.get("code")]
    with transaction.atomic():
        application = LoanApplication.objects.create(
            borrower=borrower, product=product, amount_fen=amount_fen, months=months, purpose=_purpose_title(attributes, purpose),
            attributes={**decision.application, STUDENT.name: attributes[STUDENT.name]},
            status=LoanApplication.Status.PRESCREEN_REJECTED if declined else LoanApplication.Status.FIRST_REVIEW, decision=decision,
            reason="; ".join(r["text"] for r in (coded or decision.reasons))[:300] if declined else "",
        )
        for kind, upload in documents.items():
            ApplicationDocument.objects.create(application=application, kind=kind, file=upload, content_type=_sniff(upload), size_bytes=upload.size)
        audit_record(actor=borrower, action="application.submit", obj=application, to_state=application.status, reason=application.reason)
        if declined:
            notify(user=borrower, event="application.declined", context={"reason": application.reason})
    return application


def _rate_for(application: LoanApplication, requested: Decimal | None) -> Decimal:
    product, terms = application.product, grade_terms(application.decision.grade)
    low = max(product.rate_min, Decimal(terms["rate_min"] or product.rate_min))
    high = min(product.rate_max, Decimal(terms["rate_max"] or product.rate_max))
    if low > high:
        raise ApplicationRefused(_("No rate of this product fits the applicant's grade."), "application.no_rate")
    rate = requested if requested is not None else low
    if not low <= rate <= high:
        raise ApplicationRefused(
            _("Choose a rate between %(low)s and %(high)s.") % {"low": f"{low * 100:.2f}%", "high": f"{high * 100:.2f}%"}, "application.rate", {"field": "annual_rate"}
        )
    return rate


def application_review(*, staff, application: LoanApplication, approve: bool, reason: str = "", annual_rate: Decimal | None = None) -> LoanApplication:
    """First or final review, by the application's stage. The final reviewer must be
    another person than the first; the final approval lists the loan."""
    with transaction.atomic():
        application = LoanApplication.objects.select_for_update(of=("self",)).select_related("product", "decision").get(pk=application.pk)
        if application.status not in LoanApplication.PENDING:
            raise Conflict(_("This application was already decided."), "application.decided")
        if not approve and not reason.strip():
            raise ApplicationRefused(_("Give the reason for declining."), "application.reason_required", {"field": "reason"})
        final = application.status == LoanApplication.Status.FINAL_REVIEW
        if final and application.first_reviewer_id == staff.pk:
            raise Forbidden(_("The final review must be done by another staff member."), "application.same_reviewer")
        application.reason = reason.strip()
        if final:
            application.final_reviewer = staff
        else:
            application.first_reviewer = staff
        if not approve:
            transition(application, LoanApplication.Status.REJECTED, actor=staff, reason=reason, fields=("reason", "first_reviewer", "final_reviewer"))
            notify(user=application.borrower, event="application.declined", context={"reason": application.reason})
            return application
        if not final:
            transition(application, LoanApplication.Status.FINAL_REVIEW, actor=staff, reason=reason, fields=("reason", "first_reviewer"))
            return application
        rate = _rate_for(application, annual_rate)
        listing_check(product=application.product, amount_fen=application.amount_fen, months=application.months, annual_rate=rate)
        transition(application, LoanApplication.Status.LISTED, actor=staff, reason=reason, fields=("reason", "final_reviewer"))
    loan = loan_list(
        borrower=application.borrower, product=application.product, title=application.purpose[:60] or _("Loan"), purpose=application.purpose,
        amount_fen=application.amount_fen, months=application.months, annual_rate=rate, grade=application.decision.grade, actor=staff,
    )
    LoanApplication.objects.filter(pk=application.pk).update(loan=loan)
    application.loan = loan
    notify(user=application.borrower, event="application.listed", context={"amount": format_fen(loan.amount_fen), "rate": f"{rate * 100:.2f}%"})
    return application
