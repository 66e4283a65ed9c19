"""Bundle suggestions: what they cover (checked independently) and creating the package."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from catalog.models import CatalogRevision, CreditDistribution, OutlineVersion, Package, Provider
from insights.selectors.suggestion import suggestion_for_provider
from insights.services import package_create_from_courses
from prescriptions.models import Prescription, RequiredCredit
from tests.integration.insights.conftest import (
    ABDOMEN,
    CHEST,
    DOSE,
    FORMATION,
    course,
    shared_rx,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(ahec: Provider, gage: Provider, ct_outline: OutlineVersion) -> None:
    """Own courses, a competitor's, and 19 shared prescriptions in three patterns."""
    course(ahec, "a-dose", ct_outline, {DOSE: "1.5"}, price="30.00")
    course(ahec, "a-dose-lite", ct_outline, {DOSE: "1"}, price="12.00")
    course(ahec, "a-chest", ct_outline, {CHEST: "2", FORMATION: "0.5"}, price="25.00")
    course(ahec, "a-form", ct_outline, {FORMATION: "1"}, price="15.00")
    course(ahec, "a-abd", ct_outline, {ABDOMEN: "3"}, price="60.00")
    course(ahec, "a-old", ct_outline, {DOSE: "5"}, price=None)  # package-only: not a candidate
    course(gage, "g-all", ct_outline, {DOSE: "3", CHEST: "3", FORMATION: "3"}, price="1.00")
    for credits in ("1", "1", "1.5", "1", "1.5", "1"):
        shared_rx(ct_outline, {DOSE: credits, CHEST: "2"})
    for _ in range(5):
        shared_rx(ct_outline, {FORMATION: "1.5"})
    for _ in range(4):  # a pattern of fewer than 5: not targeted
        shared_rx(ct_outline, {ABDOMEN: "3"})
    for _ in range(4):
        shared_rx(ct_outline, {DOSE: "1", CHEST: "2"}, share=False)


def independent_coverage(course_codes: list[str], provider: Provider) -> tuple[int, int]:
    """(fully covered, all) shared open CT prescriptions, straight from the tables."""
    credits: dict[str, Decimal] = defaultdict(Decimal)
    for name, value in CreditDistribution.objects.filter(
        course__provider=provider, course__code__in=course_codes
    ).values_list("subcategory__name", "credits"):
        credits[name] += value
    needs: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for pid, name, value in RequiredCredit.objects.filter(
        prescription__share_anonymously=True, prescription__deadline__gte=today()
    ).values_list("prescription_id", "subcategory__name", "credits"):
        needs[pid].append((name, value))
    covered = sum(1 for rows in needs.values() if all(credits[n] >= v for n, v in rows))
    return covered, len(needs)


class TestTheSuggestion:
    def test_it_really_covers_what_it_claims(
        self, ahec: Provider, market: None, ct_outline: OutlineVersion
    ) -> None:
        view = suggestion_for_provider(
            provider=ahec, discipline=ct_outline.discipline, today=today()
        )
        codes = [c.code for c in view.courses]
        covered, total = independent_coverage(codes, ahec)
        assert (covered, total) == (11, 15)
        assert (view.covered.value, view.prescriptions.value) == (covered, total)
        assert view.share == round(100 * covered / total)
        # The cheapest package covering both common patterns (1.5 dose, 2 chest, 1.5 formation).
        assert codes == ["a-chest", "a-dose", "a-form"]
        assert view.members_price == Decimal("70.00")
        assert view.suggested_price == Decimal("56.00")
        assert view.proven
        assert dict(view.credits) == {
            DOSE: Decimal("1.5"),
            FORMATION: Decimal("1.5"),
            CHEST: Decimal("2"),
        }

    def test_a_lower_target_gives_a_cheaper_package_that_still_reaches_it(
        self, ahec: Provider, market: None, ct_outline: OutlineVersion
    ) -> None:
        view = suggestion_for_provider(
            provider=ahec, discipline=ct_outline.discipline, today=today(), target_percent=25
        )
        covered, _ = independent_coverage([c.code for c in view.courses], ahec)
        assert covered >= 3  # a quarter of the 11 targeted prescriptions, rounded up
        # Chest + the light dose course ($37) covers the four 1-credit dose prescriptions;
        # covering the formation pattern instead would cost $40.
        assert [c.code for c in view.courses] == ["a-chest", "a-dose-lite"]
        assert (covered, view.members_price) == (4, Decimal("37.00"))

    def test_rare_patterns_are_listed_nowhere_and_common_ones_say_how_covered(
        self, ahec: Provider, market: None, ct_outline: OutlineVersion
    ) -> None:
        view = suggestion_for_provider(
            provider=ahec, discipline=ct_outline.discipline, today=today()
        )
        assert [(p.subcategories, p.prescriptions.value, p.covered) for p in view.patterns] == [
            ([DOSE, CHEST], 6, "all"),
            ([FORMATION], 5, "all"),
        ]
        assert view.eligible.value == 11

    def test_it_suggests_nothing_without_a_pattern_shared_by_five(
        self, ahec: Provider, ct_outline: OutlineVersion
    ) -> None:
        course(ahec, "a-dose", ct_outline, {DOSE: "2"})
        for _ in range(4):
            shared_rx(ct_outline, {DOSE: "1"})
        view = suggestion_for_provider(
            provider=ahec, discipline=ct_outline.discipline, today=today()
        )
        assert view.courses == [] and view.patterns == []
        assert view.covered.hidden


