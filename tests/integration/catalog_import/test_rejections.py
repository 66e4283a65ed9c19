"""Whole-file rejection: any invalid record rejects the file, writes nothing, and the
message names the record by code and the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from catalog.services import CatalogImportError, catalog_import, catalog_parse
from tests.integration.catalog_import.conftest import snapshot

pytestmark = pytest.mark.usefixtures("outlines")

Edit = Callable[[dict[str, Any]], None]


def course(catalog: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return catalog["courses"][index]


CASES: dict[str, tuple[Edit, str]] = {
    "unknown discipline": (
        lambda c: course(c)["distribution"][1].update(discipline="XR"),
        'courses[0] (code "ahec-ct-dose"): distribution[1].discipline: unknown discipline "XR"',
    ),
    "unknown category": (
        lambda c: course(c)["distribution"][1].update(category="Foo"),
        'courses[0] (code "ahec-ct-dose"): distribution[1].category: '
        'unknown category "Foo" for discipline R',
    ),
    "unknown provider": (
        lambda c: course(c).update(provider="nobody"),
        'courses[0] (code "ahec-ct-dose"): provider: unknown provider "nobody"',
    ),
    "distribution above the CE credits": (
        lambda c: course(c)["distribution"][0].update(credits="2.5"),
        'courses[0] (code "ahec-ct-dose"): distribution: distribution credits exceed '
        "the course's 2.00 CE credits (CT 2.50)",
    ),
    "event date on a non-event format": (
        lambda c: course(c).update(event_date="2027-05-01"),
        'courses[0] (code "ahec-ct-dose"): event_date: an event date is only allowed '
        "for webinar or live courses, not 'online'",
    ),
    "package naming an unknown course": (
        lambda c: c["packages"][0]["courses"].append("ahec-mr-safety"),
        'packages[0] (code "ahec-ct-pack"): courses[2]: unknown course "ahec-mr-safety" '
        'for provider "ahec"',
    ),
    "negative price": (
        lambda c: course(c).update(price="-1.00"),
        'courses[0] (code "ahec-ct-dose"): price: must not be negative',
    ),
    "negative package price": (
        lambda c: c["packages"][0].update(price=-5),
        'packages[0] (code "ahec-ct-pack"): price: must not be negative',
    ),
    "non-numeric CE credits": (
        lambda c: course(c).update(ce_credits="two"),
        'courses[0] (code "ahec-ct-dose"): ce_credits: must be a number or a decimal string',
    ),
    "zero CE credits": (
        lambda c: course(c, 1).update(ce_credits=0),
        'courses[1] (code "ahec-ct-contrast"): ce_credits: must be greater than 0',
    ),
    "boolean as an amount": (
        lambda c: course(c).update(hours=True),
        'courses[0] (code "ahec-ct-dose"): hours: must be a number or a decimal string',
    ),
    "three decimal places": (
        lambda c: course(c)["distribution"][0].update(credits="1.255"),
        'courses[0] (code "ahec-ct-dose"): distribution[0].credits: has more than 2 decimal places',
    ),
    "zero distribution credits": (
        lambda c: course(c)["distribution"][0].update(credits="0"),
        'courses[0] (code "ahec-ct-dose"): distribution[0].credits: must be greater than 0',
    ),
    "duplicate course codes": (
        lambda c: c["courses"].append(dict(course(c), title="Again")),
        'courses[3] (code "ahec-ct-dose"): code: duplicate code for provider "ahec" '
        "(also courses[0])",
    ),
    "duplicate package codes": (
        lambda c: c["packages"].append(dict(c["packages"][0])),
        'packages[1] (code "ahec-ct-pack"): code: duplicate code for provider "ahec" '
        "(also packages[0])",
    ),
    "unknown format": (
        lambda c: course(c).update(format="podcast"),
        'courses[0] (code "ahec-ct-dose"): format: must be one of home-study, live, online, '
        'webinar, not "podcast"',
    ),
    "malformed date": (
        lambda c: course(c).update(approval_expires="31/01/2028"),
        'courses[0] (code "ahec-ct-dose"): approval_expires: must be an ISO date YYYY-MM-DD',
    ),
    "impossible date": (
        lambda c: course(c).update(approval_expires="2028-02-30"),
        'courses[0] (code "ahec-ct-dose"): approval_expires: is not a valid date',
    ),
    "title of the wrong type": (
        lambda c: course(c).update(title=42),
        'courses[0] (code "ahec-ct-dose"): title: must be a string, not 42',
    ),
    "missing title": (
        lambda c: course(c).pop("title"),
        'courses[0] (code "ahec-ct-dose"): title: is required',
    ),
    "non-http url": (
        lambda c: course(c).update(url="javascript:alert(1)"),
        'courses[0] (code "ahec-ct-dose"): url: is not a valid http(s) URL',
    ),
    "same subcategory twice": (
        lambda c: course(c)["distribution"].append(dict(course(c)["distribution"][0])),
        'courses[0] (code "ahec-ct-dose"): distribution[2].category: "Radiation Safety and '
        'Dose" is the same subcategory as distribution[0]',
    ),
    "wrong format tag": (
        lambda c: c.update(format="cqr-catalog/2"),
        'format: must be "cqr-catalog/1", not "cqr-catalog/2"',
    ),
    "courses not a list": (
        lambda c: c.update(courses={"code": "x"}),
        "courses: must be a list",
    ),
    "course not an object": (
        lambda c: c["courses"].append("ahec-extra"),
        'courses[3]: must be an object, not "ahec-extra"',
    ),
    "invalid outline section": (
        lambda c: c.update(
            outlines=[{"discipline": "CT", "version": "2026", "categories": [{"major": "X"}]}]
        ),
        'outlines[0] (discipline "CT", version "2026"): categories[0].name: is required',
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_it_rejects_the_whole_file(case: str, catalog: dict[str, Any]) -> None:
    edit, expected = CASES[case]
    catalog["courses"].append(
        {
            "code": "ahec-fine",
            "provider": "ahec",
            "title": "A valid course that must not be imported either",
            "format": "home-study",
            "price": "5.00",
            "ce_credits": "1.00",
        }
    )
    catalog["courses"].insert(2, catalog["courses"].pop())  # keep indexes 0 and 1 stable
    edit(catalog)
    before = snapshot()
    with pytest.raises(CatalogImportError) as raised:
        catalog_import(document=catalog)
    assert any(message.startswith(expected) for message in raised.value.errors), raised.value.errors
    assert snapshot() == before


def test_it_changes_nothing_stored_when_an_update_is_rejected(catalog) -> None:
    catalog_import(document=catalog)
    before = snapshot()
    catalog["courses"][0]["title"] = "Renamed"
    catalog["courses"][1]["distribution"][0]["category"] = "Nope"
    catalog["outlines"] = [
        {
            "discipline": "CT",
            "version": "2026",
            "categories": [{"major": "Safety", "name": "Radiation Safety and Dose"}],
        }
    ]
    with pytest.raises(CatalogImportError):
        catalog_import(document=catalog)
    assert snapshot() == before  # the outline written before the checks was rolled back


def test_it_lists_every_error_up_to_a_cap(catalog) -> None:
    for record in catalog["courses"]:
        record["price"] = "-1"
    catalog["courses"] += [
        {
            "code": f"bad-{i}",
            "provider": "ahec",
            "title": "x",
            "format": "online",
            "price": "1.00",
            "ce_credits": "x",
        }
        for i in range(60)
    ]
    with pytest.raises(CatalogImportError) as raised:
        catalog_import(document=catalog)
    errors = raised.value.errors
    assert len(errors) == 51
    assert errors[0].startswith('courses[0] (code "ahec-ct-dose"): price:')
    assert errors[-1].startswith("... and ")
    assert sum(1 for e in errors if e.startswith("courses[2] ")) == 1


class TestParse:
    def test_it_reads_numbers_as_exact_decimals(self) -> None:
        document = catalog_parse(b'{"format": "cqr-catalog/1", "x": 0.1}')
        assert str(document["x"]) == "0.1"

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            (b'{"format": "cqr-catalog/1",', "malformed JSON: Expecting property name"),
            (b"", "malformed JSON: Expecting value at line 1 column 1"),
            (b'{"price": NaN}', "malformed JSON: NaN is not a valid JSON number"),
            (b"\xff\xfe", "malformed file: not UTF-8 text"),
            (b"[1, 2]", "the catalog must be a JSON object"),
        ],
    )
    def test_it_rejects_malformed_input(self, raw: bytes, message: str) -> None:
        with pytest.raises(CatalogImportError) as raised:
            catalog_parse(raw)
        assert raised.value.errors[0].startswith(message)
