"""Background jobs of notices (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*"))
def notices_announce_due() -> None:
    """Every minute: tell the audiences of scheduled notices whose publishing time has come."""
    services.announce_due()
