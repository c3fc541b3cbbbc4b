"""A report as an XLSX workbook (openpyxl): one sheet per table, numbers as numbers, rates as
percentages. Names of grids, categories and workers only — no resident, phone or ID number."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from wangge.insights.evaluation.selectors import SCORE_FORMULA, Evaluation
from wangge.insights.rollups.selectors import Figures

from .content import ReportData

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT = "0.0%"
NONE = "—"  # a rate with nothing to divide by, as the dashboard shows it
BOLD = Font(bold=True)

RATE_HEADERS = ["结案率", "按期结案率", "返工率", "满意率", "平均处置时长（小时）"]
COUNT_HEADERS = ["受理", "应结案", "已结案", "按期结案", "返工", "已评价", "超时", "期间结案"]


def _rates(f: Figures) -> list:
    hours = f.handling_hours
    return [f.closure_rate, f.on_time_rate, f.rework_rate, f.satisfaction_rate,
            NONE if hours is None else round(hours, 1)]


def _counts(f: Figures) -> list:
    return [f.received, f.due, f.done, f.done_on_time, f.reworked, f.rated, f.breached, f.closed]


def _sheet(wb: Workbook, title: str, headers: list[str], rows: list[list], *, percent_columns=()) -> None:
    ws = wb.create_sheet(title)
    ws.append(headers)
    for cell in ws[1]:
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        ws.append([NONE if v is None else v for v in row])
    for column in percent_columns:
        for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
            if isinstance(cell.value, float | int):
                cell.number_format = PERCENT
    for n, header in enumerate(headers, start=1):
        longest = max([len(str(header)) * 2, *(len(str(r[n - 1])) * 2 for r in rows[:200] if n <= len(r))], default=8)
        ws.column_dimensions[get_column_letter(n)].width = min(max(8, longest + 2), 40)
    ws.freeze_panes = "A2"


def _evaluation_rows(e: Evaluation) -> list[list]:
    return [[r.rank, r.name, None if r.score is None else round(r.score, 1), *_counts(r.figures)[:3],
             *_rates(r.figures)] for r in e.rows]


EVALUATION_HEADERS = ["名次", "名称", "综合得分", "受理", "应结案", "已结案", *RATE_HEADERS]
RATE_COLUMNS_OF_EVALUATION = (7, 8, 9, 10)


def workbook(data: ReportData) -> bytes:
    d, w = data.dashboard, data.dashboard.work
    f = d.figures
    wb = Workbook()
    overview = wb.active
    overview.title = "概况"
    lines = [
        [data.title],
        ["网格", d.node.name],
        ["网格编码", d.node.code],
        ["层级", str(d.node.get_level_display())],
        ["统计期间", f"{data.period.start:%Y-%m-%d} 至 {data.period.end:%Y-%m-%d}"
                     + ("" if data.complete else "（本月尚未结束）")],
        ["生成时间", f"{data.generated_at:%Y-%m-%d %H:%M}"],
        [],
        ["事项", "数量"],
        ["受理", f.received],
        ["结案（按上报日）", f.done],
        ["期间结案", f.closed],
        ["超时", f.breached],
        ["当前未结（生成时）", d.states.open],
        ["当前超时未结（生成时）", d.states.overdue],
        [],
        ["网格工作", "数量"],
        ["入户走访", w.visits],
        ["走访见面", w.visits_met],
        ["走访住户", w.households_visited],
        ["受理纠纷", w.disputes_opened],
        ["调解成功", w.disputes_agreed],
        ["在调纠纷（生成时）", w.disputes_open],
        ["微网格", w.micro_grids],
        ["有微网格员在岗的微网格", w.micro_grids_staffed],
        ["开展活动", w.activities_held],
        ["活动参与人次", w.attendance],
        ["议事会议", w.sessions_held],
        ["摄像头", w.cameras],
        ["故障摄像头", w.cameras_faulty],
    ]
    for line in lines:
        overview.append(line)
    overview["A1"].font = Font(bold=True, size=14)
    for row in (8, 16):
        for cell in overview[row]:
            cell.font = BOLD
    overview.column_dimensions["A"].width = 28
    overview.column_dimensions["B"].width = 30

    indicators = [[i["label"], i["value"] if i["key"] != "handling_hours" or i["value"] is None
                   else round(i["value"], 1), i["formula"], i["numerator"], i["denominator"]]
                  for i in d.indicators()]
    _sheet(wb, "考核指标", ["指标", "数值", "计算方法", "分子", "分母"], indicators)
    ws = wb["考核指标"]
    for n, i in enumerate(d.indicators(), start=2):
        if i["key"] != "handling_hours" and i["value"] is not None:
            ws.cell(row=n, column=2).number_format = PERCENT
    _sheet(wb, "按类别", ["类别编码", "类别", *COUNT_HEADERS, *RATE_HEADERS],
           [[c.code, c.name, *_counts(cf), *_rates(cf)] for c, cf in d.categories], percent_columns=(11, 12, 13, 14))
    _sheet(wb, "按渠道", ["渠道", *COUNT_HEADERS, *RATE_HEADERS],
           [[label, *_counts(sf), *_rates(sf)] for _code, label, sf in d.sources], percent_columns=(10, 11, 12, 13))
    _sheet(wb, "下级网格", ["网格编码", "网格", *COUNT_HEADERS, *RATE_HEADERS, "当前未结（生成时）"],
           [[c.code, c.name, *_counts(cf), *_rates(cf), n] for c, cf, n in d.children],
           percent_columns=(11, 12, 13, 14))
    _sheet(wb, "每日趋势" if data.period.daily else "趋势", ["日期", "受理", "期间结案", "结案（按上报日）"],
           [[day, tf.received, tf.closed, tf.done] for day, tf in d.trend])
    ws = wb["每日趋势" if data.period.daily else "趋势"]
    for (cell,) in ws.iter_rows(min_row=2, max_col=1):
        cell.number_format = "yyyy-mm-dd"
    _sheet(wb, "网格考核", EVALUATION_HEADERS, _evaluation_rows(data.by_grid),
           percent_columns=RATE_COLUMNS_OF_EVALUATION)
    _sheet(wb, "人员考核", EVALUATION_HEADERS, _evaluation_rows(data.by_worker),
           percent_columns=RATE_COLUMNS_OF_EVALUATION)
    for name in ("网格考核", "人员考核"):
        ws = wb[name]
        ws.append([])
        ws.append([str(SCORE_FORMULA)])
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
