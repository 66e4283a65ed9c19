"""The base of the apps' input errors, so the API's error handler needs no app import."""

from __future__ import annotations

from collections.abc import Sequence


class InputError(Exception):
    """Input rejected as a whole; `errors` holds one message per offending record and field."""

    def __init__(self, errors: Sequence[str], *, separator: str = "\n") -> None:
        self.errors = list(errors)
        super().__init__(separator.join(self.errors))


class StateChanged(Exception):
    """The object changed under the request (another tab, a double click, a concurrent
    request): the action cannot be done as asked. `status` is 404 when the object is gone
    and 409 when its state no longer allows the action; the message says which."""

    status = 409
    code = "conflict"


class ObjectGone(StateChanged):
    status = 404
    code = "not_found"
