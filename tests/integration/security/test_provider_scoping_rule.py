"""One provider-scoping rule: the admin, the API and the insights dashboard use the same set."""

from __future__ import annotations

from typing import Any

from django.test import RequestFactory

from catalog.admin import staff_provider_ids
from catalog.selectors import provider_ids_for_staff, provider_list_for_staff
from insights.selectors.access import provider_list_for_insights
from tests.factories import MembershipFactory, ProviderFactory, UserFactory


def test_admin_api_and_insights_see_exactly_the_users_providers(db) -> None:
    user: Any = UserFactory(username="two-hats", is_staff=True)
    memberships: list[Any] = [
        MembershipFactory(user=user, provider=ProviderFactory()) for _ in range(2)
    ]
    mine = {m.provider_id for m in memberships}
    ProviderFactory()  # someone else's
    MembershipFactory(user=UserFactory(is_staff=True), provider=ProviderFactory())
    request: Any = RequestFactory().get("/admin/")
    request.user = user
    assert provider_ids_for_staff(user=user) == mine
    assert staff_provider_ids(request) == mine
    assert {p.pk for p in provider_list_for_staff(user=user)} == mine
    assert {p.pk for p in provider_list_for_insights(user=user)} == mine


def test_anonymous_and_membership_less_users_scope_to_nothing(db) -> None:
    from django.contrib.auth.models import AnonymousUser

    ProviderFactory()
    assert provider_ids_for_staff(user=AnonymousUser()) == frozenset()
    assert provider_ids_for_staff(user=UserFactory(is_staff=True)) == frozenset()
    assert not provider_list_for_insights(user=AnonymousUser()).exists()


def test_a_member_without_staff_status_scopes_to_nothing_everywhere(db) -> None:
    user: Any = UserFactory(is_staff=False)
    MembershipFactory(user=user, provider=ProviderFactory())
    request: Any = RequestFactory().get("/admin/")
    request.user = user
    assert provider_ids_for_staff(user=user) == frozenset()
    assert staff_provider_ids(request) == frozenset()
    assert not provider_list_for_insights(user=user).exists()
