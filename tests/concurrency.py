"""Two database sessions at once, for the race tests: a thread that holds a transaction
open (its locks) until told to finish, and a thread running the contested call."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row and advisory locks are PostgreSQL's; SQLite has one writer anyway")


class InThread:
    """Run `call` in a thread with its own connection; `result`/`error` when joined."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self.result = call()
        except BaseException as exc:
            self.error = exc
        finally:
            connections.close_all()

    def join(self) -> InThread:
        self._thread.join(timeout=60)
        assert not self._thread.is_alive(), "the thread did not finish"
        return self


class HeldTransaction:
    """A transaction in another thread that runs `setup` (taking its locks) and stays
    open until `finish()`; then it commits."""

    def __init__(self, setup: Callable[[], Any]) -> None:
        self._ready = threading.Event()
        self._release = threading.Event()

        def hold() -> Any:
            with transaction.atomic():
                value = setup()
                self._ready.set()
                self._release.wait(timeout=60)
            return value

        self._thread = InThread(hold)
        if not self._ready.wait(timeout=60):
            self._thread.join()
            raise AssertionError(f"the holding transaction failed: {self._thread.error!r}")

    def finish(self) -> Any:
        self._release.set()
        self._thread.join()
        if self._thread.error is not None:
            raise self._thread.error
        return self._thread.result


def wait_until_a_session_waits_for_a_lock() -> None:
    """Block until some other session of this database waits on a lock (the contested
    call has reached the lock the held transaction has)."""
    deadline = time.monotonic() + 30
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("no session started waiting for the lock")
