"""What serving one prescription costs in SQL queries (issue 12): the web and API POSTs,
the bundles page cold and warm, the plan page and its PDF. Each request has a ceiling,
and a prescription with 5 required subcategories, 6 bundles and a plan of 5 courses or
more costs exactly what one with 1 subcategory, 2 bundles and a plan of 2 costs.

The counts include the SAVEPOINTs the test transaction turns the services' atomic
blocks into; the POSTs exclude the publish after commit (one UPDATE of `sent_at`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import Subcategory
from matching.models import MatchingRun
from prescriptions.models import Prescription
from tests.integration.web.conftest import WebCatalog, add_course, document
from tests.integration.web.test_prescription_entry import form_data

pytestmark = pytest.mark.django_db

D = Decimal
CEILINGS = {
    # Issue 12's goals, all met: POST <= 15, bundles page <= 8, PDF <= 10.
    # The web POST is 11 statements plus the SAVEPOINTs of its two nested atomic blocks.
    "web POST": 15,
    "API POST": 14,
    # Session, user, the prescription (with flags: no optional spec rows, unmatched
    # lines, plannable obligation or open alert), the latest run with its bundles, the
    # spec's required rows, the names (1), the bundles' purchases (carrying package
    # members) and courses (carrying credit rows).
    "bundles cold": 8,
    # Session, user, prescription, run with its bundles: the rest is cached.
    "bundles warm": 4,
    # Session, user, prescription, the plan, its items (with credit rows), its bundle's
    # purchases and courses, required rows, the run, the ranked bundles of the proof,
    # the names, the calendar feed, the reminder preference.
    "plan page": 13,
    # As the plan page, without the run, the feed and the reminder preference.
    "plan PDF": 10,
}
FIVE = [
    "Image Formation",
    "Radiation Safety and Dose",
    "Patient Interactions and Management",
    "Image Evaluation and Archiving",
    "Neck and Chest",
]


def _sub_id(name: str) -> int:
    return Subcategory.objects.get(name=name, outline__is_current=True).pk


def _measure(
    assert_max: Any,
    capture_on_commit: Any,
    client: Client,
    api: APIClient,
    *,
    subcategories: list[str],
    title: str,
) -> tuple[dict[str, int], Prescription]:
    """Queries per request for a new prescription requiring 1.5 in each subcategory."""
    counts: dict[str, int] = {}
    data = form_data(title=title)
    for key in [k for k in data if k.startswith("credits_")]:
        del data[key]
    data.update({f"credits_{_sub_id(name)}": "1.5" for name in subcategories})
    with capture_on_commit(execute=True), assert_max(CEILINGS["web POST"]) as post:
        response = client.post(reverse("prescriptions:new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    counts["web POST"] = len(post)
    prescription = Prescription.objects.get(title=title)
    run = prescription.runs.get()
    assert run.status == MatchingRun.Status.DONE, run.error

    required = [{"category": name, "credits": "1.5"} for name in subcategories]
    with capture_on_commit(execute=False), assert_max(CEILINGS["API POST"]) as post:
        created = api.post(
            "/api/v1/prescriptions/create/", document(required=required), format="json"
        )
    assert created.status_code == 201, created.content
    counts["API POST"] = len(post)

    detail = reverse("prescriptions:detail", args=[prescription.pk])
    cache.clear()
    with assert_max(CEILINGS["bundles cold"]) as cold:
        assert client.get(detail).status_code == 200
    with assert_max(CEILINGS["bundles warm"]) as warm:
        assert client.get(detail).status_code == 200
    counts["bundles cold"], counts["bundles warm"] = len(cold), len(warm)

    best = run.bundles.get(rank=1)
    client.post(reverse("prescriptions:choose", args=[prescription.pk, best.pk]))
    with assert_max(CEILINGS["plan page"]) as plan:
        assert client.get(reverse("prescriptions:plan", args=[prescription.pk])).status_code == 200
    with assert_max(CEILINGS["plan PDF"]) as pdf:
        response = client.get(reverse("prescriptions:plan_pdf", args=[prescription.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    counts["plan page"], counts["plan PDF"] = len(plan), len(pdf)
    return counts, prescription


def test_a_prescription_costs_the_same_queries_whatever_its_size(
    client: Client,
    bob: Any,
    catalog: WebCatalog,
    settings: Any,
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(bob)
    client.get(reverse("prescriptions:list"))  # the session exists before measuring
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bob).key}")

    def measure(subcategories: list[str], title: str) -> tuple[dict[str, int], Prescription]:
        return _measure(
            django_assert_max_num_queries,
            django_capture_on_commit_callbacks,
            client,
            api,
            subcategories=subcategories,
            title=title,
        )

    settings.CQR_RUN_ALTERNATIVES = 1
    small, one = measure(["Image Formation"], "Small")

    # More courses for five subcategories: cheap 0.5-credit courses, three per line, so
    # the cheapest plan takes a course per line and alternatives abound.
    for i, name in enumerate(FIVE):
        for j in range(3):
            add_course(
                catalog.gage if j % 2 else catalog.ahec,
                f"bulk-{i}-{j}",
                {name: D("0.50")},
                price=D(5 + j),
            )
    settings.CQR_RUN_ALTERNATIVES = 5
    large, five = measure(FIVE, "Large")

    run_one, run_five = one.runs.get(), five.runs.get()
    assert (run_one.bundles.count(), run_five.bundles.count()) == (2, 6)
    plan_one, plan_five = one.plan.items.count(), five.plan.items.count()
    assert plan_one <= 2
    assert plan_five >= 5
    assert large == small


def test_each_page_builds_the_spec_and_its_subcategory_names_once(
    client: Client, bob: Any, bob_prescription: Prescription, monkeypatch: Any
) -> None:
    """The spec comes from the database once per request and every part of the page (the
    sheets, the plan, the report in the PDF) reuses it and its subcategory names."""
    from prescriptions import documents, spec_rows

    best = bob_prescription.runs.get().bundles.get(rank=1)
    client.force_login(bob)
    client.post(reverse("prescriptions:choose", args=[bob_prescription.pk, best.pk]))
    built: list[str] = []
    spec_from_model = spec_rows.prescription_spec_from_model
    names_init = documents.OutlineNames.__init__

    def counted_spec(prescription: Prescription) -> Any:
        built.append("spec")
        return spec_from_model(prescription)

    def counted_names(self: Any, **kwargs: Any) -> None:
        built.append("names")
        names_init(self, **kwargs)

    monkeypatch.setattr("plans.views_common.prescription_spec_from_model", counted_spec)
    monkeypatch.setattr(documents.OutlineNames, "__init__", counted_names)
    for page in ("detail", "plan", "plan_pdf"):
        cache.clear()
        built.clear()
        response = client.get(reverse(f"prescriptions:{page}", args=[bob_prescription.pk]))
        assert response.status_code == 200
        assert (page, sorted(built)) == (page, ["names", "spec"])
