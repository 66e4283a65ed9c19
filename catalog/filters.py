"""Query filters of the public course search API (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from catalog.models import Course, CourseFormat, CreditDistribution, Discipline
from catalog.selectors import (
    COURSE_SORTS,
    course_in_discipline,
    discipline_code_match,
    subcategory_indexes,
)

SORTS = (("title", "title"), ("price", "price, cheapest first"), ("-price", "price, dearest first"))


class CourseFilter(django_filters.FilterSet):
    """Filters for `GET /api/v1/courses/`; each narrows the active public catalog."""

    discipline = django_filters.CharFilter(
        method="filter_discipline",
        help_text="Discipline code (e.g. CT): courses with credits in that discipline.",
    )
    subcategory = django_filters.CharFilter(
        method="filter_subcategory",
        help_text=(
            "Subcategory name (current wording or an older one/alias): courses with credits "
            "in it. Resolved within `discipline` when given, else in every discipline."
        ),
    )
    subcategory_id = django_filters.NumberFilter(
        method="filter_subcategory_id", help_text="Subcategory id (from /api/v1/outlines/)."
    )
    format = django_filters.ChoiceFilter(choices=CourseFormat.choices, help_text="Course format.")
    provider = django_filters.CharFilter(
        field_name="provider__code", help_text="Provider code (e.g. ahec)."
    )
    price_min = django_filters.NumberFilter(
        field_name="price", lookup_expr="gte", help_text="Lowest price (inclusive)."
    )
    price_max = django_filters.NumberFilter(
        field_name="price", lookup_expr="lte", help_text="Highest price (inclusive)."
    )
    expiring_before = django_filters.DateFilter(
        field_name="approval_expires",
        lookup_expr="lte",
        help_text="Courses whose ARRT approval ends on or before this date (YYYY-MM-DD).",
    )
    q = django_filters.CharFilter(
        method="filter_text", help_text="Text in the title, code or provider name."
    )
    sort = django_filters.ChoiceFilter(
        choices=SORTS, method="filter_sort", help_text="Order of the results (default title)."
    )

    class Meta:
        model = Course
        fields: list[str] = []

    @cached_property
    def discipline_codes(self) -> list[str]:
        """Every discipline's code, read once per request (both filters use them)."""
        return list(Discipline.objects.values_list("code", flat=True))

    def discipline_code(self, value: str) -> str:
        """The discipline code a typed `value` means (any case); an unknown one as typed,
        which then matches no course."""
        return discipline_code_match(value, self.discipline_codes) or value

    def filter_discipline(self, queryset: QuerySet[Course], name: str, value: str) -> Any:
        return queryset.filter(course_in_discipline(self.discipline_code(value)))

    def filter_subcategory(self, queryset: QuerySet[Course], name: str, value: str) -> Any:
        discipline = self.data.get("discipline") or None
        codes = [self.discipline_code(discipline)] if discipline else self.discipline_codes
        indexes = subcategory_indexes(discipline_codes=codes)
        ids = {sub_id for index in indexes.values() if (sub_id := index.resolve(value)) is not None}
        return queryset.filter(
            Exists(CreditDistribution.objects.filter(course=OuterRef("pk"), subcategory_id__in=ids))
        )

    @extend_schema_field(OpenApiTypes.INT)
    def filter_subcategory_id(self, queryset: QuerySet[Course], name: str, value: Any) -> Any:
        return queryset.filter(
            Exists(CreditDistribution.objects.filter(course=OuterRef("pk"), subcategory_id=value))
        )

    def filter_text(self, queryset: QuerySet[Course], name: str, value: str) -> Any:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(title__icontains=text) | Q(code__icontains=text) | Q(provider__name__icontains=text)
        )

    def filter_sort(self, queryset: QuerySet[Course], name: str, value: str) -> Any:
        return queryset.order_by(*COURSE_SORTS[value])
