"""A report as a PDF in Chinese (A4), with reportlab's built-in CJK font STSong-Light (a CID font every
PDF reader has: nothing to ship) and charts drawn with reportlab.graphics: the daily trend, the
categories, and the child grids' closure rates. Figures and names of grids and workers only."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from wangge.core.pdf import font as pdf_font
from wangge.core.pdf import paragraph, printable
from wangge.insights.evaluation.selectors import SCORE_FORMULA, Evaluation, Row

from .content import ReportData

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
CHART_HEIGHT = 62 * mm
MAX_BARS = 12  # categories and child grids drawn at most (the XLSX has them all)
EVALUATION_ROWS = 5  # top and bottom rows of each ranking
BLUE, GREEN, GREY = colors.HexColor("#2f6fde"), colors.HexColor("#2e9d5b"), colors.HexColor("#cfd6e0")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@dataclass
class Chart:
    title: str
    drawing: Drawing


def _empty(title: str) -> Chart:
    drawing = Drawing(WIDTH, 16 * mm)
    drawing.add(String(WIDTH / 2, 6 * mm, "本月无数据", fontName=pdf_font(), fontSize=10, textAnchor="middle",
                       fillColor=colors.grey))
    return Chart(title, drawing)


def trend_chart(data: ReportData) -> Chart:
    title = "每日受理与结案" if data.period.daily else "受理与结案趋势"
    trend = data.dashboard.trend
    if not trend or not any(f.received or f.closed for _d, f in trend):
        return _empty(title)
    drawing = Drawing(WIDTH, CHART_HEIGHT)
    chart = HorizontalLineChart()
    chart.x, chart.y = 12 * mm, 14 * mm
    chart.width, chart.height = WIDTH - 16 * mm, CHART_HEIGHT - 24 * mm
    chart.data = [[f.received for _d, f in trend], [f.closed for _d, f in trend]]
    step = max(1, len(trend) // 10)
    chart.categoryAxis.categoryNames = [
        (f"{d:%m-%d}" if data.period.daily else f"{d:%Y-%m}") if n % step == 0 else "" for n, (d, _f) in enumerate(trend)
    ]
    chart.categoryAxis.labels.fontName = pdf_font()
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = pdf_font()
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.forceZero = True
    chart.lines[0].strokeColor, chart.lines[1].strokeColor = BLUE, GREEN
    chart.lines[0].strokeWidth = chart.lines[1].strokeWidth = 1.5
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 14 * mm, CHART_HEIGHT - 3 * mm
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName, legend.fontSize = pdf_font(), 8
    legend.colorNamePairs = [(BLUE, "受理"), (GREEN, "期间结案")]
    legend.deltax = 40 * mm
    drawing.add(legend)
    return Chart(title, drawing)


def _bars(title: str, names: list[str], values: list[float], *, percent: bool) -> Chart:
    if not names:
        return _empty(title)
    height = max(30 * mm, (len(names) * 7 + 14) * mm * 0.8)
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 42 * mm, 8 * mm
    chart.width, chart.height = WIDTH - 56 * mm, height - 12 * mm
    chart.data = [list(reversed(values))]
    chart.categoryAxis.categoryNames = [printable(n[:14]) for n in reversed(names)]
    chart.categoryAxis.labels.fontName = pdf_font()
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.labels.fontName = pdf_font()
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    if percent:
        chart.valueAxis.valueMax = 100
        chart.valueAxis.valueStep = 20
        chart.valueAxis.labelTextFormat = "%d%%"
    chart.bars[0].fillColor = BLUE
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%.1f%%" if percent else "%d"
    chart.barLabels.fontName = pdf_font()
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return Chart(title, drawing)


def category_chart(data: ReportData) -> Chart:
    rows = [(c.name, f.received) for c, f in data.dashboard.categories if f.received][:MAX_BARS]
    return _bars("按类别受理数", [n for n, _v in rows], [v for _n, v in rows], percent=False)


def children_chart(data: ReportData) -> Chart:
    rows = [(c.name, f.closure_rate * 100) for c, f, _open in data.dashboard.children
            if f.closure_rate is not None][:MAX_BARS]
    return _bars("下级网格结案率", [n for n, _v in rows], [v for _n, v in rows], percent=True)


def charts(data: ReportData) -> list[Chart]:
    return [trend_chart(data), category_chart(data), children_chart(data)]


# -- the document ------------------------------------------------------------------------------------------


class _Styles:
    def __init__(self):
        f = pdf_font()
        self.body = ParagraphStyle("body", fontName=f, fontSize=10, leading=15, wordWrap="CJK")
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=11, textColor=colors.grey)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=8.5, leading=11)
        self.head = ParagraphStyle("head", parent=self.body, fontSize=18, leading=26, alignment=TA_CENTER)
        self.sub = ParagraphStyle("sub", parent=self.body, alignment=TA_CENTER, fontSize=10)
        self.section = ParagraphStyle("section", parent=self.body, fontSize=13, leading=20, spaceBefore=10,
                                      spaceAfter=4)
        self.subsection = ParagraphStyle("subsection", parent=self.body, fontSize=11, leading=17, spaceBefore=4,
                                         spaceAfter=2)


def _table(rows: list[list], widths: list[float] | None = None, *, header_rows: int = 1, numbers_from: int = 1,
           align: str = "RIGHT") -> Table:
    """A table in the report's font; the columns from `numbers_from` on hold figures, aligned `align`."""
    rows = [[printable(cell) if isinstance(cell, str) else cell for cell in row] for row in rows]
    table = Table(rows, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), pdf_font()),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("LEADING", (0, 0), (-1, -1), 11),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#eef2f7")),
        ("GRID", (0, 0), (-1, -1), 0.4, GREY),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (numbers_from, header_rows), (-1, -1), align),
    ]))
    return table


