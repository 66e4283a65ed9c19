"""Matching's answers to catalog signals: a catalog revision marks affected runs stale."""

from __future__ import annotations

from typing import Any

from catalog.models import CatalogRevision
from matching.services import staleness


def mark_runs_stale(sender: Any, *, revision: CatalogRevision, **kwargs: Any) -> None:
    staleness.run_mark_stale_after_catalog_change(revision=revision)
