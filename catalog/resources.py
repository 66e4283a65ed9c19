"""CSV import and export of courses in the admin (django-import-export).

One row per course; the credit distribution is ONE column, `distribution`, written
`CT:Radiation Safety and Dose=1.50; CT:Image Formation=0.50` (docs/csv-format.md).

Import is all or nothing and uses the catalog's own rules: every row is read into a
`cqr-catalog/1` course record (CSV syntax, the provider scope), then the whole file goes
through `catalog_import` once — in the preview (dry run, rolled back) and again on
confirmation. Any invalid row rejects the file; its messages are attached to the row
number and field, and nothing is written. Rows equal to the stored course are "skipped"
(the import changes nothing for them), so exporting and importing again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import tablib  # type: ignore[import-untyped]
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from import_export import resources  # type: ignore[import-untyped]
from import_export.admin import ImportExportMixin  # type: ignore[import-untyped]
from import_export.fields import Field  # type: ignore[import-untyped]
from import_export.formats import base_formats  # type: ignore[import-untyped]
from import_export.forms import ExportForm  # type: ignore[import-untyped]
from import_export.results import Error, Result, RowResult  # type: ignore[import-untyped]

from catalog.importers.catalog_v1 import COURSE_FIELDS
from catalog.importers.records import record_names
from catalog.models import (
    DEFAULT_MINUTES_PER_CREDIT,
    Course,
    CreditDistribution,
    ProviderMembership,
)
from catalog.services import FORMAT_TAG, CatalogImportError, catalog_import
from core.exceptions import ErrorDetail
from core.money import CENT
from core.spreadsheet import spreadsheet_safe, spreadsheet_unescape

# One row per course: its key, the fields an import writes (in that order), its distribution.
COLUMNS = ("provider", "code", *COURSE_FIELDS, "distribution")
FIELDS = tuple("course_format" if c == "format" else c for c in COLUMNS)  # resource fields
REQUIRED_COLUMNS = ("provider", "code", "title", "format", "price", "ce_credits", "distribution")
# Absent columns keep the stored value (new courses get the default).
KEEP_IF_ABSENT = frozenset({"arrt_activity_id", "cqr_eligible", "is_active", "tags"})
TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"false", "no", "0"})


class _Rollback(Exception):
    """Undo a validated import (preview, or a file with invalid rows)."""


# --- The distribution column -----------------------------------------------------------------


def distribution_text(rows: Iterable[CreditDistribution]) -> str:
    """`CT:Radiation Safety and Dose=1.50; ...` in outline order (rows must come with
    subcategory, its major and its outline's discipline)."""
    ordered = sorted(
        rows,
        key=lambda r: (
            r.subcategory.outline.discipline.code,
            r.subcategory.major.position,
            r.subcategory.position,
            r.subcategory.name,
        ),
    )
    return "; ".join(
        f"{r.subcategory.outline.discipline.code}:{r.subcategory.name}="
        f"{r.credits.quantize(CENT):.2f}"
        for r in ordered
    )


def parse_distribution(text: str) -> list[dict[str, str]]:
    """Read the distribution column into catalog records; ValueError names the bad item.

    Items are separated by `;`; each is `DISCIPLINE:Subcategory=credits`. The discipline
    ends at the first `:`, the credits start after the last `=`. Names and amounts are
    checked afterwards by the catalog import.
    """
    records = []
    for number, item in enumerate((part.strip() for part in text.split(";")), start=1):
        if not item:
            continue
        discipline, colon, rest = item.partition(":")
        category, equals, credits = rest.rpartition("=")
        if not colon or not equals or not discipline.strip() or not category.strip():
            raise ValueError(
                f'item {number} "{item}" is not DISCIPLINE:Subcategory=credits '
                "(items are separated by semicolons)"
            )
        if not credits.strip():
            raise ValueError(f'item {number} "{item}" has no credits after "="')
        records.append(
            {
                "discipline": discipline.strip(),
                "category": category.strip(),
                "credits": credits.strip(),
            }
        )
    return records


# --- Reading one row ---------------------------------------------------------------------


def _cell(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column)
    return "" if value is None else spreadsheet_unescape(str(value).strip())


def _flag(row: Mapping[str, Any], column: str, errors: dict[str, list[str]]) -> bool | None:
    text = _cell(row, column).lower()
    if not text:
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    errors.setdefault(column, []).append(f'must be true or false, not "{_cell(row, column)}"')
    return None


def row_record(row: Mapping[str, Any], *, provider_codes: frozenset[str] | None) -> dict[str, Any]:
    """A CSV row as a `cqr-catalog/1` course record; ValidationError {column: [messages]}.

    Only what the CSV form adds is checked here (blank cells, true/false words, the
    distribution syntax, the importing user's providers); amounts, dates, formats and
    names are checked by the catalog import with the same rules as a JSON catalog.
    """
    errors: dict[str, list[str]] = {}
    for column in ("provider", "code"):
        if not _cell(row, column):
            errors.setdefault(column, []).append("is required")
    provider = _cell(row, "provider")
    if provider and provider_codes is not None and provider not in provider_codes:
        yours = ", ".join(sorted(provider_codes)) or "none"
        errors.setdefault("provider", []).append(
            f'"{provider}" is not your provider; you can import only into your own ({yours})'
        )
    record: dict[str, Any] = {
        "code": _cell(row, "code"),
        "provider": provider,
        "title": _cell(row, "title"),
        "format": _cell(row, "format"),
        "price": _cell(row, "price") or None,
        "ce_credits": _cell(row, "ce_credits"),
        "approval_expires": _cell(row, "approval_expires") or None,
        "event_date": _cell(row, "event_date") or None,
        "url": _cell(row, "url"),
    }
    if "arrt_activity_id" in row:
        record["arrt_activity_id"] = _cell(row, "arrt_activity_id")
    if "tags" in row:  # `hiv-aids; mammography` (checked by the catalog import)
        record["tags"] = [t.strip() for t in _cell(row, "tags").split(";") if t.strip()]
    if _cell(row, "hours"):
        record["hours"] = _cell(row, "hours")
    for column in ("cqr_eligible", "is_active"):
        flag = _flag(row, column, errors)
        if flag is not None:
            record[column] = flag
    try:
        record["distribution"] = parse_distribution(_cell(row, "distribution"))
    except ValueError as exc:
        errors.setdefault("distribution", []).append(str(exc))
    if errors:
        raise ValidationError(errors)
    return record


# --- Export: one row per course ----------------------------------------------------------------


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value.quantize(CENT):.2f}"


