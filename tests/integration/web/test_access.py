"""Only the owner reaches a prescription, its runs, bundles, plan, PDF and calendar.

Every URL is tried by another technologist (404, nothing changes) and anonymously
(redirect to the login page).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Bundle, MatchingRun
from plans import services
from plans.models import Plan, PlanItem
from prescriptions.models import Prescription
from tests.integration.web.conftest import make_prescription

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(bob_prescription: Prescription) -> dict[str, int]:
    """Bob's prescription with a chosen plan (one item done, one planned)."""
    bundle = Bundle.objects.get(run__prescription=bob_prescription, rank=1)
    plan = services.plan_choose(prescription=bob_prescription, bundle=bundle)
    done, planned = list(plan.items.all())
    services.plan_item_mark_done(item=done, done_on=timezone.localdate())
    return {
        "pk": bob_prescription.pk,
        "run": MatchingRun.objects.get(prescription=bob_prescription).pk,
        "bundle": bundle.pk,
        "done": done.pk,
        "planned": planned.pk,
    }


URLS: list[tuple[str, str, Callable[[dict[str, int]], str]]] = [
    ("get", "detail", lambda o: reverse("prescriptions:detail", args=[o["pk"]])),
    ("get", "edit", lambda o: reverse("prescriptions:edit", args=[o["pk"]])),
    ("post", "edit", lambda o: reverse("prescriptions:edit", args=[o["pk"]])),
    ("get", "delete", lambda o: reverse("prescriptions:delete", args=[o["pk"]])),
    ("post", "delete", lambda o: reverse("prescriptions:delete", args=[o["pk"]])),
    ("get", "json", lambda o: reverse("prescriptions:json", args=[o["pk"]])),
    ("post", "recompute", lambda o: reverse("prescriptions:recompute", args=[o["pk"]])),
    ("post", "choose", lambda o: reverse("prescriptions:choose", args=[o["pk"], o["bundle"]])),
    ("get", "plan", lambda o: reverse("prescriptions:plan", args=[o["pk"]])),
    (
        "post",
        "item_done",
        lambda o: reverse("prescriptions:item_done", args=[o["pk"], o["planned"]]),
    ),
    ("post", "item_undo", lambda o: reverse("prescriptions:item_undo", args=[o["pk"], o["done"]])),
    ("post", "replan", lambda o: reverse("prescriptions:replan", args=[o["pk"]])),
    ("get", "plan_pdf", lambda o: reverse("prescriptions:plan_pdf", args=[o["pk"]])),
    ("get", "plan_ics", lambda o: reverse("prescriptions:plan_ics", args=[o["pk"]])),
    ("get", "run_status", lambda o: reverse("matching:run_status", args=[o["run"]])),
]


def snapshot(pk: int) -> tuple:
    return (
        Prescription.objects.filter(pk=pk).values_list("title", "deadline").first(),
        MatchingRun.objects.filter(prescription_id=pk).count(),
        list(Plan.objects.filter(prescription_id=pk).values_list("bundle_id", flat=True)),
        sorted(PlanItem.objects.filter(plan__prescription_id=pk).values_list("id", "status")),
    )


def test_another_user_gets_404_on_every_url_and_changes_nothing(
    client, other_user, owned, subtests
):
    client.force_login(other_user)
    before = snapshot(owned["pk"])
    for method, name, url in URLS:
        with subtests.test(msg=f"{method} {name}"):
            response = getattr(client, method)(url(owned), HTTP_HX_REQUEST="true")
            assert response.status_code == 404
            assert snapshot(owned["pk"]) == before


def test_anonymous_is_sent_to_the_login_page_from_every_url(client, owned, subtests):
    before = snapshot(owned["pk"])
    for method, name, url in URLS:
        with subtests.test(msg=f"{method} {name}"):
            target = url(owned)
            response = getattr(client, method)(target)
            assert response.status_code == 302
            assert response["Location"] == f"{reverse('login')}?next={quote(target)}"
            assert snapshot(owned["pk"]) == before


def test_the_list_shows_only_your_own_prescriptions(client, other_user, bob_prescription):
    client.force_login(other_user)
    html = client.get(reverse("prescriptions:list")).content.decode()
    assert reverse("prescriptions:detail", args=[bob_prescription.pk]) not in html
    assert "No prescription yet" in html


@pytest.mark.parametrize(
    "name", ["prescriptions:new", "prescriptions:import", "prescriptions:list"]
)
def test_entry_pages_require_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# URLs whose path names a prescription and one of its children: a user's own prescription
# with another user's child must 404 too (the child is looked up within the prescription).
MIXED: list[tuple[str, str, Callable[[int, dict[str, int]], str]]] = [
    (
        "post",
        "choose",
        lambda own, o: reverse("prescriptions:choose", args=[own, o["bundle"]]),
    ),
    (
        "post",
        "item_done",
        lambda own, o: reverse("prescriptions:item_done", args=[own, o["planned"]]),
    ),
    (
        "post",
        "item_undo",
        lambda own, o: reverse("prescriptions:item_undo", args=[own, o["done"]]),
    ),
    (
        "post",
        "item_certificate",
        lambda own, o: reverse("prescriptions:item_certificate", args=[own, o["done"]]),
    ),
    (
        "get",
        "item_certificate",
        lambda own, o: reverse("prescriptions:item_certificate", args=[own, o["done"]]),
    ),
]


def test_your_own_prescription_with_another_users_child_is_404_and_changes_nothing(
    client, other_user, owned, subtests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mine = make_prescription(other_user, title="Mallory's CT")
    bundle = Bundle.objects.get(run__prescription=mine, rank=1)
    services.plan_choose(prescription=mine, bundle=bundle)  # she has a plan of her own
    client.force_login(other_user)
    before, own_before = snapshot(owned["pk"]), snapshot(mine.pk)
    for method, name, url in MIXED:
        with subtests.test(msg=f"{method} {name}"):
            data = {"done_on": timezone.localdate().isoformat()} if method == "post" else None
            response = getattr(client, method)(url(mine.pk, owned), data)
            assert response.status_code == 404
            assert snapshot(owned["pk"]) == before
            assert snapshot(mine.pk) == own_before
