"""Visit coverage as an XLSX workbook: one sheet per grid, one per worker, one listing the households not
visited within their period. Room numbers are always masked (3**); no names, ID numbers or phones are
exported."""

from __future__ import annotations

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from wangge.core import pii

from .selectors import Coverage, Tally

STATUS_LABELS = {"never": "从未走访", "overdue": "逾期", "due": "今日到期", "ok": "周期内"}


def _tally(t: Tally) -> list:
    return [t.households, t.in_period, t.overdue, t.never, round(t.share, 4) if t.share is not None else None,
            t.care, t.care_in_period]


TALLY_HEAD = ["住户数", "周期内已走访", "逾期", "从未走访", "覆盖率", "关爱户", "关爱户周期内已走访"]


def _sheet(wb, title: str, head: list[str], rows) -> None:
    ws = wb.create_sheet(title)
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    share_col = head.index("覆盖率") + 1 if "覆盖率" in head else None
    for row in rows:
        ws.append(row)
    if share_col:
        for (cell,) in ws.iter_rows(min_row=2, min_col=share_col, max_col=share_col):
            cell.number_format = "0.0%"
    ws.freeze_panes = "A2"


def write_coverage(c: Coverage, out) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "按网格", ["网格编码", "网格", *TALLY_HEAD],
           [[g.grid.code, g.grid.name, *_tally(g.tally)] for g in c.grids]
           + [[c.node.code, f"{c.node.name}（合计）", *_tally(c.total)]])
    _sheet(wb, "按人员", ["姓名", "职责", "负责网格", *TALLY_HEAD, "近30天走访", "近30天见面"],
           [[w.name, "、".join(w.roles), "、".join(w.grids), *_tally(w.tally), w.visits_30d, w.met_30d]
            for w in c.workers])
    gap_rows = []
    for r in c.gaps:
        h = r.household
        gap_rows.append([
            r.grid.name, h.unit.building.estate_grid.name, h.unit.building.name, h.unit.name, h.floor,
            pii.mask_room(h.room), "、".join(r.care), r.period_days,
            timezone.localtime(r.last_met_at).strftime("%Y-%m-%d") if r.last_met_at else "",
            r.due_on.isoformat() if r.due_on else "", STATUS_LABELS[r.status], r.overdue_days,
        ])
    _sheet(wb, "未按期走访住户", ["网格", "小区", "楼栋", "单元", "楼层", "房号（遮蔽）", "关爱标签", "周期（天）",
                                  "最近见面走访", "应走访日期", "状态", "逾期天数"], gap_rows)
    info = wb.create_sheet("说明")
    info.append(["统计网格", f"{c.node.name}（{c.node.code}）"])
    info.append(["统计日期", c.today.isoformat()])
    info.append(["口径", "只有结果为“见到住户”的走访计入；空置住户不计入；房号已遮蔽"])
    wb.save(out)
