"""Matching runs (one engine computation for a prescription) and the bundles they found."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import Course, Package
from core.models import TimeStampedModel
from prescriptions.models import Prescription


class MatchingRun(TimeStampedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    # Solver outcome: optimal | feasible | infeasible (empty until done).
    outcome = models.CharField(max_length=12, blank=True)
    gap = models.FloatField(null=True, blank=True)
    catalog_revision = models.PositiveBigIntegerField(default=0)
    is_stale = models.BooleanField(default=False)
    # What of the catalog the plan can depend on (matching.services.problem.CatalogInputs),
    # so that a catalog change re-plans only the runs it could change. Empty: not known.
    catalog_inputs = models.JSONField(default=dict, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    # The cqr-recommendation/1 document as computed (what the API and command return).
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The claim (matching.services.runs): the Celery task that owns the run and until when.
    # A redelivered copy of that task takes over at once; anyone may after the lease.
    task_id = models.CharField(max_length=255, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Last successful publish to the broker; NULL while a publish failed (outbox sweep).
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="run_progress_max_100"),
        ]
        indexes = [
            # replan_stale scans stale runs; the worker claims queued ones.
            models.Index(fields=["status", "is_stale"], name="run_status_stale_idx"),
            # the lost-run sweep: unfinished runs by lease.
            models.Index(fields=["status", "lease_expires_at"], name="run_status_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def is_overdue(self) -> bool:
        """Queued or running past its lease: the page stops polling and offers recompute
        (the beat sweep re-sends it meanwhile, see matching.services.runs)."""
        return (
            not self.is_finished
            and self.lease_expires_at is not None
            and self.lease_expires_at < timezone.now()
        )


class Bundle(models.Model):
    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="bundles")
    rank = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=120)
    price = models.DecimalField(max_digits=9, decimal_places=2)
    price_delta = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    hours = models.DecimalField(max_digits=9, decimal_places=2)
    ce_credits = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    # Credits per requirement key (subcategory name, total_ce, major:<name>) as decimal strings.
    credits = models.JSONField(default=dict)
    slack_days = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "rank"], name="bundle_rank_unique"),
        ]

    def __str__(self) -> str:
        return f"Bundle {self.rank} ({self.label}) of run {self.run_id}"


class BundlePurchase(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", "Course"
        PACKAGE = "package", "Package"

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="purchases")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    code = models.CharField(max_length=100)
    course = models.ForeignKey(Course, on_delete=models.SET_NULL, null=True, related_name="+")
    package = models.ForeignKey(Package, on_delete=models.SET_NULL, null=True, related_name="+")
    price = models.DecimalField(max_digits=9, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.kind} {self.code}"


class BundleCourse(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey(Course, on_delete=models.SET_NULL, null=True, related_name="+")
    code = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    complete_by = models.DateField()
    start_by = models.DateField(null=True, blank=True)
    owned = models.BooleanField(default=False)

    class Meta:
        ordering = ["bundle", "position"]

    def __str__(self) -> str:
        return f"{self.code} by {self.complete_by}"
