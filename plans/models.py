"""The chosen plan: the bundle a technologist picked for a prescription, its courses with
progress, and the certificates of the courses marked done."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from catalog.models import Course
from core.models import TimeStampedModel
from matching.models import Bundle
from prescriptions.models import Prescription


class Plan(TimeStampedModel):
    """The bundle a technologist chose, with progress per course."""

    prescription = models.OneToOneField(Prescription, on_delete=models.CASCADE, related_name="plan")
    bundle = models.ForeignKey(
        Bundle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    price = models.DecimalField(max_digits=9, decimal_places=2, default=0)

    class Meta:
        db_table = "prescriptions_plan"  # the table it had in prescriptions (kept as is)

    def __str__(self) -> str:
        return f"Plan for {self.prescription}"


class PlanItem(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DONE = "done", "Done"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    complete_by = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "prescriptions_planitem"
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "course"], name="plan_item_unique"),
            models.CheckConstraint(
                condition=Q(status="planned", done_on__isnull=True)
                | Q(status="done", done_on__isnull=False),
                name="plan_item_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} ({self.status})"


def certificate_upload_to(instance: Certificate, filename: str) -> str:
    """A name nobody can guess or choose: the uploaded file's name is never used."""
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        instance.content_type, "bin"
    )
    return f"certificates/{uuid.uuid4().hex}.{extension}"


class Certificate(TimeStampedModel):
    """The certificate of a course marked done: a PDF or an image, checked by content."""

    item = models.OneToOneField(PlanItem, on_delete=models.CASCADE, related_name="certificate")
    file = models.FileField(upload_to=certificate_upload_to, max_length=200)
    content_type = models.CharField(max_length=50)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField()

    class Meta:
        db_table = "prescriptions_certificate"

    def __str__(self) -> str:
        return f"Certificate for {self.item}"
