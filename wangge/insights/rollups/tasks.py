"""Background jobs of the rollups (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*"))
def rollups_fold() -> None:
    """Every minute: fold the changes of the last minute into the rollups. Folds that overlap skip each
    other's rows, so no lock is needed."""
    services.fold_all()
