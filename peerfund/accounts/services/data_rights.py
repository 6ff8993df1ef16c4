"""Personal-data rights (个人信息保护法, PIPL arts. 44-47): download one's data,
correct what may be corrected, close the account (注销) when nothing is left, and
anonymise a closed account's personal fields once the retention period is over.

The user centre reads every other capability here (lending, crowdfunding, funds,
messages), so those imports are made inside the functions: this module is called
from pages and the daily close, never imported by the capabilities themselves.
The books (ledger, contracts, audit trail) are never changed by anything here.
"""
import csv
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import BankCard, LoginRecord, RiskAssessment, ShippingAddress, User, Verification
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import Conflict
from peerfund.core.masking import mask_id_number, mask_name
from peerfund.legal.services import acceptances_of
from peerfund.notify.services import notify

# A data download shows the verified name and ID number in full only within this
# many minutes of the user re-entering their login password.
IDENTITY_CONFIRM_MINUTES = 10
# Wrong passwords allowed per user in 15 minutes, for the export and the closure.
PASSWORD_TRIES = 5
# Each list in the download holds at most this many rows (newest first): a sane
# bound on what is built in memory; the README says when a list was cut.
MAX_ROWS = 50_000
CLOSED_NAME = "已注销用户"


class CloseBlocked(Conflict):
    """The account still holds money or open business; `extra["reasons"]` lists each."""


# --- confirming it is really the user ------------------------------------------------


def _check_login_password(*, user: User, password: str, purpose: str) -> None:
    """The login password, with a small per-user limit so a left-open session cannot
    be used to guess it. The wrong tries are counted from the audit trail (since the
    last right one), so every server sees the same count."""
    from peerfund.core.models import AuditLog

    since = timezone.now() - dt.timedelta(minutes=15)
    last_right = AuditLog.objects.filter(actor=user, action="data_rights.identity_confirmed").order_by("-id").values_list("id", flat=True).first()
    wrong = AuditLog.objects.filter(actor=user, action="data_rights.wrong_password", created_at__gte=since, id__gt=last_right or 0).count()
    if wrong >= PASSWORD_TRIES:
        raise AccountError(_("Too many wrong passwords; try again in 15 minutes."), "data_rights.too_many_tries", {"field": "password"})
    if not user.check_password(password or ""):
        audit_record(actor=user, action="data_rights.wrong_password", obj=user, data={"purpose": purpose})
        raise AccountError(_("The login password is not right."), "data_rights.wrong_password", {"field": "password"})


def identity_confirm(*, user: User, password: str) -> User:
    """Re-enter the login password: for a few minutes a data download shows the
    verified identity unmasked."""
    _check_login_password(user=user, password=password, purpose="export")
    user.identity_confirmed_at = clock.now()
    user.save(update_fields=["identity_confirmed_at"])
    audit_record(actor=user, action="data_rights.identity_confirmed", obj=user)
    return user


def identity_recently_confirmed(user: User) -> bool:
    confirmed = user.identity_confirmed_at
    return confirmed is not None and clock.now() - confirmed <= dt.timedelta(minutes=IDENTITY_CONFIRM_MINUTES)


# --- the data download ------------------------------------------------------------------


