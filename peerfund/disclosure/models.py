"""What the platform publishes: a statistics snapshot per business day (the home page,
the disclosure page and the back-office trends read it, not the live tables), and
the daily proof-of-liabilities tree (its root and total forever, its leaves for the
recent days users may want a proof of)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DailySnapshot(models.Model):
    business_date = models.DateField(unique=True)
    figures = models.JSONField(help_text="fen, counts and ratios; see services/statistics.py for each key")
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-business_date"]

    def __str__(self) -> str:
        return f"statistics of {self.business_date}"


class LiabilityTree(models.Model):
    business_date = models.DateField(unique=True)
    algorithm = models.CharField(max_length=40)
    root = models.CharField(max_length=64)
    total_fen = models.BigIntegerField()
    leaf_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-business_date"]

    def __str__(self) -> str:
        return f"liabilities of {self.business_date}: {self.root[:12]}…"


class LiabilityLeaf(models.Model):
    tree = models.ForeignKey(LiabilityTree, on_delete=models.CASCADE, related_name="leaves")
    position = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=32)
    account = models.CharField(max_length=64)
    balance_fen = models.BigIntegerField()
    claims_fen = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tree", "position"], name="leaf_position_once"),
            models.UniqueConstraint(fields=["tree", "user"], name="leaf_user_once"),
        ]

    def __str__(self) -> str:
        return f"leaf {self.position} of {self.tree_id}"


class RelatedParty(models.Model):
    """A user the platform discloses as a related party (关联方: shareholders,
    directors, managers and their close relatives), besides its staff, whose
    loans are counted apart in the daily figures (信息披露指引, related-party loans)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(max_length=120, help_text="how they are related to the platform, e.g. shareholder, director's spouse")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"related party {self.user_id} ({self.relation})"


class PostLoanRecord(models.Model):
    """Post-loan information (贷后信息) a staff member records about a repaying loan:
    whether the money went to the declared purpose, any change in the borrower's
    ability to repay, and the state of arrears. Shown to the loan's investors only."""

    class Ability(models.TextChoices):
        UNCHANGED = "unchanged", _("No change")
        IMPROVED = "improved", _("Improved")
        WORSENED = "worsened", _("Worsened")

    loan = models.ForeignKey("lending.Loan", on_delete=models.PROTECT, related_name="post_loan_records")
    checked_on = models.DateField()
    funds_used_as_declared = models.BooleanField()
    funds_note = models.CharField(max_length=300, blank=True)
    ability = models.CharField(max_length=10, choices=Ability.choices)
    ability_note = models.CharField(max_length=300, blank=True)
    overdue_note = models.CharField(max_length=300, blank=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_on", "-id"]

    def __str__(self) -> str:
        return f"post-loan record {self.pk} of loan {self.loan_id}"
