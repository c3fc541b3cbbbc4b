"""Every write of reports: requesting one (and retrying a failed one), running it in the background with
its progress on the row, failing the ones whose worker died, requesting each month's reports for the
nodes with subscribers, and subscribing."""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from wangge.core.errors import ApplicationError, Conflict, InvalidInput, PermissionDenied
from wangge.core.jobs import ACTIVE, STALLED_AFTER, fail_stalled
from wangge.insights.dashboards.selectors import dashboard_node
from wangge.notify.services import ATTACHMENTS_MAX_BYTES, notify
from wangge.people.access import VIEW, actor_scope, scope_for

from . import content, pdf, selectors, xlsx
from .models import REPORT_LEVELS, Report, ReportSubscription, Stage, Status

logger = logging.getLogger(__name__)

# Where each stage starts, in percent of the whole job.
STAGE_START = {Stage.COLLECT: 5, Stage.XLSX: 40, Stage.CHARTS: 55, Stage.PDF: 65, Stage.EMAIL: 90}
MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-01)?$")
PDF_TYPE = "application/pdf"


def parse_month(value) -> dt.date:
    """A month as a form or the API sends it ("2026-03", or its first day "2026-03-01"), or a date: the
    month's first day. Not a month, or a month that has not begun, is refused naming `month`."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        month = value.replace(day=1)
    else:
        match = MONTH.match(str(value or "").strip())
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            raise InvalidInput.field("month", f"月份格式应为 YYYY-MM：{value}" if value else "请选择月份")
        month = dt.date(int(match[1]), int(match[2]), 1)
    if month > timezone.localdate().replace(day=1):
        raise InvalidInput.field("month", "不能为尚未开始的月份生成报告")
    return month


def _report_node(*, actor, node_id):
    """The node of a report or a subscription: seen by the actor (404), with `view` there (403), at the
    level of a community or above (422)."""
    scope = actor_scope(actor)
    if not scope.is_staff_scope:
        raise PermissionDenied("月度报告供有在岗职责的工作人员使用")
    if node_id is None:
        raise InvalidInput.field("node", "请选择网格")
    node = dashboard_node(actor=scope, node_id=node_id)
    if node.level not in REPORT_LEVELS:
        raise InvalidInput.field("node", "月度报告只按社区、街道或县（区）生成")
    return node


def _enqueue(report_id: int) -> None:
    from .tasks import report_run_task

    report_run_task(report_id)


@transaction.atomic
def report_request(*, actor, node_id: int | None, month) -> tuple[Report, bool]:
    """Queue the report of a node for a month, once the transaction commits. Returns (report, created):
    the same report already queued or running is returned instead of a second one (a double click, two
    colleagues, the monthly job). A done report may be requested again: the new one reflects the matters
    changed since, and goes to the subscribers again."""
    node = _report_node(actor=actor, node_id=node_id)
    month = parse_month(month)
    existing = Report.objects.select_for_update().filter(grid=node, month=month, status__in=ACTIVE).first()
    if existing is not None:
        return existing, False
    user = actor if getattr(actor, "is_authenticated", False) else None
    report = Report.objects.create(grid=node, month=month, requested_by=user, subdistrict=node.tenant)
    transaction.on_commit(partial(_enqueue, report.pk))
    return report, True


@transaction.atomic
def report_retry(*, actor, report_id: int) -> Report:
    """Run a failed report again (the same row: its error is cleared when it starts over)."""
    report = selectors.report_get(actor=actor, report_id=report_id)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != Status.FAILED:
        raise Conflict("只有失败的报告可以重试", extra={"status": report.status})
    if Report.objects.filter(grid_id=report.grid_id, month=report.month, status__in=ACTIVE).exists():
        raise Conflict("该网格该月的报告正在生成，请稍候")
    Report.objects.filter(pk=report.pk).update(
        status=Status.QUEUED, stage="", progress=0, error="", started_at=None, finished_at=None,
        updated_at=timezone.now(),
    )
    transaction.on_commit(partial(_enqueue, report.pk))
    report.refresh_from_db()
    return report


def _progress(report: Report, stage: str, percent: int | None = None) -> None:
    Report.objects.filter(pk=report.pk, status=Status.RUNNING).update(
        stage=stage, progress=STAGE_START[stage] if percent is None else percent, updated_at=timezone.now())


def _error_text(stage: str, exc: Exception) -> str:
    where = Stage(stage).label if stage else ""
    what = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
    return f"{where}时出错：{what}"[:2000]


def report_run(*, report_id: int) -> Report | None:
    """Run a queued report: collect the figures, write the XLSX, draw the charts, write the PDF, send it to
    the subscribers. Not one transaction: the progress must be visible while it runs. Any error fails the
    report with the error kept on it, for the page and the API to show and a retry to clear."""
    report = Report.objects.select_related("grid").filter(pk=report_id).first()
    if report is None:
        return None
    now = timezone.now()
    claimed = Report.objects.filter(pk=report.pk, status=Status.QUEUED).update(
        status=Status.RUNNING, stage=Stage.COLLECT, progress=STAGE_START[Stage.COLLECT], started_at=now,
        finished_at=None, error="", updated_at=now, attempts=report.attempts + 1,
    )
    if not claimed:
        return report  # already run (a duplicated message), or failed as stalled
    stage = Stage.COLLECT
    try:
        data = content.collect(report.grid, report.month)
        stage = Stage.XLSX
        _progress(report, stage)
        workbook = xlsx.workbook(data)
        stage = Stage.CHARTS
        _progress(report, stage)
        drawn = pdf.charts(data)
        stage = Stage.PDF
        _progress(report, stage)
        document = pdf.document(data, drawn)
        _store(report, workbook, document)
        stage = Stage.EMAIL
        _progress(report, stage)
        _send(report, workbook, document)
    except Exception as exc:  # noqa: BLE001 — every failure must end on the row, visible and retryable
        logger.exception("report %s failed at %s", report.pk, stage)
        now = timezone.now()
        Report.objects.filter(pk=report.pk).update(
            status=Status.FAILED, error=_error_text(stage, exc), finished_at=now, updated_at=now)
    else:
        now = timezone.now()
        Report.objects.filter(pk=report.pk).update(status=Status.DONE, progress=100, finished_at=now,
                                                   updated_at=now)
    report.refresh_from_db()
    return report


def _store(report: Report, workbook: bytes, document: bytes) -> None:
    old = [f for f in (report.xlsx, report.pdf) if f]
    report.xlsx.save("report.xlsx", ContentFile(workbook), save=False)
    report.pdf.save("report.pdf", ContentFile(document), save=False)
    Report.objects.filter(pk=report.pk).update(xlsx=report.xlsx.name, pdf=report.pdf.name, updated_at=timezone.now())
    for f in old:  # a retried report's earlier files
        if f.name not in (report.xlsx.name, report.pdf.name):
            f.storage.delete(f.name)


def subscribers(report: Report) -> list:
    """The persons who receive a node's reports: its subscribers who can still see it."""
    out = []
    rows = ReportSubscription.objects.filter(grid=report.grid).select_related("user__person").order_by("id")
    for sub in rows:
        person = getattr(sub.user, "person", None)
        if person is not None and sub.user.is_active and scope_for(sub.user).can(VIEW, report.grid):
            out.append(person)
    return out


