"""`import_catalog` + `recommend --json` with obligations of their own (contract §1 `tags`,
§6 as amended): per-requirement deadlines and labels, and `tag_minimum`."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.integration.contract.catalog_data import CATALOG, prescription

LICENCE_END = "2027-06-30"


def _course(code: str, price: str, ce: str, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "provider": "lic",
        "title": code,
        "format": "online",
        "price": price,
        "ce_credits": ce,
        **extra,
    }


def _rows(category: str, credits: str) -> list[dict[str, str]]:
    return [{"discipline": "CT", "category": category, "credits": credits}]


OBLIGATION_CATALOG: dict[str, Any] = {
    "format": "cqr-catalog/1",
    "outlines": CATALOG["outlines"],
    "providers": [{"code": "lic", "name": "Licence CE", "url": "https://example.org"}],
    "courses": [
        _course("rx-dose", "20.00", "2", distribution=_rows("Radiation Safety and Dose", "1.5")),
        # A live event after the licence deadline: it can count toward CQR only.
        _course(
            "rx-img-live",
            "10.00",
            "3",
            format="live",
            event_date="2027-09-01",
            distribution=_rows("Image Formation", "3"),
        ),
        _course(
            "rx-img-tagged",
            "60.00",
            "3",
            tags=["hiv-aids", "category-a-plus"],
            distribution=_rows("Image Formation", "3"),
        ),
        _course("lic-hiv", "25.00", "1", tags=["hiv-aids"]),
        _course("lic-ce", "30.00", "4"),
    ],
}


@pytest.fixture
def imported(db: None, tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(OBLIGATION_CATALOG))
    call_command("import_catalog", str(path), stdout=io.StringIO())


def recommend(tmp_path: Path, document: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "rx.json"
    path.write_text(json.dumps(document))
    out = io.StringIO()
    call_command("recommend", str(path), "--json", stdout=out, stderr=io.StringIO())
    assert out.getvalue().count("\n") == 1
    return dict(json.loads(out.getvalue()))


def rx(*extra: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return prescription(extra=list(extra), **overrides)


LICENCE = {"kind": "total_ce", "credits": "6", "deadline": LICENCE_END, "label": "Texas licence"}
HIV = {
    "kind": "tag_minimum",
    "credits": "1",
    "tags": ["hiv-aids"],
    "deadline": LICENCE_END,
    "label": "HIV/AIDS",
}


def test_a_course_done_after_the_licence_deadline_counts_only_toward_cqr(
    imported: None, tmp_path: Path
) -> None:
    document = recommend(tmp_path, rx(LICENCE, HIV))
    assert document["status"] == "optimal"
    b1 = document["bundles"][0]
    # Counting the live event's 3 CE credits for the licence would make
    # rx-img-live + rx-dose + lic-hiv (55.00) enough; it comes after the licence deadline.
    assert sorted(b1["courses"]) == ["lic-ce", "lic-hiv", "rx-dose", "rx-img-live"]
    assert b1["price"] == "85.00"
    assert b1["credits"] == {
        "Image Formation": "3.00",
        "Radiation Safety and Dose": "1.50",
        "Texas licence": "7.00",
        "HIV/AIDS": "1.00",
    }
    due = {item["course"]: item["complete_by"] for item in b1["schedule"]}
    assert due == {
        "rx-dose": LICENCE_END,  # counted for the licence too: its deadline comes first
        "lic-hiv": LICENCE_END,
        "lic-ce": LICENCE_END,
        "rx-img-live": "2027-09-01",
    }


def test_a_tag_requirement_met_only_by_a_dearer_course(imported: None, tmp_path: Path) -> None:
    extra = {"kind": "tag_minimum", "credits": "2", "tags": ["category-a-plus"]}
    document = recommend(tmp_path, rx(extra))
    assert document["status"] == "optimal"
    b1 = document["bundles"][0]
    assert sorted(b1["courses"]) == ["rx-dose", "rx-img-tagged"] and b1["price"] == "80.00"
    # Unlabelled: reported as tag:<label>, the default label being the kind.
    assert b1["credits"]["tag:tag_minimum"] == "3.00"


def test_a_short_obligation_is_named_by_its_label(imported: None, tmp_path: Path) -> None:
    short = {**HIV, "credits": "5", "deadline": None}
    document = recommend(tmp_path, rx(short))
    assert document["status"] == "infeasible" and document["bundles"] == []
    assert document["shortfall"] == [
        {"category": "HIV/AIDS", "required": "5.00", "available": "4.00"}
    ]


def test_an_obligation_whose_deadline_excludes_the_only_source_is_short(
    imported: None, tmp_path: Path
) -> None:
    # Only the live event gives Image Formation credit toward a licence "CT hours" due
    # before it takes place.
    hours = {"kind": "total_discipline", "credits": "4", "deadline": "2027-03-31", "label": "CT"}
    document = recommend(tmp_path, rx(hours, required=[]))
    assert document["status"] == "optimal"
    assert sorted(document["bundles"][0]["courses"]) == ["rx-dose", "rx-img-tagged"]
    tighter = {**hours, "credits": "5"}
    short = recommend(tmp_path, rx(tighter, required=[]))
    assert short["shortfall"] == [{"category": "CT", "required": "5.00", "available": "4.50"}]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({**LICENCE, "deadline": "2026-01-01"}, "extra[0].deadline: must be on or after issued_on"),
        ({**LICENCE, "deadline": "June"}, "extra[0].deadline: must be an ISO date"),
        ({"kind": "tag_minimum", "credits": "1"}, "extra[0].tags: must list at least one"),
        ({**HIV, "tags": ["HIV"]}, "extra[0].tags[0]: must be lower-case"),
        ({**LICENCE, "tags": ["hiv-aids"]}, "extra[0].tags: only a tag_minimum"),
        ({**LICENCE, "label": "Image Formation"}, 'extra[0].label: "Image Formation" is also'),
    ],
)
def test_invalid_obligations_are_rejected_naming_the_field(
    imported: None, tmp_path: Path, extra: dict[str, Any], message: str
) -> None:
    path = tmp_path / "rx.json"
    path.write_text(json.dumps(rx(extra)))
    with pytest.raises(CommandError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call_command("recommend", str(path), "--json", stdout=io.StringIO(), stderr=io.StringIO())


def test_two_obligations_under_one_label_are_rejected(imported: None, tmp_path: Path) -> None:
    path = tmp_path / "rx.json"
    path.write_text(json.dumps(rx(LICENCE, {**HIV, "label": "Texas licence"})))
    with pytest.raises(CommandError, match=r"extra\[1\]\.label: \"Texas licence\" also names"):
        call_command("recommend", str(path), "--json", stdout=io.StringIO(), stderr=io.StringIO())
