"""Courses a technologist adds themselves: private to them, planned for them only, marked
"added by you" on every page, never in the catalog; reachable by the owner alone."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from io import BytesIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar
from pypdf import PdfReader
from rest_framework.test import APIClient

from catalog.importers.export import export_document
from catalog.models import Course, CreditDistribution
from catalog.selectors import catalog_stats_public, course_list_public, provider_list_public
from matching.models import Bundle, BundleCourse, MatchingRun
from matching.services.problem import solver_problem_from_spec
from plans.models import PlanItem
from plans.private_courses import PrivateCourseInput, private_course_create, private_course_delete
from prescriptions.spec_rows import prescription_spec_from_model
from tests.integration.web.conftest import WebCatalog, make_prescription

pytestmark = pytest.mark.django_db
D = Decimal


def page_text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(response.content.decode())))


def cheap_course(owner: Any, catalog: WebCatalog, **overrides: Any) -> Course:
    """$5 for everything the test prescription needs: the cheapest plan by far."""
    subs = catalog.outline.subcategories
    fields: dict[str, Any] = {
        "title": "Hospital CT in-service",
        "provider_name": "St. Mary's Imaging Education",
        "format": "online",
        "price": D("5.00"),
        "ce_credits": D("4.50"),
        "url": "https://stmarys.example.org/ct",
        "distribution": (
            (subs.get(name="Image Formation"), D("3.00")),
            (subs.get(name="Radiation Safety and Dose"), D("1.50")),
        ),
    }
    fields.update(overrides)
    return private_course_create(owner=owner, data=PrivateCourseInput(**fields))


def computed(owner: Any, django_capture_on_commit_callbacks: Any, **overrides: Any) -> Any:
    with django_capture_on_commit_callbacks(execute=True):
        return make_prescription(owner, **overrides)


def best_courses(prescription: Any) -> set[int]:
    bundle = Bundle.objects.get(run=prescription.runs.latest("id"), rank=1)
    return set(BundleCourse.objects.filter(bundle=bundle).values_list("course_id", flat=True))


# --- Planned for its owner only ------------------------------------------------------------


def test_the_owners_plan_takes_their_cheapest_private_course_and_nobody_elses_does(
    bob, other_user, catalog, django_capture_on_commit_callbacks
):
    mine = cheap_course(bob, catalog)
    bobs = computed(bob, django_capture_on_commit_callbacks)
    others = computed(other_user, django_capture_on_commit_callbacks)

    assert best_courses(bobs) == {mine.pk}
    assert bobs.runs.latest("id").bundles.get(rank=1).price == D("5.00")
    assert mine.pk not in best_courses(others)
    # Not even a candidate in the other user's matching problem.
    problem, index = solver_problem_from_spec(prescription_spec_from_model(others))
    assert mine.pk not in {info.id for info in index.courses.values()}
    assert all(c.title != mine.title for c in problem.courses)
    problem, index = solver_problem_from_spec(prescription_spec_from_model(bobs))
    assert mine.pk in {info.id for info in index.courses.values()}


def test_a_private_course_makes_the_owners_computed_runs_stale_only(
    bob, other_user, catalog, django_capture_on_commit_callbacks
):
    bobs = computed(bob, django_capture_on_commit_callbacks)
    others = computed(other_user, django_capture_on_commit_callbacks)
    cheap_course(bob, catalog)
    assert MatchingRun.objects.get(prescription=bobs).is_stale
    assert not MatchingRun.objects.get(prescription=others).is_stale


def test_the_bundle_plan_pdf_calendar_and_api_mark_it_added_by_you(
    client, bob, catalog, django_capture_on_commit_callbacks
):
    mine = cheap_course(bob, catalog)
    prescription = computed(bob, django_capture_on_commit_callbacks)
    client.force_login(bob)

    detail = page_text(client.get(reverse("prescriptions:detail", args=[prescription.pk])))
    assert "Hospital CT in-service" in detail
    assert "St. Mary's Imaging Education · added by you" in detail

    # The proof counts the catalog's courses and the owner's own apart.
    out_of = f"out of {Course.objects.filter(is_active=True).count()} active courses in the "
    out_of += "catalog and 1 of your own"
    assert out_of in detail
    assert "no combination of courses in the catalog of " in detail
    assert " and your own courses meets this prescription for less than" in detail

    bundle = prescription.runs.latest("id").bundles.get(rank=1)
    client.post(reverse("prescriptions:choose", args=[prescription.pk, bundle.pk]))
    assert PlanItem.objects.filter(plan__prescription=prescription, course=mine).exists()
    plan = page_text(client.get(reverse("prescriptions:plan", args=[prescription.pk])))
    assert "St. Mary's Imaging Education · added by you" in plan
    assert out_of in plan
    run = prescription.runs.latest("id")  # a run stored before the two counts were kept
    run.stats = {k: v for k, v in run.stats.items() if k not in {"catalog_courses", "own_courses"}}
    run.save(update_fields=["stats"])
    assert out_of in page_text(client.get(reverse("prescriptions:plan", args=[prescription.pk])))

    pdf = client.get(reverse("prescriptions:plan_pdf", args=[prescription.pk]))
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    assert "added by you" in re.sub(r"\s+", " ", text)

    ics = client.get(reverse("prescriptions:plan_ics", args=[prescription.pk]))
    summaries = [str(e.get("summary")) for e in Calendar.from_ical(ics.content).walk("VEVENT")]
    assert "CE due: Hospital CT in-service (added by you)" in summaries

    api = APIClient()
    api.force_authenticate(bob)
    items = api.get(reverse("api:plan_detail", args=[prescription.pk])).json()["items"]
    assert [(i["title"], i["added_by_you"]) for i in items] == [("Hospital CT in-service", True)]


# --- Never in the catalog -------------------------------------------------------------------


def test_the_catalog_its_api_its_export_and_its_statistics_leave_private_courses_out(
    client, bob, catalog
):
    mine = cheap_course(bob, catalog)
    before = catalog_stats_public()
    assert mine not in Course.objects.all()
    assert mine not in course_list_public()
    assert set(provider_list_public()) == {catalog.ahec, catalog.gage}
    assert "Hospital CT in-service" not in page_text(client.get(reverse("catalog:course_list")))
    listing = client.get(reverse("api:course_list"), {"page_size": 100}).json()
    assert "Hospital CT in-service" not in str(listing)
    assert client.get(reverse("api:course_detail", args=[mine.pk])).status_code == 404
    exported = export_document()
    assert [c["code"] for c in exported["courses"]] == sorted(c.code for c in Course.objects.all())
    assert "Hospital CT in-service" not in str(exported)
    assert catalog_stats_public() == before
    # Even the owner does not see it in the public catalog.
    client.force_login(bob)
    assert "Hospital CT in-service" not in page_text(client.get(reverse("catalog:course_list")))


def test_site_staff_admin_lists_catalog_courses_only(admin_client, bob, catalog):
    mine = cheap_course(bob, catalog)
    listing = admin_client.get(reverse("admin:catalog_course_changelist"))
    assert listing.status_code == 200
    assert "Hospital CT in-service" not in listing.content.decode()
    change = admin_client.get(reverse("admin:catalog_course_change", args=[mine.pk]))
    assert change.status_code == 302  # Django's "does not exist" redirect to the list


# --- Only the owner reaches it ----------------------------------------------------------------


def test_another_user_gets_404_on_every_page_and_api_url_of_the_course(
    client, bob, other_user, catalog, django_capture_on_commit_callbacks
):
    mine = cheap_course(bob, catalog)
    bobs = computed(bob, django_capture_on_commit_callbacks)
    bundle = bobs.runs.latest("id").bundles.get(rank=1)
    client.force_login(bob)
    client.post(reverse("prescriptions:choose", args=[bobs.pk, bundle.pk]))
    item = PlanItem.objects.get(plan__prescription=bobs, course=mine)
    # Mallory has a prescription and plan of her own; she mixes it with bob's course.
    hers = computed(other_user, django_capture_on_commit_callbacks)
    client.force_login(other_user)
    client.post(
        reverse(
            "prescriptions:choose",
            args=[hers.pk, hers.runs.latest("id").bundles.get(rank=1).pk],
        )
    )
    pages = [
        ("get", reverse("prescriptions:private_edit", args=[mine.pk])),
        ("post", reverse("prescriptions:private_edit", args=[mine.pk])),
        ("get", reverse("prescriptions:private_delete", args=[mine.pk])),
        ("post", reverse("prescriptions:private_delete", args=[mine.pk])),
        ("post", reverse("prescriptions:item_done", args=[hers.pk, item.pk])),
        ("post", reverse("prescriptions:item_undo", args=[hers.pk, item.pk])),
        ("get", reverse("prescriptions:item_certificate", args=[hers.pk, item.pk])),
        ("get", reverse("prescriptions:plan", args=[bobs.pk])),
        ("get", reverse("prescriptions:plan_pdf", args=[bobs.pk])),
        ("get", reverse("prescriptions:plan_ics", args=[bobs.pk])),
    ]
    for method, path in pages:
        assert getattr(client, method)(path).status_code == 404, path
    assert "Hospital CT in-service" not in page_text(
        client.get(reverse("prescriptions:private_list"))
    )
    assert "Hospital CT in-service" not in page_text(
        client.get(reverse("prescriptions:plan", args=[hers.pk]))
    )
    api = APIClient()
    api.force_authenticate(other_user)
    for method, name, args in [
        ("get", "api:private_course_detail", [mine.pk]),
        ("post", "api:private_course_update", [mine.pk]),
        ("post", "api:private_course_delete", [mine.pk]),
        ("post", "api:plan_item_done", [hers.pk, item.pk]),
        ("post", "api:plan_item_undo", [hers.pk, item.pk]),
    ]:
        assert getattr(api, method)(reverse(name, args=args)).status_code == 404, name
    assert api.get(reverse("api:private_course_list")).json() == []
    assert Course.all_courses.filter(pk=mine.pk, title="Hospital CT in-service").exists()
    assert PlanItem.objects.get(pk=item.pk).status == PlanItem.Status.PLANNED


def test_a_catalog_course_is_not_editable_as_ones_own(client, bob, catalog):
    client.force_login(bob)
    edit = reverse("prescriptions:private_edit", args=[catalog.dose.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"title": "Mine now"}).status_code == 404
    catalog.dose.refresh_from_db()
    assert catalog.dose.title == "CT Dose in Practice"


# --- The form --------------------------------------------------------------------------------


def form_data(catalog: WebCatalog, **overrides: Any) -> dict[str, Any]:
    subs = catalog.outline.subcategories
    data = {
        "title": "Cardiac CT webinar",
        "provider_name": "Heart Center",
        "url": "heart.example.org/webinar",
        "format": "webinar",
        "price": "19.00",
        "ce_credits": "2.00",
        "hours": "",
        "event_date": "2031-03-14",
        "approval_expires": "",
        "row-TOTAL_FORMS": "5",
        "row-INITIAL_FORMS": "0",
        "row-MIN_NUM_FORMS": "0",
        "row-MAX_NUM_FORMS": "30",
        "row-0-subcategory": str(subs.get(name="Image Formation").pk),
        "row-0-credits": "1.25",
        "row-1-subcategory": str(subs.get(name="Radiation Safety and Dose").pk),
        "row-1-credits": "0.75",
    }
    data.update(overrides)
    return data


def test_the_form_adds_the_course_with_its_distribution(client, bob, catalog):
    client.force_login(bob)
    assert client.get(reverse("prescriptions:private_new")).status_code == 200
    response = client.post(reverse("prescriptions:private_new"), form_data(catalog))
    assert response.status_code == 302
    course = Course.all_courses.get(owner=bob)
    assert (course.title, course.provider, course.provider_name) == (
        "Cardiac CT webinar",
        None,
        "Heart Center",
    )
    assert course.url == "https://heart.example.org/webinar"
    assert course.hours == D("1.67")  # 2 CE credits × 50 minutes
    assert str(course.event_date) == "2031-03-14"
    assert sorted(
        (r.subcategory.name, r.credits) for r in CreditDistribution.objects.filter(course=course)
    ) == [("Image Formation", D("1.25")), ("Radiation Safety and Dose", D("0.75"))]
    listing = page_text(client.get(reverse("prescriptions:private_list")))
    assert "Cardiac CT webinar" in listing
    assert "added by you" in listing


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"title": ""}, "id_title_error", "Enter the course title."),
        ({"price": "-1"}, "id_price_error", "The price cannot be negative"),
        (
            {"format": "online"},
            "id_event_date_error",
            "An event date is only allowed for webinar or live courses",
        ),
        (
            {"row-0-credits": "1.75"},
            "distribution_error",
            "Distribution credits exceed the course's 2.00 CE credits (CT 2.50)",
        ),
        ({"row-0-credits": ""}, "id_row-0-credits_error", "Enter the credits ARRT shows"),
        (
            {"row-0-subcategory": "", "row-1-subcategory": ""},
            "id_row-0-subcategory_error",
            "Choose the subcategory these credits are in.",
        ),
        (
            {
                "row-0-subcategory": "",
                "row-0-credits": "",
                "row-1-subcategory": "",
                "row-1-credits": "",
            },
            "distribution_error",
            "Enter at least one subcategory with its credits",
        ),
    ],
)
def test_a_mistake_is_shown_on_its_field_and_saves_nothing(
    client, bob, catalog, overrides, field_id, message
):
    client.force_login(bob)
    response = client.post(reverse("prescriptions:private_new"), form_data(catalog, **overrides))
    assert response.status_code == 400
    html = unescape(response.content.decode())
    found = re.search(rf'id="{re.escape(field_id)}">([^<]*)<', html)
    assert found, f"no error element {field_id}"
    assert message in found.group(1)
    assert 'id="error-summary"' in html
    assert not Course.all_courses.filter(owner=bob).exists()


def test_the_owner_edits_and_deletes_it(client, bob, catalog):
    mine = cheap_course(bob, catalog)
    client.force_login(bob)
    edit = reverse("prescriptions:private_edit", args=[mine.pk])
    assert "Hospital CT in-service" in page_text(client.get(edit))
    response = client.post(edit, form_data(catalog, title="Renamed in-service", format="live"))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.title, mine.format, mine.price) == ("Renamed in-service", "live", D("19.00"))
    assert mine.distribution.count() == 2
    response = client.post(reverse("prescriptions:private_delete", args=[mine.pk]))
    assert response.status_code == 302
    assert not Course.all_courses.filter(pk=mine.pk).exists()


def test_deleting_is_refused_while_a_chosen_plan_has_the_course(
    client, bob, catalog, django_capture_on_commit_callbacks
):
    mine = cheap_course(bob, catalog)
    prescription = computed(bob, django_capture_on_commit_callbacks)
    client.force_login(bob)
    bundle = prescription.runs.latest("id").bundles.get(rank=1)
    client.post(reverse("prescriptions:choose", args=[prescription.pk, bundle.pk]))
    assert PlanItem.objects.filter(course=mine).exists()
    refused = client.post(reverse("prescriptions:private_delete", args=[mine.pk]))
    assert refused.status_code == 400
    assert "It is in your plan for CT CQR" in page_text(refused)
    with pytest.raises(ValidationError, match="in your plan for CT CQR"):
        private_course_delete(course=mine)
    assert Course.all_courses.filter(pk=mine.pk).exists()


# --- The API ---------------------------------------------------------------------------------


def test_the_api_creates_lists_updates_and_deletes_ones_own_courses(bob, catalog):
    api = APIClient()
    api.force_authenticate(bob)
    body = {
        "title": "Found on ARRT",
        "provider_name": "Lakeside CE",
        "format": "online",
        "price": "7.50",
        "ce_credits": "1.00",
        "distribution": [
            {"discipline": "CT", "category": "Image Formation", "credits": "1.00"},
        ],
    }
    created = api.post(reverse("api:private_course_create"), body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["added_by_you"] is True
    assert data["distribution"] == [
        {"discipline": "CT", "category": "Image Formation", "credits": "1.00"}
    ]
    assert [c["id"] for c in api.get(reverse("api:private_course_list")).json()] == [data["id"]]

    bad = api.post(
        reverse("api:private_course_update", args=[data["id"]]),
        {**body, "distribution": [{"discipline": "CT", "category": "Nope", "credits": "1"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["details"][0]["field"] == "distribution.0.category"
    over = api.post(
        reverse("api:private_course_update", args=[data["id"]]),
        {**body, "ce_credits": "0.50"},
        format="json",
    )
    assert over.status_code == 400
    assert over.json()["error"]["details"][0]["field"] == "distribution"
    assert Course.all_courses.get(pk=data["id"]).ce_credits == D("1.00")  # unchanged

    updated = api.post(
        reverse("api:private_course_update", args=[data["id"]]),
        {**body, "price": "0"},
        format="json",
    )
    assert updated.status_code == 200 and updated.json()["price"] == "0.00"
    deleted = api.post(reverse("api:private_course_delete", args=[data["id"]]))
    assert deleted.status_code == 204
    assert not Course.all_courses.filter(pk=data["id"]).exists()


# --- Completed, it stays with the prescription ---------------------------------------------


def test_a_completed_private_course_survives_editing_and_the_json_round_trip(
    client, bob, other_user, catalog, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from plans import services
    from prescriptions.documents import (
        PrescriptionInputError,
        prescription_document_from_spec,
        prescription_spec_from_document,
    )

    mine = cheap_course(bob, catalog)
    prescription = computed(bob, django_capture_on_commit_callbacks)
    bundle = prescription.runs.latest("id").bundles.get(rank=1)
    plan = services.plan_choose(prescription=prescription, bundle=bundle)
    item = plan.items.get(course=mine)
    services.plan_item_mark_done(item=item, done_on=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_replan(prescription=prescription)
    assert list(prescription.completed_courses.all()) == [mine]

    # The edit form lists it among the completed courses, selected.
    client.force_login(bob)
    html = client.get(reverse("prescriptions:edit", args=[prescription.pk])).content.decode()
    assert re.search(
        rf'<option value="{mine.pk}"[^>]*selected[^>]*>Hospital CT in-service — '
        r"St\. Mary&#x27;s Imaging Education \(added by you\)",
        html,
    )
    # The document names it by its code; it resolves for bob, and for nobody else.
    document = prescription_document_from_spec(prescription_spec_from_model(prescription))
    assert document["completed"] == [mine.code]
    spec = prescription_spec_from_document(document, owner_id=bob.pk)
    assert list(spec.completed) == [mine]
    with pytest.raises(PrescriptionInputError, match=rf'completed\[0\].*"{mine.code}"'):
        prescription_spec_from_document(document, owner_id=other_user.pk)
    with pytest.raises(PrescriptionInputError, match="unknown course code"):
        prescription_spec_from_document(document)  # the recommend command: catalog only

    # Through the API the owner may name it; another user gets the precise error.
    api = APIClient()
    api.force_authenticate(other_user)
    refused = api.post(reverse("api:prescription_create"), document, format="json")
    assert refused.status_code == 400
    assert f'completed[0]: unknown course code "{mine.code}"' in refused.json()["error"]["message"]
    api.force_authenticate(bob)
    with django_capture_on_commit_callbacks(execute=True):
        saved = api.post(reverse("api:prescription_create"), document, format="json")
    assert saved.status_code == 201, saved.json()
    assert document["completed"] == saved.json()["document"]["completed"]
