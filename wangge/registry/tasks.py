"""Background jobs of the grid registry (huey). A task takes ids, re-fetches, and calls one service."""

from huey.contrib.djhuey import db_task

from . import importing


@db_task()
def household_import_run(job_id: int) -> None:
    """Run a queued household import (ImportJob). Safe to deliver twice: a job runs only once."""
    importing.import_job_run(job_id=job_id)
