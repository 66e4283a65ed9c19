"""PostgreSQL advisory locks held until the end of the current transaction.

Used where two requests doing the same job at once would collide on unique rows (two
imports of one provider's catalog). On other databases (SQLite in `make run`, which
allows one writer at a time anyway) taking the lock does nothing.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from django.db import OperationalError, connection, transaction


class LockTimeout(Exception):
    """Another transaction held the lock for longer than the timeout."""


def _key(namespace: str, name: str) -> tuple[int, int]:
    """Two signed 32-bit keys: the namespace and the name (CRC-32; a collision only makes
    two names wait for each other)."""

    def signed(text: str) -> int:
        value = zlib.crc32(text.encode("utf-8", "surrogatepass"))
        return value - (1 << 32) if value >= 1 << 31 else value

    return signed(namespace), signed(name)


def advisory_xact_lock(namespace: str, names: Iterable[str], *, timeout_seconds: float) -> None:
    """Take `pg_advisory_xact_lock` for each name (in sorted order, so two callers never
    deadlock), waiting at most `timeout_seconds` in all before raising LockTimeout. Must be
    called inside a transaction; the locks are released when it ends."""
    if connection.vendor != "postgresql":
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("advisory_xact_lock needs a transaction (transaction.atomic)")
    keys = sorted({_key(namespace, name) for name in names})
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        previous = cursor.fetchone()[0]
        wait = f"{max(1, int(timeout_seconds * 1000))}ms"
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [wait])
        try:
            with transaction.atomic():  # a savepoint: a timeout leaves the transaction usable
                for classid, objid in keys:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [classid, objid])
        except OperationalError as exc:
            raise LockTimeout(str(exc)) from exc
        finally:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
