"""Plan writes that meet each other (two tabs, a double click, a script and a person):
choose / mark done / undo / re-plan serialise on the prescription's row, and a request
that finds the plan changed under it answers 404 or 409 with a message, never 500."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ObjectGone
from matching.models import Bundle
from plans import services
from plans.models import Plan, PlanItem
from prescriptions.models import Prescription
from tests.concurrency import (
    HeldTransaction,
    InThread,
    require_postgresql,
    wait_until_a_session_waits_for_a_lock,
)
from tests.integration.api.conftest import assert_error, token_client
from tests.integration.web.test_plan import best_bundle, page_text


def chosen(prescription: Prescription) -> Plan:
    return services.plan_choose(prescription=prescription, bundle=best_bundle(prescription))


def yesterday() -> Any:
    return timezone.localdate() - timedelta(days=1)


class TestAPlanChangedMeanwhile:
    """The request read its item before another request replaced the plan."""

    def test_marking_done_an_item_dropped_by_a_new_choice_is_a_404(
        self, client, bob, bob_prescription
    ) -> None:
        item = chosen(bob_prescription).items.get(course__code="ahec-ct-img")
        stale = PlanItem.objects.select_related("plan__prescription", "course").get(pk=item.pk)
        chosen(bob_prescription)  # the same bundle again: planned items are replaced
        with pytest.raises(ObjectGone, match="no longer in your plan"):
            services.plan_item_mark_done(item=stale, done_on=yesterday())

        client.force_login(bob)
        response = client.post(
            reverse("prescriptions:item_done", args=[bob_prescription.pk, item.pk]),
            {f"item{item.pk}-done_on": yesterday().isoformat()},
        )
        assert response.status_code == 404  # the item id is gone: the plan page says why
        assert "That course is no longer in your plan" in page_text(response)

    def test_undoing_an_item_id_gone_from_the_plan_is_a_404_with_the_message(
        self, client, bob, bob_prescription
    ) -> None:
        item = chosen(bob_prescription).items.all()[0]
        services.plan_item_mark_done(item=item, done_on=yesterday())
        chosen(bob_prescription)  # done items are kept: drop this one by hand
        PlanItem.objects.filter(pk=item.pk).delete()
        client.force_login(bob)
        response = client.post(
            reverse("prescriptions:item_undo", args=[bob_prescription.pk, item.pk])
        )
        assert response.status_code == 404
        assert "That course is no longer in your plan" in page_text(response)

    def test_marking_done_twice_is_a_409_with_the_date(self, client, bob, bob_prescription):
        item = chosen(bob_prescription).items.all()[0]
        client.force_login(bob)
        url = reverse("prescriptions:item_done", args=[bob_prescription.pk, item.pk])
        data = {f"item{item.pk}-done_on": yesterday().isoformat()}
        assert client.post(url, data).status_code == 302
        again = client.post(url, data)
        assert again.status_code == 409
        assert "is already marked done (on" in page_text(again)

    def test_undoing_an_item_dropped_by_a_new_choice_is_a_404_with_the_message(
        self, bob, bob_prescription
    ) -> None:
        item = chosen(bob_prescription).items.all()[0]
        stale = PlanItem.objects.select_related("plan__prescription", "course").get(pk=item.pk)
        chosen(bob_prescription)
        with pytest.raises(ObjectGone) as caught:
            services.plan_item_mark_planned(item=stale)
        assert caught.value.status == 404
        assert "Reload the plan" in str(caught.value)

    def test_the_api_answers_a_409_with_the_message_when_marked_done_twice(
        self, bob, bob_prescription
    ) -> None:
        item = chosen(bob_prescription).items.all()[0]
        api = token_client(bob)
        url = f"/api/v1/prescriptions/{bob_prescription.pk}/plan/items/{item.pk}/done/"
        assert api.post(url, {}, format="json").status_code == 200
        error = assert_error(api.post(url, {}, format="json"), 409, "conflict")
        assert "is already marked done" in error["message"]

    def test_choosing_a_bundle_computed_away_meanwhile_is_a_404(
        self, client, bob, bob_prescription
    ) -> None:
        bundle = best_bundle(bob_prescription)
        stale = Bundle.objects.select_related("run").get(pk=bundle.pk)
        Bundle.objects.filter(pk=bundle.pk).delete()
        with pytest.raises(ObjectGone, match="no longer available"):
            services.plan_choose(prescription=bob_prescription, bundle=stale)
        assert not Plan.objects.filter(prescription=bob_prescription).exists()

    def test_the_api_answers_a_404_with_the_message_when_the_item_is_gone(
        self, bob, bob_prescription, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        item = chosen(bob_prescription).items.all()[0]
        real = services.plan_item_mark_done

        def after_another_choice(**kwargs: Any) -> Any:
            chosen(bob_prescription)  # lands between the API's read and its write
            return real(**kwargs)

        monkeypatch.setattr("plans.apis.plan_item_mark_done", after_another_choice)
        api = token_client(bob)
        url = f"/api/v1/prescriptions/{bob_prescription.pk}/plan/items/{item.pk}/done/"
        error = assert_error(api.post(url, {}, format="json"), 404, "not_found")
        assert "is no longer in your plan" in error["message"]


@pytest.mark.django_db(transaction=True)
class TestConcurrentWrites:
    """Real concurrency: a second session waits on the prescription's row lock."""

    def test_mark_done_waits_for_a_choice_in_progress_then_reports_the_item_gone(
        self, bob_prescription
    ) -> None:
        require_postgresql()
        item = chosen(bob_prescription).items.get(course__code="ahec-ct-img")
        stale = PlanItem.objects.select_related("plan__prescription", "course").get(pk=item.pk)

        def choose_again() -> None:  # what plan_choose does first: lock, then replace
            Prescription.objects.select_for_update().get(pk=bob_prescription.pk)
            PlanItem.objects.filter(pk=item.pk).delete()

        held = HeldTransaction(choose_again)
        marking = InThread(lambda: services.plan_item_mark_done(item=stale, done_on=yesterday()))
        wait_until_a_session_waits_for_a_lock()
        held.finish()
        marking.join()
        assert isinstance(marking.error, ObjectGone), marking.error

    def test_two_choices_at_once_make_one_plan(self, bob_prescription) -> None:
        require_postgresql()
        bundle = best_bundle(bob_prescription)
        held = HeldTransaction(
            lambda: services.plan_choose(prescription=bob_prescription, bundle=bundle)
        )
        second = InThread(
            lambda: services.plan_choose(prescription=bob_prescription, bundle=bundle)
        )
        wait_until_a_session_waits_for_a_lock()
        held.finish()
        second.join()
        assert second.error is None, second.error
        plan = Plan.objects.get(prescription=bob_prescription)
        assert sorted(plan.items.values_list("course_id", flat=True)) == sorted(
            bundle.items.values_list("course_id", flat=True)
        )

    def test_undo_waits_for_a_mark_done_in_progress_and_then_succeeds(
        self, bob_prescription
    ) -> None:
        require_postgresql()
        item = chosen(bob_prescription).items.all()[0]
        held = HeldTransaction(lambda: services.plan_item_mark_done(item=item, done_on=yesterday()))
        undo = InThread(lambda: services.plan_item_mark_planned(item=item))
        wait_until_a_session_waits_for_a_lock()
        held.finish()
        undo.join()
        assert undo.error is None, undo.error
        item.refresh_from_db()
        assert item.status == PlanItem.Status.PLANNED
