"""Background jobs of matters (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import services


@db_periodic_task(crontab(minute="*"))
@lock_task("matters-sweep")
def matters_sweep() -> None:
    """Every minute: escalate breached deadlines. The lock only saves work; correctness does not rest
    on it (see services.escalate)."""
    services.sweep()
