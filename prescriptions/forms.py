"""Prescription and plan forms. They validate and normalise input; services write.

The entry form hands the service a resolved spec (`PrescriptionForm.spec()`) built from
the outline, subcategories, courses and providers it loaded to validate: nothing is
written out as a document and parsed again. The JSON import and the API parse their
documents (`prescriptions.documents.prescription_spec_from_document`) into the same spec.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from catalog.models import (
    Course,
    CourseFormat,
    CreditDistribution,
    Discipline,
    OutlineVersion,
    Provider,
    Subcategory,
    course_visible_q,
)
from catalog.selectors import outline_in_force
from core.jsontext import validate_single_line
from prescriptions.documents import CENT, FORMATS, PrescriptionSpec
from prescriptions.extras import ExtraSpec
from prescriptions.history import check_deadline, completed_field
from prescriptions.other_lines import (
    add_other_fields,
    clean_other_rows,
    other_rows,
    other_rows_initial,
    other_rows_unmatched,
)
from prescriptions.unmatched import UnmatchedSpec

STEP = Decimal("0.25")
MAX_CREDITS_PER_SUBCATEGORY = Decimal("99")
# What the technologist plans (contract §6): the prescription alone, structured education
# (the postprimary pathway), or a CQR prescription that also finishes the CE biennium.
OBLIGATION_CQR = "cqr"
OBLIGATION_STRUCTURED = "structured-education"
OBLIGATION_BIENNIUM = "cqr-biennium"
OBLIGATIONS = [
    (OBLIGATION_CQR, "CQR prescription"),
    (OBLIGATION_STRUCTURED, "Structured education"),
    (OBLIGATION_BIENNIUM, "CQR + count toward my biennium"),
]
OBLIGATION_HELP = {
    OBLIGATION_CQR: "The credits per subcategory that ARRT prescribed after your self-assessment.",
    OBLIGATION_STRUCTURED: "Postprimary pathway: 16 credits reflecting the discipline's "
    "content outline, at least 1 in each major category, within 24 months before you apply.",
    OBLIGATION_BIENNIUM: "Your prescription plus the CE credits you still need this biennium "
    "(ARRT asks for 24 every two years): most CQR credits count toward both, so the courses "
    "are bought once for everything.",
}
STRUCTURED_TOTAL = Decimal(16)
STRUCTURED_MAJOR_MINIMUM = Decimal(1)
# Scalar fields a GET of the form (the no-JavaScript "Show the requirement" step, or the
# htmx swap of the requirement part) carries over as initial values.
CARRIED_FIELDS = (
    "title",
    "issued_on",
    "deadline",
    "as_of",
    "hours_per_week",
    "biennium_credits",
    "biennium_ends_on",
    "structured_total",
    "structured_major_minimum",
)
CREDIT_PREFIX = "credits_"
# Above this many courses the no-JavaScript picker lists only the search results.
PICKER_FULL_LIST_MAX = 400


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def human_date(value: date) -> str:
    """'Dec 31, 2027' (the pages' date style)."""
    return f"{value:%b} {value.day}, {value.year}"


def discipline_choices() -> list[tuple[str, str]]:
    disciplines = Discipline.objects.filter(outlines__is_current=True).distinct().order_by("code")
    return [(d.code, f"{d.code} – {d.name}") for d in disciplines]


def current_outline(code: str | None, *, issued_on: Any = None) -> OutlineVersion | None:
    """The outline the form lists: the version in force on `issued_on` (an ISO date string
    or a date, as typed so far) when it is a valid date, else the current one."""
    if not code:
        return None
    day = issued_on if isinstance(issued_on, date) else None
    if isinstance(issued_on, str):
        try:
            day = date.fromisoformat(issued_on.strip())
        except ValueError:
            day = None
    if day is not None:
        return outline_in_force(code=code, on=day)
    return (
        OutlineVersion.objects.select_related("discipline")
        .filter(discipline__code=code, is_current=True)
        .first()
    )


def discipline_courses(outline: OutlineVersion, *, owner_id: int | None = None) -> QuerySet[Course]:
    """Active courses with credit in the outline's discipline (any outline version): the
    catalog's, and with `owner_id` that technologist's own."""
    rows = CreditDistribution.objects.filter(
        course=OuterRef("pk"), subcategory__outline__discipline_id=outline.discipline_id
    )
    return (
        Course.all_courses.filter(course_visible_q(owner_id), Exists(rows), is_active=True)
        .select_related("provider")
        .order_by("title", "provider__name", "code")
    )


def course_label(course: Course) -> str:
    if course.is_private:
        return f"{course.title} — {course.provider_label} (added by you)"
    return f"{course.title} — {course.provider_label} ({course.code})"


class CourseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Course) -> str:
        return course_label(obj)


