"""A course's credits across outline versions, read against one target version.

The one implementation of "how many credits does this course give toward subcategory X of
the outline a prescription is read against", used by the matching engine's problem loading
and by the bundles page's credit sheet.

Moving a row to the target version. A distribution row names a subcategory of some
version of the discipline. Versions follow one another in `catalog.outline_dates` order.
Walking from the row's version toward the target version one version at a time, a
subcategory becomes:
- forward (older -> newer): the subcategories its `SubcategoryMapping` rows name (a split
  into k subcategories gives each 1/k of the credits; merged subcategories add up), else
  the subcategory of the same name in the next version, else the one an alias of the next
  version gives for its name;
- backward (newer -> older, for a prescription read against an older version): the
  subcategories mapped onto it (1/k each when k were merged into it), else the same name,
  else an older subcategory named by one of its aliases;
- when a step finds nothing, the row counts under its own name (a retired subcategory: a
  prescription may still name it, and it adds to the discipline total).
Shares are exact fractions; the credits (integer hundredths) are split by largest
remainder so the parts add up to the row's credits exactly.

Counting once. Within one version a course's rows add up. Across versions they never do:
for each target subcategory, the course gives what its rows of the target version give
when it has such rows, else the largest amount that any single other version gives. So a
course tagged under both the old and the new wording counts once, and the new tagging wins
for a prescription read against the new outline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from django.db.models import F, Value

from catalog.models import OutlineVersion, Subcategory, SubcategoryAlias, SubcategoryMapping
from catalog.outline_dates import Dated, in_sequence
from catalog.selectors import (
    INDEX_ALIAS_FIELDS,
    INDEX_SUBCATEGORY_FIELDS,
    SubcategoryIndex,
    VersionFields,
    fill_indexes,
)

Shares = tuple[tuple[str, Fraction], ...]  # (target key, share of the row's credits)


def _name_rows(discipline_id: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The discipline's subcategory rows (INDEX_SUBCATEGORY_FIELDS + the major's name, in
    outline order) and alias rows (INDEX_ALIAS_FIELDS), read in one UNION ALL query."""
    tail = INDEX_SUBCATEGORY_FIELDS[2:]  # the discipline code and the version fields
    assert INDEX_ALIAS_FIELDS[3:] == tail
    subs = (
        Subcategory.objects.filter(outline__discipline_id=discipline_id)
        .annotate(
            row_kind=Value(0),
            row_id=F("id"),
            row_text=F("name"),
            row_other=F("major__name"),
            row_major=F("major__position"),
        )
        .values_list("row_kind", "row_id", "row_text", "row_other", "row_major", "position", *tail)
    )
    aliases = (
        SubcategoryAlias.objects.filter(outline__discipline_id=discipline_id)
        .annotate(
            row_kind=Value(1),
            row_id=F("subcategory_id"),
            row_text=F("alias"),
            row_other=F("subcategory__name"),
            row_major=Value(0),
            row_position=Value(0),
        )
        .values_list(
            "row_kind", "row_id", "row_text", "row_other", "row_major", "row_position", *tail
        )
    )
    # The subcategories in the outline's order (major category, position, name).
    rows = (
        subs.order_by()
        .union(aliases.order_by(), all=True)
        .order_by("row_kind", "outline_id", "row_major", "position", "row_text", "row_id")
    )
    sub_rows: list[tuple[Any, ...]] = []
    alias_rows: list[tuple[Any, ...]] = []
    for kind, row_id, text, other, _, _, *rest in rows:
        if kind == 0:
            sub_rows.append((row_id, text, *rest, other))
        else:
            alias_rows.append((text, row_id, other, *rest))
    return sub_rows, alias_rows


