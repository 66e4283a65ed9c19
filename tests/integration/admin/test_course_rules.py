"""The course change form enforces the shared course rules, with a message per mistake."""

from __future__ import annotations

import html
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import CatalogRevision, Course, OutlineVersion, Package, Provider
from catalog.rules import NOT_SOLD_WARNING
from tests.factories import CourseFactory, DistributionFactory, PackageFactory, make_outline
from tests.integration.admin.conftest import course_post, package_post, sub

pytestmark = pytest.mark.django_db

R_OUTLINE = {"Safety": ["Radiation Protection"], "Procedures": ["Extremity Procedures"]}


@pytest.fixture
def staff_client(client: Client, gage_staff: Any) -> Client:
    client.force_login(gage_staff)
    return client


def add(client: Client, data: dict[str, Any]) -> Any:
    return client.post(reverse("admin:catalog_course_add"), data)


def errors_of(response: Any) -> str:
    """Every error the admin page shows, as one string."""
    assert response.status_code == 200, "expected the form again, with errors"
    parts = [str(e) for e in response.context["errors"]]
    for formset in response.context["inline_admin_formsets"]:
        parts.extend(str(e) for e in formset.formset.non_form_errors())
    return html.unescape(" ".join(parts))


def new_course(gage: Provider, **fields: Any) -> dict[str, Any]:
    base = {"provider": gage.pk, "code": "gage-new", "title": "New", "price": "12.00"}
    return course_post(**{**base, **fields})


class TestDistributionRule:
    def test_it_rejects_a_distribution_above_the_ce_credits(
        self, staff_client: Client, gage: Provider, ct_outline: OutlineVersion
    ) -> None:
        rows = [
            (sub(ct_outline, "Image Formation").pk, "1.50"),
            (sub(ct_outline, "Neck and Chest").pk, "1.00"),
        ]
        response = add(staff_client, new_course(gage, ce_credits="2.00", rows=rows))
        message = errors_of(response)
        assert "gage-new" in message
        assert "distribution credits exceed the course's 2.00 CE credits (CT 2.50)" in message
        assert not Course.objects.filter(code="gage-new").exists()

    def test_it_checks_each_discipline_separately(
        self, staff_client: Client, gage: Provider, ct_outline: OutlineVersion
    ) -> None:
        r_outline = make_outline("R", "Radiography", R_OUTLINE)
        rows = [
            (sub(ct_outline, "Radiation Safety and Dose").pk, "1.50"),
            (sub(r_outline, "Radiation Protection").pk, "1.50"),
        ]
        response = add(staff_client, new_course(gage, ce_credits="2.00", rows=rows))
        assert response.status_code == 302
        course = Course.objects.get(code="gage-new")
        assert sum(r.credits for r in course.distribution.all()) == Decimal("3.00")

    def test_it_rejects_raising_a_row_above_the_ce_credits_on_change(
        self, staff_client: Client, gage_course: Course
    ) -> None:
        data = course_post(gage_course)
        data["distribution-0-credits"] = "2.25"
        response = staff_client.post(
            reverse("admin:catalog_course_change", args=[gage_course.pk]), data
        )
        assert "exceed the course's 2.00 CE credits (CT 2.25)" in errors_of(response)
        assert gage_course.distribution.get().credits == Decimal("1.00")

    def test_it_rejects_lowering_the_ce_credits_below_the_distribution(
        self, staff_client: Client, gage_course: Course
    ) -> None:
        data = course_post(gage_course, ce_credits="0.50")
        response = staff_client.post(
            reverse("admin:catalog_course_change", args=[gage_course.pk]), data
        )
        assert "exceed the course's 0.50 CE credits (CT 1.00)" in errors_of(response)
        gage_course.refresh_from_db()
        assert gage_course.ce_credits == Decimal("2.00")

    def test_a_row_being_deleted_does_not_count(
        self, staff_client: Client, gage_course: Course, ct_outline: OutlineVersion
    ) -> None:
        data = course_post(gage_course, rows=[(sub(ct_outline, "Image Formation").pk, "2.00")])
        data["distribution-0-DELETE"] = "on"
        response = staff_client.post(
            reverse("admin:catalog_course_change", args=[gage_course.pk]), data
        )
        assert response.status_code == 302
        assert [r.subcategory.name for r in gage_course.distribution.all()] == ["Image Formation"]

    def test_it_rejects_zero_credits_in_a_row(
        self, staff_client: Client, gage: Provider, ct_outline: OutlineVersion
    ) -> None:
        rows = [(sub(ct_outline, "Image Formation").pk, "0")]
        response = add(staff_client, new_course(gage, rows=rows))
        assert response.status_code == 200
        formset = response.context["inline_admin_formsets"][0].formset
        assert "CQR credits must be greater than 0." in str(formset.errors)
        assert not Course.objects.filter(code="gage-new").exists()

    def test_it_rejects_the_same_subcategory_twice(
        self, staff_client: Client, gage: Provider, ct_outline: OutlineVersion
    ) -> None:
        pk = sub(ct_outline, "Image Formation").pk
        response = add(staff_client, new_course(gage, rows=[(pk, "0.50"), (pk, "0.50")]))
        assert response.status_code == 200
        assert not Course.objects.filter(code="gage-new").exists()


