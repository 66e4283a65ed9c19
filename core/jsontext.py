"""The one reader for JSON that comes from outside (API bodies, uploaded and pasted
documents, files given to the commands), and the checks on the text it holds.

`json_loads` decodes a document and never lets a hostile one through as a 500: nesting
deeper than `MAX_DEPTH` is refused (also when it is deep enough to exhaust Python's
recursion limit inside the decoder), naming where it happens. `text_problem` then names
the first key or string holding a character no field of ours accepts: NUL (PostgreSQL
refuses it), other control characters (tab, line feed and carriage return are allowed)
and lone UTF-16 surrogates (`"\\ud800"`, which cannot be stored or encoded as UTF-8).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from core.exceptions import ErrorDetail

MAX_DEPTH = 32
"""Arrays and objects inside each other; our documents need about six."""

DEPTH_MESSAGE = f"is nested more than {MAX_DEPTH} levels deep (arrays/objects inside each other)"

_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Tokens that matter for nesting: strings (skipped whole) and structural characters.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]', re.DOTALL)


class JSONTextError(ValueError):
    """The text is not a JSON document we accept; `path` says where (or "document")."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(self.detail.as_text())

    @property
    def detail(self) -> ErrorDetail:
        return ErrorDetail.at_path(self.path, self.message)


def character_problem(text: str) -> str | None:
    """What is wrong with a string's characters, or None when it is acceptable."""
    found = _BAD_CHARACTER.search(text)
    if found is None:
        return None
    char = found.group()
    code = f"\\u{ord(char):04x}"
    if char == "\x00":
        return f"contains a NUL character ({code}), which is not allowed"
    if "\ud800" <= char <= "\udfff":
        return f"contains a lone surrogate ({code}), which is not valid Unicode text"
    return f"contains a control character ({code}), which is not allowed"


_LINE_BREAK_OR_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def single_line_problem(text: str) -> str | None:
    """`character_problem` for one-line fields (names, titles): line breaks and tabs
    are refused too."""
    problem = character_problem(text)
    if problem is None and _LINE_BREAK_OR_CONTROL.search(text):
        return "must be a single line (no line breaks or tabs)"
    return problem


def validate_single_line(value: str) -> None:
    """Django validator for one-line text fields (forms and services)."""
    from django.core.exceptions import ValidationError

    problem = single_line_problem(value)
    if problem:
        raise ValidationError(f"This text {problem}.", code="bad_characters")


def text_problem(data: Any, *, dotted: bool = False) -> tuple[str, str] | None:
    """(path, message) for the first key or string with a refused character, or for
    nesting deeper than MAX_DEPTH (e.g. `("courses[3].title", "contains a control
    character (\\u0007), which is not allowed")`); None when the document is acceptable.
    `dotted=True` writes list positions the API's way (`courses.3.title`)."""
    return _walk(data, "", 0, dotted)


def _walk(data: Any, path: str, depth: int, dotted: bool) -> tuple[str, str] | None:
    if isinstance(data, str):
        problem = character_problem(data)
        return (path or "document", problem) if problem else None
    if isinstance(data, dict | list) and depth >= MAX_DEPTH:
        return (path or "document", DEPTH_MESSAGE)
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            problem = character_problem(str(key))
            if problem:
                return (path or "document", f"a key {problem}")
            found = _walk(value, where, depth + 1, dotted)
            if found:
                return found
    elif isinstance(data, list):
        for index, item in enumerate(data):
            where = (f"{path}.{index}" if path else str(index)) if dotted else f"{path}[{index}]"
            found = _walk(item, where, depth + 1, dotted)
            if found:
                return found
    return None


def json_loads(
    text: str,
    *,
    parse_float: Callable[[str], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """`json.loads` that refuses nesting past MAX_DEPTH with a JSONTextError naming the
    path; malformed JSON still raises json.JSONDecodeError (a ValueError) as before."""
    try:
        data = json.loads(text, parse_float=parse_float, parse_constant=parse_constant)
    except RecursionError:
        raise JSONTextError(_deep_path(text), DEPTH_MESSAGE) from None
    return data


def _deep_path(text: str) -> str:
    """The path at which `text` first nests deeper than MAX_DEPTH (scanned, not parsed:
    only called for documents too deep for the decoder)."""
    stack: list[list[Any]] = []  # [kind, key or index, expecting a key]
    for token in _TOKEN.finditer(text):
        value = token.group()
        if value in "[{":
            if len(stack) >= MAX_DEPTH:
                return _path_of(stack)
            stack.append(["[", 0, False] if value == "[" else ["{", None, True])
        elif value in "]}":
            if stack:
                stack.pop()
        elif value == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][1] += 1
            elif stack:
                stack[-1][2] = True
        elif value == ":":
            if stack:
                stack[-1][2] = False
        elif stack and stack[-1][0] == "{" and stack[-1][2]:
            try:
                stack[-1][1] = json.loads(value)
            except ValueError:
                stack[-1][1] = value.strip('"')
    return _path_of(stack)  # pragma: no cover - only called when the decoder recursed


def dotted_path(path: str) -> str:
    """`courses[3].title` -> `courses.3.title` (the API's error paths)."""
    return re.sub(r"\[(\d+)\]", r".\1", path).lstrip(".")


def _path_of(stack: list[list[Any]]) -> str:
    path = ""
    for kind, where, _ in stack:
        if kind == "[":
            path += f"[{where}]"
        elif where is not None:
            key = _BAD_CHARACTER.sub("?", str(where))
            path = f"{path}.{key}" if path else key
    return path or "document"
