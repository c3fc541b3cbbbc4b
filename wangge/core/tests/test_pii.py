import pytest
from hypothesis import given
from hypothesis import strategies as st

from wangge.core import pii


def make_id(first17: str) -> str:
    return first17 + pii.id_check_char(first17)


def test_valid_id_number_passes_and_gives_birth_and_gender():
    number = make_id("14072819850312001")
    assert pii.id_number_problem(number) is None
    assert str(pii.id_birth_date(number)) == "1985-03-12"
    assert pii.id_gender(number) == "M"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1407281985031200", "应为18位"),
        ("14072819850312001A", "只能是17位数字加1位数字或X"),
        ("14072819851332001" + "0", "出生日期无效"),
        ("04072819850312001" + "0", "地区码无效"),
    ],
)
def test_bad_id_numbers_say_what_is_wrong(value, problem):
    assert pii.id_number_problem(value) == problem


def test_wrong_check_digit_is_named():
    number = make_id("14072819850312001")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert pii.id_number_problem(wrong) == "校验位错误"


@given(st.from_regex(r"[1-9]\d{5}19[5-9]\d(0[1-9]|1[0-2])(0[1-9]|1\d|2[0-8])\d{3}", fullmatch=True))
def test_every_id_built_with_its_check_char_is_valid_and_any_other_char_is_not(first17):
    number = first17 + pii.id_check_char(first17)
    assert pii.id_number_problem(number) is None
    for other in "0123456789X":
        if other != number[17]:
            assert pii.id_number_problem(first17 + other) == "校验位错误"


def test_masks_keep_only_the_agreed_digits():
    assert pii.mask_id_number("140123198001011234") == "140123********1234"
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_room("302") == "3**"


@pytest.mark.parametrize("phone", ["13812345678", "+86 138-1234-5678", "19912345678"])
def test_mainland_mobiles_are_accepted(phone):
    assert pii.phone_problem(phone) is None


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "010-12345678", "abc"])
def test_other_numbers_are_refused(phone):
    assert pii.phone_problem(phone) == "不是有效的大陆手机号码"
