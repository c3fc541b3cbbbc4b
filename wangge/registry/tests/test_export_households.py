"""Exporting households and residents: masked by default, unmasked with permission, reason and a log
row per resident; a full export imports again unchanged."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command

from wangge.core.errors import InvalidInput, NotFound, PermissionDenied
from wangge.people.models import PiiAccessLog
from wangge.registry import exporting, importing, services
from wangge.registry.models import CareFlag, Household, Resident

from .test_import_households import good_rows, new_id, xlsx_bytes

pytestmark = pytest.mark.django_db


def sheet_rows(content: bytes) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_masked_export_has_the_import_headers_and_hides_ids_phones_and_rooms(world):
    export = exporting.households_export(actor=world.users["member_A1e"], grid=world.grid("A1e"))
    rows = sheet_rows(export.content)
    assert list(rows[0]) == list(importing.EXPORT_COLUMNS)
    assert export.households == 4 and export.residents == 8 and not export.unmasked
    first = world.residents["A1em1"][0]
    row = next(r for r in rows if r["姓名"] == first.name)
    assert row["身份证号"] == first.id_number[:6] + "********" + first.id_number[-4:]
    assert row["联系电话"] == first.phone[:3] + "****" + first.phone[-4:]
    assert row["房号"] == "1**" and row["楼层"] == 1 and row["与户主关系"] == "本人" and row["小区"] == "A1小区"
    assert not PiiAccessLog.objects.exists()


def test_unmasked_export_is_full_and_logs_every_resident(world):
    leader = world.users["leader_A1"]
    export = exporting.households_export(actor=leader, grid=world.grid("A1e"), unmask=True, reason="核对台账")
    rows = sheet_rows(export.content)
    ids = {r["身份证号"] for r in rows}
    assert ids == {r.id_number for k in ("A1em1", "A1em2") for r in world.residents[k]}
    assert {r["房号"] for r in rows} == {"101", "201", "102", "202"}
    logs = PiiAccessLog.objects.filter(actor=leader, purpose="export")
    assert logs.count() == 8 and set(logs.values_list("reason", flat=True)) == {"核对台账"}


def test_unmasking_needs_the_permission_and_a_reason(world):
    with pytest.raises(PermissionDenied):
        exporting.households_export(actor=world.users["micro_A1em1"], grid=world.grid("A1em1"), unmask=True,
                                    reason="核对")
    with pytest.raises(InvalidInput) as info:
        exporting.households_export(actor=world.users["leader_A1"], grid=world.grid("A1e"), unmask=True, reason=" ")
    assert info.value.errors[0].field == "reason"
    with pytest.raises(NotFound):
        exporting.households_export(actor=world.users["member_A1e"], grid=world.grid("B1e"))
    assert not PiiAccessLog.objects.exists()


def test_full_export_imports_again_unchanged(world):
    importing.households_import_file(actor=None, grid=world.grid("A1e"), data=xlsx_bytes(good_rows()),
                                     file_name="a.xlsx")
    unit = Household.objects.get(room="301").unit
    services.household_create(unit=unit, floor=6, room="601", occupancy="vacant")  # a flat without residents
    leader = world.users["leader_A1"]
    for grid in ("A1e", "A"):  # the 小区 column tells the estates of a community apart
        export = exporting.households_export(actor=leader, grid=world.grid(grid), unmask=True, reason="备份")
        report = importing.households_import_file(actor=leader, grid=world.grid(grid), data=export.content,
                                                  file_name=export.file_name)
        assert report.ok
        assert report.households.created == report.households.updated == 0
        assert report.residents.created == report.residents.updated == 0
    assert report.residents.unchanged == 8 + 8 + 4 and report.households.unchanged == 8 + 3
    assert set(Resident.objects.get(id_number=new_id(103)).care_flags) == {
        CareFlag.LOW_INCOME, CareFlag.VETERAN, CareFlag.SPECIAL_NEEDS}


def test_masked_export_cannot_be_imported(world):
    export = exporting.households_export(actor=None, grid=world.grid("A1e"))
    with pytest.raises(importing.ImportRowError) as info:
        importing.households_import_file(actor=None, grid=world.grid("A1e"), data=export.content,
                                         file_name=export.file_name)
    messages = {e.message for e in info.value.errors}
    assert any("已脱敏" in m for m in messages)


def test_cli_export(world, tmp_path, capsys):
    path = tmp_path / "out.xlsx"
    call_command("export-households", "--grid", world.grid("A1e").code, "-o", str(path))
    assert "4 户、8 名居民" in capsys.readouterr().out
    assert sheet_rows(path.read_bytes())[0]["身份证号"].count("*") == 8
    with pytest.raises(InvalidInput) as info:
        call_command("export-households", "--grid", world.grid("A1e").code, "-o", str(path), "--unmask")
    assert info.value.errors[0].field == "user"
    call_command("export-households", "--grid", world.grid("A1e").code, "-o", str(path), "--unmask",
                 "--reason", "年度核查", "--user", "leader_a1")
    assert "*" not in sheet_rows(path.read_bytes())[0]["身份证号"]
    assert PiiAccessLog.objects.filter(actor=world.users["leader_A1"], purpose="export").count() == 8
