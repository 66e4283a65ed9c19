"""Catalog forms: the page's query parameters, and the tags field of the course admin."""

from __future__ import annotations

from typing import Any

from django import forms

from catalog import selectors
from catalog.models import CourseFormat
from catalog.rules import normal_tags, tags_errors

SORT_CHOICES = [
    ("title", "Title (A–Z)"),
    ("price", "Price, lowest first"),
    ("-price", "Price, highest first"),
]


class CourseFilterForm(forms.Form):
    """The catalog's GET filters; every field is optional and unknown values are errors.

    Once a discipline is chosen, the subcategory picker offers that discipline's
    subcategories only (the page after submitting it, or the htmx swap)."""

    discipline = forms.ChoiceField(
        required=False,
        label="Discipline",
        error_messages={
            "invalid_choice": (
                "no discipline has the code “%(value)s”, so courses of every discipline "
                "are shown. Choose one from the list."
            )
        },
    )
    subcategory = forms.TypedChoiceField(
        required=False, label="Subcategory", coerce=int, empty_value=None
    )
    format = forms.ChoiceField(
        required=False,
        label="Format",
        choices=[("", "All formats"), *CourseFormat.choices],
    )
    provider = forms.ChoiceField(required=False, label="Provider")
    sort = forms.ChoiceField(required=False, label="Sort by", choices=SORT_CHOICES)

    def __init__(
        self, data: Any = None, *args: Any, revision: int | None = None, **kwargs: Any
    ) -> None:
        choices = selectors.catalog_filter_choices(revision=revision)
        codes = {code for code, _ in choices["disciplines"]}
        code = self._known_code(data, codes)
        if data is not None and code is not None and data.get("discipline") != code:
            data = data.copy()
            data["discipline"] = code  # `?discipline=ct` means CT
        super().__init__(data, *args, **kwargs)
        self.discipline_code = code
        self._choice_field("discipline").choices = [
            ("", "All disciplines"),
            *choices["disciplines"],
        ]
        subcategory = self._choice_field("subcategory")
        subcategory.choices = [
            ("", f"All {code} subcategories" if code else "All subcategories"),
            *(choices["subcategories_of"].get(code, []) if code else choices["subcategories"]),
        ]
        if code:
            subcategory.error_messages["invalid_choice"] = (
                f"the subcategory chosen is not in the {code} content outline, so courses "
                f"of every {code} subcategory are shown."
            )
        else:
            subcategory.error_messages["invalid_choice"] = "no such subcategory."
        self._choice_field("provider").choices = [("", "All providers"), *choices["providers"]]

    @staticmethod
    def _known_code(data: Any, codes: set[str]) -> str | None:
        raw = (data.get("discipline") or "") if data is not None else ""
        return selectors.discipline_code_match(raw, codes) if raw.strip() else None

    def _choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `course_list_public` from the fields that validated."""
        data = self.cleaned_data if self.is_valid() else self._valid_subset()
        return {
            "discipline": data.get("discipline") or None,
            "subcategory_id": data.get("subcategory"),
            "format": data.get("format") or None,
            "provider": data.get("provider") or None,
            "sort": data.get("sort") or "title",
        }

    def _valid_subset(self) -> dict[str, Any]:
        # After a failed is_valid(), cleaned_data still holds the fields that passed.
        return getattr(self, "cleaned_data", {})


class TagsField(forms.CharField):
    """Course tags typed as `hiv-aids, mammography` (commas or semicolons); cleans to the
    stored list (unique, sorted) with the catalog import's rules."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("encoder", None)  # offered by the model's JSONField, not a CharField option
        kwargs.pop("decoder", None)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "Topic and approval tags, separated by commas, e.g. hiv-aids, category-a-plus "
            "(vocabulary in docs/csv-format.md). Obligations such as a state licence's "
            "HIV/AIDS hour count the CE credits of courses carrying their tag.",
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(tag) for tag in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list | tuple):
            tags = [str(t) for t in value]
        else:
            text = super().to_python(value) or ""
            tags = [t.strip() for t in text.replace(";", ",").split(",") if t.strip()]
        errors = [
            f'"{tags[i]}": {message}' if i is not None else message
            for i, message in tags_errors(tags)
        ]
        if errors:
            raise forms.ValidationError(errors)
        return normal_tags(tags)
