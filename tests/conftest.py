"""Shared fixtures: named personas and a small CT catalog."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection

from catalog.models import OutlineVersion
from tests.factories import (
    CourseFactory,
    DistributionFactory,
    MembershipFactory,
    ProviderFactory,
    UserFactory,
    make_outline,
)

# Playwright's sync API runs an event loop in the test thread; the ORM must still work there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Debian's chromium-headless-shell (what `make test` installs: chromium's old headless
# mode, a third less CPU per test than the full browser), else the full chromium;
# CHROMIUM_PATH picks another (e.g. the full one for `--headed`).
CHROMIUM = os.environ.get("CHROMIUM_PATH") or next(
    (
        path
        for path in ("/usr/lib/chromium/chromium-headless-shell", "/usr/lib/chromium/chromium")
        if os.path.exists(path)
    ),
    shutil.which("chromium") or "/usr/bin/chromium",
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Extends pytest-django's: before the test database is dropped, end the sessions that
    server and worker threads (live_server, the in-process Celery worker) left open, which
    PostgreSQL would otherwise refuse to drop ("being accessed by other users")."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(scope="session", autouse=True)
def _fast_flush() -> Iterator[None]:
    """Transactional tests (live server, races, the real Celery worker) end with Django's
    flush, which on PostgreSQL TRUNCATEs all 55 tables: about a second per test here (every
    table gets a new file, synced at commit), some 50 s of the suite. Those tests leave a
    few rows behind, and DELETE in the flush's one transaction empties them in
    milliseconds, to the same end state: Django creates every foreign key DEFERRABLE
    INITIALLY DEFERRED (so the order does not matter; tests/integration/suite pins that),
    and the flush resets no sequence either way."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def flush_by_delete(
        self: Any, style: Any, tables: Any, *, reset_sequences: bool = False, **options: Any
    ) -> list[str]:
        if reset_sequences:  # no test asks for it; keep Django's statement rather than guess
            return truncate(self, style, tables, reset_sequences=True, **options)
        # Table names come from Django's introspection, quoted; no input reaches this.
        return [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608

    with mock.patch.object(DatabaseOperations, "sql_flush", flush_by_delete):
        yield


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Cached counts (catalog pages), throttles and fragments never leak between tests."""
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path_factory: Any) -> None:
    """Uploaded files (certificates) go to a temporary folder, never the checkout."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture
def ct_outline(db: None) -> OutlineVersion:
    return make_outline()


@pytest.fixture
def alice(db: None):  # provider staff of provider "ahec"
    membership = MembershipFactory(
        user=UserFactory(username="alice", is_staff=True),
        provider=ProviderFactory(code="ahec", name="Advanced Health Education Center"),
    )
    return membership.user


@pytest.fixture
def bob(db: None):  # a technologist
    return UserFactory(username="bob")


@pytest.fixture
def charlie(db: None):  # staff of another provider, "gage"
    membership = MembershipFactory(
        user=UserFactory(username="charlie", is_staff=True),
        provider=ProviderFactory(code="gage", name="Gage CE"),
    )
    return membership.user


@pytest.fixture
def ct_course(ct_outline: OutlineVersion):
    """A CT course with 1.5 CQR credits in Radiation Safety and Dose out of 2 CE credits."""
    course = CourseFactory(code="ahec-ct-dose", provider=ProviderFactory(code="ahec"))
    DistributionFactory(
        course=course,
        subcategory=ct_outline.subcategories.get(name="Radiation Safety and Dose"),
        credits=Decimal("1.50"),
    )
    return course