class TestEventDateAndPriceRules:
    def test_it_rejects_an_event_date_on_an_online_course(
        self, staff_client: Client, gage: Provider
    ) -> None:
        response = add(staff_client, new_course(gage, format="online", event_date="2027-03-01"))
        assert (
            "Course gage-new: an event date is only allowed for webinar or live courses, "
            "not 'online'." in errors_of(response)
        )
        assert not Course.objects.filter(code="gage-new").exists()

    def test_it_accepts_an_event_date_on_a_webinar(
        self, staff_client: Client, gage: Provider
    ) -> None:
        response = add(staff_client, new_course(gage, format="webinar", event_date="2027-03-01"))
        assert response.status_code == 302
        assert Course.objects.get(code="gage-new").event_date == date(2027, 3, 1)

    def test_it_accepts_an_empty_price_for_a_course_in_no_package_with_a_warning(
        self, staff_client: Client, gage: Provider
    ) -> None:
        response = add(staff_client, new_course(gage, price=""))
        assert response.status_code == 302
        assert Course.objects.get(code="gage-new").price is None
        warnings = [
            str(m) for m in get_messages(response.wsgi_request) if m.level == messages.WARNING
        ]
        assert warnings == [f"Course gage-new: {NOT_SOLD_WARNING}."]

    def test_it_accepts_an_empty_price_for_a_course_sold_in_a_package(
        self, staff_client: Client, gage_course: Course
    ) -> None:
        cast(Package, PackageFactory(provider=gage_course.provider)).items.create(
            course=gage_course
        )
        data = course_post(gage_course, price="")
        response = staff_client.post(
            reverse("admin:catalog_course_change", args=[gage_course.pk]), data
        )
        assert response.status_code == 302
        gage_course.refresh_from_db()
        assert gage_course.price is None
        levels = [m.level for m in get_messages(response.wsgi_request)]
        assert messages.WARNING not in levels  # a package sells it: nothing to warn about

    def test_it_rejects_a_negative_price(self, staff_client: Client, gage: Provider) -> None:
        response = add(staff_client, new_course(gage, price="-1.00"))
        assert "The price cannot be negative." in errors_of(response)

    def test_it_rejects_zero_ce_credits(self, staff_client: Client, gage: Provider) -> None:
        response = add(staff_client, new_course(gage, ce_credits="0"))
        assert "CE credits must be greater than 0." in errors_of(response)

    def test_empty_hours_default_to_fifty_minutes_per_credit(
        self, staff_client: Client, gage: Provider
    ) -> None:
        response = add(staff_client, new_course(gage, ce_credits="3.00", hours=""))
        assert response.status_code == 302
        assert Course.objects.get(code="gage-new").hours == Decimal("2.50")