def _iso(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return clock.localtime(value).isoformat()
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class _Zip:
    """Writes JSON and CSV members one by one and notes what each holds."""

    def __init__(self):
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", compression=zipfile.ZIP_DEFLATED)
        self.contents: list[tuple[str, str]] = []

    def json(self, name: str, description: str, data) -> None:
        self.zip.writestr(name, json.dumps(data, ensure_ascii=False, indent=2, default=_iso))
        self.contents.append((name, description))

    def csv(self, name: str, description: str, header: list[str], rows) -> None:
        count = 0
        with self.zip.open(name, "w") as member:
            text = io.TextIOWrapper(member, encoding="utf-8-sig", newline="")
            writer = csv.writer(text)
            writer.writerow(header)
            for row in rows:
                if count >= MAX_ROWS:
                    description += _(" (the newest %(n)s rows; ask customer service for the rest)") % {"n": MAX_ROWS}
                    break
                writer.writerow(["" if value is None else _iso(value) if isinstance(value, dt.date | dt.datetime) else value for value in row])
                count += 1
            text.flush()
            text.detach()
        self.contents.append((name, f"{description} — {count}"))

    def finish(self, readme: str) -> bytes:
        self.zip.writestr("README.txt", readme)
        self.zip.close()
        return self.buffer.getvalue()


def _profile(user: User) -> dict:
    from allauth.account.models import EmailAddress

    from peerfund.accounts.services.tiers import user_tier

    return {
        "username": user.username,
        "display_name": user.display_name,
        "mobile": user.phone,
        "mobile_verified": user.phone_verified,
        "email": user.email,
        "emails": [{"email": e.email, "verified": e.verified, "primary": e.primary} for e in EmailAddress.objects.filter(user=user)],
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "invited_by": bool(user.invited_by_id),
        "people_invited": user.invitees.count(),
        "member_tier": user_tier(user).name,
        "has_trade_password": bool(user.trade_password),
        "frozen": user.is_frozen,
        "frozen_reason": user.frozen_reason,
    }


def _identity(user: User, unmasked: bool) -> dict:
    rows = []
    for v in Verification.objects.filter(user=user).order_by("id"):
        rows.append({
            "kind": v.kind, "status": v.status,
            "real_name": v.real_name if unmasked else mask_name(v.real_name),
            "id_number": v.id_number if unmasked else mask_id_number(v.id_number),
            "birth_date": v.birth_date if unmasked else None,
            "company_name": v.company_name,
            "credit_code": v.credit_code if unmasked else (mask_id_number(v.credit_code) if v.credit_code else ""),
            "charity_registration_no": v.charity_registration_no, "charity_verified": v.charity_verified,
            "reason": v.reason, "submitted_at": v.created_at, "decided_at": v.decided_at,
        })
    note = "" if unmasked else _("Masked: re-enter your login password on the download page to see your name and ID number in full.")
    return {"unmasked": unmasked, "note": note, "verifications": rows}


def _ledger_rows(user: User):
    from peerfund.ledger.models import Posting

    postings = Posting.objects.filter(account__owner=user).select_related("entry", "account").order_by("-id")
    for p in postings.iterator(chunk_size=1000):
        yield [p.entry.business_date, p.entry.kind, p.entry.get_kind_display(), p.account.kind, p.account.scope, p.amount_fen,
               p.balance_after_fen, p.entry.ref]


def data_export_build(*, user: User, ip_address: str | None = None) -> bytes:
    """The user's own data as a zip of JSON and CSV files (README.txt lists them).
    Only rows that belong to the user; other people appear at most as a count or a
    masked name. Audited."""
    from peerfund.crowdfunding.models import Pledge, Project
    from peerfund.funds.models import DepositOrder, Withdrawal
    from peerfund.ledger.models import Account
    from peerfund.lending.models import Bid, ClaimListing, ClaimPurchase, Investment, Loan, LoanApplication, Receivable, Repayment
    from peerfund.notify.models import Message

    unmasked = identity_recently_confirmed(user)
    out = _Zip()
    out.json("profile.json", _("Profile and contact details"), _profile(user))
    out.json("identity.json", _("Identity verification"), _identity(user, unmasked))
    out.csv("bank_cards.csv", _("Bank cards (masked)"), ["bank", "card", "default", "bound_at", "removed_at"],
            ([c.bank_name, f"**** {c.last4}", c.is_default, c.created_at, c.removed_at] for c in BankCard.objects.filter(user=user).order_by("id")))
    out.csv("addresses.csv", _("Address book"), ["recipient", "mobile", "province", "city", "street", "default"],
            ([a.recipient, a.phone, a.province, a.city, a.street, a.is_default] for a in ShippingAddress.objects.filter(user=user).order_by("id")))
    out.csv("risk_assessments.csv", _("Risk-tolerance assessments"), ["taken_at", "score", "level", "expires_on", "answers"],
            ([r.taken_at, r.score, r.level, r.expires_on, json.dumps(r.answers)] for r in RiskAssessment.objects.filter(user=user).order_by("-id")))
    out.csv("balances.csv", _("Account balances (fen)"), ["account", "scope", "balance_fen"],
            ([a.kind, a.scope, a.balance_fen] for a in Account.objects.filter(owner=user).order_by("id")))
    out.csv("ledger.csv", _("Statement of every movement on your accounts (fen)"),
            ["business_date", "entry_kind", "entry", "account", "scope", "amount_fen", "balance_after_fen", "reference"], _ledger_rows(user))
    out.csv("deposits.csv", _("Deposits"), ["order_no", "amount_fen", "status", "reason", "created_at"],
            ([d.order_no, d.amount_fen, d.status, d.reason, d.created_at] for d in DepositOrder.objects.filter(user=user).order_by("-id")))
    out.csv("withdrawals.csv", _("Withdrawals"), ["id", "amount_fen", "status", "card", "created_at"],
            ([w.pk, w.amount_fen, w.status, f"**** {w.card.last4}", w.created_at]
             for w in Withdrawal.objects.filter(user=user).select_related("card").order_by("-id")))
    out.csv("bids.csv", _("Bids"), ["id", "loan", "loan_title", "amount_fen", "status", "auto", "created_at"],
            ([b.pk, b.loan_id, b.loan.title, b.amount_fen, b.status, b.auto, b.created_at]
             for b in Bid.objects.filter(investor=user).select_related("loan").order_by("-id")))
    out.csv("investments.csv", _("Investments"), ["id", "loan", "loan_title", "principal_fen", "acquired_on", "bought_from_another_investor"],
            ([i.pk, i.loan_id, i.loan.title, i.principal_fen, i.acquired_on, i.bought_from_id is not None]
             for i in Investment.objects.filter(investor=user).select_related("loan").order_by("-id")))
    out.csv("receivables.csv", _("Receivables (what borrowers owe you)"),
            ["investment", "number", "due_date", "principal_fen", "interest_fen", "status", "principal_received_fen", "interest_received_fen",
             "penalty_received_fen", "received_on"],
            ([r.investment_id, r.number, r.due_date, r.principal_fen, r.interest_fen, r.status, r.principal_received_fen,
              r.interest_received_fen, r.penalty_received_fen, r.received_on]
             for r in Receivable.objects.filter(investment__investor=user).order_by("investment_id", "number")))
    out.csv("claims_for_sale.csv", _("Claims you offered for sale"), ["id", "investment", "principal_fen", "left_fen", "discount_rate", "status", "listed_on"],
            ([c.pk, c.investment_id, c.principal_fen, c.left_fen, c.discount_rate, c.status, c.listed_on]
             for c in ClaimListing.objects.filter(seller=user).order_by("-id")))
    out.csv("claims_bought.csv", _("Claims you bought"), ["listing", "principal_fen", "price_fen", "fee_fen"],
            ([c.listing_id, c.principal_fen, c.price_fen, c.fee_fen] for c in ClaimPurchase.objects.filter(buyer=user).order_by("-id")))
    out.csv("loan_applications.csv", _("Loan applications and what you declared"),
            ["id", "amount_fen", "months", "purpose", "status", "reason", "created_at", "answers"],
            ([a.pk, a.amount_fen, a.months, a.purpose, a.status, a.reason, a.created_at, json.dumps(a.attributes, ensure_ascii=False)]
             for a in LoanApplication.objects.filter(borrower=user).order_by("-id")))
    out.csv("loans.csv", _("Loans you borrowed"), ["id", "title", "amount_fen", "months", "annual_rate", "grade", "status", "listed_at"],
            ([loan.pk, loan.title, loan.amount_fen, loan.months, loan.annual_rate, loan.grade, loan.status, loan.listed_at]
             for loan in Loan.objects.filter(borrower=user).order_by("-id")))
    out.csv("repayments.csv", _("Your repayments"), ["loan", "business_date", "source", "amount_fen", "principal_fen", "interest_fen", "fee_fen", "penalty_fen"],
            ([r.loan_id, r.business_date, r.source, r.amount_fen, r.principal_fen, r.interest_fen, r.fee_fen, r.penalty_fen]
             for r in Repayment.objects.filter(loan__borrower=user).order_by("-id")))
    out.csv("pledges.csv", _("Crowdfunding pledges"), ["id", "project", "project_title", "amount_fen", "status", "delivery", "ship_to", "created_at"],
            ([p.pk, p.project_id, p.project.title, p.amount_fen, p.status, p.delivery, p.address, p.created_at]
             for p in Pledge.objects.filter(backer=user).select_related("project").order_by("-id")))
    out.csv("projects.csv", _("Crowdfunding projects you started"), ["id", "title", "status", "goal_fen", "raised_fen", "backers", "published_on", "deadline"],
            ([p.pk, p.title, p.status, p.goal_fen, p.raised_fen, p.backers, p.published_on, p.deadline]
             for p in Project.objects.filter(owner=user).order_by("-id")))
    out.csv("messages.csv", _("Messages and notices"), ["created_at", "event", "title", "body", "read_at"],
            ([m.created_at, m.event, m.title, m.body, m.read_at] for m in Message.objects.filter(user=user).order_by("-id")))
    out.csv("logins.csv", _("Login history"), ["time", "ip_address", "city", "device", "user_agent"],
            ([r.created_at, r.ip_address, r.city, r.device, r.user_agent] for r in LoginRecord.objects.filter(user=user).order_by("-id")))
    out.csv("consents.csv", _("Agreements you accepted"), ["document", "document_sha256", "action", "accepted_at", "ip_address", "user_agent"],
            ([str(a.version), a.document_sha256, a.action, a.accepted_at, a.ip_address, a.user_agent] for a in acceptances_of(user)))
    out.csv("audit.csv", _("Audit trail of your actions and of actions on your account"),
            ["time", "by", "action", "object", "from", "to", "reason", "ip_address"], _audit_rows(user))
    audit_record(actor=user, action="data_rights.export", obj=user, ip_address=ip_address,
                 data={"identity_unmasked": unmasked, "files": [name for name, _d in out.contents]})
    readme = "\n".join([
        _("Your data on PeerFund (%(user)s), as of %(time)s.") % {"user": user.username, "time": _iso(clock.now())},
        _("Amounts are in fen (1 yuan = 100 fen); times are Beijing time."),
        "",
        *(f"{name}: {description}" for name, description in out.contents),
    ])
    return out.finish(readme + "\n")


def _audit_rows(user: User):
    from peerfund.core.models import AuditLog

    own_objects = Q(object_type=User._meta.label_lower, object_id=str(user.pk)) | Q(
        object_type=Verification._meta.label_lower, object_id__in=[str(pk) for pk in Verification.objects.filter(user=user).values_list("pk", flat=True)]
    )
    for row in AuditLog.objects.filter(Q(actor=user) | own_objects).order_by("-id").iterator(chunk_size=1000):
        by = _("you") if row.actor_id == user.pk else (_("platform staff") if row.actor_id else _("the platform"))
        yield [row.created_at, by, row.action, f"{row.object_type}:{row.object_id}", row.from_state, row.to_state, row.reason,
               row.ip_address if row.actor_id == user.pk else ""]


# --- correction -------------------------------------------------------------------------


def profile_update(*, user: User, display_name: str) -> User:
    """Change the nickname (昵称). The verified name and ID number cannot be changed
    here: they come from the identity check (customer service corrects them)."""
    name = (display_name or "").strip()
    if not 2 <= len(name) <= 30:
        raise AccountError(_("A nickname has 2 to 30 characters."), "profile.display_name", {"field": "display_name"})
    before = user.display_name
    user.display_name = name
    user.save(update_fields=["display_name"])
    audit_record(actor=user, action="profile.update", obj=user, data={"field": "display_name", "changed": before != name})
    return user


# --- closure ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    code: str
    message: str
    count: int = 0
    amount_fen: int = 0

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "count": self.count, "amount_fen": self.amount_fen}


