"""Cells of every CSV export made safe for spreadsheets (OWASP "CSV injection"): a cell
that starts like a formula is written with a leading apostrophe, so Excel, LibreOffice
and Google Sheets show it as text instead of running it (`=HYPERLINK(...)`)."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """The cell as written to a CSV export: text starting like a formula gets an apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def spreadsheet_unescape(value: str) -> str:
    """The cell as read back from an exported file: the apostrophe `spreadsheet_safe` added
    is dropped, so an export imports back unchanged."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
