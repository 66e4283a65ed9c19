"""Fuzzy matching of a line's name text against an outline's subcategory names.

A wrong match costs more than an unmatched line (the user is asked about unmatched lines,
a wrong match may pass unnoticed), so a line matches only when its best subcategory is
close enough (THRESHOLD) and clearly better than the next-best subcategory (MARGIN).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from .model import Confidence, Outline, OutlineSubcategory, Unmatched

THRESHOLD = 86.0  # least similarity (0-100) of a match
MARGIN = 6.0  # least lead over the best other subcategory
HIGH = 93.0  # from here a match is "very likely"


def normalise(text: str) -> str:
    """Lower case, accents off, "&" and "+" as "and", punctuation as spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"\s*[&+]\s*", " and ", text)
    text = re.sub(r"[^a-z0-9/]+", " ", text)
    text = re.sub(r"\s*/\s*", "/", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class _Form:
    text: str  # normalised
    subcategory: OutlineSubcategory
    original: str  # as written in the outline (name, alias or older name)


@dataclass(frozen=True)
class Match:
    subcategory: OutlineSubcategory | None
    score: float
    confidence: Confidence | None
    reason: Unmatched | None
    matched_name: str | None = None
    runner_up: str | None = None
    closest: str | None = None  # unmatched: the best subcategory when it is close (THRESHOLD)


def _similarity(a: str, b: str) -> float:
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def _candidates(segments: tuple[str, ...], majors: Iterable[str]) -> list[str]:
    """Texts that may name the subcategory: each run of consecutive segments, and each
    of those with a leading major category name (or the discipline's) taken off."""
    normalised = [normalise(s) for s in segments]
    runs = {
        " ".join(normalised[i:j])
        for i in range(len(normalised))
        for j in range(i + 1, len(normalised) + 1)
    }
    prefixes = sorted({normalise(m) for m in majors}, key=len, reverse=True)
    for run in list(runs):
        for prefix in prefixes:
            if run.startswith(prefix + " "):
                runs.add(run[len(prefix) + 1 :])
        without_parens = normalise(re.sub(r"\([^)]*\)", " ", run))
        runs.add(without_parens)
    return [run for run in runs if run]


class Matcher:
    def __init__(self, outline: Outline) -> None:
        self.outline = outline
        forms: dict[str, _Form] = {}
        for sub in outline.subcategories:
            forms.setdefault(normalise(sub.name), _Form(normalise(sub.name), sub, sub.name))
        for sub in outline.subcategories:
            for other in sub.other_names:
                key = normalise(other)
                forms.setdefault(key, _Form(key, sub, other))
        self.forms = list(forms.values())
        self.majors = {normalise(m) for m in outline.majors} | {
            normalise(s.major) for s in outline.subcategories
        }
        discipline = outline.discipline
        self.prefixes = [*self.majors, normalise(discipline.name), normalise(discipline.code)]

    def match(self, segments: tuple[str, ...]) -> Match:
        candidates = _candidates(segments, self.prefixes)
        best_per_sub: dict[str, tuple[float, _Form, str]] = {}
        for candidate in candidates:
            for form in self.forms:
                # The same words as a name (not only the same words reordered) rank first.
                score = 100.5 if candidate == form.text else _similarity(candidate, form.text)
                current = best_per_sub.get(form.subcategory.name)
                if current is None or score > current[0]:
                    best_per_sub[form.subcategory.name] = (score, form, candidate)
        ranked = sorted(best_per_sub.values(), key=lambda item: item[0], reverse=True)
        if not ranked:
            return Match(None, 0.0, None, Unmatched.NOT_CLOSE)
        best_score, best, best_candidate = ranked[0]
        second = ranked[1] if len(ranked) > 1 else None
        runner_up = second[1].subcategory.name if second else None
        exact = best_score >= 100.0
        best_score = min(best_score, 100.0)

        def major_score(texts: Iterable[str]) -> float:
            return max((_similarity(c, m) for c in texts for m in self.majors), default=0.0)

        # An unmatched line suggests its best subcategory only when that one is as close as
        # a match must be (the same THRESHOLD): "Cardiac Doppler" suggests no CT name.
        closest = best.subcategory.name if best_score >= THRESHOLD else None
        best_as_major = major_score([best_candidate])
        if not exact and best_as_major >= THRESHOLD and best_as_major >= best_score:
            # The text closest to a subcategory is a major category's name.
            return Match(
                None,
                best_score,
                None,
                Unmatched.MAJOR_ONLY,
                runner_up=best.subcategory.name,
                closest=closest,
            )
        if best_score < THRESHOLD:
            reason = (
                Unmatched.MAJOR_ONLY
                if major_score(candidates) >= THRESHOLD
                else Unmatched.NOT_CLOSE
            )
            return Match(None, best_score, None, reason, runner_up=best.subcategory.name)
        if second is not None and best_score - second[0] < MARGIN and not exact:
            return Match(
                None,
                best_score,
                None,
                Unmatched.AMBIGUOUS,
                runner_up=best.subcategory.name,
                closest=closest,
            )
        if exact:
            confidence = Confidence.EXACT
        elif best_score >= HIGH:
            confidence = Confidence.HIGH
        else:
            confidence = Confidence.MEDIUM
        through = best.original if best.original != best.subcategory.name else None
        return Match(best.subcategory, best_score, confidence, None, through, runner_up)
