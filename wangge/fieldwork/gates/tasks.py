"""Background jobs of gate duty (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*"))
def duty_sweep() -> None:
    """Every minute: mark missed check-ins and report gaps ahead to the posts' leaders. Each alert is
    claimed by a row or a status change, so overlapping sweeps never report twice."""
    services.sweep()
