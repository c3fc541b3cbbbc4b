"""Fake but well-formed personal data: Chinese names, resident ID numbers and mobile numbers.

Everything is drawn from a `random.Random` passed in, so the same seed gives the same people. ID numbers
are fictional yet pass the GB 11643 checksum (region 140728, Pingyao county); phones are fictional yet
look like mainland mobiles. `Identities` remembers what was handed out, so both stay unique.
"""

from __future__ import annotations

import datetime as dt
import random

from wangge.core.pii import id_check_char

REGION_CODE = "140728"

# Common surnames of Shanxi, and of Pingyao in particular (雷, 侯, 冀, 渠, 毛), with rough weights.
SURNAMES: list[tuple[str, int]] = [
    ("王", 90), ("张", 60), ("李", 60), ("郭", 45), ("刘", 45), ("赵", 30), ("杨", 28), ("武", 25),
    ("梁", 22), ("雷", 20), ("侯", 20), ("冀", 18), ("任", 18), ("田", 18), ("韩", 17), ("高", 17),
    ("史", 15), ("霍", 14), ("贾", 14), ("薛", 13), ("段", 13), ("温", 12), ("乔", 12), ("孟", 11),
    ("闫", 11), ("渠", 10), ("毛", 10), ("宋", 10), ("郝", 10), ("陈", 10), ("孙", 9), ("范", 9),
    ("程", 8), ("马", 8), ("曹", 8), ("冯", 7), ("吴", 6), ("周", 6), ("申", 6), ("成", 5),
]

# Characters of given names, by birth cohort and gender: names carry the fashion of their decade.
GIVEN: dict[tuple[str, str], str] = {
    ("old", "M"): "建国振华保富贵宝山德胜永福长生玉田存良满仓金明文忠兴旺树林海成有吉润平安秉双锁根",
    ("old", "F"): "秀英桂兰淑珍玉梅凤芝翠花素琴月娥爱莲金菊巧云桃香银改仙彩润女",
    ("mid", "M"): "志强军伟勇刚建平卫东红兵海涛斌峰新明文亮学忠晋利俊杰永宏",
    ("mid", "F"): "丽红霞燕芳玲萍艳敏静慧娟英梅琴莉芬晋瑞彩虹玉",
    ("young", "M"): "鹏飞磊超浩宇晨斌鑫杰涛凯龙帅阳博强亮伟晋阔毅",
    ("young", "F"): "婷丹颖晶倩悦雪蕾琳佳慧璐瑶娜洁茹媛蓉",
    ("child", "M"): "子轩宇浩梓睿泽辰逸博航铭哲俊一嘉宸烁沐阳",
    ("child", "F"): "梓涵欣怡诗雨萱可馨语若思佳依晨彤玥沐瑶",
}

# Prefixes of mainland mobile numbers (all 1[3-9]x).
MOBILE_PREFIXES = [
    "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "182",
    "183", "184", "187", "188", "130", "131", "132", "155", "156", "166", "185", "186", "133", "153",
    "173", "177", "180", "181", "189", "191", "198", "199",
]


def cohort(birth_year: int) -> str:
    if birth_year < 1960:
        return "old"
    if birth_year < 1980:
        return "mid"
    if birth_year < 2003:
        return "young"
    return "child"


class Identities:
    """Hands out names, ID numbers and phones from one random stream, keeping the last two unique."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()
        self._surnames = [s for s, _ in SURNAMES]
        self._weights = [w for _, w in SURNAMES]

    def surname(self) -> str:
        return self.rng.choices(self._surnames, self._weights)[0]

    def given_name(self, gender: str, birth_year: int) -> str:
        chars = GIVEN[(cohort(birth_year), gender)]
        # Older people more often have two-character given names; single characters were fashionable
        # from the 1980s to the 2000s.
        single = {"old": 0.12, "mid": 0.3, "young": 0.38, "child": 0.2}[cohort(birth_year)]
        if self.rng.random() < single:
            return self.rng.choice(chars)
        first = self.rng.choice(chars)
        second = self.rng.choice(chars)
        # Doubled characters (婷婷, 丹丹) are a girls' fashion; boys get another character.
        while second == first and (gender == "M" or self.rng.random() < 0.6):
            second = self.rng.choice(chars)
        return first + second

    def name(self, gender: str, birth_year: int, surname: str | None = None) -> str:
        return (surname or self.surname()) + self.given_name(gender, birth_year)

    def birth_date(self, age: int, on: dt.date) -> dt.date:
        """A birth date that makes the person `age` full years old on `on`."""
        return on - dt.timedelta(days=int(age * 365.2425) + self.rng.randrange(0, 365))

    def id_number(self, birth: dt.date, gender: str) -> str:
        """A fictional resident ID number: region, birth date, a sequence whose last digit is odd for men
        and even for women, and the GB 11643 check character."""
        for _ in range(1000):
            sequence = self.rng.randrange(0, 100)
            digit = self.rng.randrange(0, 5) * 2 + (1 if gender == "M" else 0)
            first17 = f"{REGION_CODE}{birth:%Y%m%d}{sequence:02d}{digit}"
            number = first17 + id_check_char(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number
        raise RuntimeError(f"no free ID number left for {birth}")  # pragma: no cover - 500 per day and gender

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(0, 10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number
