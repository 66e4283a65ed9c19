"""Provider staff manage only their own provider's courses and packages in the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Course, Package, Provider
from tests.integration.admin.conftest import course_post, package_post, sub

pytestmark = pytest.mark.django_db


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def change_url(obj: Course | Package) -> str:
    return reverse(f"admin:catalog_{obj._meta.model_name}_change", args=[obj.pk])


def delete_url(obj: Course | Package) -> str:
    return reverse(f"admin:catalog_{obj._meta.model_name}_delete", args=[obj.pk])


def assert_not_served(response: Any, obj: Course | Package) -> None:
    """A 403/404, or the admin's "doesn't exist" redirect: never the object's page."""
    assert response.status_code in {302, 403, 404}
    if response.status_code == 302:
        assert response["Location"] == reverse("admin:index")
    assert obj.title not in response.content.decode()


class TestCourseScoping:
    def test_it_lists_only_the_staff_members_own_courses(
        self, client: Client, gage_staff: Any, gage_course: Course, ahec_course: Course
    ) -> None:
        response = login(client, gage_staff).get(reverse("admin:catalog_course_changelist"))
        assert response.status_code == 200
        assert gage_course.title in response.content.decode()
        assert ahec_course.title not in response.content.decode()
        assert ahec_course.code not in response.content.decode()

    def test_it_does_not_serve_another_providers_course_change_page(
        self, client: Client, gage_staff: Any, ahec_course: Course
    ) -> None:
        response = login(client, gage_staff).get(change_url(ahec_course))
        assert_not_served(response, ahec_course)
        followed = client.get(change_url(ahec_course), follow=True)
        assert "doesn’t exist" in followed.content.decode()

    def test_a_post_to_another_providers_course_changes_nothing(
        self, client: Client, gage_staff: Any, ahec_course: Course
    ) -> None:
        data = course_post(ahec_course, title="Hijacked", price="0.00")
        response = login(client, gage_staff).post(change_url(ahec_course), data)
        assert_not_served(response, ahec_course)
        ahec_course.refresh_from_db()
        assert ahec_course.title == "AHEC Dose Secrets"
        assert ahec_course.price is not None and ahec_course.price > 0

    def test_it_refuses_to_delete_another_providers_course(
        self, client: Client, gage_staff: Any, ahec_course: Course
    ) -> None:
        login(client, gage_staff)
        assert_not_served(client.get(delete_url(ahec_course)), ahec_course)
        assert_not_served(client.post(delete_url(ahec_course), {"post": "yes"}), ahec_course)
        assert Course.objects.filter(pk=ahec_course.pk).exists()

    def test_the_bulk_delete_action_cannot_reach_another_providers_course(
        self, client: Client, gage_staff: Any, gage_course: Course, ahec_course: Course
    ) -> None:
        data = {
            "action": "delete_selected",
            "_selected_action": [ahec_course.pk],
            "post": "yes",
        }
        login(client, gage_staff).post(reverse("admin:catalog_course_changelist"), data)
        assert Course.objects.filter(pk=ahec_course.pk).exists()

    def test_it_does_not_serve_another_providers_course_history(
        self, client: Client, gage_staff: Any, ahec_course: Course
    ) -> None:
        url = reverse("admin:catalog_course_history", args=[ahec_course.pk])
        assert_not_served(login(client, gage_staff).get(url), ahec_course)

    def test_staff_cannot_move_their_own_course_to_another_provider(
        self, client: Client, gage_staff: Any, gage_course: Course, ahec: Provider
    ) -> None:
        data = course_post(gage_course, provider=ahec.pk)
        response = login(client, gage_staff).post(change_url(gage_course), data)
        assert response.status_code == 200  # the form again, with the error
        assert "Select a valid choice" in response.content.decode()
        gage_course.refresh_from_db()
        assert gage_course.provider_code_label == "gage"

    def test_even_a_superuser_cannot_move_a_course_between_providers(
        self, client: Client, superuser: Any, gage_course: Course, ahec: Provider
    ) -> None:
        data = course_post(gage_course, provider=ahec.pk)
        response = login(client, superuser).post(change_url(gage_course), data)
        assert response.status_code == 200
        assert "cannot be moved to another provider" in response.content.decode()
        gage_course.refresh_from_db()
        assert gage_course.provider_code_label == "gage"

    def test_staff_cannot_add_a_course_for_another_provider(
        self, client: Client, gage_staff: Any, ahec: Provider, ct_outline: Any
    ) -> None:
        data = course_post(
            provider=ahec.pk,
            code="sneaky",
            title="Sneaky course",
            price="10.00",
            rows=[(sub(ct_outline, "Neck and Chest").pk, "1.00")],
        )
        response = login(client, gage_staff).post(reverse("admin:catalog_course_add"), data)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert not Course.objects.filter(code="sneaky").exists()

    def test_the_add_form_offers_and_preselects_only_the_staff_members_provider(
        self, client: Client, gage_staff: Any, ahec: Provider, gage: Provider
    ) -> None:
        response = login(client, gage_staff).get(reverse("admin:catalog_course_add"))
        field = response.context["adminform"].form.fields["provider"]
        assert list(field.queryset) == [gage]
        assert response.context["adminform"].form.initial["provider"] == gage.pk

    def test_staff_can_add_a_course_for_their_own_provider(
        self, client: Client, gage_staff: Any, gage: Provider, ct_outline: Any
    ) -> None:
        data = course_post(
            provider=gage.pk,
            code="gage-new",
            title="Gage New Course",
            price="15.00",
            ce_credits="2",
            rows=[(sub(ct_outline, "Image Formation").pk, "1.25")],
        )
        response = login(client, gage_staff).post(reverse("admin:catalog_course_add"), data)
        assert response.status_code == 302, response.context["errors"]
        course = Course.objects.get(code="gage-new")
        assert course.provider == gage
        assert [str(r.credits) for r in course.distribution.all()] == ["1.25"]


