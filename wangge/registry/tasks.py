"""Background jobs of the grid registry (huey). A task takes ids, re-fetches, and calls one service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import importing


@db_task()
def household_import_run(job_id: int) -> None:
    """Run a queued household import (ImportJob). Safe to deliver twice: a job runs only once."""
    importing.import_job_run(job_id=job_id)


@db_periodic_task(crontab(minute="*/5"))
def import_jobs_fail_stalled() -> None:
    """Every 5 minutes: fail the import jobs whose worker died (no progress for 30 minutes)."""
    importing.import_job_fail_stalled()
