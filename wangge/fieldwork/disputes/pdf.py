"""The mediation agreement (人民调解协议书) as a PDF, in Chinese, with reportlab's built-in CJK font
(STSong-Light, a CID font every PDF reader has: nothing to ship, nothing to download).

ID numbers and phones are masked in the document: it is generated for anyone who may mediate over the
grid, downloaded to phones and printed, and full numbers in it would bypass the access log. Parties show
their ID card when they sign; the signed copy uploaded afterwards is the record with full data.
"""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from wangge.core.pdf import font as pdf_font
from wangge.core.pdf import paragraph, printable
from wangge.registry.models import GridNode, Level, path_ids

from .models import Dispute, Side


def committee_name(dispute: Dispute) -> str:
    """The mediation committee: the community's people's mediation committee (社区人民调解委员会)."""
    ids = path_ids(dispute.grid.path)
    community = GridNode.objects.filter(pk__in=ids, level=Level.COMMUNITY).first()
    return f"{(community or dispute.grid).name}人民调解委员会"


def agreement_pdf(dispute: Dispute, *, compress: bool = True) -> bytes:
    font = pdf_font()
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=20, leading=30, alignment=TA_CENTER)
    sub = ParagraphStyle("sub", parent=body, alignment=TA_CENTER, fontSize=11)
    section = ParagraphStyle("section", parent=body, fontSize=13, leading=22, spaceBefore=8)
    committee = committee_name(dispute)

    story = [paragraph("人民调解协议书", head), paragraph(dispute.number, sub), Spacer(1, 6 * mm)]
    story.append(paragraph("当事人", section))
    for party in dispute.parties.select_related("resident").order_by("side", "id"):
        line = f"{party.get_side_display()}：{party.name}"
        if party.masked_id_number:
            line += f"　身份证号：{party.masked_id_number}"
        if party.masked_phone:
            line += f"　联系电话：{party.masked_phone}"
        story.append(paragraph(line, body))
    story.append(paragraph("纠纷主要事实、争议事项", section))
    story.append(paragraph(f"{dispute.get_kind_display()}：{dispute.title}", body))
    if dispute.summary:
        story.append(paragraph(dispute.summary, body))
    story.append(paragraph("经调解，自愿达成如下协议", section))
    story.append(paragraph(dispute.agreement_terms or "（尚未达成协议）", body))
    story.append(paragraph("履行方式、时限", section))
    follow = f"，本委员会将于 {dispute.follow_up_on:%Y年%m月%d日} 前回访" if dispute.follow_up_on else ""
    story.append(paragraph(f"当事人应按上述协议内容自觉履行{follow}。", body))
    story.append(paragraph("本协议一式三份，当事人各执一份，人民调解委员会留存一份，自各方当事人签名、人民调解员签名"
                    "并加盖人民调解委员会印章之日起生效。", body))
    story.append(Spacer(1, 8 * mm))

    rows = []
    for party in dispute.parties.filter(side__in=[Side.APPLICANT, Side.RESPONDENT, Side.OTHER]).order_by("side", "id"):
        rows.append([f"{party.get_side_display()}（签名）：", "", printable(party.name)])
    for person in dispute.mediators.order_by("id"):
        rows.append(["人民调解员（签名）：", "", printable(person.name)])
    if rows:
        table = Table(rows, colWidths=[45 * mm, 60 * mm, 50 * mm], rowHeights=12 * mm)
        table.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), font, 12),
            ("LINEBELOW", (1, 0), (1, -1), 0.6, "black"),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("TEXTCOLOR", (2, 0), (2, -1), "#888888"),
        ]))
        story.append(table)
    story.append(Spacer(1, 10 * mm))
    date = timezone.localtime(dispute.concluded_at or timezone.now())
    story.append(paragraph(f"{committee}（盖章）", ParagraphStyle("right", parent=body, alignment=2)))
    story.append(paragraph(f"{date:%Y年%m月%d日}", ParagraphStyle("right2", parent=body, alignment=2)))

    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm, bottomMargin=20 * mm,
        title=f"人民调解协议书 {dispute.number}", author=committee, pageCompression=1 if compress else 0,
        invariant=1,
    )
    doc.build(story)
    return buffer.getvalue()


def filename(dispute: Dispute) -> str:
    return f"agreement-{dispute.pk}.pdf"
