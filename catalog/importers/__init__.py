"""Readers and writers of the catalog exchange format; call them through catalog.services."""
