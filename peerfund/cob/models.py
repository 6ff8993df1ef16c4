"""What the daily close has done, per business date and step, down to each chunk."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class StepRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    business_date = models.DateField()
    step = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    # The chunk plan, fixed when the step first starts for the date: the first and last
    # item id of each chunk, so a resumed run works on the same chunks.
    plan = models.JSONField(default=list)
    result = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-business_date", "id"]
        constraints = [models.UniqueConstraint(fields=["business_date", "step"], name="cob_step_once_per_date")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.step} [{self.status}]"


class ChunkDone(models.Model):
    step_run = models.ForeignKey(StepRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    items = models.PositiveIntegerField()
    # Which process ran it ("host:pid"): chunks of one step can run on several consumers.
    worker = models.CharField(max_length=80, blank=True)
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["step_run", "number"], name="cob_chunk_once")]

    def __str__(self) -> str:
        return f"{self.step_run} chunk {self.number}"


class CloseRun(models.Model):
    """One run of the close by one process, and the record behind its single-runner
    lock: on PostgreSQL the lock itself is an advisory lock held on a connection of its
    own (this row says who holds it); elsewhere (SQLite) the running row is the lock."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        # Its process died without finishing; the next run found the lock free.
        ABANDONED = "abandoned", _("Abandoned")

    holder = models.CharField(max_length=120)  # "host:pid"
    source = models.CharField(max_length=40)  # "command", "nightly", ...
    dates = models.CharField(max_length=40)  # "2026-11-24" or "2026-11-01..2026-11-24"
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(blank=True)
    # Wall-clock time, not the platform clock: an operator compares it with their watch.
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="running"), name="cob_one_close_running"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.dates} by {self.holder} [{self.status}]"