def closure_blockers(user: User) -> list[Blocker]:
    """Everything that keeps the account open: money in any account, money on its
    way, open loans and applications, receivables, claims for sale, open pledges and
    unfinished projects. An empty list means the account may be closed."""
    from django.db.models import Sum

    from peerfund.crowdfunding.models import Pledge, Project
    from peerfund.funds.models import DepositOrder, Withdrawal
    from peerfund.ledger.chart import AccountKind
    from peerfund.ledger.models import Account
    from peerfund.lending.models import Bid, ClaimListing, Loan, LoanApplication, Receivable

    blockers = []
    balances = {kind: total or 0 for kind, total in
                Account.objects.filter(owner=user).values_list("kind").annotate(total=Sum("balance_fen")).values_list("kind", "total")}
    if balances.get(AccountKind.USER_AVAILABLE, 0):
        blockers.append(Blocker("balance.available", _("Your available balance is not zero: withdraw it first."),
                                amount_fen=balances[AccountKind.USER_AVAILABLE]))
    if balances.get(AccountKind.USER_FROZEN, 0):
        blockers.append(Blocker("balance.frozen", _("Part of your money is frozen (bids, pledges or withdrawals under way)."),
                                amount_fen=balances[AccountKind.USER_FROZEN]))
    other = sum(amount for kind, amount in balances.items() if kind not in (AccountKind.USER_AVAILABLE, AccountKind.USER_FROZEN))
    if other:
        blockers.append(Blocker("balance.other", _("A repayment account of yours still holds money."), amount_fen=other))
    moving = DepositOrder.objects.filter(user=user, status=DepositOrder.Status.PROCESSING).count() + Withdrawal.objects.filter(
        user=user, status__in=Withdrawal.IN_PROGRESS).count()
    if moving:
        blockers.append(Blocker("funds.in_progress", _("A deposit or withdrawal is still being processed."), count=moving))
    frozen_bids = Bid.objects.filter(investor=user, status=Bid.Status.FROZEN).count()
    if frozen_bids:
        blockers.append(Blocker("lending.open_bids", _("You have bids on loans that are not yet disbursed."), count=frozen_bids))
    loans = Loan.objects.filter(borrower=user).exclude(status__in=(Loan.Status.FAILED, Loan.Status.SETTLED)).count()
    if loans:
        blockers.append(Blocker("lending.open_loans", _("You have a loan that is listed or not fully repaid."), count=loans))
    applications = LoanApplication.objects.filter(borrower=user, status__in=LoanApplication.PENDING).count()
    if applications:
        blockers.append(Blocker("lending.pending_applications", _("You have a loan application under review."), count=applications))
    receivables = Receivable.objects.filter(investment__investor=user, status__in=Receivable.UNPAID).count()
    if receivables:
        blockers.append(Blocker("lending.receivables", _("Borrowers still owe you repayments on your investments."), count=receivables))
    claims = ClaimListing.objects.filter(seller=user, status=ClaimListing.Status.LISTED).count()
    if claims:
        blockers.append(Blocker("lending.claims_for_sale", _("You have a claim for sale."), count=claims))
    pledges = Pledge.objects.filter(backer=user).filter(
        Q(status=Pledge.Status.ACTIVE) | Q(status=Pledge.Status.SETTLED, project__status=Project.Status.SUCCESSFUL)).count()
    if pledges:
        blockers.append(Blocker("crowdfunding.open_pledges", _("You have pledges to projects that are not finished."), count=pledges))
    projects = Project.objects.filter(owner=user, status__in=(Project.Status.IN_REVIEW, Project.Status.FUNDING, Project.Status.SUCCESSFUL)).count()
    if projects:
        blockers.append(Blocker("crowdfunding.open_projects", _("You have a crowdfunding project that is not finished."), count=projects))
    return blockers


