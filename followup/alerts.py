"""The cheaper-plan alert (filled in below)."""

from __future__ import annotations

from typing import Any


def alert_after_run(*, run: Any) -> None:
    return None
