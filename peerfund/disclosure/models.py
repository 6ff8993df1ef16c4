"""What the platform publishes: a statistics snapshot per business day (the home page,
the disclosure page and the back-office trends read it, not the live tables), and
the daily proof-of-liabilities tree (its root and total forever, its leaves for the
recent days users may want a proof of)."""
from django.conf import settings
from django.db import models


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
