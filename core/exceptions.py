"""The base of the apps' input errors, so the API's error handler needs no app import."""

from __future__ import annotations

from collections.abc import Sequence


class InputError(Exception):
    """Input rejected as a whole; `errors` holds one message per offending record and field."""

    def __init__(self, errors: Sequence[str], *, separator: str = "\n") -> None:
        self.errors = list(errors)
        super().__init__(separator.join(self.errors))
