"""What every Chinese PDF wangge writes shares: reportlab's built-in CJK font STSong-Light (a CID font every
PDF reader has: nothing to ship, nothing to download), registered once per process, and paragraphs of
plain text (escaped, line breaks kept)."""

from __future__ import annotations

import functools
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph

FONT = "STSong-Light"


@functools.cache
def font() -> str:
    """The CJK font's name, registered with reportlab on first use."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def paragraph(text, style) -> Paragraph:
    """Plain text as a paragraph: markup characters escaped, each line break kept."""
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)
