"""The base of the apps' input errors, so the API's error handler needs no app import.

An input error is data: one `ErrorDetail(record, field, message)` per mistake, turned
into text only at the edges (commands, admin, API, web forms) by `ErrorDetail.as_text`,
the one place that writes the wording (`courses[3] (code "ct-101"): price: must not be
negative, not -5`, `required[1].category: unknown category "Foo" for discipline CT`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# A JSON path's first step when it is a list row: `required[1]` of `required[1].category`.
_ROW_STEP = re.compile(r"\w+\[\d+\]")


@dataclass(frozen=True)
class ErrorDetail:
    """One mistake in an input document.

    `record`: which record, as people read it (`courses[3] (code "ct-101")`,
    `required[2]`), or "" for the document as a whole. `field`: which field of that
    record (`price`, `distribution[0].category`), or "" for the whole record. `message`:
    what is wrong, reading after the field (`must not be negative, not -5`).
    `path`: record and field are steps of one JSON path, written `required[2].category`
    rather than `courses[3] (code "x"): price` (see `at_path`).
    """

    record: str
    field: str
    message: str
    path: bool = False

    @classmethod
    def at_path(cls, path: str, message: str) -> ErrorDetail:
        """A mistake at a JSON path: `courses[3].title` is record `courses[3]`, field
        `title`; `deadline` is field `deadline` of the document; `required[1]` and
        `document` are records."""
        if path == "document":
            return cls("document", "", message, path=True)
        row = _ROW_STEP.match(path)
        rest = path[row.end() :] if row else path
        if row is None or (rest and (rest[0] != "." or len(rest) == 1)):
            return cls("", path, message, path=True)
        return cls(row.group(), rest[1:], message, path=True)

    @property
    def field_name(self) -> str:
        """The record's own field the mistake is in: `distribution` for
        `distribution[0].category`."""
        return self.field.split("[", 1)[0].split(".", 1)[0]

    def where(self) -> str:
        """Record and field as the text names them (`courses[3] (code "x"): price`)."""
        parts = [part for part in (self.record, self.field) if part]
        return (".".join if self.path else ": ".join)(parts)

    def as_text(self, *, record: bool = True) -> str:
        """The message as commands, the API and the admin show it; `record=False` leaves
        the record out (where the page already names it, e.g. a CSV row)."""
        where = self.where() if record else self.field
        return f"{where}: {self.message}" if where else self.message

    def __str__(self) -> str:
        return self.as_text()


class InputError(Exception):
    """Input rejected as a whole; `details` holds one ErrorDetail per offending record and
    field, `errors` the same as text."""

    def __init__(self, details: Sequence[ErrorDetail], *, separator: str = "\n") -> None:
        self.details = list(details)
        super().__init__(separator.join(self.errors))

    @property
    def errors(self) -> list[str]:
        return [detail.as_text() for detail in self.details]


class StateChanged(Exception):
    """The object changed under the request (another tab, a double click, a concurrent
    request): the action cannot be done as asked. `status` is 404 when the object is gone
    and 409 when its state no longer allows the action; the message says which."""

    status = 409
    code = "conflict"


class ObjectGone(StateChanged):
    status = 404
    code = "not_found"
