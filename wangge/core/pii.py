"""Personal information: validating and masking resident ID numbers, phones and room numbers.

ID numbers follow GB 11643-1999: 17 digits (6 region, 8 birth date, 3 sequence) and a check character
computed with ISO 7064 MOD 11-2.
"""

from __future__ import annotations

import datetime as dt
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def id_number_problem(value: str) -> str | None:
    """None when `value` is a valid 18-digit resident ID number, else what is wrong (in Chinese)."""
    value = normalize_id_number(value)
    if len(value) != 18:
        return "应为18位"
    if not _ID_RE.match(value):
        return "只能是17位数字加1位数字或X"
    if value[0] == "0":
        return "地区码无效"
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "出生日期无效"
    if birth.year < 1900 or birth > dt.datetime.now(dt.UTC).date():
        return "出生日期无效"
    if id_check_char(value[:17]) != value[17]:
        return "校验位错误"
    return None


def id_birth_date(value: str) -> dt.date | None:
    value = normalize_id_number(value)
    if id_number_problem(value):
        return None
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_gender(value: str) -> str:
    """'M' or 'F' from the 17th digit (odd = male), '' when unknown."""
    value = normalize_id_number(value)
    if id_number_problem(value):
        return ""
    return "M" if int(value[16]) % 2 else "F"


def normalize_phone(value: str) -> str:
    value = re.sub(r"[\s-]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def phone_problem(value: str) -> str | None:
    value = normalize_phone(value)
    if not _MOBILE_RE.match(value):
        return "不是有效的大陆手机号码"
    return None


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_room(value: str) -> str:
    """Room 302 → 3**: the floor stays readable, the door does not."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
