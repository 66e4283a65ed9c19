"""A list of outline objects validated and written together.

Used by the catalog import (its `outlines` section, contract §1) and by `load_outlines`
(`cqr-outlines/1` files), so both accept the same objects and report the same errors.
Several versions of one discipline may come together; each (discipline, version) once.
The caller holds the transaction and raises when `errors` is not empty.
"""

from __future__ import annotations

from typing import Any

from catalog.importers.outlines import (
    OutlineSpec,
    OutlineStatus,
    StoredOutlines,
    outline_label,
    outline_prune,
    outline_write,
    refresh_current,
    spec_from_catalog,
)
from catalog.importers.values import ErrorList
from catalog.models import OutlineVersion, Subcategory, SubcategoryMapping
from catalog.outline_dates import in_sequence


class OutlineSection:
    def __init__(
        self, records: list[Any], *, errors: ErrorList, rank: int, adopt: bool, prune: bool
    ) -> None:
        self.records, self.errors, self.rank = records, errors, rank
        self.adopt, self.prune = adopt, prune
        self.specs: list[tuple[int, OutlineSpec]] = []
        self.invalid = False
        self.created = 0
        self.updated = 0
        self.unchanged = 0
        self.changed_disciplines: set[int] = set()

    def read(self) -> None:
        seen: dict[tuple[str, str], int] = {}
        for i, raw in enumerate(self.records):
            spec = spec_from_catalog(raw, index=i, errors=self.errors, rank=self.rank)
            if spec is None:
                self.invalid = True
                continue
            key = (spec.discipline_code, spec.version)
            if key in seen:
                self.errors.fail(
                    (self.rank, i),
                    outline_label(i, raw),
                    "version",
                    "a second outline for this discipline "
                    f"and version (also outlines[{seen[key]}])",
                )
                self.invalid = True
                continue
            seen[key] = i
            self.specs.append((i, spec))

    def disciplines(self) -> set[str]:
        """Codes of the disciplines any record names (also invalid ones)."""
        return {
            raw["discipline"]
            for raw in self.records
            if isinstance(raw, dict) and isinstance(raw.get("discipline"), str)
        }

    def write(self) -> None:
        """Write every version, then their mappings, then which version is current."""
        if self.invalid:
            return
        written: list[tuple[int, OutlineSpec, OutlineVersion, OutlineStatus]] = []
        stored = StoredOutlines.of(spec for _, spec in self.specs)
        for index, spec in self.specs:
            status, outline = outline_write(spec, adopt=self.adopt, stored=stored)
            written.append((index, spec, outline, status))
        changed = [
            spec.mappings is not None
            and self._write_mappings(index, spec, outline, stored=stored, fresh=status == "created")
            for index, spec, outline, status in written
        ]
        if self.prune:  # after every mapping is rewritten (see `outline_prune`)
            changed = [
                outline_prune(outline, spec) or was
                for (_, spec, outline, _), was in zip(written, changed, strict=True)
            ]
        for n, (index, spec, outline, status) in enumerate(written):
            if changed[n] and status == "unchanged":
                written[n] = (index, spec, outline, "updated")
        ids = {outline.discipline_id for _, _, outline, _ in written}
        self.changed_disciplines |= refresh_current(discipline_ids=ids)
        if self.adopt:
            self._adopt_over_dated([(spec, outline) for _, spec, outline, _ in written])
        for _, _, outline, status in written:
            if status != "unchanged":
                self.changed_disciplines.add(outline.discipline_id)
            setattr(self, status, getattr(self, status) + 1)

    def _adopt_over_dated(self, written: list[tuple[OutlineSpec, OutlineVersion]]) -> None:
        """An undated version of the file that a dated one still outranks today takes that
        version's start, so it becomes current as contract §1 says (its `adopted_at` wins
        the tie); older prescriptions keep the older dated versions."""
        moved: set[int] = set()
        for spec, outline in written:
            if spec.dated:
                continue
            outline.refresh_from_db(fields=["effective_from", "is_current"])
            if outline.is_current or outline.effective_from is not None:
                continue
            current = OutlineVersion.objects.filter(
                discipline_id=outline.discipline_id, is_current=True
            ).first()
            if current is None or current.effective_from is None:
                continue
            outline.effective_from = current.effective_from
            outline.save(update_fields=["effective_from", "updated_at"])
            moved.add(outline.discipline_id)
        if moved:
            self.changed_disciplines |= refresh_current(discipline_ids=moved)

    def _write_mappings(
        self,
        index: int,
        spec: OutlineSpec,
        outline: OutlineVersion,
        *,
        stored: StoredOutlines,
        fresh: bool,
    ) -> bool:
        """Replace the mappings into `outline` from its previous version; True if changed.
        `stored` holds every version of the discipline (all are written by now); `fresh`:
        the outline was created in this load, so no mapping leads into it yet."""
        label = outline_label(index, self.records[index])
        discipline_id = outline.discipline_id
        versions = in_sequence(
            version for (of, _), version in stored.versions.items() if of == discipline_id
        )
        position = [v.pk for v in versions].index(outline.pk)
        mappings = spec.mappings or ()
        if position == 0:
            if mappings:
                self.errors.fail(
                    (self.rank, index),
                    label,
                    "mappings",
                    "there is no previous version of discipline "
                    f"{spec.discipline_code} to map from",
                )
            return False
        previous = versions[position - 1]
        names: dict[int, dict[str, int]] = {previous.pk: {}, outline.pk: {}}
        for outline_id, name, pk in Subcategory.objects.filter(
            outline__in=[previous, outline]
        ).values_list("outline_id", "name", "id"):
            names[outline_id][name] = pk
        old, new = names[previous.pk], names[outline.pk]
        wanted: set[tuple[int, int]] = set()
        for i, (source, targets) in enumerate(mappings):
            if source not in old:
                self.errors.fail(
                    (self.rank, index),
                    label,
                    f"mappings[{i}].from",
                    f'"{source}" is not a subcategory of the '
                    f'previous version "{previous.version}" of discipline {spec.discipline_code}',
                )
                continue
            wanted.update((old[source], new[target]) for target in targets)
        existing = (
            set()
            if fresh
            else set(
                SubcategoryMapping.objects.filter(to_subcategory__outline=outline).values_list(
                    "from_subcategory_id", "to_subcategory_id"
                )
            )
        )
        if wanted == existing:
            return False
        gone = existing - wanted
        for from_id, to_id in gone:
            SubcategoryMapping.objects.filter(
                from_subcategory_id=from_id, to_subcategory_id=to_id
            ).delete()
        SubcategoryMapping.objects.bulk_create(
            [
                SubcategoryMapping(
                    outline=outline, from_subcategory_id=from_id, to_subcategory_id=to_id
                )
                for from_id, to_id in sorted(wanted - existing)
            ]
        )
        return True
