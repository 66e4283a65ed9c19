"""django-axes: repeated wrong passwords lock a username out from that address; the test
client's login helpers keep working."""

from __future__ import annotations

from typing import Any

from django.test import Client

from prescriptions.models import Prescription


def login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_the_login_page_locks_out_after_repeated_failures(bob: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(2):
        assert login(client, "bob", "nope").status_code == 200  # the form with its error
    locked = login(client, "bob", "nope")
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()
    # The right password does not get in during the cool-off...
    assert login(client, "bob", "correct-horse-battery").status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_admin_login_shares_the_lockout(bob: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    login(client, "bob", "nope")
    login(client, "bob", "nope")
    response = client.post("/admin/login/", {"username": "bob", "password": "nope"})
    assert response.status_code == 429


def test_a_successful_login_resets_the_count(bob: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    login(client, "bob", "nope")
    login(client, "bob", "nope")
    assert login(client, "bob", "correct-horse-battery").status_code == 302
    client.logout()
    login(client, "bob", "nope")
    login(client, "bob", "nope")
    assert login(client, "bob", "correct-horse-battery").status_code == 302


def test_the_test_clients_login_helpers_still_work(bob: Any) -> None:
    client = Client()
    assert client.login(username="bob", password="correct-horse-battery")
    assert client.get("/prescriptions/").status_code == 200
    other = Client()
    other.force_login(bob)
    assert other.get("/prescriptions/").status_code == 200
    assert not Client().login(username="bob", password="wrong")
    assert Prescription.objects.count() == 0


def test_many_usernames_from_one_address_lock_the_address_out(bob: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3  # per username and address
    settings.CQR_LOGIN_IP_FAILURE_LIMIT = 4  # per address, over every username
    sprayer = Client(REMOTE_ADDR="203.0.113.7")
    for name in ("ann", "ben", "cat"):
        assert login(sprayer, name, "guess").status_code == 200  # one try each
    locked = login(sprayer, "dan", "guess")
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()
    # Even a right password from that address waits for the cool-off...
    assert login(sprayer, "bob", "correct-horse-battery").status_code == 429
    # ...while the same user elsewhere logs in.
    elsewhere = Client(REMOTE_ADDR="198.51.100.2")
    assert login(elsewhere, "bob", "correct-horse-battery").status_code == 302


def test_a_successful_login_takes_its_failures_off_the_address_count(
    bob: Any, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 10
    settings.CQR_LOGIN_IP_FAILURE_LIMIT = 4
    office = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        login(office, "bob", "typo")
    assert login(office, "bob", "correct-horse-battery").status_code == 302
    office.logout()
    for name in ("ann", "ben", "cat"):  # 3 failures: the address is at 3 of 4, not 6
        assert login(office, name, "guess").status_code == 200
    assert login(office, "bob", "correct-horse-battery").status_code == 302


def test_failed_logins_write_no_database_row(bob: Any) -> None:
    from axes.models import AccessAttempt

    login(Client(), "bob", "nope")
    assert AccessAttempt.objects.count() == 0  # the counters are in the cache
