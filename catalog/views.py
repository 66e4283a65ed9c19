"""Public pages: the home page, the course list with filters and the content outlines."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, cached_property
from django.views.decorators.http import require_GET

from catalog import selectors
from catalog.forms import CourseFilterForm

COURSES_PER_PAGE = 25


class CountedPaginator(Paginator):
    """A paginator told its count (the catalog's count is cached per catalog revision)
    instead of running COUNT(*) over the filtered courses on every page."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


class LazyCourses:
    """The catalog's filtered, sorted courses, built only when a page of them is read:
    the results fragment is cached, so most requests never build the query (its filters,
    prefetches and ordering cost CPU even unevaluated). Sliced by the paginator, it gives
    a page that runs the query when the template iterates it."""

    def __init__(self, filters: dict[str, Any]) -> None:
        self.filters = dict(filters)

    def __getitem__(self, key: slice) -> SimpleLazyObject:
        return SimpleLazyObject(lambda: list(selectors.course_list_public(**self.filters)[key]))


def _results_key(filters: dict[str, Any], sort: str, page: int | None) -> str:
    text = json.dumps({**filters, "sort": sort, "page": page}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What CQR prescriptions are, in plain words, and where to start."""
    return render(request, "catalog/home.html", {"stats": selectors.catalog_stats_public()})


@require_GET
def course_list(request: HttpRequest) -> HttpResponse:
    """Browse active courses; a plain GET form, with htmx swapping only the results."""
    # The pickers' choices, the count and the results fragment are cached per revision.
    version = selectors.catalog_revision_latest()
    form = CourseFilterForm(request.GET, revision=version)
    filters = form.filters()
    courses = LazyCourses(filters)
    sort = filters.pop("sort")
    paginator = CountedPaginator(
        courses, COURSES_PER_PAGE, count=selectors.course_count_public(**filters, revision=version)
    )
    page = paginator.get_page(request.GET.get("page"))
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")
    context = {
        "form": form,
        "page_obj": page,
        "courses": page.object_list,
        "page_links": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "catalog_version": version,
        # Validated filters and page only: junk parameters never make new cache entries.
        "results_key": _results_key(filters, sort, page.number),
        "filters_key": _results_key(filters, sort, None),
        "partial": partial,
    }
    template = "catalog/_course_results.html" if partial else "catalog/course_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def outline_list(request: HttpRequest) -> HttpResponse:
    """Each discipline's current content outline, with whether ARRT's own text confirms it."""
    context = {
        "outlines": selectors.outline_list_public(),
        "older_versions": selectors.outline_versions_older(),
    }
    return render(request, "catalog/outline_list.html", context)
