"""Search text: insensitive to simplified/traditional characters, matching pinyin and its initials."""

from __future__ import annotations

import functools
import re

import opencc
from pypinyin import Style, lazy_pinyin

from .errors import InvalidInput


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
            syllables = lazy_pinyin(simplified)
            words.append("".join(syllables))
            words.append("".join(lazy_pinyin(simplified, style=Style.FIRST_LETTER)))
    return " ".join(words)


def clean_text(value, field: str, *, limit: int, required: bool = False) -> str:
    """A text field of a service's input, stripped: refused (naming `field`) when it is not text, carries a
    NUL character (PostgreSQL refuses them), is empty but `required`, or is longer than `limit`."""
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise InvalidInput.field(field, "应为文本")
    if "\x00" in text:
        raise InvalidInput.field(field, "不能包含空字符（NUL）")
    if required and not text:
        raise InvalidInput.field(field, "请填写")
    if len(text) > limit:
        raise InvalidInput.field(field, f"不能超过{limit}字（现有{len(text)}字）")
    return text
