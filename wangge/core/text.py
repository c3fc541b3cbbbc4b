"""Search text: insensitive to simplified/traditional characters, matching pinyin and its initials."""

from __future__ import annotations

import functools
import re

import opencc

from .errors import FieldError, InvalidInput


@functools.cache
def _pypinyin():
    """pypinyin, imported on first use: its dictionaries take about 55 MB, which a worker that never turns a
    name into pinyin (intake, dashboards, locating) does not need to hold."""
    import pypinyin

    return pypinyin


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@functools.cache
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_simplified(text: str) -> str:
    return _t2s().convert(text or "")


def to_traditional(text: str) -> str:
    return _s2t().convert(text or "")


_SPACE = re.compile(r"\s+")


def normalize_query(q: str) -> str:
    """What a user typed, as it is compared with `search_key`: simplified, lower case, no spaces."""
    return _SPACE.sub("", to_simplified((q or "").replace("\x00", ""))).lower()


def search_key(*parts: str, pinyin: bool = True) -> str:
    """The text stored beside a row for `q=` search. Names also get their pinyin and initials so that
    张伟 is found by "zhangwei", "zhang" and "zw"."""
    words = []
    for part in parts:
        if not part:
            continue
        simplified = _SPACE.sub("", to_simplified(str(part))).lower()
        words.append(simplified)
        if pinyin and re.search(r"[\u4e00-\u9fff]", simplified):
            pypinyin = _pypinyin()
            syllables = pypinyin.lazy_pinyin(simplified)
            words.append("".join(syllables))
            words.append("".join(pypinyin.lazy_pinyin(simplified, style=pypinyin.Style.FIRST_LETTER)))
    return " ".join(words)


def clean_text(value, field: str, *, limit: int, required: bool = False, label: str = "",
               collapse: bool = False, errors: list | None = None) -> str:
    """A text field of a service's input, stripped: refused (naming `field`, and `label` in the message when
    given) when it is not text, carries a NUL character (PostgreSQL refuses them), is empty but `required`,
    or is longer than `limit`. `collapse` also joins runs of whitespace into one space (names typed on a
    phone). With `errors`, a problem is appended there as a FieldError instead of raised, so that a service
    can name every wrong field at once."""
    problem = None
    if value is not None and not isinstance(value, str):
        problem, text = "应为文本", ""
    else:
        text = " ".join((value or "").split()) if collapse else (value or "").strip()
        if "\x00" in text:
            problem = "不能包含空字符（NUL）"
        elif required and not text:
            problem = f"请填写{label}"
        elif len(text) > limit:
            problem = f"{label}不能超过{limit}字（现有{len(text)}字）"
    if problem:
        if errors is None:
            raise InvalidInput.field(field, problem)
        errors.append(FieldError(field, problem))
    return text
