"""The signed-in user's row and the session come from the shared cache
(accounts.auth_backends.CachedModelBackend, SESSION_ENGINE cached_db): no query for them
on a repeated request, never another user's row, and a change to the user (password,
deactivation, deletion) takes effect on the next request."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.auth_backends import CachedModelBackend, user_cache_key
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def user_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if '"auth_user"' in q["sql"]]


def session_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if '"django_session"' in q["sql"]]


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_repeated_request_reads_neither_the_session_nor_the_user_from_the_database(
    bob: Any,
) -> None:
    client = signed_in(bob)
    client.get(reverse("prescriptions:list"))
    with CaptureQueriesContext(connection) as again:
        assert client.get(reverse("prescriptions:list")).status_code == 200
    assert user_queries(again) == []
    assert session_queries(again) == []


def test_each_user_gets_their_own_row_from_the_cache() -> None:
    dana: Any = UserFactory(username="dana")
    erin: Any = UserFactory(username="erin")
    backend = CachedModelBackend()
    assert backend.get_user(dana.pk).username == "dana"  # fills dana's entry
    assert backend.get_user(erin.pk).username == "erin"
    with CaptureQueriesContext(connection) as cached:
        assert (backend.get_user(dana.pk).username, backend.get_user(erin.pk).username) == (
            "dana",
            "erin",
        )
    assert cached.captured_queries == []
    dana_client, erin_client = signed_in(dana), signed_in(erin)
    for _ in range(2):  # the second time both rows come from the cache
        assert signed_in_as(dana_client) == "dana"
        assert signed_in_as(erin_client) == "erin"


def signed_in_as(client: Client) -> str:
    page = client.get(reverse("prescriptions:list")).content.decode()
    return page.split("Signed in as ", 1)[1].split("<strong>", 1)[1].split("</strong>", 1)[0]


def test_a_deactivated_user_is_signed_out_on_the_next_request(bob: Any) -> None:
    client = signed_in(bob)
    assert client.get(reverse("prescriptions:list")).status_code == 200
    assert cache.get(user_cache_key(bob.pk)) is not None
    bob.is_active = False
    bob.save()
    assert cache.get(user_cache_key(bob.pk)) is None
    response = client.get(reverse("prescriptions:list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_password_change_signs_out_the_other_sessions(bob: Any) -> None:
    other = signed_in(bob)
    assert other.get(reverse("prescriptions:list")).status_code == 200
    user = get_user_model().objects.get(pk=bob.pk)
    user.set_password("another-long-passphrase-7")
    user.save()
    response = other.get(reverse("prescriptions:list"))
    assert response.status_code == 302


def test_a_deleted_user_is_signed_out(bob: Any) -> None:
    client = signed_in(bob)
    assert client.get(reverse("prescriptions:list")).status_code == 200
    get_user_model().objects.filter(pk=bob.pk).delete()
    assert client.get(reverse("prescriptions:list")).status_code == 302


def test_a_change_committed_by_another_process_cannot_leave_the_old_row_cached(
    bob: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A request that read the old row while the change was being committed may have put
    it back in the cache; the delete after commit takes it out again."""
    backend = CachedModelBackend()
    with django_capture_on_commit_callbacks(execute=True):
        bob.first_name = "Robert"
        bob.save()
        stale = get_user_model().objects.get(pk=bob.pk)
        stale.first_name = "Bob (old)"
        names = [f.attname for f in get_user_model()._meta.concrete_fields]
        cache.set(user_cache_key(bob.pk), [getattr(stale, n) for n in names])
    assert backend.get_user(bob.pk).first_name == "Robert"


def test_a_cache_entry_of_another_shape_is_ignored(bob: Any) -> None:
    cache.set(user_cache_key(bob.pk), ["not", "a", "row"])
    assert CachedModelBackend().get_user(bob.pk).username == "bob"