def course_row(course: Course) -> dict[str, str]:
    """The CSV cells of a course (with provider and distribution prefetched)."""
    return {
        "provider": course.provider_code_label,
        "code": course.code,
        "title": course.title,
        "format": course.format,
        "price": _amount(course.price),
        "ce_credits": _amount(course.ce_credits),
        "hours": _amount(course.hours),
        "approval_expires": course.approval_expires.isoformat() if course.approval_expires else "",
        "event_date": course.event_date.isoformat() if course.event_date else "",
        "url": course.url,
        "arrt_activity_id": course.arrt_activity_id,
        "cqr_eligible": "true" if course.cqr_eligible else "false",
        "is_active": "true" if course.is_active else "false",
        "tags": "; ".join(course.tags or []),
        "distribution": distribution_text(course.distribution.all()),
    }


def with_export_relations(courses: QuerySet[Course]) -> QuerySet[Course]:
    rows = CreditDistribution.objects.select_related(
        "subcategory__major", "subcategory__outline__discipline"
    )
    return (
        courses.prefetch_related(None)
        .select_related("provider")
        .prefetch_related(Prefetch("distribution", queryset=rows))
        .order_by("provider__code", "code")
    )


class CourseResource(resources.ModelResource):
    """Courses with their distribution, for the admin's CSV import and export."""

    provider = Field(attribute="provider", column_name="provider")
    # Not named "format": the library's export form already has a "format" (file type) field.
    course_format = Field(attribute="format", column_name="format")
    distribution = Field(column_name="distribution")

    class Meta:
        model = Course
        fields = FIELDS
        export_order = FIELDS
        import_order = FIELDS
        import_id_fields = ("provider", "code")
        use_transactions = True
        skip_html_diff = True
        name = "Courses with their credit distribution (CSV)"

    def __init__(self, *, provider_codes: frozenset[str] | None = None, **kwargs: Any) -> None:
        """`provider_codes`: the providers rows may name (None: any, for site staff)."""
        super().__init__(**kwargs)
        self.provider_codes = provider_codes
        self._records: list[tuple[int, dict[str, Any]]] = []
        self._rows: dict[int, dict[str, Any]] = {}
        self._stored: dict[tuple[str, str], dict[str, str]] = {}
        self.summary: Any = None

    # Export ----------------------------------------------------------------------------------

    def filter_export(self, queryset: Any, **kwargs: Any) -> Any:
        return with_export_relations(queryset)

    def dehydrate_provider(self, course: Course) -> str:
        return course.provider_code_label

    def export_resource(
        self, instance: Any, selected_fields: Any = None, **kwargs: Any
    ) -> list[Any]:
        cells = course_row(instance)
        return [
            spreadsheet_safe(cells[field.column_name])
            for field in self.get_export_fields(selected_fields)
        ]

    # Import ----------------------------------------------------------------------------------

    def get_diff_headers(self) -> list[str]:
        return list(COLUMNS)

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        headers = [h.strip() if isinstance(h, str) else h for h in dataset.headers or []]
        dataset.headers = headers
        missing = [c for c in REQUIRED_COLUMNS if c not in headers]
        if missing:
            raise ValueError(
                f"The file has no column {', '.join(missing)}; the first row must name the "
                f"columns ({', '.join(COLUMNS)})."
            )
        self._records, self._rows = [], {}
        codes = {str(v).strip() for v in dataset["code"] if v}
        stored = with_export_relations(Course.objects.filter(code__in=sorted(codes)))
        self._stored = {(c.provider_code_label, c.code): course_row(c) for c in stored}

    def import_row(self, row: Any, instance_loader: Any, **kwargs: Any) -> RowResult:
        """Read the row (nothing is written here: `after_import` writes the whole file)."""
        number: int = kwargs["row_number"]
        result = self.get_row_result_class()()
        self._rows[number] = dict(row)
        try:
            record = row_record(row, provider_codes=self.provider_codes)
        except ValidationError as exc:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = exc
            return result
        key = (record["provider"], record["code"])
        stored = self._stored.get(key)
        cells = {column: _cell(row, column) for column in COLUMNS}
        if stored is None:
            result.import_type = RowResult.IMPORT_TYPE_NEW
            result.diff = [cells[c] for c in COLUMNS]
        else:
            changed = _changed_columns(cells, set(row), stored)
            result.import_type = (
                RowResult.IMPORT_TYPE_UPDATE if changed else RowResult.IMPORT_TYPE_SKIP
            )
            result.diff = [
                f"{cells[c]} (was {stored[c] or 'empty'})" if c in changed else cells[c]
                for c in COLUMNS
            ]
        result.object_repr = f"{record['provider']}/{record['code']}"
        self._records.append((number, record))
        return result

    def after_import(self, dataset: tablib.Dataset, result: Result, **kwargs: Any) -> None:
        """Validate and write every row at once through `catalog_import` (all or nothing)."""
        if result.has_errors() or not self._records:
            return
        document = {"format": FORMAT_TAG, "courses": [record for _, record in self._records]}
        keep = not kwargs.get("dry_run") and not result.has_validation_errors()
        source = f"CSV {kwargs.get('file_name') or ''}".strip()
        try:
            with transaction.atomic():
                summary = catalog_import(document=document, source=source)
                if not keep:
                    raise _Rollback
            self.summary = summary
        except _Rollback:
            pass
        except CatalogImportError as exc:
            self._attach_errors(exc.details, result)

    def _attach_errors(self, details: list[ErrorDetail], result: Result) -> None:
        """Put catalog_import's errors on the CSV row and column they are about: the
        document's `courses[i]` is the i-th row read, named as the import names records."""
        rows: dict[str, int] = {}
        for i, (number, record) in enumerate(self._records):
            rows.update(dict.fromkeys(record_names("courses", i, record), number))
        by_row: dict[int, dict[str, list[str]]] = {}
        for detail in details:
            if detail.record not in rows:
                result.append_base_error(Error(CatalogImportError([detail])))
                continue
            number = rows[detail.record]
            column = detail.field_name if detail.field_name in COLUMNS else "__all__"
            text = detail.message if detail.field == column else detail.as_text(record=False)
            by_row.setdefault(number, {}).setdefault(column, []).append(text)
        for number in sorted(by_row):
            result.append_invalid_row(number, self._rows[number], ValidationError(by_row[number]))


