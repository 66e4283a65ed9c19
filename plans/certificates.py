"""Certificates of completed courses: checked by content, stored through Django's storage.

A certificate is a PDF, PNG or JPEG file. Its type is read from its bytes (puremagic's
signatures, then Pillow for images), never from its name or the browser's content type,
so a renamed program is refused; its size is limited by `CQR_CERTIFICATE_MAX_BYTES`.
Files are written through the default storage (local MEDIA_ROOT, or an S3-compatible
bucket: see settings) under a random name, and only reached through the owner's view.
"""

from __future__ import annotations

import io
from typing import Any

import puremagic
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from core.uploads import format_size, read_upload_limited
from plans.models import Certificate, PlanItem

# A hint for the file picker only: the type is checked by content.
ACCEPT = "application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"
ALLOWED = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
}
PILLOW_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
NAME_MAX = 200


class CertificateForm(forms.Form):
    certificate = forms.FileField(
        label="Certificate (PDF or image)", widget=forms.FileInput(attrs={"accept": ACCEPT})
    )


def certificate_max_bytes() -> int:
    return int(getattr(settings, "CQR_CERTIFICATE_MAX_BYTES", 10 * 1024 * 1024))


def _refused(name: str, reason: str) -> ValidationError:
    return ValidationError(f"The certificate “{name}” was not accepted: {reason}", code="invalid")


def certificate_content_type(data: bytes, *, name: str) -> str:
    """The certificate's content type read from its bytes, or ValidationError."""
    if not data:
        raise _refused(name, "the file is empty.")
    kinds = "a PDF, PNG or JPEG file"
    try:
        matches = puremagic.magic_string(data[:8192])
    except puremagic.PureError:
        matches = []
    found = next((m.mime_type for m in matches if m.mime_type in ALLOWED), None)
    if found is None or matches[0].mime_type not in ALLOWED:
        raise _refused(
            name,
            f"its content is not {kinds}, whatever its name says. "
            "Save the certificate as a PDF or take a photo or screenshot of it.",
        )
    if found == "application/pdf":
        if not data.lstrip()[:5] == b"%PDF-":
            raise _refused(name, "it is not a readable PDF file.")
        return found
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            pillow_type = PILLOW_FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _refused(name, "the image is damaged or incomplete.") from exc
    if pillow_type != found:
        raise _refused(name, f"its content is not {kinds}.")
    return found


def certificate_read(upload: Any) -> tuple[bytes, str, str]:
    """Read and check an upload: (bytes, content type, original name) or ValidationError."""
    name = str(getattr(upload, "name", "") or "certificate")[-NAME_MAX:]
    limit = certificate_max_bytes()
    try:
        data = read_upload_limited(upload, limit)
    except ValidationError as exc:
        size = getattr(upload, "size", None)
        actual = f" this file is {format_size(size)}" if isinstance(size, int) else ""
        raise _refused(
            name, f"it is larger than the limit of {format_size(limit)};{actual}."
        ) from exc
    return data, certificate_content_type(data, name=name), name


@transaction.atomic
def certificate_attach(*, item: PlanItem, upload: Any) -> Certificate:
    """Attach (or replace) the certificate of a course marked done."""
    if item.status != PlanItem.Status.DONE:
        raise ValidationError("Mark the course done before attaching its certificate.")
    data, content_type, name = certificate_read(upload)
    old = Certificate.objects.select_for_update().filter(item=item).first()
    if old is not None:
        certificate_remove(certificate=old)
    certificate = Certificate(
        item=item, content_type=content_type, original_name=name, size=len(data)
    )
    certificate.file.save(name, ContentFile(data), save=False)
    stored = certificate.file.name
    try:
        certificate.save()
    except Exception:
        certificate.file.storage.delete(stored)
        raise
    return certificate


def certificate_remove(*, certificate: Certificate) -> None:
    """Delete the row now; its stored file goes once the transaction commits."""
    certificate.delete()


def certificate_delete_file(sender: Any, *, instance: Certificate, **kwargs: Any) -> None:
    """post_delete: a certificate deleted with its plan or prescription takes its file."""
    storage, name = instance.file.storage, instance.file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def certificate_download_name(certificate: Certificate) -> str:
    extension = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
    title = certificate.item.course.code.replace("/", "-")
    return f"certificate-{title}{extension.get(certificate.content_type, '')}"
