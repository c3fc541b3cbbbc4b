"""The minutes of a session (议事会议纪要) as a PDF in Chinese, with reportlab's built-in CJK font
STSong-Light (wangge/core/pdf.py). Walk-ins and attendees are named by name and organisation
only: no phone or address appears in it."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from wangge.core.pdf import font as pdf_font
from wangge.core.pdf import paragraph
from wangge.hall.agenda.models import Session

from .models import Minutes, Motion, Resolution


def minutes_pdf(session: Session) -> bytes:
    font = pdf_font()
    body = ParagraphStyle("body", fontName=font, fontSize=11.5, leading=19, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=19, leading=28, alignment=TA_CENTER)
    sub = ParagraphStyle("sub", parent=body, alignment=TA_CENTER, fontSize=10.5)
    section = ParagraphStyle("section", parent=body, fontSize=13, leading=22, spaceBefore=8)
    draft = session.status != "published"
    start = timezone.localtime(session.starts_at)
    story = [paragraph(f"{session.hall.name}议事会议纪要{'（草稿，未公开）' if draft else ''}", head),
             paragraph(session.title, sub),
             paragraph(f"{start:%Y年%m月%d日 %H:%M}　{session.place or session.hall.place}", sub), Spacer(1, 5 * mm)]
    attendances = list(session.attendances.order_by("checked_in_at", "id"))
    story.append(paragraph(f"出席人员（{len(attendances)}人）", section))
    names = "、".join(f"{a.name}（{a.organisation_name}）" if a.organisation_name else a.name for a in attendances)
    story.append(paragraph(names or "（无签到记录）", body))
    items = list(session.items.order_by("position", "id"))
    minutes = {m.item_id: m for m in Minutes.objects.filter(item__in=items)}
    motions: dict[int, list[Motion]] = {}
    for m in Motion.objects.filter(session=session, status="closed").order_by("id"):
        motions.setdefault(m.item_id, []).append(m)
    resolutions: dict[int, list[Resolution]] = {}
    for r in Resolution.objects.filter(session=session).select_related(
            "responsible_person", "responsible_organisation").order_by("id"):
        resolutions.setdefault(r.item_id, []).append(r)
    for n, item in enumerate(items, start=1):
        story.append(paragraph(f"议题{n}：{item.title}（{item.get_kind_display()}）", section))
        text = minutes[item.pk].text if item.pk in minutes else ""
        story.append(paragraph(text or "（无纪要）", body))
        for m in motions.get(item.pk, []):
            story.append(paragraph(
                f"表决：{m.text}　{m.get_method_display()}，{m.get_basis_display()}，{m.get_threshold_display()}；"
                f"赞成{m.votes_for}，反对{m.votes_against}，弃权{m.votes_abstain}，{m.get_result_display()}。", body))
        for r in resolutions.get(item.pk, []):
            story.append(paragraph(f"决议：{r.text}　责任：{r.responsible_label}　时限：{r.due_on:%Y年%m月%d日}", body))
    story.append(Spacer(1, 8 * mm))
    story.append(paragraph(f"{session.hall.name}　{timezone.localtime():%Y年%m月%d日}",
                    ParagraphStyle("right", parent=body, alignment=2)))
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=f"议事会议纪要 {session.title}", author=session.hall.name,
                            invariant=1)
    doc.build(story)
    return buffer.getvalue()


def filename(session: Session) -> str:
    return f"minutes-{session.pk}.pdf"