def _changed_columns(cells: dict[str, str], present: set[str], stored: dict[str, str]) -> list[str]:
    """The columns whose cell would change the stored course (for the preview's labels)."""
    changed = []
    for column in COLUMNS:
        new = cells[column]
        if column in KEEP_IF_ABSENT and column not in present:
            continue
        if column in {"cqr_eligible", "is_active"} and not new:
            continue
        if column == "hours" and not new:
            new = _default_hours(cells["ce_credits"])
        if not _same(column, new, stored[column]):
            changed.append(column)
    return changed


def _default_hours(ce_credits: str) -> str:
    try:
        minutes = Decimal(ce_credits) * DEFAULT_MINUTES_PER_CREDIT
    except ArithmeticError:
        return ""
    return f"{(minutes / 60).quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def _same(column: str, new: str, old: str) -> bool:
    """Does the cell mean the stored value? (Amounts compare as numbers, words as words.)"""
    if column in {"price", "ce_credits", "hours"}:
        if not new or not old:
            return new == old
        try:
            return Decimal(new) == Decimal(old)
        except ArithmeticError:
            return False
    if column in {"cqr_eligible", "is_active"}:
        return (new.lower() in TRUE_WORDS) == (old == "true")
    if column == "distribution":
        try:
            return _distribution_key(new) == _distribution_key(old)
        except (ValueError, ArithmeticError):
            return False
    return new == old


