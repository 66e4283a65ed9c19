"""The form for a course the technologist found themselves: the course fields, and one row
per subcategory of ARRT's credit distribution (works without JavaScript: a fixed number
of rows, more after saving)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory

from catalog.models import Course, CourseFormat, Subcategory
from catalog.selectors import subcategory_choices_current
from plans.private_courses import MAX_ROWS, PrivateCourseInput
from prescriptions.forms import DateInput

BLANK_ROWS = 3
MIN_ROWS = 5


class PrivateCourseForm(forms.Form):
    title = forms.CharField(
        label="Course title",
        max_length=300,
        error_messages={"required": "Enter the course title."},
    )
    provider_name = forms.CharField(
        label="Provider",
        max_length=200,
        help_text="Who offers the course, as ARRT's CE search names the sponsor.",
        error_messages={"required": "Enter who offers the course."},
    )
    url = forms.URLField(
        label="Link to the course",
        max_length=500,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter the full web address, e.g. https://example.org/ct."},
    )
    format = forms.ChoiceField(
        label="Format",
        choices=CourseFormat.choices,
        help_text="Webinars and live events take place on one day: give it below.",
    )
    price = forms.DecimalField(
        label="Price (US$)",
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=2,
        help_text="What you would pay; 0 for a free course.",
        error_messages={
            "required": "Enter the price (0 for a free course).",
            "min_value": "The price cannot be negative (enter 0 for a free course).",
        },
    )
    ce_credits = forms.DecimalField(
        label="CE credits",
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="The course's CE credits (Category A or A+).",
        error_messages={
            "required": "Enter the course's CE credits.",
            "min_value": "CE credits must be greater than 0.",
        },
    )
    hours = forms.DecimalField(
        label="Study hours",
        max_digits=9,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        help_text="Leave empty for 50 minutes per CE credit.",
        error_messages={"min_value": "Hours cannot be negative."},
    )
    event_date = forms.DateField(
        label="Event date",
        widget=DateInput(),
        required=False,
        help_text="Webinars and live events only: the day it takes place.",
        error_messages={"invalid": "Enter the event date as a date, for example 2027-03-14."},
    )
    approval_expires = forms.DateField(
        label="Approval expires",
        widget=DateInput(),
        required=False,
        help_text="The last day the course can be completed for credit, if ARRT shows one.",
        error_messages={"invalid": "Enter the expiry as a date, for example 2027-12-31."},
    )


class DistributionRowForm(forms.Form):
    subcategory = forms.TypedChoiceField(
        label="Subcategory", coerce=int, required=False, empty_value=None
    )
    credits = forms.DecimalField(
        label="Credits",
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        error_messages={"min_value": "Credits must be greater than 0."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["subcategory"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "— choose a subcategory —"), *subcategory_choices_current()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        sub, credits = cleaned.get("subcategory"), cleaned.get("credits")
        if sub is not None and credits is None and "credits" not in self.errors:
            self.add_error("credits", "Enter the credits ARRT shows for this subcategory.")
        if sub is None and credits is not None and "subcategory" not in self.errors:
            self.add_error("subcategory", "Choose the subcategory these credits are in.")
        return cleaned


if TYPE_CHECKING:
    _RowFormSet = BaseFormSet[DistributionRowForm]
else:  # BaseFormSet is not subscriptable at run time
    _RowFormSet = BaseFormSet


class BaseDistributionFormSet(_RowFormSet):
    def rows(self) -> list[tuple[int, Decimal]]:
        return [
            (f.cleaned_data["subcategory"], f.cleaned_data["credits"])
            for f in self.forms
            if f.cleaned_data.get("subcategory") is not None
        ]


DistributionFormSet = formset_factory(
    DistributionRowForm,
    formset=BaseDistributionFormSet,
    extra=0,
    max_num=MAX_ROWS,
    absolute_max=MAX_ROWS,
    validate_max=True,
)


def private_course_forms(
    data: Any = None, *, course: Course | None = None
) -> tuple[PrivateCourseForm, BaseDistributionFormSet]:
    """The course form and its distribution rows, filled from `course` when editing."""
    initial: dict[str, Any] | None = None
    rows: list[dict[str, Any]] = []
    if course is not None:
        initial = {
            name: getattr(course, name)
            for name in (
                "title",
                "provider_name",
                "url",
                "format",
                "price",
                "ce_credits",
                "hours",
                "event_date",
                "approval_expires",
            )
        }
        rows = [
            {"subcategory": row.subcategory_id, "credits": row.credits}
            for row in course.distribution.all()
        ]
    rows += [{}] * max(BLANK_ROWS, MIN_ROWS - len(rows))
    form = PrivateCourseForm(data, initial=initial)
    formset = cast(BaseDistributionFormSet, DistributionFormSet(data, initial=rows, prefix="row"))
    return form, formset


def private_course_input(
    form: PrivateCourseForm, formset: BaseDistributionFormSet
) -> PrivateCourseInput:
    """The service input from the two valid forms (row choices are current subcategories)."""
    rows = formset.rows()
    subs = Subcategory.objects.select_related("outline__discipline").in_bulk(
        [sub_id for sub_id, _ in rows]
    )
    data = form.cleaned_data
    return PrivateCourseInput(
        title=data["title"],
        provider_name=data["provider_name"],
        url=data.get("url") or "",
        format=data["format"],
        price=data["price"],
        ce_credits=data["ce_credits"],
        hours=data.get("hours"),
        event_date=data.get("event_date"),
        approval_expires=data.get("approval_expires"),
        distribution=tuple((subs[sub_id], credits) for sub_id, credits in rows if sub_id in subs),
    )


def add_service_errors(error: ValidationError, form: PrivateCourseForm) -> list[str]:
    """Put the service's {field: message} errors on the form's fields; returns the
    distribution's (shown on the rows' fieldset)."""
    distribution: list[str] = []
    for field, messages in error.message_dict.items():
        if field == "distribution":
            distribution += messages
        elif field in form.fields:
            form.add_error(field, messages)
        else:
            form.add_error(None, messages)
    return distribution
