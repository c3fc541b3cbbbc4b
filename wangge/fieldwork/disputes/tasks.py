"""Background jobs of disputes (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(hour="8", minute="5"))
def disputes_follow_up_remind() -> None:
    """Every morning: remind the mediators of the follow-up visits that are due."""
    services.follow_up_remind()