def account_close(*, user: User, password: str, trade_password: str = "", ip_address: str | None = None) -> User:
    """Close (注销) an account with nothing left in it. The login password (and the
    trade password, when one is set) confirm it; every reason it cannot close yet is
    listed. Closed: no login, no session, no API token; personal data is kept for the
    retention period, then anonymised by the daily close."""
    from allauth.usersessions.models import UserSession

    from peerfund.accounts.models import ApiToken
    from peerfund.accounts.services.security import trade_password_check

    if user.is_closed:
        raise Conflict(_("This account is already closed."), "account.closed")
    _check_login_password(user=user, password=password, purpose="close")
    if user.trade_password:
        trade_password_check(user=user, password=trade_password)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        blockers = closure_blockers(user)
        if blockers:
            raise CloseBlocked(
                _("Your account cannot be closed yet: %(reasons)s") % {"reasons": " ".join(b.message for b in blockers)},
                "account.close_blocked",
                {"reasons": [b.as_dict() for b in blockers]},
            )
        now = clock.now()
        user.closed_at, user.is_active = now, False
        user.save(update_fields=["closed_at", "is_active"])
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        # Unbound, so the person may bind the card to another account; the row stays.
        BankCard.objects.filter(user=user, removed_at__isnull=True).update(removed_at=now, is_default=False)
        audit_record(actor=user, action="account.close", obj=user, from_state="active", to_state="closed", ip_address=ip_address,
                     data={"purge_after_days": settings.PEERFUND_PERSONAL_DATA_RETENTION_DAYS})
        for session in UserSession.objects.filter(user=user):
            session.end()
        notify(user=user, event="account.closed", context={"retention_days": settings.PEERFUND_PERSONAL_DATA_RETENTION_DAYS})
    return user


