"""Content outlines: reading outline objects and upserting outline versions.

One reader (`spec_from_catalog`) serves a catalog's `outlines` section (contract §1) and
the `cqr-outlines/1` files of `load_outlines` (the shipped catalog/data/arrt_outlines.json
and files site staff load): the same checks and the same messages naming record and field.
`OutlineSection` validates and writes a whole list of them (several versions of one
discipline may come together) and checks their `mappings` against the previous version.

Upserting a version creates or moves into place the majors, subcategories and aliases
the spec names. With `prune` (the file states the whole version) the ones it no longer
names are deleted too, unless a credit distribution or a prescription still points at
them: those are kept so nothing referring to them breaks. Nothing is written when the
stored outline already matches. Which version is current is never set here directly:
`refresh_current` recomputes it from the dates (`catalog.outline_dates`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.utils import timezone

from catalog.importers.values import (
    ErrorList,
    FieldError,
    read_bool,
    read_date,
    read_text,
    show,
)
from catalog.models import (
    Discipline,
    MajorCategory,
    OutlineVersion,
    Subcategory,
    SubcategoryAlias,
)
from catalog.outline_dates import in_force

OutlineStatus = Literal["created", "updated", "unchanged"]
MAX_POSITION = 32767  # PositiveSmallIntegerField


@dataclass(frozen=True)
class OutlineSpec:
    """One outline version as data: majors in order, each with its subcategories in order.

    `None` in an optional field keeps the stored value (a new version gets the default);
    `given` names the date fields the record stated, so a stated null clears a date.
    """

    discipline_code: str
    version: str
    majors: tuple[tuple[str, tuple[str, ...]], ...]
    discipline_name: str | None = None
    source: str | None = None  # None: keep the stored value (new outlines get "")
    confirmed: bool | None = None
    note: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)  # old wording -> subcategory name
    effective_from: date | None = None
    effective_until: date | None = None
    given: frozenset[str] = frozenset()  # of "effective_from", "effective_until"
    # (previous version's subcategory, (this version's subcategories, ...)); None: keep.
    mappings: tuple[tuple[str, tuple[str, ...]], ...] | None = None

    def subcategory_names(self) -> set[str]:
        return {name for _, subs in self.majors for name in subs}

    @property
    def dated(self) -> bool:
        return self.effective_from is not None


# --- Reading -------------------------------------------------------------------------------


def outline_label(index: int, record: object) -> str:
    label = f"outlines[{index}]"
    if isinstance(record, dict):
        code, version = record.get("discipline"), record.get("version")
        if isinstance(code, str) and isinstance(version, str):
            return f'{label} (discipline "{code}", version "{version}")'
        if isinstance(code, str):
            return f'{label} (discipline "{code}")'
    return label


def spec_from_catalog(
    record: object, *, index: int, errors: ErrorList, rank: int
) -> OutlineSpec | None:
    """Validate one outline object; None (with errors) if invalid.

    Shape: {"discipline", "name"?, "version", "categories": [{"major", "name"}],
    and the optional "effective_from", "effective_until", "source", "confirmed", "note",
    "aliases": {old: name}, "mappings": [{"from": previous version's name, "to": [names]}]}.
    """
    label = outline_label(index, record)
    count = len(errors)

    def fail(field_name: str, message: str) -> None:
        errors.fail((rank, index), label, field_name, message)

    if not isinstance(record, dict):
        errors.fail((rank, index), label, "", f"must be an object, not {show(record)}")
        return None
    values: dict[str, Any] = {}
    readers: dict[str, Any] = {
        "discipline": lambda v: read_text(v, max_length=8),
        "version": lambda v: read_text(v, max_length=40),
        "name": lambda v: read_text(v, max_length=120, required=False) or None,
        "source": lambda v: None if v is None else read_text(v, max_length=10_000, required=False),
        "note": lambda v: None if v is None else read_text(v, max_length=10_000, required=False),
        "confirmed": lambda v: None if v is None else read_bool(v),
        "effective_from": read_date,
        "effective_until": read_date,
    }
    for key, reader in readers.items():
        try:
            values[key] = reader(record.get(key))
        except FieldError as exc:
            fail(key, str(exc))
    starts, ends = values.get("effective_from"), values.get("effective_until")
    if starts is not None and ends is not None and ends < starts:
        fail("effective_until", f"{ends.isoformat()} is before effective_from {starts.isoformat()}")
    majors = _read_categories(record.get("categories"), fail)
    aliases = _read_aliases(record.get("aliases"), majors, fail)
    mappings = _read_mappings(record.get("mappings"), majors, fail)
    if len(errors) > count or majors is None or aliases is None:
        return None
    return OutlineSpec(
        discipline_code=values["discipline"],
        discipline_name=values["name"],
        version=values["version"],
        majors=majors,
        source=values["source"],
        confirmed=values["confirmed"],
        note=values["note"],
        aliases=aliases,
        effective_from=starts,
        effective_until=ends,
        given=frozenset(k for k in ("effective_from", "effective_until") if k in record),
        mappings=mappings,
    )


def _read_categories(raw: object, fail: Any) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    if not isinstance(raw, list) or not raw:
        fail("categories", f"must be a non-empty list, not {show(raw)}")
        return None
    grouped: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    ok = True
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            fail(f"categories[{i}]", f"must be an object, not {show(item)}")
            ok = False
            continue
        try:
            major = read_text(item.get("major"), max_length=200)
        except FieldError as exc:
            fail(f"categories[{i}].major", str(exc))
            ok = False
            continue
        try:
            name = read_text(item.get("name"), max_length=200)
        except FieldError as exc:
            fail(f"categories[{i}].name", str(exc))
            ok = False
            continue
        if name in seen:
            fail(
                f"categories[{i}].name", f'"{name}" is listed twice (also categories[{seen[name]}])'
            )
            ok = False
            continue
        seen[name] = i
        grouped.setdefault(major, []).append(name)
    if any(len(subs) > MAX_POSITION for subs in grouped.values()) or len(grouped) > MAX_POSITION:
        fail("categories", f"at most {MAX_POSITION} majors and subcategories per major")
        ok = False
    if not ok:
        return None
    return tuple((major, tuple(subs)) for major, subs in grouped.items())


def _read_aliases(
    raw: object, majors: tuple[tuple[str, tuple[str, ...]], ...] | None, fail: Any
) -> dict[str, str] | None:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        fail(
            "aliases", f"must be an object mapping old names to subcategory names, not {show(raw)}"
        )
        return None
    names = {name for _, subs in majors or () for name in subs}
    aliases: dict[str, str] = {}
    for alias, target in raw.items():
        if not isinstance(target, str) or (majors is not None and target not in names):
            fail(
                f'aliases["{alias}"]',
                f"must name a subcategory of this outline, not {show(target)}",
            )
        elif alias in names:
            fail(f'aliases["{alias}"]', "is already a subcategory name of this outline")
        elif len(alias) > 200 or not alias.strip():
            fail(f'aliases["{alias}"]', "must be a non-empty name of at most 200 characters")
        else:
            aliases[alias] = target
    return aliases if len(aliases) == len(raw) else None


def _read_mappings(
    raw: object, majors: tuple[tuple[str, tuple[str, ...]], ...] | None, fail: Any
) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """[{"from": old name, "to": [new names]}]; the "from" names are checked against the
    previous version when the section is written (`OutlineSection`)."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        fail("mappings", f'must be a list of {{"from": name, "to": [names]}}, not {show(raw)}')
        return None
    names = {name for _, subs in majors or () for name in subs}
    seen: dict[str, int] = {}
    mappings: list[tuple[str, tuple[str, ...]]] = []
    ok = True
    for i, item in enumerate(raw):
        where = f"mappings[{i}]"
        if not isinstance(item, dict):
            fail(where, f"must be an object, not {show(item)}")
            ok = False
            continue
        try:
            source = read_text(item.get("from"), max_length=200)
        except FieldError as exc:
            fail(f"{where}.from", str(exc))
            ok = False
            continue
        if source in seen:
            fail(f"{where}.from", f'"{source}" is mapped twice (also mappings[{seen[source]}])')
            ok = False
            continue
        seen[source] = i
        targets = item.get("to")
        if isinstance(targets, str):
            targets = [targets]
        if not isinstance(targets, list) or not targets:
            fail(
                f"{where}.to", f"must be a non-empty list of subcategory names, not {show(targets)}"
            )
            ok = False
            continue
        clean: list[str] = []
        for j, target in enumerate(targets):
            if not isinstance(target, str) or (majors is not None and target not in names):
                fail(
                    f"{where}.to[{j}]",
                    f"must name a subcategory of this outline, not {show(target)}",
                )
                ok = False
            elif target in clean:
                fail(f"{where}.to[{j}]", f'"{target}" is listed twice')
                ok = False
            else:
                clean.append(target)
        mappings.append((source, tuple(clean)))
    return tuple(mappings) if ok else None


# --- Writing -------------------------------------------------------------------------------


@dataclass
class StoredOutlines:
    """The disciplines and outline versions that some specs name, read in two queries
    (a whole file's worth at once) and kept up to date as `outline_write` adds rows."""

    disciplines: dict[str, Discipline]
    versions: dict[tuple[int, str], OutlineVersion]

    @classmethod
    def of(cls, specs: Iterable[OutlineSpec]) -> StoredOutlines:
        codes = {spec.discipline_code for spec in specs}
        disciplines = {d.code: d for d in Discipline.objects.filter(code__in=sorted(codes))}
        versions = OutlineVersion.objects.filter(discipline__in=list(disciplines.values()))
        return cls(disciplines, {(v.discipline_id, v.version): v for v in versions})


def outline_write(
    spec: OutlineSpec, *, adopt: bool, prune: bool = False, stored: StoredOutlines | None = None
) -> tuple[OutlineStatus, OutlineVersion]:
    """Create or update the outline version in `spec`; the caller holds a transaction and
    calls `refresh_current` afterwards (the current version follows from the dates).

    `adopt` (a catalog import, contract §1: "that version becomes the discipline's current
    outline"): an undated version that is not current is stamped `adopted_at`, which makes
    it the latest undated version of its discipline. `stored`: the rows already read for
    a list of specs this one belongs to (by default read for this spec alone).
    """
    stored = stored or StoredOutlines.of([spec])
    changed = False
    discipline = stored.disciplines.get(spec.discipline_code)
    if discipline is None:
        discipline = Discipline.objects.create(
            code=spec.discipline_code, name=spec.discipline_name or spec.discipline_code
        )
        stored.disciplines[discipline.code] = discipline
    elif spec.discipline_name and discipline.name != spec.discipline_name:
        discipline.name = spec.discipline_name
        discipline.save(update_fields=["name"])
        changed = True
    outline = stored.versions.get((discipline.pk, spec.version))
    if outline is None:
        outline = OutlineVersion.objects.create(
            discipline=discipline,
            version=spec.version,
            source=spec.source or "",
            confirmed=bool(spec.confirmed),
            note=spec.note or "",
            effective_from=spec.effective_from,
            effective_until=spec.effective_until,
            adopted_at=timezone.now() if adopt and not spec.dated else None,
            is_current=False,
        )
        stored.versions[(discipline.pk, spec.version)] = outline
        _write_children(outline, spec, prune=False, fresh=True)
        return "created", outline
    changed |= _update_outline_row(outline, spec, adopt=adopt)
    if _write_children(outline, spec, prune=prune):
        changed = True
        outline.save(update_fields=["updated_at"])
    return ("updated" if changed else "unchanged"), outline


def _update_outline_row(outline: OutlineVersion, spec: OutlineSpec, *, adopt: bool) -> bool:
    updates: dict[str, Any] = {
        name: value
        for name, value in (
            ("source", spec.source),
            ("confirmed", spec.confirmed),
            ("note", spec.note),
        )
        if value is not None
    }
    for name in ("effective_from", "effective_until"):
        value = getattr(spec, name)
        if value is not None or name in spec.given:
            updates[name] = value
    undated = updates.get("effective_from", outline.effective_from) is None
    if adopt and undated and not outline.is_current:
        updates["adopted_at"] = timezone.now()
    fields = [name for name, value in updates.items() if getattr(outline, name) != value]
    for name in fields:
        setattr(outline, name, updates[name])
    if fields:
        outline.save(update_fields=[*fields, "updated_at"])
    return bool(fields)


def refresh_current(
    *, discipline_ids: Iterable[int] | None = None, today: date | None = None
) -> set[int]:
    """Set `is_current` on the version in force today (`catalog.outline_dates`) of each
    discipline (all, or `discipline_ids`); returns the disciplines whose current changed."""
    day = today or timezone.localdate()
    versions = OutlineVersion.objects.all()
    if discipline_ids is not None:
        versions = versions.filter(discipline_id__in=sorted(set(discipline_ids)))
    by_discipline: dict[int, list[OutlineVersion]] = defaultdict(list)
    for version in versions.only(
        "id",
        "discipline_id",
        "version",
        "effective_from",
        "effective_until",
        "adopted_at",
        "is_current",
    ):
        by_discipline[version.discipline_id].append(version)
    winners: dict[int, int] = {}  # discipline id -> the version to make current
    for discipline_id, rows in by_discipline.items():
        winner = in_force(rows, day)
        if winner is None or (winner.is_current and sum(v.is_current for v in rows) == 1):
            continue
        winners[discipline_id] = winner.pk
    if winners:  # two statements for all of them; the old current goes first
        OutlineVersion.objects.filter(discipline_id__in=winners, is_current=True).exclude(
            pk__in=winners.values()
        ).update(is_current=False)
        OutlineVersion.objects.filter(pk__in=winners.values()).update(is_current=True)
    return set(winners)


def _write_children(
    outline: OutlineVersion, spec: OutlineSpec, *, prune: bool, fresh: bool = False
) -> bool:
    """Majors, subcategories and aliases of one outline, in a fixed number of queries
    (`fresh`: the outline was created just now, so it has none to read)."""
    changed = False
    majors = {} if fresh else {m.name: m for m in MajorCategory.objects.filter(outline=outline)}
    new_majors, moved_majors = [], []
    for position, (name, _) in enumerate(spec.majors):
        major = majors.get(name)
        if major is None:
            major = MajorCategory(outline=outline, name=name, position=position)
            majors[name] = major
            new_majors.append(major)
        elif major.position != position:
            major.position = position
            moved_majors.append(major)
    MajorCategory.objects.bulk_create(new_majors, batch_size=500)
    MajorCategory.objects.bulk_update(moved_majors, ["position"], batch_size=500)
    changed |= bool(new_majors or moved_majors)

    subs = {} if fresh else {s.name: s for s in Subcategory.objects.filter(outline=outline)}
    new_subs, moved_subs = [], []
    for major_name, names in spec.majors:
        major = majors[major_name]
        for position, name in enumerate(names):
            sub = subs.get(name)
            if sub is None:
                sub = Subcategory(outline=outline, major=major, name=name, position=position)
                subs[name] = sub
                new_subs.append(sub)
            elif sub.major_id != major.pk or sub.position != position:
                sub.major, sub.position = major, position
                moved_subs.append(sub)
    Subcategory.objects.bulk_create(new_subs, batch_size=500)
    Subcategory.objects.bulk_update(moved_subs, ["major", "position"], batch_size=500)
    changed |= bool(new_subs or moved_subs)

    aliases = (
        {} if fresh else {a.alias: a for a in SubcategoryAlias.objects.filter(outline=outline)}
    )
    new_aliases, moved_aliases = [], []
    for alias, target in spec.aliases.items():
        row = aliases.get(alias)
        if row is None:
            new_aliases.append(
                SubcategoryAlias(outline=outline, alias=alias, subcategory=subs[target])
            )
        elif row.subcategory_id != subs[target].pk:
            row.subcategory = subs[target]
            moved_aliases.append(row)
    SubcategoryAlias.objects.bulk_create(new_aliases, batch_size=500)
    SubcategoryAlias.objects.bulk_update(moved_aliases, ["subcategory"], batch_size=500)
    changed |= bool(new_aliases or moved_aliases)
    if prune:
        changed |= outline_prune(outline, spec)
    return changed


def outline_prune(outline: OutlineVersion, spec: OutlineSpec) -> bool:
    """Delete what the spec no longer names and nothing refers to; True if any was.

    A file stating several versions prunes after writing all their mappings, so that a
    subcategory only the replaced mappings referred to goes in the same load."""
    aliases = {a.alias: a for a in SubcategoryAlias.objects.filter(outline=outline)}
    subs = {s.name: s for s in Subcategory.objects.filter(outline=outline)}
    majors = {m.name: m for m in MajorCategory.objects.filter(outline=outline)}
    gone_aliases = [a.pk for name, a in aliases.items() if name not in spec.aliases]
    gone_subs = {s.pk for name, s in subs.items() if name not in spec.subcategory_names()}
    gone_subs -= _referenced_subcategories(gone_subs)
    SubcategoryAlias.objects.filter(pk__in=gone_aliases).delete()
    Subcategory.objects.filter(pk__in=gone_subs).delete()  # their aliases cascade
    listed = {name for name, _ in spec.majors}
    empty_majors = MajorCategory.objects.filter(outline=outline, subcategories__isnull=True)
    gone_majors = [m.pk for name, m in majors.items() if name not in listed]
    deleted, _ = empty_majors.filter(pk__in=gone_majors).delete()
    return bool(gone_aliases or gone_subs or deleted)


def _referenced_subcategories(candidates: set[int]) -> set[int]:
    """Those of `candidates` that rows of other models point at (PROTECT relations)."""
    if not candidates:
        return set()
    referenced: set[int] = set()
    for relation in Subcategory._meta.related_objects:
        model = relation.related_model
        if model in (SubcategoryAlias,) or not isinstance(model, type):
            continue  # aliases go with their subcategory
        lookup = {f"{relation.field.name}__in": candidates}
        rows = model._default_manager.filter(**lookup).values_list(relation.field.attname)
        referenced.update(pk for (pk,) in rows.distinct())
    return referenced
