"""Input errors are data (record, field, message); `ErrorDetail.as_text` is the one place
that writes them as the commands, the API and the pages show them."""

from __future__ import annotations

import pytest

from core.exceptions import ErrorDetail, InputError
from core.jsontext import JSONTextError


def test_a_field_of_a_named_record_reads_record_field_message() -> None:
    detail = ErrorDetail('courses[3] (code "ct-101")', "price", "must not be negative, not -5")
    assert detail.as_text() == 'courses[3] (code "ct-101"): price: must not be negative, not -5'
    assert str(detail) == detail.as_text()
    assert detail.as_text(record=False) == "price: must not be negative, not -5"


def test_a_whole_record_a_top_level_field_and_the_whole_document() -> None:
    assert ErrorDetail("providers[0]", "", "must be an object, not 3").as_text() == (
        "providers[0]: must be an object, not 3"
    )
    assert ErrorDetail("", "format", 'must be "cqr-catalog/1", not null').as_text() == (
        'format: must be "cqr-catalog/1", not null'
    )
    assert ErrorDetail("", "", "malformed JSON: x").as_text() == "malformed JSON: x"
    assert ErrorDetail("providers[0]", "", "bad").as_text(record=False) == "bad"


@pytest.mark.parametrize(
    ("path", "record", "field"),
    [
        ("required[1].category", "required[1]", "category"),
        ("courses[3].title", "courses[3]", "title"),
        ("courses[3].distribution[0].category", "courses[3]", "distribution[0].category"),
        ("completed[0]", "completed[0]", ""),
        ("deadline", "", "deadline"),
        ("document", "document", ""),
        ("extra.kind", "", "extra.kind"),
        ("courses[0][0][1]", "", "courses[0][0][1]"),  # a list in a list: no record
        ("courses[0].", "", "courses[0]."),  # an empty key
    ],
)
def test_a_json_path_splits_into_record_and_field_and_reads_back_unchanged(
    path: str, record: str, field: str
) -> None:
    detail = ErrorDetail.at_path(path, "is wrong")
    assert (detail.record, detail.field) == (record, field)
    assert detail.as_text() == f"{path}: is wrong"


def test_field_name_is_the_records_own_field() -> None:
    assert ErrorDetail("r", "distribution[0].category", "x").field_name == "distribution"
    assert ErrorDetail("r", "approval_expires", "x").field_name == "approval_expires"
    assert ErrorDetail.at_path("courses[1].tags[2]", "x").field_name == "tags"


def test_input_error_keeps_the_details_and_renders_them_once() -> None:
    details = [
        ErrorDetail.at_path("deadline", "is required (an ISO date YYYY-MM-DD)"),
        ErrorDetail.at_path("required[0].credits", "is too large"),
    ]
    error = InputError(details, separator="; ")
    assert error.details == details
    assert error.errors == [
        "deadline: is required (an ISO date YYYY-MM-DD)",
        "required[0].credits: is too large",
    ]
    assert str(error) == "; ".join(error.errors)


def test_a_json_text_error_is_a_detail_at_its_path() -> None:
    error = JSONTextError("courses[2].title", "contains a NUL character (\\u0000)")
    assert error.detail == ErrorDetail("courses[2]", "title", error.message, path=True)
    assert str(error) == "courses[2].title: contains a NUL character (\\u0000)"
