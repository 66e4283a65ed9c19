"""Text of a PDF prescription (pypdf), keeping table columns apart."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.errors import PdfReadError


class PdfTextError(ValueError):
    """The bytes are not a PDF whose text can be read."""


def pdf_text(data: bytes) -> str:
    """The text of every page, in layout mode so that table columns stay separated by
    runs of spaces; pages are separated by form feeds."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PdfTextError("the PDF is encrypted")
        pages = []
        for page in reader.pages:
            text = page.extract_text(extraction_mode="layout")
            if not text.strip():
                text = page.extract_text()
            pages.append(text)
    except (PdfReadError, OSError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, PdfTextError):
            raise
        raise PdfTextError(f"not a readable PDF ({exc})") from exc
    return "\f".join(pages)
