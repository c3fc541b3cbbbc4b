"""Background jobs of the hall's agenda (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(hour="2", minute="15"))
def agenda_sessions_schedule() -> None:
    """Every night: schedule each active hall's sessions for its coming months (idempotent)."""
    services.sessions_schedule_all()
