"""Display helpers for money and credits (exact decimals, two places)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from django import template

from core.money import format_amount

register = template.Library()


@register.filter
def money(value: Decimal | None) -> str:
    """'$24.00'; empty for None (callers say "package only" themselves)."""
    if value is None:
        return ""
    return f"${format_amount(value)}"


@register.filter
def credits(value: Decimal | None) -> str:
    """'1.50' for Decimal('1.5'); empty for None."""
    return format_amount(value)


@register.filter
def source_links(value: str | None) -> list[dict[str, str]]:
    """Split an outline's `source` text (URLs separated by ';' or spaces) into links."""
    links = []
    for part in (value or "").replace(";", " ").split():
        parsed = urlsplit(part)
        if parsed.scheme in {"http", "https"} and parsed.netloc:
            host = parsed.netloc.removeprefix("www.")
            links.append({"url": part, "host": host})
    return links
