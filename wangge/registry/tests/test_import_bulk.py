"""Household import at scale: the rows are written in batches with bulk inserts, and the plan checked before
the write transaction is reused inside it when the registry has not changed. What a user sees must not
change: search text, tenant ids and timestamps as a save() sets them, errors on the right rows, nothing
half-written, and a change made by someone else between checking and writing caught."""

from __future__ import annotations

import gc

import pytest

from wangge.people.access import actor_scope
from wangge.registry import importing
from wangge.registry import services as registry
from wangge.registry.importing import households as household_services
from wangge.registry.importing import writing
from wangge.registry.models import Household, ImportStage, Resident
from wangge.testing.world import fake_id

from .test_import_households import counts, new_id, row_errors, run, xlsx_bytes

pytestmark = pytest.mark.django_db

# Names repeat (the search text is computed once per name) and one is in traditional characters.
NAMES = ["张伟", "王芳", "张伟", "李娜", "劉德華", "王芳", "欧阳娜娜"]


def rooms(count: int, *, start: int = 0) -> list[list]:
    """`count` new households in 1号楼1单元 (floor 3 to 6), each with a head and a spouse."""
    rows = []
    for i in range(start, start + count):
        room, floor = f"{3 + i % 4}{i:02d}", 3 + i % 4
        rows.append(["1号楼", "1单元", floor, room, NAMES[i % len(NAMES)], fake_id(i, "19700303"), "", "本人",
                     "出租", "", ""])
        rows.append(["1号楼", "1单元", floor, room, f"配偶{i}", fake_id(i, "19710404"), "", "配偶", "", "", ""])
    return rows


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(writing, "BATCH", 3)


def test_bulk_writes_set_what_a_save_sets(world, small_batches):
    report = run(world, xlsx_bytes(rooms(10)))
    assert report.households.created == 10 and report.residents.created == 20
    imported = Resident.objects.filter(id_number__in=[fake_id(i, "19700303") for i in range(10)])
    assert imported.count() == 10
    sub = world.grid("sub")
    for resident in imported:
        saved = registry.resident_create(
            household=world.households["A2em1"][0], name=resident.name, id_number=fake_id(900 + resident.pk),
            relation="child",
        )
        assert resident.search_text == saved.search_text != ""
        assert resident.subdistrict == sub and resident.household.subdistrict == sub
        assert resident.created_at and resident.updated_at and resident.household.created_at
        assert resident.household.occupancy == "rented"
    assert "liudehua" in Resident.objects.get(id_number=fake_id(4, "19700303")).search_text


def test_updates_in_bulk_change_only_what_changed(world, small_batches):
    run(world, xlsx_bytes(rooms(6)))
    stamps = dict(Resident.objects.values_list("id_number", "updated_at"))
    rows = rooms(6)
    rows[0][4] = "赵敏"  # a new name: new search text
    rows[3][6] = "13912345678"  # a new phone for a spouse
    rows[3][9] = "残疾人、低保户"  # and care labels
    rows[4][8] = "自住"  # a household moves from rented to owner-occupied
    report = run(world, xlsx_bytes(rows))
    assert report.residents.as_dict() == {"created": 0, "updated": 2, "unchanged": 10}
    assert report.households.as_dict() == {"created": 0, "updated": 1, "unchanged": 5}
    renamed = Resident.objects.get(id_number=fake_id(0, "19700303"))
    assert renamed.name == "赵敏" and "zhaomin" in renamed.search_text and "zm" in renamed.search_text
    spouse = Resident.objects.get(id_number=fake_id(1, "19710404"))
    assert spouse.phone == "13912345678" and spouse.care_flags == ["disabled", "low_income"]
    assert Household.objects.get(unit__building__estate_grid=world.grid("A1e"), room="502").occupancy == "owner"
    changed = {fake_id(0, "19700303"), fake_id(1, "19710404")}
    for id_number, updated_at in Resident.objects.values_list("id_number", "updated_at"):
        if id_number in stamps:
            assert (updated_at != stamps[id_number]) == (id_number in changed), id_number


