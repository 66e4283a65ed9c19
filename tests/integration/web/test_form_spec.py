"""The entry form hands the service a spec (issue 12, "one way through"): built from the
outline, subcategories, courses and providers the form loaded, equal to what the
parser makes of its `cqr-prescription/1` document and to what the saved rows give back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.selectors.access import prescription_get_for_user
from prescriptions.documents import (
    PrescriptionSpec,
    prescription_document_from_spec,
    prescription_spec_from_document,
)
from prescriptions.extras import ExtraSpec
from prescriptions.forms import PrescriptionForm, current_outline
from prescriptions.models import Prescription
from prescriptions.spec_rows import prescription_spec_from_model
from prescriptions.unmatched import UnmatchedSpec
from tests.integration.web.conftest import WebCatalog
from tests.integration.web.test_obligations import biennium_data, cqr_data, structured_data

pytestmark = pytest.mark.django_db
D = Decimal


def form_spec(data: dict[str, Any], owner_id: int) -> tuple[PrescriptionForm, PrescriptionSpec]:
    outline = current_outline(data["discipline"], issued_on=data["issued_on"])
    form = PrescriptionForm(data, outline=outline, owner_id=owner_id)
    assert form.is_valid(), form.errors
    with CaptureQueriesContext(connection) as queries:
        spec = form.spec(owner_id=owner_id)
        assert form.unmatched() is not None
    assert len(queries) == 0  # everything it needs, the form has loaded
    return form, spec


def parsed(spec: PrescriptionSpec) -> PrescriptionSpec:
    return prescription_spec_from_document(
        prescription_document_from_spec(spec), owner_id=spec.owner_id
    )


def test_a_cqr_form_gives_the_spec_its_document_parses_to(bob: Any, catalog: WebCatalog) -> None:
    data = cqr_data(
        hours_per_week="2.5",
        formats=["online", "webinar"],
        completed=[str(catalog.dose.pk)],
        owned=[str(catalog.gage_image.pk)],
        exclude_providers=[str(catalog.gage.pk)],
        other_name_1="  Head   and Neck ",
        other_credits_1="0.75",
    )
    form, spec = form_spec(data, bob.pk)
    assert sorted((sub.name, credits) for sub, credits in spec.required) == [
        ("Image Formation", D("3.00")),
        ("Radiation Safety and Dose", D("1.50")),
    ]
    assert (spec.completed, spec.owned) == ((catalog.dose,), (catalog.gage_image,))
    assert spec.exclude_providers == (catalog.gage,)
    assert (spec.formats, spec.hours_per_week, spec.owner_id) == (
        frozenset({"online", "webinar"}),
        D("2.50"),
        bob.pk,
    )
    assert (spec.kind, spec.extras, spec.biennium_ends_on) == ("cqr", (), None)
    assert form.unmatched() == (UnmatchedSpec("Head and Neck", D("0.75")),)
    assert parsed(spec) == spec


def test_all_formats_mean_no_restriction(bob: Any, catalog: WebCatalog) -> None:
    _, spec = form_spec(cqr_data(), bob.pk)
    assert spec.formats is None
    assert parsed(spec) == spec


def test_the_biennium_counts_the_completed_courses_back_in(bob: Any, catalog: WebCatalog) -> None:
    data = biennium_data(completed=[str(catalog.dose.pk)])
    _, spec = form_spec(data, bob.pk)
    # 8 still needed + the completed course's CE credits (it counts toward total_ce).
    assert spec.extras == (ExtraSpec("total_ce", D(8) + catalog.dose.ce_credits),)
    assert spec.biennium_ends_on is not None
    assert parsed(spec) == spec


def test_structured_education_has_totals_and_no_subcategories(
    bob: Any, catalog: WebCatalog
) -> None:
    form, spec = form_spec(structured_data(), bob.pk)
    assert (spec.kind, spec.required) == ("structured-education", ())
    assert spec.extras == (
        ExtraSpec("total_discipline", D(16)),
        ExtraSpec("major_minimum", D(1)),
    )
    assert form.unmatched() == ()
    assert parsed(spec) == spec


def test_the_saved_prescription_gives_the_form_spec_back(
    client: Any, bob: Any, catalog: WebCatalog, django_capture_on_commit_callbacks: Any
) -> None:
    data = biennium_data(
        title="Saved",
        completed=[str(catalog.dose.pk)],
        owned=[str(catalog.gage_image.pk)],
        exclude_providers=[str(catalog.gage.pk)],
    )
    _, spec = form_spec(data, bob.pk)
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("prescriptions:new"), data)
    assert response.status_code == 302
    saved = Prescription.objects.get(title="Saved")
    assert saved.as_of is None  # "Plan from" left empty: every run plans from its today
    assert prescription_spec_from_model(saved) == spec
    # Loaded by its access helper (which says which optional rows exist), the same spec.
    loaded = prescription_get_for_user(user=bob, prescription_id=saved.pk)
    assert prescription_spec_from_model(loaded) == spec


def test_the_access_helper_spares_the_queries_of_rows_a_prescription_lacks(
    bob: Any, bob_prescription: Prescription
) -> None:
    """No extras, obligations, completed, owned or excluded providers: their five queries
    are skipped, and the spec is the one the rows give."""
    loaded = prescription_get_for_user(user=bob, prescription_id=bob_prescription.pk)
    plain = Prescription.objects.select_related("outline__discipline").get(pk=loaded.pk)
    with CaptureQueriesContext(connection) as lean:
        lean_spec = prescription_spec_from_model(loaded)
    with CaptureQueriesContext(connection) as full:
        full_spec = prescription_spec_from_model(plain)
    assert lean_spec == full_spec
    assert len(full) - len(lean) == 5
