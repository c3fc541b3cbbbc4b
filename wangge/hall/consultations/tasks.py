"""Background jobs of 征求意见 (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*/5"))
def consultations_close_due() -> None:
    """Every five minutes: write `closed` on consultations past their closing time. Answers never depend
    on it (the window is checked on every answer, and reads count such a consultation as closed)."""
    services.consultation_close_due()
