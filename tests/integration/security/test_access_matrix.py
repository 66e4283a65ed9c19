"""Cross-tenant access matrix, generated from the URL configuration.

Every URL pattern (HTML and API, admin aside: tests/integration/admin covers it) whose route
names an object (`<int:pk>`, `<int:prescription_id>`, ...) is requested by the object's owner and by
three others: anonymous, another technologist, and staff of another provider. The others
must be refused (401/403/404, or a redirect to the login page), the owner let in. A new
URL with an object kwarg is covered automatically, and a kwarg this module cannot map to
an owner's object fails the test until a mapping is added below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from plans.models import PlanItem
from plans.services import plan_item_mark_done
from tests.factories import UserFactory
from tests.integration.api import fuzzing

# URLs whose kwargs are not someone's object: public on purpose.
PUBLIC = {
    "password_reset_confirm",  # uidb64 + token: the token is the credential
    "api:course_detail",  # a course of the public catalog
    "followup:unsubscribe",  # a signed token: the link in an email works without login
    "followup:calendar_feed",  # a secret token: a calendar app fetches it without login
}

# kwarg -> who owns the object it names; the id comes from the fuzz world's sources.
# ("namespace", kwarg) wins over (None, kwarg), for generic names such as `pk`.
OWNERS: dict[tuple[str | None, str], str] = {
    ("prescriptions", "pk"): "technologist",
    (None, "prescription_id"): "technologist",
    (None, "bundle_id"): "technologist",
    (None, "item_id"): "technologist",
    (None, "run_id"): "technologist",
    (None, "course_id"): "provider_staff",
    (None, "package_id"): "provider_staff",
    (None, "provider_id"): "provider_staff",
    (None, "private_course_id"): "technologist",  # a course the technologist added
    (None, "obligation_id"): "technologist",  # a licence, biennium, MQSA of theirs
}
ID_SOURCE: dict[tuple[str | None, str], str] = {
    ("prescriptions", "pk"): "prescription_id"
}  # where else the id comes from
# Query strings a page needs to show the owner anything (sent by every role alike).
QUERY = {"insights:suggestion": "?discipline=CT"}


@dataclass(frozen=True)
class ObjectUrl:
    name: str  # "namespace:name"
    route: str
    kwargs: tuple[str, ...]

    @property
    def namespace(self) -> str | None:
        return self.name.split(":")[0] if ":" in self.name else None


def object_urls(patterns: list[Any] | None = None) -> list[ObjectUrl]:
    """Every named, non-admin URL pattern with kwargs, walking includes recursively."""
    found: list[ObjectUrl] = []

    def walk(items: list[Any], prefix: str, namespace: str | None) -> None:
        for item in items:
            route = prefix + str(item.pattern)
            if route.startswith("admin/"):
                continue
            if isinstance(item, URLResolver):
                inner = item.namespace or namespace
                if item.namespace and namespace:
                    inner = f"{namespace}:{item.namespace}"
                walk(item.url_patterns, route, inner)
            elif isinstance(item, URLPattern):
                kwargs = tuple(item.pattern.regex.groupindex)
                if kwargs and item.name:
                    name = f"{namespace}:{item.name}" if namespace else item.name
                    found.append(ObjectUrl(name=name, route=route, kwargs=kwargs))

    walk(patterns if patterns is not None else get_resolver().url_patterns, "", None)
    return found


def owner_of(url: ObjectUrl) -> str:
    owners = set()
    for kwarg in url.kwargs:
        owner = OWNERS.get((url.namespace, kwarg)) or OWNERS.get((None, kwarg))
        if owner is None:
            raise LookupError(
                f"{url.name} ({url.route}) has the object kwarg '{kwarg}' with no owner "
                "mapping in tests/integration/security/test_access_matrix.py OWNERS: add one "
                "(and an id source in tests/integration/api/fuzzing.py), or list the URL in "
                "PUBLIC if it is public."
            )
        owners.add(owner)
    assert len(owners) == 1, f"{url.name} mixes objects of different owners: {owners}"
    return owners.pop()


def matrix_urls() -> list[ObjectUrl]:
    return [url for url in object_urls() if url.name not in PUBLIC]


def refused(response: Any) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    login = resolve_url(settings.LOGIN_URL)
    return response.status_code == 302 and response["Location"].startswith(login)


def allowed(response: Any) -> bool:
    return (
        not refused(response)
        and response.status_code not in (405,)
        and (response.status_code < 500)
    )


@pytest.fixture
def world(ct_outline: Any, alice: Any, bob: Any, charlie: Any) -> fuzzing.World:
    world = fuzzing.build_world(alice=alice, bob=bob, charlie=charlie, outline=ct_outline)
    # The item URLs' first item is done with a certificate, so its download has a file
    # for the owner (prescriptions:item_certificate) and nobody else.
    item = PlanItem.objects.get(pk=world.id_sources["item_id"]()[0])
    plan_item_mark_done(
        item=item,
        done_on=item.plan.prescription.issued_on,
        certificate=SimpleUploadedFile("certificate.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    return world


@pytest.fixture
def clients(alice: Any, bob: Any, charlie: Any, db: None) -> dict[str, Client]:
    def signed_in(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    dave = UserFactory(username="dave")  # a technologist with nothing of his own
    return {
        "anonymous": Client(),
        "technologist": signed_in(bob),
        "provider_staff": signed_in(alice),
        "other_technologist": signed_in(dave),
        "bob_as_outsider": signed_in(bob),
        "other_provider_staff": signed_in(charlie),
    }


def outsiders(owner: str) -> dict[str, str]:
    """The three refused roles for an owner: role label -> client key."""
    return {
        "anonymous": "anonymous",
        "another technologist": (
            "other_technologist" if owner == "technologist" else "bob_as_outsider"
        ),
        "another provider's staff": "other_provider_staff",
    }


@transaction.atomic
def rolled_back(request: Callable[[], Any]) -> Any:
    """Make one request and undo what it wrote, so every check starts from the same world."""
    response = request()
    if getattr(response, "streaming", False):  # a file download: read it, so it is closed
        b"".join(response.streaming_content)
    transaction.set_rollback(True)
    return response


def test_every_object_url_refuses_others_and_lets_the_owner_in(
    world: fuzzing.World, clients: dict[str, Client]
) -> None:
    urls = matrix_urls()
    problems: list[str] = []
    checks = 0
    for url in urls:
        owner = owner_of(url)
        kwargs = {}
        for kwarg in url.kwargs:
            source = ID_SOURCE.get((url.namespace, kwarg), kwarg)
            ids = world.id_sources[source]()
            assert ids, f"the world has no object for {kwarg} ({url.name})"
            kwargs[kwarg] = ids[0]
        path = reverse(url.name, kwargs=kwargs) + QUERY.get(url.name, "")
        method = "get"
        first = rolled_back(lambda: clients[owner].get(path))  # noqa: B023
        if first.status_code == 405:
            method = "post"
        for role, key in outsiders(owner).items():
            response = rolled_back(lambda: getattr(clients[key], method)(path))  # noqa: B023
            checks += 1
            if not refused(response):
                problems.append(f"{method.upper()} {path} as {role}: {response.status_code}")
        response = rolled_back(lambda: getattr(clients[owner], method)(path))  # noqa: B023
        checks += 1
        if not allowed(response):
            problems.append(f"{method.upper()} {path} as its owner: {response.status_code}")
    print(f"\naccess matrix: {len(urls)} object URLs × 4 roles = {checks} checks")
    assert not problems, "\n".join(problems)
    assert checks == 4 * len(urls)
    # The HTML and API sides are both in it.
    assert any(u.name.startswith("api:") for u in urls)
    assert any(u.name.startswith("prescriptions:") for u in urls)


def test_a_url_with_an_unmapped_object_kwarg_fails_the_matrix() -> None:
    from django.urls import path

    def view(request: Any, widget_id: int) -> HttpResponse:  # pragma: no cover - never called
        raise AssertionError

    urls = object_urls([path("widgets/<int:widget_id>/", view, name="widget")])
    assert [u.kwargs for u in urls] == [("widget_id",)]
    with pytest.raises(LookupError, match="widget_id"):
        owner_of(urls[0])


def test_the_public_allow_list_only_names_existing_urls() -> None:
    names = {url.name for url in object_urls()}
    assert names >= PUBLIC


def iter_names() -> Iterator[str]:  # pragma: no cover - handy when debugging
    yield from (url.name for url in matrix_urls())