def _evaluation_tables(e: Evaluation, title: str, s: _Styles) -> list:
    ranked = [r for r in e.rows if r.rank is not None]
    if not ranked:
        return [paragraph(title, s.subsection), paragraph("本月没有可考核的对象。", s.body)]
    if len(ranked) <= 2 * EVALUATION_ROWS:
        parts = [("", ranked)]
    else:
        parts = [("前五名", ranked[:EVALUATION_ROWS]), ("后五名", ranked[-EVALUATION_ROWS:])]
    out = [paragraph(title, s.subsection)]
    for label, rows in parts:
        if label:
            out.append(paragraph(label, s.body))
        out.append(_table([["名次", "名称", "综合得分", "受理", "应结案", "结案率", "按期结案率", "满意率"],
                           *[_evaluation_row(r) for r in rows]],
                          [12 * mm, 50 * mm, 18 * mm, 14 * mm, 14 * mm, 18 * mm, 22 * mm, 18 * mm], numbers_from=2))
        out.append(Spacer(1, 2 * mm))
    return out


def _evaluation_row(r: Row) -> list:
    f = r.figures
    return [r.rank, r.name[:20], f"{r.score:.1f}", f.received, f.due, _pct(f.closure_rate), _pct(f.on_time_rate),
            _pct(f.satisfaction_rate)]


def document(data: ReportData, drawn: list[Chart], *, compress: bool = True) -> bytes:
    s = _Styles()
    d, w, f = data.dashboard, data.dashboard.work, data.dashboard.figures
    period = f"{data.period.start:%Y年%m月%d日} 至 {data.period.end:%Y年%m月%d日}"
    if not data.complete:
        period += "（本月尚未结束）"
    story: list = [
        paragraph(data.title, s.head),
        paragraph(f"{d.node.get_level_display()} · 编码 {d.node.code}", s.sub),
        paragraph(f"统计期间：{period}", s.sub),
        paragraph(f"生成时间：{data.generated_at:%Y-%m-%d %H:%M}", s.sub),
        Spacer(1, 5 * mm),
        paragraph("一、主要数据", s.section),
        _table([["受理", "结案（按上报日）", "期间结案", "超时", "当前未结", "当前超时未结"],
                [f.received, f.done, f.closed, f.breached, d.states.open, d.states.overdue]],
               [WIDTH / 6] * 6, numbers_from=0, align="CENTER"),
        Spacer(1, 2 * mm),
        _table([["入户走访 / 见面", "走访住户", "受理纠纷 / 调解成功", "微网格在岗", "活动 / 参与人次", "摄像头 / 故障"],
                [f"{w.visits} / {w.visits_met}", w.households_visited, f"{w.disputes_opened} / {w.disputes_agreed}",
                 f"{w.micro_grids_staffed} / {w.micro_grids}", f"{w.activities_held} / {w.attendance}",
                 f"{w.cameras} / {w.cameras_faulty}"]],
               [WIDTH / 6] * 6, numbers_from=0, align="CENTER"),
        paragraph("“当前未结”“微网格在岗”与“摄像头”为报告生成时的状态；其余为统计期间内的数字，含全部下级网格。", s.small),
        paragraph("二、考核指标", s.section),
    ]
    rows = [["指标", "数值", "计算方法", "分子 / 分母"]]
    for i in d.indicators():
        value = _hours(i["value"]) if i["key"] == "handling_hours" else _pct(i["value"])
        ratio = f"{i['numerator']} / {i['denominator']}" if i["numerator"] is not None else f"— / {i['denominator']}"
        rows.append([paragraph(i["label"], s.cell), value, paragraph(i["formula"], s.cell), ratio])
    story.append(_table(rows, [38 * mm, 20 * mm, WIDTH - 86 * mm, 28 * mm]))
    story.append(paragraph("各项比率的分母为统计期间内受理的应结案事项。", s.small))
    story.append(paragraph("三、图表", s.section))
    for chart in drawn:
        story.append(KeepTogether([paragraph(chart.title, s.body), chart.drawing, Spacer(1, 3 * mm)]))
    story.append(paragraph("四、下级网格", s.section))
    if d.children:
        rows = [["网格", "受理", "结案", "结案率", "按期结案率", "满意率", "当前未结"]]
        rows += [[paragraph(c.name, s.cell), cf.received, cf.done, _pct(cf.closure_rate), _pct(cf.on_time_rate),
                  _pct(cf.satisfaction_rate), n] for c, cf, n in d.children]
        story.append(_table(rows, [52 * mm, 17 * mm, 17 * mm, 20 * mm, 24 * mm, 20 * mm, 20 * mm]))
    else:
        story.append(paragraph("该网格没有下级网格。", s.body))
    story.append(paragraph("五、绩效考核", s.section))
    story.append(paragraph(str(SCORE_FORMULA), s.small))
    story += _evaluation_tables(data.by_grid, "按网格", s)
    story += _evaluation_tables(data.by_worker, "按处置人", s)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(pdf_font(), 8)
        canvas.setFillColor(colors.grey)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, printable(f"{data.title} · 第 {doc.page} 页"))
        canvas.restoreState()

    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=16 * mm,
                            bottomMargin=18 * mm, title=data.title, author="wangge", invariant=1,
                            pageCompression=1 if compress else 0)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