class TestCreatingThePackage:
    def _post(self, client: Client, provider: Provider, **data: Any) -> Any:
        url = reverse("insights:suggestion", args=[provider.pk])
        return client.post(url, {"discipline": "CT", "title": "CT mix", **data})

    def test_one_click_creates_the_suggested_package_through_the_catalog_import(
        self, client: Client, alice: Any, ahec: Provider, market: None
    ) -> None:
        client.force_login(alice)
        page = client.get(reverse("insights:suggestion", args=[ahec.pk]) + "?discipline=CT")
        assert page.status_code == 200
        form = page.context["form"]
        assert form.initial["price"] == Decimal("56.00")
        assert form.initial["code"] == "ahec-ct-mix-1"
        revisions = CatalogRevision.objects.count()
        response = self._post(
            client,
            ahec,
            courses=form.initial["courses"],
            code=form.initial["code"],
            price="54.50",  # edited before creating
        )
        assert response.status_code == 302
        package = Package.objects.get(provider=ahec, code="ahec-ct-mix-1")
        assert package.price == Decimal("54.50")
        assert sorted(package.courses.values_list("code", flat=True)) == [
            "a-chest",
            "a-dose",
            "a-form",
        ]
        assert CatalogRevision.objects.count() == revisions + 1
        # The next suggestion proposes a fresh code and says the package exists.
        again = client.get(reverse("insights:suggestion", args=[ahec.pk]) + "?discipline=CT")
        assert again.context["form"].initial["code"] == "ahec-ct-mix-2"
        assert again.context["suggestion"].existing == ["ahec-ct-mix-1"]
        assert "You already sell exactly these courses as ahec-ct-mix-1" in again.content.decode()

    def test_it_refuses_a_code_already_used_and_writes_nothing(
        self, client: Client, alice: Any, ahec: Provider, market: None
    ) -> None:
        client.force_login(alice)
        own = list(ahec.courses.filter(code="a-dose").values_list("id", flat=True))
        self._post(client, ahec, courses=own, code="taken", price="10")
        response = self._post(client, ahec, courses=own, code="taken", price="99")
        assert response.status_code == 200
        assert (
            'already has a package with code "taken"' in response.context["form"].errors["code"][0]
        )
        assert Package.objects.get(code="taken").price == Decimal("10.00")

    def test_it_refuses_another_providers_course_and_writes_nothing(
        self, client: Client, alice: Any, ahec: Provider, gage: Provider, market: None
    ) -> None:
        client.force_login(alice)
        theirs = gage.courses.get(code="g-all")
        response = self._post(client, ahec, courses=[theirs.pk], code="mix", price="1")
        assert response.status_code == 200
        assert response.context["form"].errors["courses"]
        assert not Package.objects.exists()

    def test_it_refuses_a_negative_price(
        self, client: Client, alice: Any, ahec: Provider, market: None
    ) -> None:
        client.force_login(alice)
        own = list(ahec.courses.values_list("id", flat=True)[:2])
        response = self._post(client, ahec, courses=own, code="mix", price="-1")
        assert response.context["form"].errors["price"]
        assert not Package.objects.exists()

    def test_the_imports_errors_are_put_on_the_form_field_they_are_about(
        self, client: Client, alice: Any, ahec: Provider, market: None
    ) -> None:
        client.force_login(alice)
        own = list(ahec.courses.values_list("id", flat=True)[:2])
        # The form takes any one-line title; the catalog import refuses a control character.
        response = self._post(client, ahec, courses=own, code="mix", price="1", title="Mix\u0007")
        assert response.status_code == 200
        assert response.context["form"].errors == {
            "title": ["contains a control character (\\u0007), which is not allowed"]
        }
        assert not Package.objects.exists()

    def test_the_service_keys_the_imports_errors_by_package_field(
        self, ahec: Provider, market: None
    ) -> None:
        own = list(ahec.courses.values_list("id", flat=True)[:2])
        with pytest.raises(ValidationError) as caught:
            package_create_from_courses(
                provider=ahec, course_ids=own, code="mix", title="x" * 301, price=Decimal("1")
            )
        assert caught.value.message_dict == {"title": ["is longer than 300 characters"]}
        assert not Package.objects.exists()


def test_the_coverage_counts_no_unshared_prescription(
    ahec: Provider, market: None, ct_outline: OutlineVersion
) -> None:
    assert Prescription.objects.filter(share_anonymously=False).count() == 4
    view = suggestion_for_provider(provider=ahec, discipline=ct_outline.discipline, today=today())
    assert view.prescriptions.value == 15