class OutlineNames:
    """One discipline's subcategories (every version) read against a target version.

    One query (subcategories and aliases together), two when the discipline has several
    versions. `resolve` finds a name
    (the target version first, then the contract's order: current, aliases, older
    versions); `shares` moves a subcategory of any version
    to the target's names; `course_credits` applies the counting-once rule.
    """

    def __init__(self, *, target: OutlineVersion) -> None:
        self.target = target
        discipline_id = target.discipline_id
        code = target.discipline.code
        sub_rows, alias_rows = _name_rows(discipline_id)
        # The versions' order from their rows' version fields (a version without
        # subcategories has nothing to move): no query of its own.
        dated: dict[Any, Dated] = {target.pk: target}
        for row in sub_rows:
            dated.setdefault(row[3], VersionFields(row[3], *row[5:9]))
        versions = in_sequence(dated.values())
        self._position = {v.pk: i for i, v in enumerate(versions)}
        self._target_position = self._position[target.pk]
        self.index = SubcategoryIndex(code)
        fill_indexes({code: self.index}, sub_rows, alias_rows)
        self._name: dict[int, str] = {}
        self._outline: dict[int, int] = {}
        self._by_name: dict[tuple[int, str], int] = {}  # (position, name) -> id
        self.majors: dict[str, str] = {}  # target subcategory name -> major category name
        self._target_names: dict[str, int] = {}
        for sub_id, name, _, outline_id, *_, major in sub_rows:
            self._name[sub_id] = name
            self._outline[sub_id] = outline_id
            self._by_name[self._position[outline_id], name] = sub_id
            if outline_id == target.pk:
                self.majors[name] = major
                self._target_names[name] = sub_id
        self._forward: dict[int, list[int]] = defaultdict(list)
        self._backward: dict[int, list[int]] = defaultdict(list)
        mappings = SubcategoryMapping.objects.filter(
            from_subcategory__outline__discipline_id=discipline_id
        ).order_by("id")
        if len(versions) == 1:  # one version maps nothing: no query
            mappings = mappings.none()
        for from_id, to_id in mappings.values_list("from_subcategory_id", "to_subcategory_id"):
            self._forward[from_id].append(to_id)
            self._backward[to_id].append(from_id)
        self._alias_to: dict[tuple[int, str], int] = {}  # (position, alias) -> id
        self._aliases_of: dict[int, list[str]] = defaultdict(list)
        for alias, sub_id, _, _, outline_id, *_ in alias_rows:
            self._alias_to[self._position[outline_id], alias] = sub_id
            self._aliases_of[sub_id].append(alias)
        self._shares: dict[int, Shares] = {sub_id: self._walk(sub_id) for sub_id in self._name}

    # --- names -------------------------------------------------------------------------

    def resolve(self, name: str) -> int | None:
        """A subcategory id for a name: the target version first, then the contract's order."""
        return self._target_names.get(name) or self.index.resolve(name)

    def shares(self, sub_id: int) -> Shares:
        return self._shares.get(sub_id, ())

    def canonical(self, sub_id: int) -> str | None:
        """The one target name a subcategory stands for (None: unknown, or split)."""
        shares = self._shares.get(sub_id)
        if not shares or len(shares) != 1:
            return None
        return shares[0][0]

    def outline_of(self, sub_id: int) -> int:
        return self._outline[sub_id]

    def all_ids(self) -> set[int]:
        """Every subcategory id of the discipline, all outline versions."""
        return set(self._name)

    def ids_for(self, keys: Iterable[str]) -> set[int]:
        """Every subcategory id (any version) some of whose credits go to one of `keys`."""
        wanted = set(keys)
        return {
            sub_id
            for sub_id, shares in self._shares.items()
            if any(key in wanted for key, _ in shares)
        }

    # --- credits -----------------------------------------------------------------------

    def course_credits(self, rows: Iterable[tuple[int, int, int]]) -> dict[int, dict[str, int]]:
        """(course id, subcategory id, credits in hundredths) rows -> course id ->
        {target key: hundredths}, counting each course once per key (module docstring).
        Rows of other disciplines are ignored."""
        per_version: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for course_id, sub_id, credits in rows:
            shares = self._shares.get(sub_id)
            if not shares:
                continue
            amounts = per_version[course_id, self._outline[sub_id]]
            for key, amount in split_hundredths(credits, shares):
                amounts[key] += amount
        target_id = self.target.pk
        result: dict[int, dict[str, int]] = defaultdict(dict)
        own: dict[int, Mapping[str, int]] = {}
        for (course_id, outline_id), amounts in per_version.items():
            if outline_id == target_id:
                own[course_id] = amounts
        for (course_id, _), amounts in per_version.items():
            credits_of = result[course_id]
            in_target = own.get(course_id, {})
            for key, amount in amounts.items():
                if key in in_target:
                    credits_of[key] = in_target[key]
                elif amount > credits_of.get(key, 0):
                    credits_of[key] = amount
        return dict(result)

    # --- walking between versions -----------------------------------------------------

    def _walk(self, sub_id: int) -> Shares:
        start = self._position[self._outline[sub_id]]
        goal = self._target_position
        frontier: dict[int, Fraction] = {sub_id: Fraction(1)}
        dead: dict[str, Fraction] = {}
        position = start
        step = 1 if goal > start else -1
        while position != goal:
            following: dict[int, Fraction] = {}
            for current, share in frontier.items():
                found = self._step(current, position, step)
                if not found:
                    name = self._name[sub_id]
                    dead[name] = dead.get(name, Fraction(0)) + share
                    continue
                for target in found:
                    following[target] = following.get(target, Fraction(0)) + share / len(found)
            frontier = following
            position += step
        shares: dict[str, Fraction] = {}
        for current, share in frontier.items():
            name = self._name[current]
            shares[name] = shares.get(name, Fraction(0)) + share
        for name, share in dead.items():
            shares[name] = shares.get(name, Fraction(0)) + share
        return tuple(shares.items())

    def _step(self, sub_id: int, position: int, step: int) -> list[int]:
        nxt = position + step
        linked = self._forward.get(sub_id) if step > 0 else self._backward.get(sub_id)
        if linked:
            here = [s for s in linked if self._position[self._outline[s]] == nxt]
            if here:
                return here
        name = self._name[sub_id]
        same = self._by_name.get((nxt, name))
        if same is not None:
            return [same]
        if step > 0:
            aliased = self._alias_to.get((nxt, name))
            return [aliased] if aliased is not None else []
        older = [self._by_name.get((nxt, alias)) for alias in self._aliases_of.get(sub_id, ())]
        return [s for s in older if s is not None][:1]


def split_hundredths(credits: int, shares: Shares) -> list[tuple[str, int]]:
    """`credits` divided by `shares` (summing to 1), exactly: floors, then the leftover
    hundredths one each to the largest remainders (ties: listed order)."""
    if len(shares) == 1:
        return [(shares[0][0], credits)]
    exact = [(key, credits * share) for key, share in shares]
    floors = [int(value) for _, value in exact]
    leftover = credits - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [(key, amount) for (key, _), amount in zip(exact, floors, strict=True)]
