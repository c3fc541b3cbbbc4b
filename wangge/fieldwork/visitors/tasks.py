"""Background jobs of 访客登记 (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(hour="3", minute="17"))
def visitors_purge() -> None:
    """Every night: delete visitor records older than VISITOR_RETENTION_DAYS (default 30)."""
    services.visitor_purge()
