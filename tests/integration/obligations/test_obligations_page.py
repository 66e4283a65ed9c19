"""The obligations page: a technologist lists CQR windows and picks the biennium, a state
licence or MQSA from the templates; unconfirmed rules say "check with your board" with the
source; bad input names the field and changes nothing; another user's obligation is a 404."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from typing import Any, cast

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import profile_update
from catalog.models import Discipline
from obligations.models import Obligation, ObligationTemplate
from obligations.services import obligation_add, templates_load_file
from tests.factories import UserFactory, make_outline

pytestmark = pytest.mark.django_db
URL = "/obligations/"


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


def text(response: Any) -> str:
    html = unescape(response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def tech(db: None) -> User:
    templates_load_file()
    make_outline(code="M", name="Mammography", majors={"Procedures": ["Positioning"]})
    return cast(User, UserFactory(username="maria"))


@pytest.fixture
def client_tech(tech: User) -> Client:
    client = Client()
    client.force_login(tech)
    return client


def template(code: str) -> ObligationTemplate:
    return ObligationTemplate.objects.get(code=code)


def test_the_page_needs_a_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_cqr_window_and_a_state_licence_are_listed_with_rules_and_sources(
    client_tech: Client, tech: User
) -> None:
    mammo = Discipline.objects.get(code="M")
    response = client_tech.post(
        URL, {"action": "cqr", "cqr-discipline": mammo.pk, "cqr-ends_on": days(400).isoformat()}
    )
    assert response.status_code == 302
    tx = template("tx-mrt")
    response = client_tech.post(
        URL, {"action": "add", "add-template": tx.pk, "add-due_on": days(120).isoformat()}
    )
    assert response.status_code == 302
    page = text(client_tech.get(URL))
    due = days(120)
    assert "CQR compliance window (M)" in page
    assert f"Renewal date: {due:%b} {due.day}, {due.year}" in page
    assert "Texas MRT: 12 hours directly related to ionizing radiation" in page
    assert "Check with your board:" in page
    assert f'href="{tx.source}"' in client_tech.get(URL).content.decode()
    assert list(Obligation.objects.filter(owner=tech).values_list("kind", flat=True)) == [
        "state-licence",
        "cqr",
    ]


def test_mqsa_needs_the_mammography_credential(client_tech: Client, tech: User) -> None:
    mqsa = template("mqsa-continuing")
    data = {"action": "add", "add-template": mqsa.pk, "add-due_on": days(200).isoformat()}
    response = client_tech.post(URL, data)
    assert response.status_code == 400
    assert (
        "MQSA continuing education (mammographer) applies to holders of M; add the "
        "credential to your profile first." in text(response)
    )
    assert not Obligation.objects.exists()
    profile_update(
        user=tech, full_name="", arrt_id="", disciplines=[Discipline.objects.get(code="M")]
    )
    assert client_tech.post(URL, data).status_code == 302
    response = client_tech.post(URL, data)
    assert response.status_code == 400
    assert "is already in your list" in text(response)
    assert Obligation.objects.count() == 1


def test_bad_dates_name_the_field_and_change_nothing(client_tech: Client) -> None:
    mammo = Discipline.objects.get(code="M")
    response = client_tech.post(
        URL,
        {
            "action": "cqr",
            "cqr-discipline": mammo.pk,
            "cqr-starts_on": days(10).isoformat(),
            "cqr-ends_on": days(5).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "Window starts: The window starts" in text(response)
    response = client_tech.post(
        URL, {"action": "add", "add-template": template("tx-mrt").pk, "add-due_on": "2027-02-30"}
    )
    assert response.status_code == 400
    assert "Due date: Enter the due date as a date, e.g. 2027-06-30." in text(response)
    response = client_tech.post(
        URL,
        {
            "action": "add",
            "add-template": template("tx-mrt").pk,
            "add-due_on": days(-1).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "Due date: Texas Medical Radiologic Technologist (MRT) renewal was due on" in text(
        response
    )
    assert not Obligation.objects.exists()


def test_another_users_obligation_is_a_404(client_tech: Client, db: None) -> None:
    other = UserFactory(username="mallory")
    theirs = obligation_add(
        owner=other, template=template("tx-mrt"), due_on=days(60), credentials=set()
    )
    response = client_tech.post(reverse("obligations:delete", args=[theirs.pk]))
    assert response.status_code == 404
    assert Obligation.objects.filter(pk=theirs.pk).exists()
    assert 'class="obligation-card"' not in client_tech.get(URL).content.decode()


def test_an_obligation_planned_with_a_prescription_is_not_removed(
    client_tech: Client, tech: User
) -> None:
    from prescriptions.models import Prescription

    licence = obligation_add(
        owner=tech,
        template=template("fl-radiologic-technologist"),
        due_on=days(60),
        credentials=set(),
    )
    outline = Discipline.objects.get(code="M").outlines.get()
    prescription = Prescription.objects.create(
        owner=tech, outline=outline, title="M CQR", issued_on=days(-5), deadline=days(300)
    )
    prescription.obligations.add(licence)
    response = client_tech.post(reverse("obligations:delete", args=[licence.pk]), follow=True)
    assert "is planned with M CQR; take it out of that plan first." in text(response)
    assert Obligation.objects.filter(pk=licence.pk).exists()
    prescription.obligations.clear()
    client_tech.post(reverse("obligations:delete", args=[licence.pk]))
    assert not Obligation.objects.filter(pk=licence.pk).exists()