@transaction.atomic
def _send(report: Report, workbook: bytes, document: bytes) -> None:
    recipients = subscribers(report)
    if not recipients:
        return
    files = [(report.file_name("xlsx"), workbook, xlsx.CONTENT_TYPE), (report.file_name("pdf"), document, PDF_TYPE)]
    link = f"{reverse('reports')}?node={report.grid_id}"
    body = f"{report.grid.name}{report.month:%Y年%m月}的网格治理月报已生成"
    if len(workbook) + len(document) > ATTACHMENTS_MAX_BYTES:
        files, body = [], body + "，文件较大，请在网格通中下载。"
    else:
        body += "，表格（XLSX）和PDF见附件。"
    notify(recipients=recipients, event="report.done", title=f"{report.grid.name}{report.month:%Y年%m月}月报",
           body=body, link=link, subdistrict_id=report.subdistrict_id, attachments=files,
           payload={"report": report.pk, "grid": report.grid_id, "month": report.month.isoformat()})


def report_fail_stalled(*, stalled_after: dt.timedelta = STALLED_AFTER) -> int:
    """Fail the reports still queued or running with no progress for `stalled_after` (core.jobs), so that
    they show their error and can be retried. Returns how many."""

    def failure(minutes: int) -> dict:
        return {"error": f"生成中断：超过 {minutes} 分钟没有进展（后台处理进程可能已退出），已标记为失败。请重试。"}

    return fail_stalled(Report, stalled_after=stalled_after, failure=failure)


def reports_request_monthly(*, today: dt.date | None = None) -> int:
    """Request last month's report of every node with subscribers, once: a node that already has a monthly
    report (requested by no one) for that month is skipped, so running this again the same day (to catch up
    when the worker was down in the morning) sends nothing twice. Returns how many were queued."""
    today = today or timezone.localdate()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    nodes = (ReportSubscription.objects.filter(grid__level__in=REPORT_LEVELS).values_list("grid_id", flat=True)
             .distinct().order_by("grid_id"))
    done = set(Report.objects.filter(month=month, requested_by__isnull=True).values_list("grid_id", flat=True))
    queued = 0
    for node_id in nodes:
        if node_id in done:
            continue
        _report, created = report_request(actor=None, node_id=node_id, month=month)
        queued += created
    return queued


@transaction.atomic
def subscription_set(*, actor, node_id: int | None, subscribed: bool, user=None) -> ReportSubscription | None:
    """Subscribe `user` (the actor by default; someone else only for an admin) to a node's reports, or
    unsubscribe. The node must be one the user may have reports of."""
    user = user or actor
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if user != actor and not actor_scope(actor).is_admin:
        raise PermissionDenied("只能为自己订阅报告")
    if not subscribed:
        node = _report_node(actor=actor, node_id=node_id)
        ReportSubscription.objects.filter(user=user, grid=node).delete()
        return None
    node = _report_node(actor=user, node_id=node_id)
    if getattr(user, "person", None) is None:
        raise InvalidInput.field("user", "该账号没有登记为人员，无法接收报告")
    subscription, _created = ReportSubscription.objects.get_or_create(
        user=user, grid=node, defaults={"subdistrict": node.tenant})
    return subscription

