"""Checks on decoded JSON documents shared by the catalog and prescription readers."""

from __future__ import annotations

from typing import Any


def first_nul_path(data: Any, path: str = "") -> str | None:
    """The path (e.g. `courses[3].title`) of the first key or text holding a NUL character.

    No field of ours allows one, and PostgreSQL refuses NUL in text, so documents are
    checked before any lookup touches the database.
    """
    if isinstance(data, str):
        return (path or "document") if "\x00" in data else None
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return path or "document"
            found = first_nul_path(value, where)
            if found:
                return found
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found = first_nul_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


NUL_MESSAGE = "contains a NUL character (\\u0000), which is not allowed"
