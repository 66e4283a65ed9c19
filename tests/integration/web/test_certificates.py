"""Certificates of completed courses: checked by content, stored, downloaded by the owner only."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cqr_portal.outbound import default_storage_from_env, email_settings_from_url
from plans.models import Certificate, Plan, PlanItem
from plans.selectors.plan_document import plan_document_for_prescription
from plans.services import plan_choose
from tests.integration.web.test_plan import best_bundle, page_text

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# A Windows program's first bytes ("MZ" header) and a Linux one's ("\x7fELF").
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(out, "PNG")
    return out.getvalue()


def planned(bob: Any, prescription: Any) -> tuple[Plan, PlanItem]:
    plan = plan_choose(prescription=prescription, bundle=best_bundle(prescription))
    return plan, plan.items.order_by("position")[0]


def mark_done(client: Any, prescription: Any, item: PlanItem, name: str, data: bytes) -> Any:
    return client.post(
        reverse("prescriptions:item_done", args=[prescription.pk, item.pk]),
        {
            f"item{item.pk}-done_on": timezone.localdate().isoformat(),
            f"item{item.pk}-certificate": SimpleUploadedFile(name, data),
        },
    )


def test_marking_done_with_a_pdf_stores_it_and_only_the_owner_downloads_it(
    client, bob, bob_prescription, other_user
):
    client.force_login(bob)
    _, item = planned(bob, bob_prescription)
    response = mark_done(client, bob_prescription, item, "my cert.pdf", PDF)
    assert response.status_code == 302
    certificate = Certificate.objects.get(item=item)
    assert (certificate.content_type, certificate.size) == ("application/pdf", len(PDF))
    assert certificate.original_name == "my cert.pdf"
    # Stored through the storage API under a random name, not the uploaded one.
    stored = certificate.file.name
    assert stored.startswith("certificates/") and "cert" not in stored.removeprefix("certificates/")
    assert default_storage.exists(certificate.file.name)

    url = reverse("prescriptions:item_certificate", args=[bob_prescription.pk, item.pk])
    page = page_text(client.get(reverse("prescriptions:plan", args=[bob_prescription.pk])))
    assert "Certificate on file: download my cert.pdf" in page
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF

    client.force_login(other_user)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("certificate.pdf", EXE, "its content is not a PDF, PNG or JPEG file"),
        ("certificate.png", ELF, "its content is not a PDF, PNG or JPEG file"),
        ("notes.pdf", b"just some text, not a certificate\n", "its content is not"),
        ("broken.png", png()[:40], "the image is damaged or incomplete"),
    ],
)
def test_a_file_that_is_not_a_pdf_or_image_by_content_is_refused_and_nothing_changes(
    client, bob, bob_prescription, name, data, expected
):
    client.force_login(bob)
    _, item = planned(bob, bob_prescription)
    response = mark_done(client, bob_prescription, item, name, data)
    assert response.status_code == 400
    text = page_text(response)
    assert f"The certificate “{name}” was not accepted: {expected}" in text
    item.refresh_from_db()
    assert item.status == PlanItem.Status.PLANNED  # the refused upload changed nothing
    assert not Certificate.objects.exists()


def test_an_oversized_certificate_is_refused_with_the_limit(
    client, bob, bob_prescription, settings
):
    settings.CQR_CERTIFICATE_MAX_BYTES = 1024
    client.force_login(bob)
    _, item = planned(bob, bob_prescription)
    big = PDF + b"%" * 2048
    response = mark_done(client, bob_prescription, item, "big.pdf", big)
    assert response.status_code == 400
    assert "it is larger than the limit of 1.0 KB; this file is 2.1 KB." in page_text(response)
    assert not Certificate.objects.exists()


def test_a_certificate_attached_later_replaces_the_old_file_and_shows_in_the_pdf_data(
    client, bob, bob_prescription, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    _, item = planned(bob, bob_prescription)
    assert mark_done(client, bob_prescription, item, "first.pdf", PDF).status_code == 302
    old_name = Certificate.objects.get(item=item).file.name
    url = reverse("prescriptions:item_certificate", args=[bob_prescription.pk, item.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"certificate": SimpleUploadedFile("photo.png", png())})
    assert response.status_code == 302
    certificate = Certificate.objects.get(item=item)
    assert certificate.content_type == "image/png"
    assert not default_storage.exists(old_name)  # the replaced file is gone
    document = plan_document_for_prescription(
        prescription=bob_prescription, spec=_spec(bob_prescription), technologist="Bob"
    )
    assert document.sheet is not None
    marks = {line.item_id: line.has_certificate for line in document.sheet.lines}
    assert marks[item.pk] is True
    assert sum(marks.values()) == 1
    # A refused replacement keeps the current certificate and says why.
    response = client.post(url, {"certificate": SimpleUploadedFile("x.pdf", EXE)}, follow=True)
    assert "was not accepted" in page_text(response)
    assert Certificate.objects.get(item=item).content_type == "image/png"


def test_the_pdf_marks_which_done_courses_have_a_certificate(client, bob, bob_prescription):
    client.force_login(bob)
    plan, item = planned(bob, bob_prescription)
    mark_done(client, bob_prescription, item, "c.pdf", PDF)
    other = plan.items.exclude(pk=item.pk).first()
    assert other is not None
    client.post(
        reverse("prescriptions:item_done", args=[bob_prescription.pk, other.pk]),
        {f"item{other.pk}-done_on": timezone.localdate().isoformat()},
    )
    from django.template.loader import render_to_string

    document = plan_document_for_prescription(
        prescription=bob_prescription, spec=_spec(bob_prescription), technologist="Bob"
    )
    html = render_to_string("pdf/plan.html", {"doc": document, "paper": "letter"})
    assert html.count("certificate on file") == 1
    assert html.count("no certificate attached") == 1


def test_deleting_the_prescription_removes_the_stored_files(
    client, bob, bob_prescription, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    _, item = planned(bob, bob_prescription)
    mark_done(client, bob_prescription, item, "c.pdf", PDF)
    name = Certificate.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("prescriptions:delete", args=[bob_prescription.pk]))
    assert not default_storage.exists(name)


def test_storage_and_mail_come_from_the_environment():
    assert default_storage_from_env({})["BACKEND"].endswith("FileSystemStorage")
    s3 = default_storage_from_env(
        {"CQR_STORAGE_BUCKET": "certs", "CQR_STORAGE_ENDPOINT_URL": "http://minio:9000"}
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["bucket_name"] == "certs"
    assert s3["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert s3["OPTIONS"]["default_acl"] == "private"
    assert email_settings_from_url("")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    smtp = email_settings_from_url("smtp://me%40x.org:p%2Fw@mail.example.org:2525?tls=1")
    assert smtp["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"]) == ("mail.example.org", 2525)
    assert (smtp["EMAIL_HOST_USER"], smtp["EMAIL_HOST_PASSWORD"]) == ("me@x.org", "p/w")
    assert smtp["EMAIL_USE_TLS"] is True and smtp["EMAIL_USE_SSL"] is False
    assert email_settings_from_url("smtps://h")["EMAIL_PORT"] == 465
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="scheme 'ftp'"):
        email_settings_from_url("ftp://h")


def _spec(prescription: Any) -> Any:
    from prescriptions.spec_rows import prescription_spec_from_model

    return prescription_spec_from_model(prescription)
