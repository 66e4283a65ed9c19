"""Obligation templates: the CE rules a technologist can pick (ARRT biennium, MQSA,
structured education, state licence renewals), kept as data site staff edit in the admin.

Loaded from obligations/data/obligation_templates.json (`load_obligation_templates`).
Each requirement is a contract §6 extra kind; a template is `confirmed` only when the
authority's own text says so, otherwise pages show "check with your board" and the source.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from catalog.models import Discipline
from catalog.rules import normal_tags, tags_errors
from core.models import TimeStampedModel

UNCONFIRMED_TEXT = "check with your board"


class ObligationTemplate(TimeStampedModel):
    class Kind(models.TextChoices):
        BIENNIUM = "biennium", "ARRT biennium"
        MQSA = "mqsa", "MQSA"
        STRUCTURED = "structured-education", "ARRT structured education"
        STATE_LICENCE = "state-licence", "State licence renewal"

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    authority = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    credentials = models.JSONField(
        default=list,
        blank=True,
        help_text='ARRT credential codes it applies to, e.g. ["M"] or ["RRA"]; [] for any.',
    )
    state = models.CharField(
        max_length=2, blank=True, help_text="Two-letter state code (state licences only)."
    )
    period_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Length of one period; empty for a one-time rule."
    )
    rules_text = models.TextField(
        blank=True, help_text="The rule in words, with what the planner does not model."
    )
    source = models.URLField(max_length=500)
    source_title = models.CharField(max_length=300, blank=True)
    effective_from = models.DateField(null=True, blank=True)
    confirmed = models.BooleanField(
        default=False,
        help_text="Only when the authority's own text states every modelled rule; otherwise "
        f'technologists see "{UNCONFIRMED_TEXT}".',
    )
    checked_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="Where each figure comes from.")
    is_active = models.BooleanField(
        default=True, help_text="Offered to technologists on their obligations page."
    )

    class Meta:
        ordering = ["kind", "state", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="state-licence") | ~Q(state=""),
                name="obligation_template_licence_has_state",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def status_text(self) -> str:
        return "confirmed" if self.confirmed else UNCONFIRMED_TEXT

    def clean(self) -> None:
        errors: dict[str, str] = {}
        credentials = self.credentials
        if not isinstance(credentials, list) or not all(
            isinstance(c, str) and c.strip() for c in credentials
        ):
            errors["credentials"] = 'Enter a list of credential codes, e.g. ["M"], or [].'
        else:
            self.credentials = sorted({c.strip().upper() for c in credentials})
        self.state = (self.state or "").strip().upper()
        if self.state and not (len(self.state) == 2 and self.state.isalpha()):
            errors["state"] = "Enter a two-letter state code, e.g. TX."
        if self.kind == self.Kind.STATE_LICENCE and not self.state:
            errors["state"] = "A state licence template needs its state."
        if errors:
            raise ValidationError(errors)


class TemplateRequirement(models.Model):
    """One requirement of a template: a contract §6 extra (kind, credits, tags)."""

    class Kind(models.TextChoices):
        TOTAL_CE = "total_ce", "Total CE credits"
        TOTAL_DISCIPLINE = "total_discipline", "Credits in the discipline"
        MAJOR_MINIMUM = "major_minimum", "Minimum per major category"
        TAG_MINIMUM = "tag_minimum", "CE credits of courses with a tag"

    template = models.ForeignKey(
        ObligationTemplate, on_delete=models.CASCADE, related_name="requirements"
    )
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    credits = models.DecimalField(
        max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    label = models.CharField(
        max_length=120, help_text="Names the requirement on pages, in the PDF and a shortfall."
    )
    tags = models.JSONField(
        default=list,
        blank=True,
        help_text='tag_minimum only: the course tags that count, e.g. ["hiv-aids"].',
    )

    class Meta:
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "label"], name="template_requirement_label_unique"
            ),
            models.CheckConstraint(
                condition=Q(credits__gt=0), name="template_requirement_credits_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.credits}"

    def clean(self) -> None:
        self.label = (self.label or "").strip()
        tags: Any = self.tags
        if self.kind != self.Kind.TAG_MINIMUM:
            if tags:
                raise ValidationError({"tags": "Only a tag_minimum requirement has tags."})
            self.tags = []
            return
        if not isinstance(tags, list) or not tags:
            raise ValidationError({"tags": 'List at least one course tag, e.g. ["hiv-aids"].'})
        bad = tags_errors(tags)
        if bad:
            raise ValidationError(
                {
                    "tags": [
                        f"tags[{i}] {message}" if i is not None else message for i, message in bad
                    ]
                }
            )
        self.tags = normal_tags(tags)


class Obligation(TimeStampedModel):
    """One CE obligation a technologist owes: a CQR compliance window (for a credential)
    or an obligation picked from a template (biennium, MQSA, state licence, structured
    education), due by its own date."""

    class Kind(models.TextChoices):
        CQR = "cqr", "CQR compliance window"
        BIENNIUM = "biennium", "ARRT biennium"
        MQSA = "mqsa", "MQSA"
        STRUCTURED = "structured-education", "ARRT structured education"
        STATE_LICENCE = "state-licence", "State licence renewal"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="obligations"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    template = models.ForeignKey(
        ObligationTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A CQR window's credential.
    discipline = models.ForeignKey(
        Discipline, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A CQR window's first day (optional for the others).
    starts_on = models.DateField(null=True, blank=True)
    # The window's end, the biennium's end, the licence renewal date, the MQSA date.
    due_on = models.DateField()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="cqr") & Q(discipline__isnull=False) & Q(template__isnull=True))
                | (~Q(kind="cqr") & Q(template__isnull=False)),
                name="obligation_cqr_has_credential_others_a_template",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(starts_on__lte=models.F("due_on")),
                name="obligation_starts_before_due",
            ),
            models.UniqueConstraint(
                fields=["owner", "template"], name="obligation_template_once_per_owner"
            ),
            models.UniqueConstraint(
                fields=["owner", "discipline"],
                condition=Q(kind="cqr"),
                name="obligation_cqr_window_once_per_credential",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        if self.kind == self.Kind.CQR and self.discipline is not None:
            return f"CQR compliance window ({self.discipline.code})"
        return self.template.name if self.template is not None else self.get_kind_display()

    @property
    def due_label(self) -> str:
        """What the due date is called for this kind."""
        return {
            self.Kind.CQR: "Window ends",
            self.Kind.BIENNIUM: "Biennium ends",
            self.Kind.MQSA: "Due by",
            self.Kind.STRUCTURED: "Due by",
            self.Kind.STATE_LICENCE: "Renewal date",
        }.get(self.Kind(self.kind), "Due by")

    @property
    def plannable(self) -> bool:
        """Whether it can be planned together with a prescription (a CQR window is the
        prescription itself); `plannable_q` says the same in a query."""
        return self.kind != self.Kind.CQR

    @classmethod
    def plannable_q(cls) -> Q:
        """The obligations that are `plannable`, as a query filter."""
        return ~Q(kind=cls.Kind.CQR)
