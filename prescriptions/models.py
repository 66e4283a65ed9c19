"""A technologist's prescriptions (CQR or structured education): what they must earn, by when,
and the lines our outline does not know yet. The chosen plan lives in `plans`."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import Course, OutlineVersion, Provider, Subcategory
from core.models import TimeStampedModel


class Prescription(TimeStampedModel):
    class Kind(models.TextChoices):
        CQR = "cqr", "CQR prescription"
        STRUCTURED = "structured-education", "Structured education"

    class Status(models.TextChoices):
        ACTIVE = "active", "Being planned"
        # Kept as history: saved, never planned (no matching run, no reminders), and the
        # only way to keep a prescription whose deadline has passed.
        COMPLETED = "completed", "Completed (kept as history)"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prescriptions"
    )
    outline = models.ForeignKey(OutlineVersion, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.CQR)
    title = models.CharField(max_length=200, blank=True)
    issued_on = models.DateField()
    deadline = models.DateField()
    # The end of the technologist's CE biennium, for a prescription planned together with
    # the biennium (a total_ce extra); the plan finishes by it when it comes first.
    biennium_ends_on = models.DateField(null=True, blank=True)
    # Planning date; null means "today" at computation time.
    as_of = models.DateField(null=True, blank=True)
    hours_per_week = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    # Allowed course formats; empty means all.
    formats = models.JSONField(default=list, blank=True)
    excluded_providers = models.ManyToManyField(Provider, blank=True, related_name="+")
    completed_courses = models.ManyToManyField(Course, blank=True, related_name="+")
    owned_courses = models.ManyToManyField(Course, blank=True, related_name="+")
    share_anonymously = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # The technologist's other obligations planned together with it (biennium, state
    # licence, MQSA): their template requirements become extras with their own deadline.
    obligations = models.ManyToManyField(
        "obligations.Obligation", blank=True, related_name="prescriptions"
    )

    class Meta:
        ordering = ["deadline", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("issued_on")),
                name="prescription_deadline_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__isnull=True) | Q(hours_per_week__gt=0),
                name="prescription_hours_positive",
            ),
            models.CheckConstraint(
                condition=Q(biennium_ends_on__isnull=True)
                | Q(biennium_ends_on__gte=models.F("issued_on")),
                name="prescription_biennium_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.outline.discipline.code} {self.get_kind_display()}"

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def plan_deadline(self) -> date:
        """The deadline, or the end of the biennium when that comes first."""
        if self.biennium_ends_on is not None and self.biennium_ends_on < self.deadline:
            return self.biennium_ends_on
        return self.deadline


class RequiredCredit(models.Model):
    prescription = models.ForeignKey(
        Prescription, on_delete=models.CASCADE, related_name="required"
    )
    subcategory = models.ForeignKey(Subcategory, on_delete=models.PROTECT, related_name="+")
    credits = models.DecimalField(max_digits=9, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prescription", "subcategory"], name="required_credit_unique"
            ),
            models.CheckConstraint(condition=Q(credits__gt=0), name="required_credit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.subcategory.name}: {self.credits}"


class ExtraRequirement(models.Model):
    """An obligation planned together with the prescription (contract §6): biennial CE, a
    state licence's hours or topic rules, MQSA, structured education."""

    class Kind(models.TextChoices):
        TOTAL_CE = "total_ce", "Total CE credits"
        TOTAL_DISCIPLINE = "total_discipline", "Credits in the discipline"
        MAJOR_MINIMUM = "major_minimum", "Minimum per major category"
        TAG_MINIMUM = "tag_minimum", "CE credits of courses with a tag"

    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="extras")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    credits = models.DecimalField(max_digits=9, decimal_places=2)
    # Null: the prescription's deadline. Courses count only when completed by it.
    deadline = models.DateField(null=True, blank=True)
    # Names the requirement in pages, PDFs and the shortfall; empty: its kind.
    label = models.CharField(max_length=120, blank=True)
    # tag_minimum: the course tags that count (lower-case, unique, sorted).
    tags = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            # Two requirements of one kind need different labels (the report keys differ).
            models.UniqueConstraint(
                fields=["prescription", "kind", "label"], name="extra_kind_label_unique"
            ),
            models.CheckConstraint(condition=Q(credits__gt=0), name="extra_credits_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.get_kind_display()}: {self.credits}"


class UnmatchedLine(models.Model):
    """A prescription line whose subcategory is not in our outline (yet), kept as written.

    It is not planned until site staff map its name to a subcategory (which becomes an
    alias); the line then becomes a RequiredCredit and `resolved_to` records where it went.
    """

    prescription = models.ForeignKey(
        Prescription, on_delete=models.CASCADE, related_name="unmatched_lines"
    )
    name = models.CharField("subcategory as written", max_length=200)
    credits = models.DecimalField(max_digits=9, decimal_places=2)
    line = models.TextField("original line", blank=True)
    resolved_to = models.ForeignKey(
        Subcategory, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["prescription", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(credits__gt=0), name="unmatched_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.credits}"
