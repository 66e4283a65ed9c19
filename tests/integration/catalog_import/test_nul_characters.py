"""Text with a NUL character is refused by name before any database lookup."""

from __future__ import annotations

import pytest

from catalog.models import Course
from catalog.services import CatalogImportError, catalog_import
from prescriptions.documents import PrescriptionInputError, prescription_spec_from_document


@pytest.mark.django_db
def test_a_catalog_with_a_nul_in_a_title_is_rejected_naming_the_field() -> None:
    document = {
        "format": "cqr-catalog/1",
        "providers": [{"code": "p", "name": "P"}],
        "courses": [
            {
                "code": "c1",
                "provider": "p",
                "title": "bad\x00title",
                "format": "online",
                "price": "1.00",
                "ce_credits": "1.0",
                "distribution": [],
            }
        ],
    }
    with pytest.raises(CatalogImportError) as excinfo:
        catalog_import(document=document)
    assert "courses[0].title" in excinfo.value.errors[0]
    assert "NUL" in excinfo.value.errors[0]
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_a_prescription_with_a_nul_in_a_course_code_is_rejected_naming_the_field() -> None:
    document = {
        "format": "cqr-prescription/1",
        "discipline": "CT",
        "issued_on": "2026-09-01",
        "deadline": "2027-12-31",
        "required": [],
        "completed": ["x\x00"],
    }
    with pytest.raises(PrescriptionInputError) as excinfo:
        prescription_spec_from_document(document)
    assert excinfo.value.errors == [
        "completed[0]: contains a NUL character (\\u0000), which is not allowed"
    ]
