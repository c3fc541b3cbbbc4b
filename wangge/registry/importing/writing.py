"""Writing a checked plan: the households and residents it creates with bulk inserts (COPY on PostgreSQL), those it changes
with bulk updates, a batch of households at a time (the households first, then their residents with the
households' ids). The caller holds the transaction; the plan has checked every row, and the database's
unique constraints (room in a unit, ID number) catch what another writer did meanwhile.

What `save()` would have done is done here: `created_at`/`updated_at` (bulk_create fills auto_now fields;
updates set `updated_at` themselves), the tenant `subdistrict_id` from the unit, and each resident's
`search_text`, computed by the model's own `refresh_search_text` once per distinct name (pinyin is slow,
and a roll repeats names)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from wangge.core import bulkload

from ..models import Household, ImportStage, Resident
from .planning import HouseholdPlan
from .reports import Progress

# Households per batch: one INSERT of households and one of residents (plus updates, when any) each.
BATCH = 1000


class _SearchText:
    """Sets `search_text` as `Searchable.refresh_search_text` does, once per distinct search parts."""

    def __init__(self) -> None:
        self.known: dict[tuple, str] = {}

    def set(self, obj) -> None:
        parts = obj.search_parts()
        text = self.known.get(parts)
        if text is None:
            obj.refresh_search_text()
            self.known[parts] = obj.search_text
        else:
            obj.search_text = text


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _bulk_update(model, objects: list, changed: list[set[str]]) -> None:
    """Update each object's changed fields (and updated_at), one UPDATE per set of fields and batch."""
    now = timezone.now()
    groups: dict[tuple[str, ...], list] = {}
    for obj, fields in zip(objects, changed, strict=True):
        obj.updated_at = now
        groups.setdefault(tuple(sorted(fields)), []).append(obj)
    for fields, group in groups.items():
        model.objects.bulk_update(group, [*fields, "updated_at"], batch_size=500)


def write(households: list[HouseholdPlan], *, total: int, progress: Progress | None = None) -> None:
    """Write the households of a checked plan (its good households) and their residents."""
    search = _SearchText()
    done = 0
    for batch in _batches(households, BATCH):
        created: list[Household] = []
        changed: list[Household] = []
        changed_fields: list[set[str]] = []
        written: list[Household] = []
        for plan in batch:
            if plan.existing is None:
                household = plan.new
                created.append(household)
            else:
                household = plan.existing
                if plan.changes:
                    for name, value in plan.changes.items():
                        setattr(household, name, value)
                    changed.append(household)
                    changed_fields.append(set(plan.changes))
            written.append(household)
        bulkload.insert(Household, created)
        if changed:
            _bulk_update(Household, changed, changed_fields)

        new_residents: list[Resident] = []
        updated: list[Resident] = []
        updated_fields: list[set[str]] = []
        for plan, household in zip(batch, written, strict=True):
            for row in plan.rows:
                person = row.person
                if person is None:
                    continue
                if row.resident is None:
                    resident = row.new
                    resident.household = household
                    resident.subdistrict_id = household.subdistrict_id
                    search.set(resident)
                    new_residents.append(resident)
                elif row.changes:
                    resident = row.resident
                    for name, value in row.changes.items():
                        setattr(resident, name, value)
                    fields = set(row.changes)
                    if "name" in fields:
                        search.set(resident)
                        fields.add("search_text")
                    updated.append(resident)
                    updated_fields.append(fields)
        bulkload.insert(Resident, new_residents)
        if updated:
            _bulk_update(Resident, updated, updated_fields)

        done += sum(len(plan.rows) for plan in batch)
        if progress:
            progress(ImportStage.WRITE, done, total)
