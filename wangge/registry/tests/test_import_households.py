"""Household/resident import: the service, the file reader and the CLI. Files are built in the tests."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command

from wangge.core.errors import InvalidInput, NotFound, PermissionDenied
from wangge.registry import importing
from wangge.registry.models import CareFlag, Household, Occupancy, Relation, Resident
from wangge.testing.world import fake_id

pytestmark = pytest.mark.django_db

HEADERS = ["楼栋", "单元", "楼层", "房号", "姓名", "身份证号", "联系电话", "与户主关系", "居住状态", "关爱标签", "党员"]


def new_id(n: int) -> str:
    return fake_id(n, birth="19900202")


def good_rows() -> list[list]:
    return [
        ["1号楼", "1单元", 3, "301", "张三", new_id(101), "13800000001", "本人", "自住", "独居老人、残疾人", "是"],
        ["1号楼", "1单元", 3, "301", "李四", new_id(102), "", "配偶", "自住", "", "否"],
        ["1号楼", "2单元", 4, "402", "王五", new_id(103), "13800000003", "户主", "出租", "低保户,退役军人；特困人员", ""],
        ["1号楼", "2单元", 4, "402", "赵六", new_id(104), "13800000004", "租户", "", "", ""],
    ]


def xlsx_bytes(rows: list[list], headers: list | None = None, *, title: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(headers or HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], headers: list | None = None, *, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers or HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def run(world, data: bytes, *, name: str = "住户.xlsx", grid: str = "A1e", actor=None, skip_invalid=False):
    return importing.households_import_file(
        actor=actor, grid=world.grid(grid), data=data, file_name=name, skip_invalid=skip_invalid
    )


def row_errors(world, data: bytes, **kwargs) -> list[str]:
    with pytest.raises(importing.ImportRowError) as info:
        run(world, data, **kwargs)
    assert info.value.report.written is False
    return [str(e) for e in info.value.errors]


def counts() -> tuple[int, int]:
    return Household.objects.count(), Resident.objects.count()


# -- a good file --------------------------------------------------------------------------------------


def test_good_import_creates_households_and_residents(world):
    before = counts()
    report = run(world, xlsx_bytes(good_rows()))
    assert report.ok and report.written
    assert report.households.as_dict() == {"created": 2, "updated": 0, "unchanged": 0}
    assert report.residents.as_dict() == {"created": 4, "updated": 0, "unchanged": 0}
    assert counts() == (before[0] + 2, before[1] + 4)

    h301 = Household.objects.get(unit__building__estate_grid=world.grid("A1e"), unit__name="1单元", room="301")
    assert (h301.floor, h301.occupancy) == (3, Occupancy.OWNER)
    assert h301.unit.micro_grid == world.grid("A1em1")
    assert h301.subdistrict == world.grid("sub")
    zhang = Resident.objects.get(id_number=new_id(101))
    assert zhang.household == h301 and zhang.relation == Relation.SELF and zhang.is_party_member
    assert zhang.care_flags == [CareFlag.ELDERLY_ALONE, CareFlag.DISABLED]
    assert zhang.gender and zhang.birth_date.year == 1990 and zhang.search_text
    assert Resident.objects.get(id_number=new_id(102)).phone == ""
    wang = Resident.objects.get(id_number=new_id(103))
    assert wang.relation == Relation.SELF and wang.household.occupancy == Occupancy.RENTED
    assert set(wang.care_flags) == {CareFlag.LOW_INCOME, CareFlag.VETERAN, CareFlag.SPECIAL_NEEDS}
    assert Resident.objects.get(id_number=new_id(104)).relation == Relation.TENANT


def test_reimporting_the_same_file_changes_nothing(world):
    data = xlsx_bytes(good_rows())
    run(world, data)
    stamps = list(Resident.objects.order_by("pk").values_list("updated_at", flat=True))
    report = run(world, data)
    assert report.households.as_dict() == {"created": 0, "updated": 0, "unchanged": 2}
    assert report.residents.as_dict() == {"created": 0, "updated": 0, "unchanged": 4}
    assert list(Resident.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_existing_resident_in_the_same_household_gets_only_changed_fields(world):
    household = world.households["A1em1"][0]  # 1号楼1单元101, floor 1
    head, spouse = world.residents["A1em1"][:2]
    rows = [
        ["1号楼", "1单元", 1, "101", head.name, head.id_number, "13912345678", "本人", "", "", ""],
        ["1号楼", "1单元", 1, "101", spouse.name, spouse.id_number, "", "配偶", "", "", ""],  # blank phone keeps
    ]
    report = run(world, xlsx_bytes(rows))
    assert report.residents.as_dict() == {"created": 0, "updated": 1, "unchanged": 1}
    assert report.households.as_dict() == {"created": 0, "updated": 0, "unchanged": 1}
    head.refresh_from_db()
    spouse_phone = spouse.phone
    spouse.refresh_from_db()
    assert head.phone == "13912345678" and spouse.phone == spouse_phone
    # A changed occupancy updates the household.
    rows[0][8] = "出租"
    report = run(world, xlsx_bytes(rows))
    assert report.households.updated == 1 and report.residents.unchanged == 2
    household.refresh_from_db()
    assert household.occupancy == Occupancy.RENTED


def test_headers_with_spaces_aliases_extra_columns_and_a_title_row(world):
    headers = [" 楼栋 ", "单元", "楼层 ", "房号", "姓名", "身份证号码", "手机号", "与户主关系", "备注"]
    rows = [["1号楼", "1", "3", "301室", "张三", new_id(101), "138 0000 0001", "本人", "随便写"]]
    report = run(world, xlsx_bytes(rows, headers, title="红旗社区住户登记表"))
    assert report.residents.created == 1
    resident = Resident.objects.get(id_number=new_id(101))
    assert resident.household.room == "301" and resident.household.unit.name == "1单元"
    assert resident.phone == "13800000001"


def test_household_only_rows_register_vacant_flats(world):
    headers = ["楼栋", "单元", "楼层", "房号", "居住状态", "姓名", "身份证号", "联系电话", "与户主关系"]
    report = run(world, xlsx_bytes([["1号楼", "2单元", 5, "502", "空置", "", "", "", ""]], headers))
    assert report.households.created == 1 and report.residents.created == 0
    assert Household.objects.get(room="502", unit__building__estate_grid=world.grid("A1e")).occupancy == "vacant"


# -- bad rows: the right row and field, nothing written -------------------------------------------------


def _bad(row: list, **changes) -> list:
    out = list(row)
    for index, value in changes.items():
        out[int(index.lstrip("c"))] = value
    return out


BASE = ["1号楼", "1单元", 3, "301", "张三", new_id(101), "13800000001", "本人", "自住", "", "否"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([BASE, _bad(BASE, c0="9号楼", c3="901", c5=new_id(102))], "第3行 楼栋: 未找到楼栋“9号楼”"),
        ([_bad(BASE, c1="7单元")], "第2行 单元: 未找到单元“7单元”（1号楼）"),
        ([_bad(BASE, c5=new_id(101)[:-1] + ("0" if new_id(101)[-1] != "0" else "1"))], "第2行 身份证号: 校验位错误"),
        ([_bad(BASE, c5="1234")], "第2行 身份证号: 应为18位"),
        ([_bad(BASE, c6="12345")], "第2行 联系电话: 不是有效的大陆手机号码"),
        ([BASE, _bad(BASE, c4="张三三")], "第3行 身份证号: 与第2行重复"),
        ([BASE, _bad(BASE, c4="李四", c5=new_id(102))], "第3行 与户主关系: 该户已有户主（第2行）"),
        ([BASE, _bad(BASE, c2=4, c5=new_id(102), c7="配偶")], "第3行 楼层: 同一户的楼层与第2行不一致（4 ≠ 3）"),
        ([_bad(BASE, c2=9)], "第2行 楼层: 应在 -5 到 6 之间（1号楼共6层）"),
        ([_bad(BASE, c2="三楼")], "第2行 楼层: 应为整数，如 3 或 -1（现为“三楼”）"),
        ([_bad(BASE, c7="邻居")], "第2行 与户主关系: 未知关系“邻居”"),
        ([_bad(BASE, c8="借住")], "第2行 居住状态: 未知居住状态“借住”"),
        ([_bad(BASE, c9="独居老人、富豪")], "第2行 关爱标签: 未知关爱标签“富豪”"),
        ([_bad(BASE, c10="也许")], "第2行 党员: 应填“是”或“否”"),
        ([_bad(BASE, c4="")], "第2行 姓名: 姓名不能为空"),
        ([_bad(BASE, c5="140728********0011")], "第2行 身份证号: 已脱敏"),
        ([_bad(BASE, c0="")], "第2行 楼栋: 不能为空"),
    ],
)
def test_bad_rows_name_row_and_field_and_write_nothing(world, rows, expected):
    before = counts()
    errors = row_errors(world, xlsx_bytes(rows))
    assert any(e.startswith(expected) for e in errors), errors
    assert counts() == before


def test_resident_registered_in_another_household_is_refused_with_the_masked_address(world):
    other = world.residents["A1em2"][0]  # lives in 1号楼2单元102
    errors = row_errors(world, xlsx_bytes([_bad(BASE, c5=other.id_number)]))
    assert errors == [f"第2行 身份证号: 已登记在{other.household.masked_address}"]
    assert "1号楼2单元1**室" in errors[0]


def test_a_second_head_next_to_a_registered_one_is_refused(world):
    head = world.residents["A1em1"][0]
    errors = row_errors(world, xlsx_bytes([["1号楼", "1单元", 1, "101", "新户主", new_id(150), "", "本人", "", "", ""]]))
    assert errors == [f"第2行 与户主关系: 该户已有户主（{head.name}，已登记）"]
    # Swapping roles inside the file is fine: the registered head becomes the spouse.
    rows = [
        ["1号楼", "1单元", 1, "101", "新户主", new_id(150), "", "本人", "", "", ""],
        ["1号楼", "1单元", 1, "101", head.name, head.id_number, "", "配偶", "", "", ""],
    ]
    report = run(world, xlsx_bytes(rows))
    assert report.residents.as_dict() == {"created": 1, "updated": 1, "unchanged": 0}


def test_id_number_saved_as_a_number_by_excel_is_explained(world):
    errors = row_errors(world, xlsx_bytes([_bad(BASE, c5=1.40728199002021e17)]))
    assert errors == ["第2行 身份证号: 被保存成了数字，末几位已丢失；请把该列设为文本格式后重新录入"]


def test_every_error_is_listed(world):
    rows = [_bad(BASE, c0="9号楼"), _bad(BASE, c3="302", c5="1234", c6="123")]
    errors = row_errors(world, xlsx_bytes(rows))
    assert errors[0] == "第2行 楼栋: 未找到楼栋“9号楼”"
    assert {"第3行 身份证号: 应为18位", "第3行 联系电话: 不是有效的大陆手机号码"} <= set(errors)


def test_skip_invalid_writes_the_good_households_and_skips_whole_bad_ones(world):
    rows = good_rows() + [
        ["1号楼", "1单元", 5, "501", "好人", new_id(120), "", "本人", "", "", ""],
        ["1号楼", "1单元", 5, "501", "坏号", "1234", "", "配偶", "", "", ""],
        ["9号楼", "1单元", 1, "101", "无楼", new_id(121), "", "本人", "", "", ""],
    ]
    before = counts()
    report = run(world, xlsx_bytes(rows), skip_invalid=True)
    assert report.written and not report.ok
    assert [str(e) for e in report.errors] == ["第7行 身份证号: 应为18位", "第8行 楼栋: 未找到楼栋“9号楼”"]
    assert report.skipped_rows == [6, 7, 8]  # 好人 shares a household with the bad row 7
    assert report.households.created == 2 and report.residents.created == 4
    assert counts() == (before[0] + 2, before[1] + 4)
    assert not Resident.objects.filter(id_number=new_id(120)).exists()


# -- the file itself --------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030(world, encoding):
    report = run(world, csv_bytes(good_rows(), encoding=encoding), name="住户.csv")
    assert report.residents.created == 4
    assert Resident.objects.get(id_number=new_id(101)).name == "张三"


def test_missing_columns_are_named(world):
    headers = [h for h in HEADERS if h not in ("身份证号", "单元")]
    with pytest.raises(InvalidInput) as info:
        run(world, xlsx_bytes([["1号楼", 3, "301", "张三", "", "本人", "", "", ""]], headers))
    assert info.value.errors[0].field == "file"
    assert "缺少必需的列：单元、身份证号" in info.value.message


def test_a_column_twice_is_refused():
    with pytest.raises(InvalidInput) as info:
        importing.read_table(data=xlsx_bytes([BASE + ["x"]], HEADERS + ["姓名"]), file_name="住户.xlsx")
    assert "“姓名”列出现了两次" in info.value.message


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"hello", "住户.txt", "只能导入 .xlsx 或 .csv 文件"),
        (b"\xd0\xcf\x11\xe0 old excel", "住户.xls", "不支持旧版 Excel"),
        (b"just text, not a workbook", "住户.xlsx", "不是有效的 .xlsx 文件"),
        (b"PK\x03\x04 broken zip", "住户.xlsx", "不是有效的 .xlsx 文件"),
        (b"", "住户.xlsx", "文件为空"),
        (b"  \r\n", "住户.csv", "文件为空"),
        (b"\xff\xfe\x00\xd8\x00", "住户.csv", "无法识别文件编码"),
    ],
)
def test_wrong_or_empty_files_name_the_file_field(data, name, message):
    with pytest.raises(InvalidInput) as info:
        importing.read_table(data=data, file_name=name)
    assert info.value.errors[0].field == "file"
    assert message in info.value.message


def test_a_header_without_rows_is_an_empty_file():
    with pytest.raises(InvalidInput) as info:
        importing.read_table(data=xlsx_bytes([]), file_name="住户.xlsx")
    assert info.value.message == "文件中没有数据行"


# -- where: grids and permissions ---------------------------------------------------------------------


def test_micro_grid_member_may_not_import(world):
    micro = world.users["micro_A1em1"]
    with pytest.raises(PermissionDenied):
        run(world, xlsx_bytes(good_rows()), grid="A1em1", actor=micro)
    with pytest.raises(NotFound):
        run(world, xlsx_bytes(good_rows()), grid="A2e", actor=micro)


def test_a_grid_member_imports_inside_their_grid_only(world):
    member = world.users["member_A1e"]
    assert run(world, xlsx_bytes(good_rows()), actor=member).residents.created == 4
    with pytest.raises(NotFound):
        run(world, xlsx_bytes(good_rows()), grid="A2e", actor=member)


def test_importing_under_a_micro_grid_takes_only_its_units(world):
    errors = row_errors(world, xlsx_bytes(good_rows()), grid="A1em1")
    assert errors == ["第4行 单元: 1号楼2单元不在网格“A1微网格1”内", "第5行 单元: 1号楼2单元不在网格“A1微网格1”内"]
    assert run(world, xlsx_bytes(good_rows()[:2]), grid="A1em1").residents.created == 2


def test_same_building_name_in_two_estates_needs_the_estate_column(world):
    errors = row_errors(world, xlsx_bytes([BASE]), grid="A", actor=world.users["leader_A1"])
    assert errors == ["第2行 楼栋: 楼栋“1号楼”在多个小区中都有（A1小区、A2小区），请填写“小区”列"]
    report = run(world, xlsx_bytes([["A2小区", *BASE]], ["小区", *HEADERS]), grid="A")
    assert report.residents.created == 1
    assert Resident.objects.get(id_number=new_id(101)).household.unit.building.estate_grid == world.grid("A2e")
    errors = row_errors(world, xlsx_bytes([["B1小区", *BASE]], ["小区", *HEADERS]), grid="A")
    assert errors == ["第2行 小区: 未找到小区“B1小区”"]


# -- the command ------------------------------------------------------------------------------------


def test_cli_imports_and_prints_the_report(world, tmp_path, capsys):
    path = tmp_path / "住户.xlsx"
    path.write_bytes(xlsx_bytes(good_rows()))
    call_command("import-households", str(path), "--grid", world.grid("A1e").code)
    out = capsys.readouterr().out
    assert "住户 新增 2、更新 0、未变 0" in out and "居民 新增 4" in out
    call_command("import-households", str(path), "--grid", world.grid("A1e").code)
    assert "住户 新增 0、更新 0、未变 2" in capsys.readouterr().out


def test_cli_exits_1_with_row_errors_and_skip_invalid_writes_the_rest(world, tmp_path, capsys):
    path = tmp_path / "住户.csv"
    path.write_bytes(csv_bytes(good_rows() + [_bad(BASE, c0="9号楼", c5=new_id(130))]))
    with pytest.raises(SystemExit) as info:
        call_command("import-households", str(path), "--grid", world.grid("A1e").code)
    assert info.value.code == 1
    out = capsys.readouterr().out
    assert "第6行 楼栋: 未找到楼栋“9号楼”" in out and "未写入任何数据" in out
    assert not Resident.objects.filter(id_number=new_id(101)).exists()
    with pytest.raises(SystemExit) as info:
        call_command("import-households", str(path), "--grid", world.grid("A1e").code, "--skip-invalid")
    assert info.value.code == 1
    assert Resident.objects.filter(id_number=new_id(101)).exists()


def test_cli_unknown_grid_and_bad_file_are_application_errors(world, tmp_path):
    path = tmp_path / "住户.txt"
    path.write_bytes(b"x")
    with pytest.raises(NotFound):
        call_command("import-households", str(path), "--grid", "999")
    with pytest.raises(InvalidInput) as info:
        call_command("import-households", str(path), "--grid", world.grid("A1e").code)
    assert info.value.errors[0].field == "file"


def test_cli_exit_code_2_for_application_errors(world, tmp_path, monkeypatch, capsys):
    from wangge import cli

    path = tmp_path / "住户.txt"
    path.write_bytes(b"x")
    monkeypatch.setattr("sys.argv", ["wangge", "import-households", str(path), "--grid", world.grid("A1e").code])
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 2
    assert "file: 只能导入 .xlsx 或 .csv 文件" in capsys.readouterr().err


def test_a_room_excel_turned_into_a_date_is_explained(world):
    import datetime as dt

    errors = row_errors(world, xlsx_bytes([_bad(BASE, c3=dt.date(2026, 3, 1))]))
    assert errors == ["第2行 房号: 被 Excel 识别成了日期或时间；请把该列设为文本格式后重新录入"]


def test_the_example_in_the_docs_imports(world):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "import-format.md").read_text(encoding="utf-8")
    section = doc.split("### Example", 1)[1].split("\n\n")[1]
    lines = [line.strip().strip("|").split("|") for line in section.splitlines() if line.startswith("|")]
    headers = [cell.strip() for cell in lines[0]]
    rows = [[cell.strip() for cell in line] for line in lines[2:]]
    report = run(world, xlsx_bytes(rows, headers))
    assert report.ok and report.households.created == 3 and report.residents.created == 3
