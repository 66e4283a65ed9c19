"""One size check for every upload (catalog and prescription files, API request bodies).

Views, forms and the API call `read_upload_limited` with the limit from settings
(`CATALOG_UPLOAD_MAX_BYTES`, `PRESCRIPTION_UPLOAD_MAX_BYTES`), so the same file is refused
with the same message wherever it arrives.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ValidationError

CHUNK = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def format_size(size: int) -> str:
    """1536 -> '1.5 KB'; sizes as people read them in an error message."""
    amount = float(size)
    for unit in ("bytes", "KB", "MB"):
        if amount < 1024 or unit == "MB":
            return f"{size} bytes" if unit == "bytes" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def read_upload_limited(file: Readable, max_bytes: int) -> bytes:
    """Read a whole upload and return its bytes, or raise ValidationError when it is larger
    than `max_bytes`.

    A Django `UploadedFile` states its size up front and is refused before reading; any
    other stream (a request body) is read in chunks and refused as soon as it passes the
    limit, so an oversized body is never held in memory whole.
    """
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _too_large(max_bytes, declared)
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = file.read(CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise _too_large(max_bytes, None)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(max_bytes: int, size: int | None) -> ValidationError:
    actual = f"is {format_size(size)}" if size is not None else "is larger than that"
    return ValidationError(
        f"The upload is too large: the limit is {format_size(max_bytes)} and this file {actual}.",
        code="upload_too_large",
    )
