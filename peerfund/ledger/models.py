"""Double-entry books: accounts, journal entries and their postings, all in fen.

Balances change only through `ledger.services.post`. Entries and postings are
append-only (database triggers refuse UPDATE and DELETE); a mistake is corrected by
a reversing entry.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

from peerfund.ledger.chart import AccountKind, EntryKind


class Account(models.Model):
    kind = models.CharField(max_length=32, choices=AccountKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    # What the account is for, e.g. "loan:42" for a borrower's repayment account.
    scope = models.CharField(max_length=64, blank=True, default="")
    balance_fen = models.BigIntegerField(default=0)
    may_go_negative = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(may_go_negative=True) | Q(balance_fen__gte=0), name="ledger_account_balance_not_negative"
            ),
            models.UniqueConstraint(
                fields=["kind", "owner", "scope"], condition=Q(owner__isnull=False), name="ledger_account_user_unique"
            ),
            models.UniqueConstraint(
                fields=["kind", "scope"], condition=Q(owner__isnull=True), name="ledger_account_platform_unique"
            ),
        ]

    def __str__(self) -> str:
        owner = f"user {self.owner_id}" if self.owner_id else "platform"
        scope = f" {self.scope}" if self.scope else ""
        return f"{self.kind} ({owner}{scope})"


class Entry(models.Model):
    kind = models.CharField(max_length=32, choices=EntryKind.choices)
    # The caller's idempotency key: posting the same key twice returns the first entry.
    key = models.CharField(max_length=200, unique=True)
    ref = models.CharField(max_length=120, blank=True, db_index=True)
    business_date = models.DateField(db_index=True)
    memo = models.CharField(max_length=255, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.ref}"


class Posting(models.Model):
    # No database foreign key: on PostgreSQL the per-statement trigger (migration 0006)
    # checks that a statement's postings belong to existing entries, which can never be
    # deleted (append-only); the row-by-row deferred key check it replaces was a third
    # of the daily close's time. `ledger_check` looks for orphans on every database.
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="postings", db_constraint=False)
    # Indexed by (account, id) below, which also serves look-ups by account alone.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings", db_index=False)
    amount_fen = models.BigIntegerField()
    balance_after_fen = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount_fen=0), name="ledger_posting_amount_not_zero")]
        indexes = [models.Index(fields=["account", "id"])]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount_fen:+d} fen"


class CheckRun(models.Model):
    """A run of the invariant checker by the daily close: the entries it covered and
    what it found. Each night checks the entries after the last clean run's."""

    checked_at = models.DateTimeField(auto_now_add=True)
    business_date = models.DateField()
    after_entry = models.BigIntegerField(help_text="entries after this id were checked (0: the whole ledger)")
    through_entry = models.BigIntegerField(help_text="the next run starts after this id: no transaction still open can add below it")
    violations = models.PositiveIntegerField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"ledger check {self.business_date}: entries {self.after_entry}+, {self.violations} violation(s)"