class TestChangeForm:
    def test_the_subcategory_picker_groups_current_subcategories_by_discipline(
        self, staff_client: Client, ct_outline: OutlineVersion
    ) -> None:
        make_outline("R", "Radiography", R_OUTLINE)
        old = OutlineVersion.objects.create(
            discipline=ct_outline.discipline, version="2016", is_current=False
        )
        major = old.majors.create(name="Patient Care")
        old.subcategories.create(major=major, name="Contrast Administration")

        html = staff_client.get(reverse("admin:catalog_course_add")).content.decode()
        assert '<optgroup label="CT – Computed Tomography">' in html
        assert '<optgroup label="R – Radiography">' in html
        assert "Safety: Radiation Safety and Dose" in html
        assert "Contrast Administration" not in html

    def test_a_row_naming_an_older_outline_version_stays_editable(
        self, staff_client: Client, gage_course: Course, ct_outline: OutlineVersion
    ) -> None:
        old = OutlineVersion.objects.create(
            discipline=ct_outline.discipline, version="2016", is_current=False
        )
        major = old.majors.create(name="Patient Care")
        legacy = old.subcategories.create(major=major, name="Contrast Administration")
        DistributionFactory(course=gage_course, subcategory=legacy, credits="0.50")
        url = reverse("admin:catalog_course_change", args=[gage_course.pk])
        assert "Contrast Administration" in staff_client.get(url).content.decode()
        response = staff_client.post(url, course_post(gage_course, title="Renamed"))
        assert response.status_code == 302
        assert gage_course.distribution.count() == 2

    def test_saving_a_course_records_a_catalog_revision(
        self, staff_client: Client, gage_course: Course
    ) -> None:
        before = CatalogRevision.objects.count()
        url = reverse("admin:catalog_course_change", args=[gage_course.pk])
        assert staff_client.post(url, course_post(gage_course, title="Renamed")).status_code == 302
        revision = CatalogRevision.objects.order_by("-id").first()
        assert CatalogRevision.objects.count() == before + 1
        assert revision is not None and "gage-ct-neck" in revision.reason
        assert list(revision.providers.values_list("code", flat=True)) == ["gage"]


class TestCourseList:
    def test_it_shows_ce_credits_next_to_the_distribution_per_discipline(
        self, staff_client: Client, gage_course: Course
    ) -> None:
        r_outline = make_outline("R", "Radiography", R_OUTLINE)
        DistributionFactory(
            course=gage_course, subcategory=sub(r_outline, "Radiation Protection"), credits="0.5"
        )
        html = staff_client.get(reverse("admin:catalog_course_changelist")).content.decode()
        assert "CT 1.00; R 0.50" in html
        assert "2.00" in html

    def test_it_says_package_only_for_a_course_without_a_price(
        self, staff_client: Client, gage: Provider
    ) -> None:
        CourseFactory(provider=gage, price=None)
        html = staff_client.get(reverse("admin:catalog_course_changelist")).content.decode()
        assert "package only" in html

    def test_the_list_costs_a_bounded_number_of_queries(
        self,
        staff_client: Client,
        gage: Provider,
        ct_outline: OutlineVersion,
        django_assert_max_num_queries: Any,
    ) -> None:
        for _ in range(30):
            course = CourseFactory(provider=gage)
            DistributionFactory(course=course, subcategory=sub(ct_outline, "Neck and Chest"))
        with django_assert_max_num_queries(16):
            staff_client.get(reverse("admin:catalog_course_changelist"))

    def test_it_filters_by_discipline_subcategory_and_expiry(
        self, staff_client: Client, gage: Provider, ct_outline: OutlineVersion
    ) -> None:
        r_outline = make_outline("R", "Radiography", R_OUTLINE)
        today = timezone.localdate()
        ct = CourseFactory(
            provider=gage, title="Only CT", approval_expires=today.replace(year=today.year + 2)
        )
        DistributionFactory(course=ct, subcategory=sub(ct_outline, "Neck and Chest"))
        r = CourseFactory(
            provider=gage, title="Only R", approval_expires=today + timedelta(days=30)
        )
        DistributionFactory(course=r, subcategory=sub(r_outline, "Radiation Protection"))
        url = reverse("admin:catalog_course_changelist")

        def titles(params: dict[str, Any]) -> set[str]:
            result = staff_client.get(url, params).context["cl"].result_list
            return {c.title for c in result}

        assert titles({"discipline": "R"}) == {"Only R"}
        neck = sub(ct_outline, "Neck and Chest").pk
        assert titles({"subcategory": neck}) == {"Only CT"}
        assert titles({"approval": "soon"}) == {"Only R"}
        assert titles({"q": "Only CT"}) == {"Only CT"}


class TestPackageOnlyCourseLeavesItsLastPackage:
    def test_removing_it_is_saved_with_a_warning(
        self, staff_client: Client, gage_course: Course
    ) -> None:
        Course.objects.filter(pk=gage_course.pk).update(price=None)
        package = cast(Package, PackageFactory(provider=gage_course.provider))
        package.items.create(course=gage_course)
        data = {**package_post(package), "items-0-DELETE": "on"}
        url = reverse("admin:catalog_package_change", args=[package.pk])
        response = staff_client.post(url, data)
        assert response.status_code == 302
        assert not package.items.exists()
        warnings = [
            str(m) for m in get_messages(response.wsgi_request) if m.level == messages.WARNING
        ]
        assert warnings == [f"Course {gage_course.code}: {NOT_SOLD_WARNING}."]
