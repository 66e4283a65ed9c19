"""Obligation templates as data: the shipped file loads into the database (all or nothing,
precise messages), reloading keeps what site staff edited, and staff edit them in the admin."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from obligations.models import ObligationTemplate, TemplateRequirement
from obligations.services import DEFAULT_TEMPLATES_FILE, templates_load

pytestmark = pytest.mark.django_db


def shipped() -> dict[str, Any]:
    return json.loads(DEFAULT_TEMPLATES_FILE.read_text(encoding="utf-8"))


def test_the_command_loads_every_shipped_template_with_its_requirements() -> None:
    out = StringIO()
    call_command("load_obligation_templates", stdout=out)
    assert "17 created" in out.getvalue()
    document = shipped()
    assert ObligationTemplate.objects.count() == len(document["templates"])
    for row in document["templates"]:
        template = ObligationTemplate.objects.get(code=row["code"])
        assert template.confirmed is row["confirmed"]
        assert template.source == row["source"]
        assert template.state == (row["state"] or "")
        assert [(r.kind, r.credits, r.label, r.tags) for r in template.requirements.all()] == [
            (r["kind"], Decimal(r["credits"]), r["label"], sorted(r.get("tags") or []))
            for r in row["requirements"]
        ]
    tx = ObligationTemplate.objects.get(code="tx-mrt")
    assert tx.status_text == "check with your board"
    assert ObligationTemplate.objects.get(code="mqsa-continuing").status_text == "confirmed"


def test_reloading_keeps_staff_edits_unless_replace() -> None:
    templates_load(shipped())
    req = TemplateRequirement.objects.get(
        template__code="fl-radiologic-technologist", kind="total_ce"
    )
    req.credits = Decimal("14")
    req.save()
    out = StringIO()
    call_command("load_obligation_templates", stdout=out)
    assert "0 created" in out.getvalue() and "17 already loaded" in out.getvalue()
    req.refresh_from_db()
    assert req.credits == Decimal("14")

    call_command("load_obligation_templates", "--replace", stdout=StringIO())
    fl = ObligationTemplate.objects.get(code="fl-radiologic-technologist")
    assert fl.requirements.get(kind="total_ce").credits == Decimal("13")


def test_a_bad_document_names_record_and_field_and_loads_nothing() -> None:
    document = shipped()
    bad = copy.deepcopy(document)
    bad["templates"][8]["requirements"][1]["credits"] = "-2"
    bad["templates"][8]["requirements"][2]["tags"] = ["Human Trafficking"]
    bad["templates"][0]["effective_from"] = "1995-13-01"
    bad["templates"][3]["kind"] = "licence"
    with pytest.raises(ValidationError) as caught:
        templates_load(bad)
    messages = caught.value.messages
    code = document["templates"][8]["code"]
    assert any(m.startswith(f'templates[8] "{code}".requirements[1].credits:') for m in messages)
    assert any(m.startswith(f'templates[8] "{code}".requirements[2].tags:') for m in messages)
    assert any(
        m.startswith('templates[0] "arrt-biennium".effective_from: must be a date')
        for m in messages
    )
    assert any(m.startswith('templates[3] "mqsa-continuing".kind:') for m in messages)
    assert not ObligationTemplate.objects.exists()


def test_the_command_reports_a_bad_file_and_loads_nothing(tmp_path: Any) -> None:
    document = shipped()
    document["templates"][1]["requirements"][1]["tags"] = []
    path = tmp_path / "templates.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(
        CommandError,
        match=r'templates\[1\] "arrt-biennium-sonography"'
        r"\.requirements\[1\]\.tags: List at least one course tag",
    ):
        call_command("load_obligation_templates", str(path), stdout=StringIO())
    assert not ObligationTemplate.objects.exists()


def test_site_staff_edit_a_rule_in_the_admin_without_code() -> None:
    templates_load(shipped())
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-2026-root")
    client = Client()
    client.force_login(root)
    listing = client.get("/admin/obligations/obligationtemplate/?state=TX")
    assert listing.status_code == 200
    assert "Check with your board" in listing.content.decode()

    tx = ObligationTemplate.objects.get(code="tx-mrt")
    reqs = list(tx.requirements.all())
    data: dict[str, Any] = {
        "code": tx.code,
        "name": tx.name,
        "authority": tx.authority,
        "kind": tx.kind,
        "credentials": json.dumps(tx.credentials),
        "state": tx.state,
        "period_months": tx.period_months,
        "rules_text": tx.rules_text,
        "effective_from": tx.effective_from.isoformat() if tx.effective_from else "",
        "is_active": "on",
        "source": tx.source,
        "source_title": tx.source_title,
        "confirmed": "on",
        "checked_on": tx.checked_on.isoformat() if tx.checked_on else "",
        "note": tx.note,
        "requirements-TOTAL_FORMS": str(len(reqs)),
        "requirements-INITIAL_FORMS": str(len(reqs)),
        "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000",
    }
    for i, r in enumerate(reqs):
        data.update(
            {
                f"requirements-{i}-id": str(r.pk),
                f"requirements-{i}-template": str(tx.pk),
                f"requirements-{i}-position": str(r.position),
                f"requirements-{i}-kind": r.kind,
                f"requirements-{i}-credits": str(r.credits),
                f"requirements-{i}-label": r.label,
                f"requirements-{i}-tags": json.dumps(r.tags),
            }
        )
    data["requirements-1-credits"] = "10"
    url = f"/admin/obligations/obligationtemplate/{tx.pk}/change/"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    tx.refresh_from_db()
    assert tx.confirmed
    assert tx.requirements.get(position=1).credits == Decimal("10")

    # A bad tag is refused with the field's message, and nothing changes.
    data["requirements-2-tags"] = json.dumps(["Human Trafficking"])
    data["requirements-1-credits"] = "11"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "lower-case letters and digits" in response.content.decode()
    assert tx.requirements.get(position=1).credits == Decimal("10")


def test_template_requirement_kinds_are_the_engines_extra_kinds() -> None:
    from prescriptions.extras import EXTRA_KINDS

    assert tuple(TemplateRequirement.Kind.values) == EXTRA_KINDS