def test_errors_across_batches_name_their_rows(world, small_batches):
    rows = rooms(20)
    rows[30][5] = "1234"  # row 32: the head of household 15 (rows 32–33)
    rows[37][5] = rows[10][5]  # row 39, the spouse of household 18 (rows 38–39): the ID number of row 12
    rows.append(["9号楼", "1单元", 3, "399", "无楼", new_id(140), "", "本人", "", "", ""])  # row 42
    before = counts()
    errors = row_errors(world, xlsx_bytes(rows))
    assert errors == ["第32行 身份证号: 应为18位", "第39行 身份证号: 与第12行重复", "第42行 楼栋: 未找到楼栋“9号楼”"]
    assert counts() == before

    report = run(world, xlsx_bytes(rows), skip_invalid=True)
    assert [str(e) for e in report.errors] == errors
    assert report.skipped_rows == [32, 33, 38, 39, 42]  # whole households
    assert report.households.created == 18 and report.residents.created == 36
    assert counts() == (before[0] + 18, before[1] + 36)
    assert not Resident.objects.filter(id_number=rows[31][5]).exists()  # the good spouse of household 15


def test_the_write_reports_progress_batch_by_batch(world, small_batches):
    calls = []
    importing.households_import_file(
        actor=None, grid=world.grid("A1e"), data=xlsx_bytes(rooms(7)), file_name="住户.xlsx",
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    writes = [(done, total) for stage, done, total in calls if stage == ImportStage.WRITE]
    assert writes[0] == (0, 14) and writes[-1] == (14, 14)
    assert (6, 14) in writes and (12, 14) in writes  # after each batch of 3 households (6 rows)


def test_the_checked_plan_is_not_made_again_when_nothing_changed(world, monkeypatch):
    table = importing.read_table(data=xlsx_bytes(rooms(2)), file_name="住户.xlsx")
    plan = importing.households_check(actor=None, grid=world.grid("A1e"), table=table)
    made = []
    make_plan = household_services.make_plan
    monkeypatch.setattr(household_services, "make_plan", lambda **kw: made.append(1) or make_plan(**kw))
    report = importing.households_import(actor=None, grid=world.grid("A1e"), table=table, plan=plan)
    assert report.residents.created == 4 and made == []
    # Without a plan, or with a plan for another grid, the import plans for itself.
    table = importing.read_table(data=xlsx_bytes(rooms(2, start=2)), file_name="住户.xlsx")
    plan = make_plan(scope=actor_scope(None), grid=world.grid("A1e"), table=table, progress=None)
    importing.households_import(actor=None, grid=world.grid("A1"), table=table, plan=plan)
    assert made == [1]


def test_a_household_registered_between_check_and_write_is_caught(world):
    table = importing.read_table(data=xlsx_bytes(rooms(1)), file_name="住户.xlsx")
    grid = world.grid("A1e")
    plan = importing.households_check(actor=None, grid=grid, table=table)
    assert plan.errors == []
    # Meanwhile someone registers the flat with its head on the household page.
    unit = world.households["A1em1"][0].unit
    household = registry.household_create(unit=unit, floor=3, room="300")
    registry.resident_create(household=household, name="王五", id_number=new_id(160))
    before = counts()
    with pytest.raises(importing.ImportRowError) as info:
        importing.households_import(actor=None, grid=grid, table=table, plan=plan)
    assert [str(e) for e in info.value.errors] == ["第2行 与户主关系: 该户已有户主（王五，已登记）"]
    assert counts() == before


def test_a_resident_registered_elsewhere_between_check_and_write_is_caught(world):
    table = importing.read_table(data=xlsx_bytes(rooms(1)), file_name="住户.xlsx")
    grid = world.grid("A1e")
    plan = importing.households_check(actor=None, grid=grid, table=table)
    other = world.households["A1em2"][0]
    registry.resident_create(household=other, name="配偶0", id_number=fake_id(0, "19710404"), relation="child")
    before = counts()
    with pytest.raises(importing.ImportRowError) as info:
        importing.households_import(actor=None, grid=grid, table=table, plan=plan)
    assert [str(e) for e in info.value.errors] == [f"第3行 身份证号: 已登记在{other.masked_address}"]
    assert counts() == before


def test_garbage_collection_is_back_on_after_an_import(world):
    assert gc.isenabled()
    run(world, xlsx_bytes(rooms(1)))
    assert gc.isenabled()
    row_errors(world, xlsx_bytes([["9号楼", "1单元", 3, "301", "无楼", new_id(170), "", "本人", "", "", ""]]))
    assert gc.isenabled()

