"""Back-office records: the staff permissions roles are made of, and maker–checker
requests for sensitive user actions."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffPermission(models.Model):
    """Holds no rows: it only carries the back office's permissions."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_users", _("Search and view users (masked)")),
            ("view_personal_data", _("See unmasked personal data (audited)")),
            ("freeze_users", _("Request to freeze or unfreeze a user")),
            ("approve_freeze", _("Approve another staff member's freeze request")),
            ("review_verifications", _("Review identity verifications")),
            ("review_withdrawals", _("Review withdrawals")),
            ("view_outbox", _("Read the sandbox SMS and e-mail outbox")),
            ("view_reconciliation", _("Read reconciliation reports")),
            ("view_audit", _("Read the audit log")),
            ("manage_risk", _("Risk console: credit models, rules, blacklist, decisions")),
            ("handle_aml", _("Handle anti-money-laundering alerts")),
            ("manage_products", _("Manage loan products")),
            ("review_loans", _("Review loan applications")),
            ("collect_debts", _("Work overdue loans: collection tasks, contacts, promises to pay")),
            ("review_projects", _("Review crowdfunding projects")),
            ("manage_crowdfunding", _("Crowdfunding categories, project fees, owner defaults")),
            ("handle_complaints", _("Handle backers' complaints")),
            ("view_dashboard", _("Dashboard: live figures, trends and alerts")),
            ("acknowledge_alerts", _("Acknowledge alerts")),
            ("manage_content", _("Write and publish announcements, news, help and the newbie guide")),
            ("request_adjustments", _("Ask for a ledger adjustment, a payout release or a fee change")),
            ("approve_adjustments", _("Approve another staff member's adjustment, payout release or fee change")),
            ("pause_operations", _("Emergency switches: ask for or approve pausing and resuming sign-ups, bids, pledges, withdrawals")),
        ]

    def __str__(self) -> str:
        return "back-office permissions"


class StaffRequest(models.Model):
    """What every maker–checker request records (see core/makerchecker.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class UserActionRequest(StaffRequest):
    """A sensitive action on a user (freeze, unfreeze) asked for by one staff
    member and carried out only when a second one approves it."""

    class Action(models.TextChoices):
        FREEZE = "freeze", _("Freeze")
        UNFREEZE = "unfreeze", _("Unfreeze")

    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["target"], condition=models.Q(status="pending"), name="one_pending_action_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.action} user {self.target_id} [{self.status}]"


class ApprovalRequest(StaffRequest):
    """A sensitive money or pricing action (reversing a ledger entry, releasing a
    crowdfunding payout, changing a fee, pausing or resuming an operation) asked for by one staff member and carried out
    only when a second one, with the checking permission, approves it. What each kind
    does is in backoffice/approvals.py."""

    class Kind(models.TextChoices):
        LEDGER_REVERSAL = "ledger_reversal", _("Manual ledger adjustment (reversing entry)")
        PAYOUT_RELEASE = "payout_release", _("Crowdfunding payout release")
        PRODUCT_FEE = "product_fee", _("Loan product fee change")
        PROJECT_FEE = "project_fee", _("Crowdfunding project fee change")
        OPERATION_SWITCH = "operation_switch", _("Emergency switch: pause or resume an operation")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    target = models.CharField(max_length=40, help_text="what it acts on, e.g. entry:12, payout:3, product:1, switch:4")
    payload = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=300)
    result = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "target"], condition=models.Q(status="pending"), name="one_pending_approval_per_target")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target} [{self.status}]"


class Ticket(models.Model):
    """A user's question or complaint to customer service, with its conversation."""

    class Topic(models.TextChoices):
        ACCOUNT = "account", _("Account and identity")
        FUNDS = "funds", _("Deposits and withdrawals")
        LENDING = "lending", _("Lending and repayments")
        CROWDFUNDING = "crowdfunding", _("Crowdfunding")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets")
    topic = models.CharField(max_length=15, choices=Topic.choices)
    subject = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"ticket {self.pk}: {self.subject}"


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_staff = models.BooleanField(default=False)
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"message {self.pk} on ticket {self.ticket_id}"