def obligation_of(value: Any) -> str:
    """A valid obligation code (unknown or missing values mean a CQR prescription)."""
    return value if value in dict(OBLIGATIONS) else OBLIGATION_CQR


def initial_from_query(query: Any) -> dict[str, Any]:
    """Initial values from a GET of the form (see CARRIED_FIELDS); empty values skipped."""
    return {name: query[name] for name in CARRIED_FIELDS if query.get(name)}


class PrescriptionForm(forms.Form):
    """The whole prescription; credit fields are added per subcategory of the outline.

    `obligation` decides which requirement fields the form has: subcategory credits (CQR),
    the structured-education totals, or subcategory credits plus the biennium."""

    obligation = forms.ChoiceField(
        label="What are you planning?",
        choices=OBLIGATIONS,
        required=False,
        widget=forms.RadioSelect,
    )
    discipline = forms.ChoiceField(
        label="Discipline",
        help_text="The credential this prescription or requirement is for.",
    )
    title = forms.CharField(
        label="Name for this prescription",
        max_length=200,
        required=False,
        validators=[validate_single_line],
        help_text="Only for you, e.g. “CT CQR due 2027”.",
    )
    issued_on = forms.DateField(
        label="Issued on",
        widget=DateInput(),
        help_text="The date ARRT issued your prescription (after your self-assessment).",
        error_messages={
            "required": "Enter the date ARRT issued your prescription.",
            "invalid": "Enter the issue date as a date, for example 2026-09-01.",
        },
    )
    deadline = forms.DateField(
        label="Deadline",
        widget=DateInput(),
        help_text="The last day of your CQR compliance window.",
        error_messages={
            "required": "Enter your deadline: the last day of your CQR compliance window.",
            "invalid": "Enter the deadline as a date, for example 2027-12-31.",
        },
    )
    as_of = forms.DateField(
        label="Plan from",
        widget=DateInput(),
        required=False,
        help_text="Leave empty to plan from today each time the plan is computed.",
    )
    hours_per_week = forms.DecimalField(
        label="Study hours per week",
        required=False,
        min_value=STEP,
        max_value=Decimal(168),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
        help_text="How much time you can study each week. Leave empty for no limit.",
    )
    formats = forms.MultipleChoiceField(
        label="Course formats you accept",
        choices=CourseFormat.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one course format."},
    )
    exclude_providers = forms.ModelMultipleChoiceField(
        label="Providers to leave out",
        queryset=Provider.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Courses from these providers are never recommended.",
    )
    completed = CourseChoiceField(
        label="Courses you already completed",
        queryset=Course.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "class": "course-select"}),
        help_text="Completed after your prescription was issued: their credits count, and "
        "they are never recommended again.",
    )
    owned = CourseChoiceField(
        label="Courses you already paid for",
        queryset=Course.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "class": "course-select"}),
        help_text="They cost nothing in a plan.",
    )
    biennium_credits = forms.DecimalField(
        label="CE credits still needed this biennium",
        required=False,
        min_value=Decimal("0.25"),
        max_value=MAX_CREDITS_PER_SUBCATEGORY,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "min": "0", "inputmode": "decimal"}),
        help_text="24 minus the CE credits you have already earned this biennium (the courses "
        "you list below as completed included).",
    )
    biennium_ends_on = forms.DateField(
        label="Biennium ends on",
        widget=DateInput(),
        required=False,
        help_text="The last day of your current two-year CE period, as shown in your ARRT "
        "account. If it comes before your CQR deadline, the plan finishes by this date.",
        error_messages={"invalid": "Enter the end of your biennium as a date, e.g. 2027-06-30."},
    )
    structured_total = forms.DecimalField(
        label="Credits in the discipline, all subcategories together",
        required=False,
        min_value=STEP,
        max_value=MAX_CREDITS_PER_SUBCATEGORY,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "min": "0", "inputmode": "decimal"}),
        help_text="ARRT requires 16 credits reflecting the discipline's content outline.",
    )
    structured_major_minimum = forms.DecimalField(
        label="At least this many in each major category",
        required=False,
        min_value=STEP,
        max_value=MAX_CREDITS_PER_SUBCATEGORY,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "min": "0", "inputmode": "decimal"}),
        help_text="ARRT requires at least 1 credit in each major category of the outline.",
    )
    share_anonymously = forms.BooleanField(
        label="Share my prescription anonymously",
        required=False,
        help_text="If you tick this, the credits you must earn per subcategory — without "
        "your name, account or dates — may be counted in statistics that help providers "
        "offer the right courses. It is off unless you turn it on.",
    )
    is_completed = completed_field()

    def __init__(
        self,
        *args: Any,
        outline: OutlineVersion | None = None,
        obligation: str | None = None,
        owner_id: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.outline = outline
        picked_kind = self.data.get("obligation") if self.is_bound else None
        self.plan_kind = obligation_of(
            picked_kind or obligation or self.initial.get("obligation") or OBLIGATION_CQR
        )
        self.initial["obligation"] = self.plan_kind
        discipline = cast(forms.ChoiceField, self.fields["discipline"])
        discipline.choices = [("", "Choose a discipline…"), *discipline_choices()]
        self.fields["formats"].initial = [value for value, _ in CourseFormat.choices]
        self.subcategories: list[Subcategory] = []
        self.majors: list[str] = []
        self.large_catalog = False
        self._label_for_obligation()
        if outline is None:
            return
        self.fields["discipline"].initial = outline.discipline.code
        courses = discipline_courses(outline, owner_id=owner_id)
        self.large_catalog = courses.count() > PICKER_FULL_LIST_MAX
        for name in ("completed", "owned"):
            picker = cast(CourseChoiceField, self.fields[name])
            picker.queryset = courses
            if self.large_catalog:
                # Too many to list: offer the chosen ones; the search adds others.
                chosen = (
                    self.data.getlist(self.add_prefix(name))  # type: ignore[attr-defined]
                    if self.is_bound
                    else [c.pk for c in self.initial.get(name, [])]
                )
                picked = courses.filter(pk__in=[v for v in chosen if str(v).isdigit()])
                picker.widget.choices = course_choices_for(picked)
        providers = cast(forms.ModelMultipleChoiceField, self.fields["exclude_providers"])
        providers.queryset = Provider.objects.filter(
            Exists(courses.filter(provider=OuterRef("pk")))
        ).order_by("name")
        if self.is_structured:
            # Structured education names no subcategories: only its totals.
            self.majors = list(
                outline.majors.order_by("position", "name").values_list("name", flat=True)
            )
            return
        self.subcategories = list(
            outline.subcategories.select_related("major").order_by(
                "major__position", "major__name", "position", "name"
            )
        )
        for sub in self.subcategories:
            self.fields[f"{CREDIT_PREFIX}{sub.pk}"] = forms.DecimalField(
                label=sub.name,
                required=False,
                min_value=Decimal(0),
                max_value=MAX_CREDITS_PER_SUBCATEGORY,
                decimal_places=2,
                error_messages={
                    "min_value": "Enter 0 or more credits (leave it empty if not prescribed).",
                    "invalid": "Enter the credits as a number, for example 1.5.",
                },
                widget=forms.NumberInput(
                    attrs={"step": "0.25", "min": "0", "inputmode": "decimal", "class": "credits"}
                ),
            )
        add_other_fields(self)

    @property
    def is_structured(self) -> bool:
        return self.plan_kind == OBLIGATION_STRUCTURED

    @property
    def with_biennium(self) -> bool:
        return self.plan_kind == OBLIGATION_BIENNIUM

    def _label_for_obligation(self) -> None:
        """Labels, help and defaults that depend on what is planned."""
        if self.is_structured:
            issued, deadline = self.fields["issued_on"], self.fields["deadline"]
            issued.label = "Count courses from"
            issued.help_text = (
                "Structured education must be completed within the 24 months before you "
                "apply: the first day a course counts from."
            )
            issued.error_messages["required"] = "Enter the first day courses count from."
            issued.initial = timezone.localdate()
            deadline.label = "Planned application date"
            deadline.help_text = "Every course of the plan is due by the day you plan to apply."
            deadline.error_messages["required"] = "Enter the date you plan to apply."
            self.fields["structured_total"].initial = STRUCTURED_TOTAL
            self.fields["structured_major_minimum"].initial = STRUCTURED_MAJOR_MINIMUM
            self._require(
                structured_total="Enter the credits structured education requires (16).",
                structured_major_minimum="Enter the credits required in each major category (1).",
            )
        elif self.with_biennium:
            self.fields["deadline"].help_text = (
                "The last day of your CQR compliance window. If your biennium ends earlier, "
                "the plan finishes by the end of the biennium."
            )
            self._require(
                biennium_credits="Enter the CE credits you still need this biennium.",
                biennium_ends_on="Enter the date your biennium ends.",
            )

    def _require(self, **messages: str) -> None:
        """Make fields of the chosen obligation required, with their own messages."""
        for name, message in messages.items():
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = message

    # --- rendering helpers -------------------------------------------------------------

    def credit_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Credit fields grouped by major category, in outline order."""
        groups: dict[str, list[forms.BoundField]] = {}
        for sub in self.subcategories:
            groups.setdefault(sub.major.name, []).append(self[f"{CREDIT_PREFIX}{sub.pk}"])
        return list(groups.items())

    def general_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("issued_on", "deadline", "as_of")]

    def obligation_options(self) -> list[dict[str, Any]]:
        """The radio buttons of `obligation`, each with its explanation."""
        return [
            {
                "value": value,
                "label": label,
                "help": OBLIGATION_HELP[value],
                "id": f"{self['obligation'].auto_id}_{i}",
                "checked": value == self.plan_kind,
            }
            for i, (value, label) in enumerate(OBLIGATIONS)
        ]

    def biennium_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("biennium_credits", "biennium_ends_on")]

    def structured_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("structured_total", "structured_major_minimum")]

    def other_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return other_rows(self)

    def credit_errors(self) -> list[str]:
        return [str(e) for e in self.errors.get("__credits__", [])]

    # --- validation --------------------------------------------------------------------

    def clean_discipline(self) -> str:
        code: str = self.cleaned_data["discipline"]
        if self.outline is None or self.outline.discipline.code != code:
            raise forms.ValidationError(
                "Choose the discipline and press “Show the requirement” before entering credits."
            )
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for sub in self.subcategories:
            name = f"{CREDIT_PREFIX}{sub.pk}"
            value = cleaned.get(name)
            if value is not None and value % STEP:
                # The field's label names the subcategory (the summary prefixes it).
                self.add_error(
                    name, f"Use steps of 0.25 credits (for example 1.25 or 1.50), not {value}."
                )
        self._clean_obligation_fields(cleaned)
        if not self.is_structured:
            clean_other_rows(self, cleaned)
        credit_fields = [f"{CREDIT_PREFIX}{sub.pk}" for sub in self.subcategories]
        if (
            credit_fields
            and not any(cleaned.get(name) for name in credit_fields)
            # A credit already refused (negative, not a number) is its own error.
            and not any(name in self.errors for name in credit_fields)
        ):
            self.add_error(
                None,
                "Enter the credits of at least one subcategory your prescription names.",
            )
        issued, deadline, as_of = (cleaned.get(k) for k in ("issued_on", "deadline", "as_of"))
        if issued and deadline and deadline < issued:
            self.add_error(
                "deadline",
                f"The deadline ({human_date(deadline)}) is before the issue date "
                f"({human_date(issued)}); it must be on or after it.",
            )
        if as_of and deadline and as_of > deadline:
            self.add_error("as_of", "The planning date must be on or before the deadline.")
        check_deadline(self, cleaned)
        both = set(cleaned.get("completed") or []) & set(cleaned.get("owned") or [])
        if both:
            titles = ", ".join(sorted(c.title for c in both))
            self.add_error(
                "owned",
                f"{titles}: already completed — leave it out of the courses you paid for.",
            )
        return cleaned

    def clean_obligation(self) -> str:
        return obligation_of(self.cleaned_data.get("obligation"))

    def _clean_obligation_fields(self, cleaned: dict[str, Any]) -> None:
        """The biennium must not end before the prescription was issued or before the
        planning date (required fields are checked per field, see `_require`)."""
        ends = cleaned.get("biennium_ends_on")
        if not self.with_biennium or ends is None:
            return
        issued, as_of = cleaned.get("issued_on"), cleaned.get("as_of")
        start = as_of or timezone.localdate()
        if issued and ends < issued:
            self.add_error(
                "biennium_ends_on",
                f"The end of your biennium ({human_date(ends)}) is before the issue date "
                f"({human_date(issued)}); enter the end of your current biennium.",
            )
        elif ends < start:
            self.add_error(
                "biennium_ends_on",
                f"Your biennium ended on {human_date(ends)}, before the planning date "
                f"({human_date(start)}); enter the end of your current biennium.",
            )

    # --- output ------------------------------------------------------------------------

    def spec(self, *, owner_id: int | None = None) -> PrescriptionSpec:
        """The resolved spec of the cleaned form: the outline, subcategories, courses and
        providers it already loaded (amounts in hundredths, as a document would give)."""
        data = self.cleaned_data
        assert self.outline is not None  # clean_discipline refused a form without one
        required = tuple(
            (sub, data[f"{CREDIT_PREFIX}{sub.pk}"].quantize(CENT))
            for sub in self.subcategories
            if data.get(f"{CREDIT_PREFIX}{sub.pk}")
        )
        extras: tuple[ExtraSpec, ...] = ()
        biennium_ends_on = None
        if self.is_structured:
            extras = (
                ExtraSpec("total_discipline", data["structured_total"].quantize(CENT)),
                ExtraSpec("major_minimum", data["structured_major_minimum"].quantize(CENT)),
            )
        elif self.with_biennium:
            # total_ce counts the completed courses too (contract §6), and the technologist
            # gave what is still needed with them already earned: add them back once.
            completed_ce = sum((c.ce_credits for c in data.get("completed") or []), Decimal(0))
            total = data["biennium_credits"] + completed_ce
            extras = (ExtraSpec("total_ce", total.quantize(CENT)),)
            biennium_ends_on = data["biennium_ends_on"]
        formats = frozenset(data["formats"])
        hours = data.get("hours_per_week")
        return PrescriptionSpec(
            outline=self.outline,
            owner_id=owner_id,
            kind="structured-education" if self.is_structured else "cqr",
            issued_on=data["issued_on"],
            deadline=data["deadline"],
            as_of=data.get("as_of") or timezone.localdate(),
            required=required,
            completed=tuple(data.get("completed") or ()),
            owned=tuple(data.get("owned") or ()),
            hours_per_week=hours.quantize(CENT) if hours is not None else None,
            formats=None if formats == set(FORMATS) else formats,
            exclude_providers=tuple(data.get("exclude_providers") or ()),
            extras=extras,
            biennium_ends_on=biennium_ends_on,
        )

    def unmatched(self) -> tuple[UnmatchedSpec, ...]:
        """The "not in the list" rows of the cleaned form."""
        return () if self.is_structured else other_rows_unmatched(self)


def prescription_initial(prescription: Any) -> dict[str, Any]:
    """Initial form values of a saved prescription (for the edit page)."""
    initial: dict[str, Any] = {
        "discipline": prescription.outline.discipline.code,
        "title": prescription.title,
        "issued_on": prescription.issued_on,
        "deadline": prescription.deadline,
        "as_of": prescription.as_of,
        "hours_per_week": prescription.hours_per_week,
        "formats": list(prescription.formats) or [value for value, _ in CourseFormat.choices],
        "exclude_providers": list(prescription.excluded_providers.all()),
        "completed": list(prescription.completed_courses.all()),
        "owned": list(prescription.owned_courses.all()),
        "share_anonymously": prescription.share_anonymously,
        "is_completed": prescription.is_completed,
    }
    for row in prescription.required.select_related("subcategory"):
        initial[f"{CREDIT_PREFIX}{row.subcategory_id}"] = row.credits
    initial.update(other_rows_initial(prescription))
    extras = {row.kind: row.credits for row in prescription.extras.all()}
    if prescription.kind == OBLIGATION_STRUCTURED:
        initial["obligation"] = OBLIGATION_STRUCTURED
        initial["structured_total"] = extras.get("total_discipline")
        initial["structured_major_minimum"] = extras.get("major_minimum")
    elif "total_ce" in extras:
        completed_ce = sum((c.ce_credits for c in initial["completed"]), Decimal(0))
        initial["obligation"] = OBLIGATION_BIENNIUM
        initial["biennium_credits"] = max(Decimal(0), extras["total_ce"] - completed_ce)
        initial["biennium_ends_on"] = prescription.biennium_ends_on
    return initial


def course_choices_for(courses: Iterable[Course]) -> list[tuple[str, str]]:
    return [(str(c.pk), course_label(c)) for c in courses]
