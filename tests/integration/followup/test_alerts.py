"""The cheaper-plan alert: a catalog change, the stale run recomputed, the banner, the
email with the difference, and the one-click switch that keeps done courses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalog.services import catalog_record_change
from followup.models import PlanAlert
from matching.services.staleness import replan_stale
from plans import services
from plans.models import Plan, PlanItem
from tests.integration.web.conftest import WebCatalog, make_prescription
from tests.integration.web.test_plan import best_bundle, page_text, pdf_text

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def planned(bob: Any, catalog: WebCatalog, django_capture_on_commit_callbacks: Any, settings: Any):
    """Bob's plan without the package: dose ($24) and image ($40), dose marked done."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    bob.email = "bob@example.org"
    bob.save()
    catalog.pack.is_active = False
    catalog.pack.save()
    with django_capture_on_commit_callbacks(execute=True):
        prescription = make_prescription(bob)
    plan = services.plan_choose(prescription=prescription, bundle=best_bundle(prescription))
    assert sorted(i.course.code for i in plan.items.all()) == ["ahec-ct-dose", "ahec-ct-img"]
    assert plan.price == D("64.00")
    dose = plan.items.get(course=catalog.dose)
    services.plan_item_mark_done(item=dose, done_on=timezone.localdate())
    return prescription


def catalog_change(capture: Any, course: Any, **fields: Any) -> None:
    """An edit recorded as a catalog revision, then the beat's replan of stale runs."""
    with capture(execute=True):
        for name, value in fields.items():
            setattr(course, name, value)
        course.save()
        catalog_record_change(reason="test edit", providers=[course.provider])
    with capture(execute=True):
        assert replan_stale() == 1


def test_a_price_cut_raises_the_alert_with_the_difference_and_one_click_switches(
    client, bob, planned, catalog, django_capture_on_commit_callbacks
):
    # Gage's image course drops from $30 to $10: image formation now costs $25 (gage-img +
    # gage-img2) instead of $40; the done dose course is paid either way.
    catalog_change(django_capture_on_commit_callbacks, catalog.gage_image, price=D("10.00"))
    alert = PlanAlert.objects.get()
    assert (alert.current_price, alert.new_price, alert.saving) == (D(40), D(25), D(15))
    assert alert.reasons[0] == (
        "A new plan costs $15.00 less from now on ($25.00 instead of $40.00)."
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "A cheaper plan for “CT CQR”: save $15.00"
    assert "$15.00 less" in str(mail.outbox[0].body)
    assert mail.outbox[0].extra_headers["List-Unsubscribe"].startswith("<http")

    client.force_login(bob)
    for url in ("prescriptions:plan", "prescriptions:detail"):
        text = page_text(client.get(reverse(url, args=[planned.pk])))
        assert "A cheaper plan is available: save $15.00." in text
    response = client.post(reverse("followup:alert_switch", args=[planned.pk]), follow=True)
    assert "Your plan is now the new bundle. You pay $15.00 less." in page_text(response)
    plan = Plan.objects.get(prescription=planned)
    items = {i.course.code: i.status for i in plan.items.all()}
    assert items == {
        "ahec-ct-dose": PlanItem.Status.DONE,  # kept
        "gage-img": PlanItem.Status.PLANNED,
        "gage-img2": PlanItem.Status.PLANNED,
    }
    assert "A cheaper plan is available" not in page_text(
        client.get(reverse("prescriptions:plan", args=[planned.pk]))
    )
    # A second click has nothing left to switch to.
    response = client.post(reverse("followup:alert_switch", args=[planned.pk]), follow=True)
    assert "There is no other plan to switch to now." in page_text(response)


def test_a_chosen_course_withdrawn_raises_the_alert_even_if_not_cheaper(
    client, bob, planned, catalog, django_capture_on_commit_callbacks
):
    catalog_change(django_capture_on_commit_callbacks, catalog.image, is_active=False)
    alert = PlanAlert.objects.get()
    assert "“CT Image Formation Deep Dive” is no longer offered for CQR credit." in alert.reasons
    assert mail.outbox[0].subject == "A course of your plan for “CT CQR” needs attention"
    client.force_login(bob)
    client.post(reverse("followup:alert_dismiss", args=[planned.pk]))
    assert PlanAlert.objects.get().resolved_at is not None
    assert "needs attention" not in page_text(
        client.get(reverse("prescriptions:plan", args=[planned.pk]))
    )


def test_no_alert_when_the_change_does_not_help_and_none_twice_for_one_run(
    planned, catalog, django_capture_on_commit_callbacks
):
    from followup.alerts import alert_after_run

    catalog_change(django_capture_on_commit_callbacks, catalog.gage_small, price=D("14.00"))
    assert not PlanAlert.objects.exists()
    catalog_change(django_capture_on_commit_callbacks, catalog.gage_image, price=D("10.00"))
    run = planned.runs.latest("id")
    assert alert_after_run(run=run) is None  # a duplicate delivery of the same run
    assert PlanAlert.objects.count() == 1
    assert len(mail.outbox) == 1


def test_users_who_switched_reminders_off_get_the_banner_but_no_email(
    bob, planned, catalog, django_capture_on_commit_callbacks
):
    from followup.reminders import reminders_set_enabled

    reminders_set_enabled(user=bob, enabled=False)
    catalog_change(django_capture_on_commit_callbacks, catalog.gage_image, price=D("10.00"))
    assert PlanAlert.objects.get().emailed_at is None
    assert mail.outbox == []


def test_while_the_alert_is_open_the_plan_does_not_claim_nothing_costs_less(
    client, bob, planned, catalog, django_capture_on_commit_callbacks, tmp_path
):
    client.force_login(bob)
    plan_url = reverse("prescriptions:plan", args=[planned.pk])
    before = page_text(client.get(plan_url))
    assert "Proved cheapest" in before and "has changed since" not in before
    catalog_change(django_capture_on_commit_callbacks, catalog.gage_image, price=D("10.00"))
    text = page_text(client.get(plan_url))
    # The proof is of the run the plan was chosen from; next to the banner it says so.
    proof = text.split("What the engine proved", 1)[1]
    assert proof.index("the catalog has changed since") < proof.index("Proved cheapest")
    assert "Your plan was proved cheapest in the catalog as it was when it was computed" in proof
    pdf_url = reverse("prescriptions:plan_pdf", args=[planned.pk])
    pdf = " ".join(pdf_text(client.get(pdf_url).content, tmp_path).split())
    assert pdf.index("the catalog has changed since") < pdf.index("Proved cheapest")
    assert "a new plan now costs $15.00 less: see your plan page to switch" in pdf
    client.post(reverse("followup:alert_switch", args=[planned.pk]))
    pdf = " ".join(pdf_text(client.get(pdf_url).content, tmp_path).split())
    assert "has changed since" not in pdf
    assert "has changed since" not in page_text(client.get(plan_url))
