"""Origination (借款申请 → 初审 → 复审 → 发标).

An application is checked here first (verified identity, product limits, the
borrowing cap across all the borrower's loans, the product's documents by content
and size), then pre-screened by the risk engine (scorecard + application rules: an
instant, reasoned decline), then reviewed twice, by two different staff members. The
final approval lists the loan at a rate within both the product's and the grade's
range, and auto-invest gets its share.
"""
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import Verification
from peerfund.accounts.services.identity import verified_identity
from peerfund.core.audit import audit_record
from peerfund.core.errors import Conflict, Forbidden
from peerfund.core.money import format_fen
from peerfund.core.schemas import InvalidInput
from peerfund.core.transitions import transition
from peerfund.lending.models import ApplicationDocument, Loan, LoanApplication, LoanProduct
from peerfund.lending.services.listing import loan_list
from peerfund.notify.services import notify
from peerfund.risk.features import FEATURES
from peerfund.risk.scoring import grade_terms
from peerfund.risk.services import credit_assess
from peerfund.risk.signals import UNKNOWN_ORIGIN, Origin

# Leading bytes of the file types we accept: checked on content, not on the name.
SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
OUTSTANDING = (Loan.Status.LISTED, Loan.Status.FULL, Loan.Status.DISBURSED)


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
    """Borrowing counted against the cap: loans not repaid yet (servicing will reduce
    this by principal repaid) and applications still in review."""
    loans = sum(Loan.objects.filter(borrower=borrower, status__in=OUTSTANDING).values_list("amount_fen", flat=True))
    pending = sum(LoanApplication.objects.filter(borrower=borrower, status__in=LoanApplication.PENDING).values_list("amount_fen", flat=True))
    return loans + pending


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
    a number or one of the offered values; anything else is a 422 naming what is wrong."""
    if not isinstance(attributes, dict):
        raise InvalidInput(_("The answers (`attributes`) must be an object: each question's name and its answer."), "application.attributes",
                           {"field": "attributes"})
    known = {feature.name for feature in FEATURES}
    unknown = sorted(str(name) for name in attributes if name not in known)
    if unknown:
        raise InvalidInput(_("These are not questions of the application: %(names)s.") % {"names": ", ".join(unknown[:10])[:300]},
                           "application.attributes", {"field": "attributes", "unknown": [name[:60] for name in unknown[:10]]})
    malformed = sorted(name for name, value in attributes.items() if isinstance(value, bool) or not isinstance(value, (int, str)))
    if malformed:
        raise InvalidInput(_("Answer each question with a number or one of the offered values."), "application.attributes",
                           {"field": "attributes", "questions": malformed})


def application_submit(*, borrower, product: LoanProduct, amount_fen: int, months: int, purpose: str, attributes: dict, documents: dict,
                       origin: Origin = UNKNOWN_ORIGIN) -> LoanApplication:
    _attributes_check(attributes)
    _check(borrower, product, amount_fen, months, documents)
    decision = credit_assess(user=borrower, application={**attributes, "credit_amount": amount_fen // 100, "duration_in_month": months}, origin=origin)
    declined = decision.outcome == "reject"
    with transaction.atomic():
        application = LoanApplication.objects.create(
            borrower=borrower, product=product, amount_fen=amount_fen, months=months, purpose=purpose[:200], attributes=decision.application,
            status=LoanApplication.Status.PRESCREEN_REJECTED if declined else LoanApplication.Status.FIRST_REVIEW, decision=decision,
            reason="; ".join(r["text"] for r in decision.reasons) if declined else "",
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
        transition(application, LoanApplication.Status.LISTED, actor=staff, reason=reason, fields=("reason", "final_reviewer"))
    loan = loan_list(
        borrower=application.borrower, product=application.product, title=application.purpose[:60] or _("Loan"), purpose=application.purpose,
        amount_fen=application.amount_fen, months=application.months, annual_rate=rate, grade=application.decision.grade, actor=staff,
    )
    LoanApplication.objects.filter(pk=application.pk).update(loan=loan)
    application.loan = loan
    notify(user=application.borrower, event="application.listed", context={"amount": format_fen(loan.amount_fen), "rate": f"{rate * 100:.2f}%"})
    return application
