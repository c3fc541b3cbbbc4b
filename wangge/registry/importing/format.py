"""The file format (documented in docs/import-format.md): column headers and their other spellings, and
the words a cell may hold. Shared by the importer and the exporter, so that an export imports again."""

from __future__ import annotations

import re
from functools import cache

from django.utils import translation

from ..models import CareFlag, Occupancy, Relation

MAX_FILE_BYTES = 20 * 1024 * 1024
FILE_TOO_LARGE = f"文件过大（上限 {MAX_FILE_BYTES // (1024 * 1024)} MB）"

ESTATE = "小区"
BUILDING = "楼栋"
UNIT = "单元"
FLOOR = "楼层"
ROOM = "房号"
OCCUPANCY = "居住状态"
NAME = "姓名"
ID_NUMBER = "身份证号"
PHONE = "联系电话"
RELATION = "与户主关系"
CARE_FLAGS = "关爱标签"
PARTY = "党员"

REQUIRED_COLUMNS = (BUILDING, UNIT, FLOOR, ROOM, NAME, ID_NUMBER, PHONE, RELATION)
OPTIONAL_COLUMNS = (ESTATE, OCCUPANCY, CARE_FLAGS, PARTY)
EXPORT_COLUMNS = (ESTATE, BUILDING, UNIT, FLOOR, ROOM, OCCUPANCY, NAME, ID_NUMBER, PHONE, RELATION, CARE_FLAGS, PARTY)
KNOWN_COLUMNS = frozenset(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
RESIDENT_COLUMNS = (NAME, ID_NUMBER, PHONE, RELATION, CARE_FLAGS, PARTY)

# Other spellings of the headers seen in community offices' sheets.
HEADER_ALIASES = {
    "楼号": BUILDING,
    "楼栋号": BUILDING,
    "单元号": UNIT,
    "房间号": ROOM,
    "门牌号": ROOM,
    "室号": ROOM,
    "身份证号码": ID_NUMBER,
    "公民身份号码": ID_NUMBER,
    "手机号": PHONE,
    "手机号码": PHONE,
    "电话": PHONE,
    "联系方式": PHONE,
    "户主关系": RELATION,
    "与户主的关系": RELATION,
    "是否党员": PARTY,
    "小区名称": ESTATE,
}

# Model field → column, for errors raised by the services and by full_clean().
FIELD_COLUMNS = {
    "name": NAME,
    "id_number": ID_NUMBER,
    "phone": PHONE,
    "relation": RELATION,
    "care_flags": CARE_FLAGS,
    "is_party_member": PARTY,
    "floor": FLOOR,
    "room": ROOM,
    "occupancy": OCCUPANCY,
}

RELATION_ALIASES = {
    "户主": Relation.SELF,
    "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙子女": Relation.GRANDCHILD,
    "祖父": Relation.GRANDPARENT,
    "祖母": Relation.GRANDPARENT,
    "外祖父母": Relation.GRANDPARENT,
    "兄弟": Relation.SIBLING,
    "姐妹": Relation.SIBLING,
    "租客": Relation.TENANT,
    "承租人": Relation.TENANT,
}
PARTY_WORDS = {"是": True, "否": False, "": False, "党员": True, "中共党员": True, "非党员": False}
CARE_SEPARATORS = re.compile(r"[、,，;；\s]+")
MASK_CHARS = ("*", "＊")

# Where a building or unit is named by its number alone ('1' for '1号楼' or '1单元').
BUILDING_SUFFIXES = ("号楼", "栋", "幢")
UNIT_SUFFIXES = ("单元",)


@cache
def labels(choices_cls) -> dict[str, str]:
    """value → the Chinese label. The file format is Chinese whatever the page language is."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices_cls.choices}


def relation_label(value: str) -> str:
    return labels(Relation).get(value, value)


def occupancy_label(value: str) -> str:
    return labels(Occupancy).get(value, value)


def care_flag_label(value: str) -> str:
    return labels(CareFlag).get(value, value)


@cache
def words(choices_cls) -> dict[str, str]:
    """Chinese label (or the stored value itself) → value, for reading cells."""
    found = {label: value for value, label in labels(choices_cls).items()}
    found.update({value: value for value in choices_cls.values})
    if choices_cls is Relation:
        found.update(RELATION_ALIASES)
    return found


@cache
def care_flag_order() -> dict[str, int]:
    return {value: index for index, value in enumerate(CareFlag.values)}