# --- anonymisation after the retention period ---------------------------------------------


def closed_accounts_due(on: dt.date) -> list[int]:
    """Closed accounts whose personal data is past the retention period on `on`."""
    cutoff = clock.day_start(on - dt.timedelta(days=settings.PEERFUND_PERSONAL_DATA_RETENTION_DAYS))
    return list(User.objects.filter(closed_at__lt=cutoff, anonymised_at__isnull=True).order_by("id").values_list("id", flat=True))


def closed_accounts_anonymise(*, user_ids: list[int]) -> int:
    """Replace a closed account's personal fields by placeholders that cannot be
    turned back (name, ID, phone, e-mail, addresses, cards; username `closed-<id>`).
    The ledger, contracts, credit decisions and the audit trail are kept as they are."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

    from peerfund.crowdfunding.models import Pledge
    from peerfund.notify.models import Message, Preference

    done = 0
    for user_id in user_ids:
        with transaction.atomic():
            user = User.objects.select_for_update().filter(pk=user_id, closed_at__isnull=False, anonymised_at__isnull=True).first()
            if user is None:  # already done (a resumed close)
                continue
            for v in Verification.objects.filter(user=user):
                v.real_name, v.id_number, v.birth_date = CLOSED_NAME, f"CLOSED-{v.pk}", None
                v.credit_code = f"CLOSED-{v.pk}" if v.credit_code else ""
                v.save(update_fields=["real_name", "id_number", "id_index", "birth_date", "credit_code", "credit_code_index"])
            for card in BankCard.objects.filter(user=user):
                card.card_number, card.last4, card.removed_at = f"CLOSED-{card.pk}", "****", card.removed_at or clock.now()
                card.save(update_fields=["card_number", "card_index", "last4", "removed_at"])
            ShippingAddress.objects.filter(user=user).delete()
            for pledge in Pledge.objects.filter(backer=user).exclude(address=""):
                pledge.address = CLOSED_NAME
                pledge.save(update_fields=["address"])
            LoginRecord.objects.filter(user=user).delete()
            Message.objects.filter(user=user).delete()
            Preference.objects.filter(user=user).delete()
            EmailAddress.objects.filter(user=user).delete()
            Authenticator.objects.filter(user=user).delete()
            UserSession.objects.filter(user=user).delete()
            user.username = f"closed-{user.pk}"
            user.first_name = user.last_name = user.email = user.phone = user.trade_password = ""
            user.display_name = CLOSED_NAME
            user.phone_verified = False
            user.set_unusable_password()
            user.anonymised_at = clock.now()
            user.save()
            audit_record(actor=None, action="account.anonymise", obj=user, from_state="closed", to_state="anonymised",
                         data={"retention_days": settings.PEERFUND_PERSONAL_DATA_RETENTION_DAYS})
            done += 1
    return done
