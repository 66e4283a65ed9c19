"""Dates in prescription text: US styles (09/30/2027, 9/30/27, September 30, 2027,
Sept. 30 2027, 30 September 2027) and ISO (2027-09-30), and what each date is for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .model import ParsedDates

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_MONTH = r"(?P<{}>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"

DATE_RE = re.compile(
    "|".join(
        (
            r"(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))",
            r"(?P<us>(?P<um>\d{1,2})/(?P<ud>\d{1,2})/(?P<uy>\d{4}|\d{2}))",
            r"(?P<mdy>"
            + _MONTH.format("mm")
            + r"\s+(?P<md>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<my>\d{4}))",
            r"(?P<dmy>(?P<dd>\d{1,2})(?:st|nd|rd|th)?\s+"
            + _MONTH.format("dm")
            + r",?\s+(?P<dy>\d{4}))",
        )
    ),
    re.IGNORECASE,
)
_BOUNDED = re.compile(r"(?<![\w/.-])(?:" + DATE_RE.pattern + r")(?![\w/-])", re.IGNORECASE)

_DEADLINE = re.compile(
    r"deadline|\bdue\b|complete[ds]?\s+(?:on\s+or\s+)?(?:by|before)|no\s+later\s+than|must\s+be",
    re.IGNORECASE,
)
_END = re.compile(r"\bby\b|expir|\bend(?:s|ing)?\b|\bclos|through\b|until\b", re.IGNORECASE)
_ISSUED = re.compile(
    r"\bissue|assigned|prescription\s+date|date\s+of\s+(?:the\s+)?prescription",
    re.IGNORECASE,
)
_START = re.compile(r"\bbegin|\bstart|\bopen|\bfrom\b", re.IGNORECASE)
_WINDOW = re.compile(r"window|period|cycle|compliance|\bcqr\b", re.IGNORECASE)


@dataclass(frozen=True)
class FoundDate:
    value: date
    start: int
    end: int


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def _to_date(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    try:
        if groups["iso"]:
            return date(int(groups["iy"]), int(groups["im"]), int(groups["id"]))
        if groups["us"]:
            return date(_year(groups["uy"]), int(groups["um"]), int(groups["ud"]))
        if groups["mdy"]:
            return date(int(groups["my"]), _MONTHS[groups["mm"].lower()], int(groups["md"]))
        return date(int(groups["dy"]), _MONTHS[groups["dm"].lower()], int(groups["dd"]))
    except ValueError:  # 13/45/2027 and the like are not dates
        return None


def find_dates(line: str) -> list[FoundDate]:
    """Every date written in the line, left to right."""
    found = []
    for match in _BOUNDED.finditer(line):
        value = _to_date(match)
        if value is not None:
            found.append(FoundDate(value, match.start(), match.end()))
    return found


def _kind(label: str, window_line: bool) -> str | None:
    if _ISSUED.search(label):
        return "issued"
    if _START.search(label):
        return "start"
    if _DEADLINE.search(label):
        return "deadline"
    if _END.search(label):
        return "window_end" if window_line or _WINDOW.search(label) else "deadline"
    return None


class DateCollector:
    """Reads dated lines in text order and decides deadline, window and issue date.

    The first date of each kind wins; a window's end is the deadline unless the text
    states a deadline of its own.
    """

    def __init__(self) -> None:
        self.deadline: date | None = None
        self.window_start: date | None = None
        self.window_end: date | None = None
        self.issued_on: date | None = None

    def feed(self, line: str, found: list[FoundDate]) -> None:
        """Each date is labelled by the words just before it ("Issued", "complete by");
        in a line about the window, two unlabelled dates are its start and end."""
        window_line = bool(_WINDOW.search(line)) and len(found) >= 2
        previous_end = 0
        for i, item in enumerate(found):
            kind = _kind(line[previous_end : item.start], window_line)
            if kind is None and window_line and i < 2:
                kind = "start" if i == 0 else "window_end"
            previous_end = item.end
            if kind == "issued":
                self.issued_on = self.issued_on or item.value
            elif kind == "start":
                self.window_start = self.window_start or item.value
            elif kind == "window_end":
                self.window_end = self.window_end or item.value
            elif kind == "deadline":
                self.deadline = self.deadline or item.value

    def result(self) -> ParsedDates:
        return ParsedDates(
            deadline=self.deadline or self.window_end,
            window_start=self.window_start,
            window_end=self.window_end,
            issued_on=self.issued_on,
        )
