"""Signals the catalog sends; apps above it subscribe, so catalog imports none of them."""

from django.dispatch import Signal

# Sent after a catalog change is recorded, with `revision` (a CatalogRevision).
catalog_revised = Signal()
