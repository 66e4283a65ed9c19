"""Signals the catalog sends; apps above it subscribe, so catalog imports none of them."""

from django.dispatch import Signal

# Sent after a catalog change is recorded, with `revision` (a CatalogRevision) and
# `course_ids`/`package_ids`: frozensets of what the change wrote, or None when the change
# is not limited to them (see catalog.services.catalog_record_change).
catalog_revised = Signal()
