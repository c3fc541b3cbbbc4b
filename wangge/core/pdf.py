"""What every Chinese PDF wangge writes shares: reportlab's built-in CJK font STSong-Light (a CID font every
PDF reader has: nothing to ship, nothing to download), registered once per process, text kept to what that
font can show, and paragraphs of plain text (escaped, line breaks kept)."""

from __future__ import annotations

import functools
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph

FONT = "STSong-Light"
# Characters the font's Unicode map (UniGB-UCS2-H) lacks, which readers draw as empty boxes, and the nearest
# ones it has: the middle dot of names such as 买买提·艾力 and of "社区 · 编码", the minus sign of a formula.
_STAND_INS = str.maketrans({
    "\u00b7": "\u30fb", "\u2022": "\u30fb", "\u2027": "\u30fb", "\u2219": "\u30fb", "\u22c5": "\u30fb",
    "\u2212": "\uff0d", "\u00a0": " ",
})


@functools.cache
def font() -> str:
    """The CJK font's name, registered with reportlab on first use."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def printable(text) -> str:
    """`text` with each character the font cannot show replaced by the nearest one it can."""
    return str(text).translate(_STAND_INS)


def paragraph(text, style) -> Paragraph:
    """Plain text as a paragraph: markup characters escaped, each line break kept, in characters the font
    can show."""
    return Paragraph(escape(printable(text)).replace("\n", "<br/>"), style)
