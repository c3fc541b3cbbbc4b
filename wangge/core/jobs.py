"""Background jobs kept as rows (household imports, monthly reports): their times, and the sweep that fails
the ones whose worker died.

A job row is queued, then running, then done or failed. Every progress write touches `updated_at`, so it
is the job's last sign of life: a queued or running job whose `updated_at` is old has lost its worker (the
process exited, or the queue lost the task) and would otherwise stay "running" for ever.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import TenantModel

logger = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ACTIVE = (QUEUED, RUNNING)
# A queued or running job that has shown no progress for this long has lost its worker.
STALLED_AFTER = dt.timedelta(minutes=30)


class Job(TenantModel):
    """The times every job row carries. Subclasses add `status` (choices with the four values above, in
    their own words) and their `stage`."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (DONE, FAILED)


def fail_stalled(model: type[Job], *, stalled_after: dt.timedelta, failure: Callable[[int], dict],
                 then: Callable[[Job], None] | None = None) -> int:
    """Fail the `model` jobs still queued or running with no progress for `stalled_after`. `failure(minutes)`
    gives the fields that record why (besides status and times); `then(job)` tidies up after each one.
    Returns how many were failed.

    Each job is failed on its own, and only if it is still stalled at that moment: a job that moved on
    meanwhile is left alone."""
    minutes = int(stalled_after.total_seconds() // 60)
    cutoff = timezone.now() - stalled_after
    stalled = model.objects.filter(status__in=ACTIVE, updated_at__lt=cutoff)
    failed = 0
    for job in stalled:
        now = timezone.now()
        if stalled.filter(pk=job.pk).update(status=FAILED, finished_at=now, updated_at=now, **failure(minutes)):
            logger.warning("%s %s stalled since %s: marked failed", model._meta.model_name, job.pk, job.updated_at)
            if then is not None:
                then(job)
            failed += 1
    return failed
