"""Every URL that shows a private course to its owner is a 404 for anyone else (issue 14.3).

The URLs are not listed by hand: every named URL of the configuration whose object kwargs
can name the owner's prescription, bundle, plan item, run or private course is requested
by the owner; those whose answer carries the course's title or code are the URLs that
show it, and another technologist must get exactly 404 on each (not 403, not a redirect,
not the page). URLs without an object kwarg that list courses (the catalog, its API, the course
search of the entry form) must not carry the title for the other user."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from plans.models import PlanItem
from tests.integration.security.test_access_matrix import object_urls
from tests.integration.web.test_private_courses import cheap_course, computed

pytestmark = pytest.mark.django_db
TITLE = "Hospital CT in-service"


def body(response: Any) -> str:
    """The answer's text; a PDF's extracted text (its streams are compressed)."""
    raw = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if raw.startswith(b"%PDF-"):
        pages = PdfReader(BytesIO(raw)).pages
        return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))
    return raw.decode("utf-8", "replace")


def test_every_url_that_shows_a_private_course_is_a_404_for_another_technologist(
    bob, other_user, catalog, django_capture_on_commit_callbacks
):
    mine = cheap_course(bob, catalog)
    bobs = computed(bob, django_capture_on_commit_callbacks)
    bundle = bobs.runs.latest("id").bundles.get(rank=1)
    owner = Client()
    owner.force_login(bob)
    owner.post(reverse("prescriptions:choose", args=[bobs.pk, bundle.pk]))
    item = PlanItem.objects.get(plan__prescription=bobs, course=mine)
    ids = {
        "pk": bobs.pk,
        "prescription_id": bobs.pk,
        "bundle_id": bundle.pk,
        "item_id": item.pk,
        "run_id": bundle.run_id,
        "private_course_id": mine.pk,
    }
    other = Client()
    other.force_login(other_user)

    showing: list[str] = []
    problems: list[str] = []
    for url in object_urls():
        if not set(url.kwargs) <= set(ids):
            continue
        path = reverse(url.name, kwargs={k: ids[k] for k in url.kwargs})
        shown = body(owner.get(path))
        if TITLE not in shown and not re.search(rf"\b{mine.code}\b", shown):
            continue
        showing.append(url.name)
        status = other.get(path).status_code
        if status != 404:
            problems.append(f"GET {path} ({url.name}) as another technologist: {status}")
    print(f"\nURLs that show the private course to its owner: {sorted(showing)}")
    assert not problems, "\n".join(problems)
    # The pages, files and API answers known to show it are among those found (so the
    # discovery above cannot silently find nothing).
    assert {
        "prescriptions:detail",
        "prescriptions:plan",
        "prescriptions:plan_pdf",
        "prescriptions:plan_ics",
        "prescriptions:private_edit",
        "api:plan_detail",
        "api:private_course_detail",
    } <= set(showing), showing

    # Lists without an object in their address: the course is in none of the other's.
    lists = [
        reverse("catalog:course_list") + "?q=Hospital",
        reverse("api:course_list") + "?page_size=100",
        reverse("prescriptions:private_list"),
        reverse("api:private_course_list"),
        reverse("prescriptions:course_search") + "?discipline=CT&q=Hospital",
    ]
    # The owner finds it in their own list and in the entry form's course search.
    for path in lists[2:]:
        assert TITLE in body(owner.get(path)), path
    for path in lists:
        assert TITLE not in body(other.get(path)), path