def _distribution_key(text: str) -> set[tuple[str, str, Decimal]]:
    return {
        (r["discipline"], r["category"], Decimal(r["credits"])) for r in parse_distribution(text)
    }


# --- The admin mixin (used by catalog.admin.CourseAdmin) -----------------------------------------


class CourseImportExportMixin(ImportExportMixin):
    """CSV import (with the preview/confirm step) and export on the course changelist.

    Provider staff may import only rows of their own providers and export only their own
    courses (the export uses the admin's scoped changelist queryset).
    """

    resource_classes = [CourseResource]
    formats = [base_formats.CSV]
    # Every column is needed to import a file back, so no per-field choice (the library's
    # field-picking export form also uses inline script and styles, which our CSP blocks).
    export_form_class = ExportForm
    skip_admin_log = True  # the CatalogRevision records every import
    import_template_name = "admin/catalog/course/import.html"
    import_export_change_list_template = "admin/catalog/course/change_list_import_export.html"
    import_error_display = ("message",)

    def get_resource_kwargs(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        if getattr(request.user, "is_superuser", False):
            return {"provider_codes": None}
        if not request.user.is_authenticated:
            return {"provider_codes": frozenset()}
        codes = ProviderMembership.objects.filter(user=request.user).values_list(
            "provider__code", flat=True
        )
        return {"provider_codes": frozenset(codes)}

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        user = request.user
        if user.is_authenticated and ProviderMembership.objects.filter(user=user).exists():
            context["insights_url"] = reverse("insights:home")
        return super().changelist_view(request, context)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return bool(self.has_add_permission(request) and self.has_change_permission(request))

    def has_export_permission(self, request: HttpRequest) -> bool:
        return bool(self.has_view_permission(request))

    def process_result(self, result: Result, request: HttpRequest) -> HttpResponse:
        """After confirmation: a file that became invalid since its preview wrote nothing."""
        if result.has_errors() or result.has_validation_errors():
            problems = [str(e.error) for e in result.base_errors]
            for row in result.invalid_rows:
                for column, texts in row.error_dict.items():
                    problems.extend(f"row {row.number}, {column}: {t}" for t in texts)
            messages.error(
                request,
                "Nothing was imported: "
                + "; ".join(problems[:5])
                + ("…" if len(problems) > 5 else ""),
            )
            info = self.get_model_info()
            return HttpResponseRedirect(reverse(f"admin:{info[0]}_{info[1]}_import"))
        return super().process_result(result, request)
