"""bulkload.insert writes what bulk_create writes (COPY on PostgreSQL), ids set on the objects."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict

from wangge.core import bulkload
from wangge.registry.models import Household, Resident
from wangge.testing.world import fake_id

pytestmark = pytest.mark.django_db


def _pairs(unit, first_room: int):
    households = [Household(unit=unit, floor=5, room=f"{first_room + n}", occupancy="rented",
                            subdistrict_id=unit.subdistrict_id) for n in range(3)]
    return households


def _residents(households, first: int):
    return [Resident(household=h, subdistrict_id=h.subdistrict_id, name=f"張偉{n}", id_number=fake_id(first + n),
                     phone="13800000000", relation="spouse", gender="M", care_flags=["elderly", "disabled"],
                     is_party_member=True, search_text=f"张伟{n} zhangwei{n} zw{n}")
            for n, h in enumerate(households)]


def _stored(model, objects) -> list[dict]:
    skip = {"id", "household", "created_at", "updated_at"}
    return [{k: v for k, v in model_to_dict(o).items() if k not in skip}
            for o in model.objects.filter(pk__in=[o.pk for o in objects]).order_by("pk")]


def test_insert_writes_what_bulk_create_writes(world):
    unit = world.households["A1em1"][0].unit
    copied = _pairs(unit, 900)
    bulkload.insert(Household, copied)
    created = Household.objects.bulk_create(_pairs(unit, 950))
    assert all(h.pk for h in copied) and all(not h._state.adding for h in copied)
    stored_copied, stored_created = _stored(Household, copied), _stored(Household, created)
    for row in (*stored_copied, *stored_created):
        row.pop("room")
    assert stored_copied == stored_created

    people = _residents(copied, 600)
    bulkload.insert(Resident, people)
    others = Resident.objects.bulk_create(_residents(created, 700))
    assert [r.household_id for r in Resident.objects.filter(pk__in=[r.pk for r in people]).order_by("pk")] == [
        h.pk for h in copied]
    mine, theirs = _stored(Resident, people), _stored(Resident, others)
    for row in (*mine, *theirs):
        row.pop("id_number")
    assert mine == theirs
    assert mine[0]["care_flags"] == ["elderly", "disabled"] and mine[0]["birth_date"] is None
    row = Resident.objects.get(pk=people[0].pk)
    assert row.created_at is not None and row.updated_at is not None


def test_insert_of_a_taken_id_number_is_an_integrity_error_and_writes_nothing(world):
    unit = world.households["A1em1"][0].unit
    households = _pairs(unit, 800)
    bulkload.insert(Household, households)
    taken = world.residents["A1em1"][0].id_number
    people = _residents(households, 800)
    people[2].id_number = taken
    before = Resident.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        bulkload.insert(Resident, people)
    assert Resident.objects.count() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="indexes are set aside on PostgreSQL only")
def test_a_table_written_earlier_in_the_transaction_can_be_set_aside_and_put_back(world):
    """Rows written before, with their foreign-key checks deferred to the commit: PostgreSQL refuses to alter
    a table with checks pending, so setting it aside checks them first."""
    households = _pairs(world.households["A1em1"][0].unit, 900)
    bulkload.insert(Household, households)
    set_aside = bulkload.set_aside([Household._meta.db_table])
    assert set_aside, "the households' indexes and constraints"
    bulkload.put_back(set_aside)
    assert Household.objects.filter(pk__in=[h.pk for h in households]).count() == 3
