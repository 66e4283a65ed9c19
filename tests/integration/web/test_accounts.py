"""Sign-up, profile and password reset pages."""

from __future__ import annotations

from typing import cast

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.models import Profile
from catalog.models import OutlineVersion
from tests.factories import DisciplineFactory, OutlineVersionFactory

pytestmark = pytest.mark.django_db


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "username": "dana",
        "email": "dana@example.org",
        "password1": "a-long-passphrase-42",
        "password2": "a-long-passphrase-42",
    }
    data.update(overrides)
    return data


class TestSignup:
    def test_it_creates_the_account_with_a_profile_and_logs_in(self, client):
        response = client.post(reverse("accounts:signup"), signup_data())
        assert response.status_code == 302
        assert response["Location"] == reverse("prescriptions:new")
        user = get_user_model().objects.get(username="dana")
        assert user.check_password("a-long-passphrase-42")
        assert Profile.objects.filter(user=user).exists()
        assert client.get(reverse("prescriptions:list")).status_code == 200

    def test_a_password_under_12_characters_is_refused(self, client):
        short = "pass-word-11"[:11]  # ASVS L1: at least 12
        response = client.post(
            reverse("accounts:signup"), signup_data(password1=short, password2=short)
        )
        assert "This password is too short. It must contain at least 12 characters." in (
            response.content.decode()
        )
        assert not get_user_model().objects.filter(username="dana").exists()
        twelve = "pass-word-12"
        response = client.post(
            reverse("accounts:signup"), signup_data(password1=twelve, password2=twelve)
        )
        assert response.status_code == 302

    def test_it_rejects_an_e_mail_already_used_and_creates_nothing(self, client, bob):
        response = client.post(reverse("accounts:signup"), signup_data(email="BOB@example.org"))
        assert response.status_code == 200
        assert "An account with this e-mail already exists" in response.content.decode()
        assert not get_user_model().objects.filter(username="dana").exists()

    def test_it_shows_mismatched_passwords_inline_and_in_the_summary(self, client):
        response = client.post(reverse("accounts:signup"), signup_data(password2="other-pass-99"))
        html = response.content.decode()
        assert 'role="alert"' in html
        assert 'href="#id_password2"' in html
        assert 'aria-invalid="true"' in html
        assert 'id="id_password2_error"' in html

    def test_it_follows_a_safe_next_url_only(self, client):
        response = client.post(
            reverse("accounts:signup"), signup_data(next="https://evil.example.com/")
        )
        assert response["Location"] == reverse("prescriptions:new")


class TestProfile:
    def test_it_requires_login(self, client):
        response = client.get(reverse("accounts:profile"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_it_saves_name_arrt_id_and_disciplines(self, client, bob):
        outline = cast(
            OutlineVersion, OutlineVersionFactory(discipline=DisciplineFactory(code="CT"))
        )
        ct = outline.discipline
        client.force_login(bob)
        response = client.post(
            reverse("accounts:profile"),
            {"full_name": "Bob Tech", "arrt_id": "123456", "disciplines": [ct.pk]},
        )
        assert response.status_code == 302
        profile = Profile.objects.get(user=bob)
        assert (profile.full_name, profile.arrt_id) == ("Bob Tech", "123456")
        assert list(profile.disciplines.all()) == [ct]

    def test_it_rejects_an_arrt_id_with_letters(self, client, bob):
        client.force_login(bob)
        response = client.post(reverse("accounts:profile"), {"arrt_id": "AB12"})
        assert response.status_code == 200
        assert "An ARRT ID has digits only" in response.content.decode()
        assert not Profile.objects.filter(user=bob, arrt_id="AB12").exists()


def test_password_reset_sends_a_link_by_e_mail(client, bob):
    response = client.post(reverse("password_reset"), {"email": "bob@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
    assert mail.outbox[0].subject == "Reset your CQR Planner password"
