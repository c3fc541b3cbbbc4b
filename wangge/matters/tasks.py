"""Background jobs of matters (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*"))
def matters_sweep() -> None:
    """Every minute: escalate breached deadlines. No task lock: a lock left behind by a killed worker
    would stop the sweeps, and overlapping sweeps are safe anyway (see services.escalate)."""
    services.sweep()
