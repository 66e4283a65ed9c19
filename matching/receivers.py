"""Matching's answers to catalog signals: a catalog revision marks affected runs stale."""

from __future__ import annotations

from typing import Any

from catalog.models import CatalogRevision
from matching.services import staleness
from obligations.models import ObligationTemplate, TemplateRequirement


def mark_runs_stale(
    sender: Any,
    *,
    revision: CatalogRevision,
    course_ids: frozenset[int] | None = None,
    package_ids: frozenset[int] | None = None,
    **kwargs: Any,
) -> None:
    staleness.run_mark_stale_after_catalog_change(
        revision=revision, course_ids=course_ids, package_ids=package_ids
    )


def mark_runs_stale_for_template(
    sender: Any, *, instance: ObligationTemplate | TemplateRequirement, **kwargs: Any
) -> None:
    """An obligation template or one of its requirements was saved or deleted (the admin,
    `load_obligation_templates --replace`): plans made with the old rule are stale."""
    template_id = instance.pk if isinstance(instance, ObligationTemplate) else instance.template_id
    if template_id is not None:
        staleness.run_mark_stale_for_template(template_id=template_id)