class TestPackageScoping:
    def test_it_lists_only_the_staff_members_own_packages(
        self, client: Client, gage_staff: Any, ahec_package: Package
    ) -> None:
        response = login(client, gage_staff).get(reverse("admin:catalog_package_changelist"))
        assert response.status_code == 200
        assert ahec_package.title not in response.content.decode()

    def test_it_does_not_serve_another_providers_package(
        self, client: Client, gage_staff: Any, ahec_package: Package
    ) -> None:
        assert_not_served(login(client, gage_staff).get(change_url(ahec_package)), ahec_package)

    def test_a_post_to_another_providers_package_changes_nothing(
        self, client: Client, gage_staff: Any, ahec_package: Package
    ) -> None:
        data = package_post(ahec_package, price="0.00", title="Hijacked")
        response = login(client, gage_staff).post(change_url(ahec_package), data)
        assert_not_served(response, ahec_package)
        ahec_package.refresh_from_db()
        assert ahec_package.title == "AHEC Secret Pack"

    def test_it_refuses_to_delete_another_providers_package(
        self, client: Client, gage_staff: Any, ahec_package: Package
    ) -> None:
        login(client, gage_staff)
        assert_not_served(client.post(delete_url(ahec_package), {"post": "yes"}), ahec_package)
        assert Package.objects.filter(pk=ahec_package.pk).exists()

    def test_the_member_picker_offers_only_the_staff_members_courses(
        self, client: Client, gage_staff: Any, gage_course: Course, ahec_course: Course
    ) -> None:
        response = login(client, gage_staff).get(reverse("admin:catalog_package_add"))
        formset = response.context["inline_admin_formsets"][0].formset
        assert list(formset.forms[0].fields["course"].queryset) == [gage_course]

    def test_staff_cannot_put_another_providers_course_in_their_package(
        self, client: Client, gage_staff: Any, gage: Provider, ahec_course: Course
    ) -> None:
        data = package_post(provider=gage.pk, code="gage-pack", title="G", courses=[ahec_course])
        response = login(client, gage_staff).post(reverse("admin:catalog_package_add"), data)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert not Package.objects.filter(code="gage-pack").exists()

    def test_a_superuser_cannot_mix_providers_in_one_package(
        self, client: Client, superuser: Any, gage: Provider, ahec_course: Course
    ) -> None:
        data = package_post(provider=gage.pk, code="gage-pack", title="G", courses=[ahec_course])
        response = login(client, superuser).post(reverse("admin:catalog_package_add"), data)
        assert response.status_code == 200
        assert "ahec-ct-dose belongs to" in response.content.decode()
        assert not Package.objects.filter(code="gage-pack").exists()


class TestWhoGetsIn:
    def test_a_superuser_sees_every_providers_courses(
        self, client: Client, superuser: Any, gage_course: Course, ahec_course: Course
    ) -> None:
        response = login(client, superuser).get(reverse("admin:catalog_course_changelist"))
        content = response.content.decode()
        assert gage_course.title in content and ahec_course.title in content
        assert login(client, superuser).get(change_url(ahec_course)).status_code == 200

    def test_a_technologist_is_sent_to_the_admin_login(self, client: Client, bob: Any) -> None:
        for url in (reverse("admin:catalog_course_changelist"), reverse("admin:index")):
            response = login(client, bob).get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))

    def test_staff_without_a_membership_can_add_nothing(self, client: Client, db: None) -> None:
        from catalog.services import staff_grant_catalog_permissions
        from tests.factories import UserFactory

        loner: Any = UserFactory(username="loner")
        staff_grant_catalog_permissions(user=loner)
        response = login(client, loner).get(reverse("admin:catalog_course_add"))
        assert response.status_code == 403

    def test_provider_staff_cannot_open_prescriptions_or_outline_editing(
        self, client: Client, gage_staff: Any
    ) -> None:
        login(client, gage_staff)
        assert client.get(reverse("admin:prescriptions_prescription_changelist")).status_code == 403
        assert client.get(reverse("admin:catalog_provider_changelist")).status_code == 403
        assert client.get(reverse("admin:catalog_outlineversion_changelist")).status_code == 403
