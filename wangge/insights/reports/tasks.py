"""Background jobs of reports (huey). A task takes ids, re-fetches, and calls one service."""

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services

MONTHLY_AT_HOUR = 7  # local time (TIME_ZONE) on the 1st


@db_task()
def report_run_task(report_id: int) -> None:
    """Generate one report. Safe to deliver twice: a report runs only from "queued"."""
    services.report_run(report_id=report_id)


@db_periodic_task(crontab(minute="*/5"))
def reports_fail_stalled() -> None:
    """Every 5 minutes: fail the reports whose worker died (no progress for 30 minutes)."""
    services.report_fail_stalled()


def _first_of_month_morning(timestamp: dt.datetime) -> bool:
    """On the 1st of each month, from 07:00 local time until midnight, once an hour on the hour. The
    service requests each node's monthly report once, so the later runs only catch up a missed one (the
    consumer was down). huey hands a naive UTC time (its default utc=True)."""
    local = timezone.localtime(timestamp.replace(tzinfo=dt.UTC))
    return local.day == 1 and local.hour >= MONTHLY_AT_HOUR and local.minute == 0


@db_periodic_task(_first_of_month_morning)
def reports_monthly() -> None:
    """On the 1st: last month's report of every node with subscribers, e-mailed to them when done."""
    services.reports_request_monthly()
