"""Household imports run as background jobs (the page and the API): an `ImportJob` stores the upload,
the huey worker runs it and writes its progress to the row for the job page to poll, and a periodic task
fails the jobs whose worker died."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from wangge.core.errors import ApplicationError, FieldError, InvalidInput
from wangge.core.jobs import STALLED_AFTER, fail_stalled
from wangge.people.access import EDIT_REGISTRY, actor_scope, require

from ..models import GridNode, ImportJob, ImportStage, ImportStatus
from .format import FILE_TOO_LARGE, MAX_FILE_BYTES
from .households import households_import_file
from .reading import file_kind
from .reports import PROGRESS_EVERY, ImportReport, ImportRowError, file_error

logger = logging.getLogger(__name__)

# A job keeps at most this many errors in its report (the CLI prints them all).
MAX_STORED_ERRORS = 1000


@transaction.atomic
def import_job_create(*, actor, grid: GridNode, upload, skip_invalid: bool = False) -> ImportJob:
    """Store an uploaded file and queue its import. `upload` is a Django UploadedFile (or any object with
    .name, .size and .read()). Wrong types, empty and oversized files are refused here, at once."""
    require(actor_scope(actor), EDIT_REGISTRY, grid)
    if upload is None:
        raise InvalidInput.field("file", "请选择要导入的文件")
    name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise file_error(FILE_TOO_LARGE)  # before reading it all into memory
    data = upload.read()
    file_kind(data=data, file_name=name)
    job = ImportJob(
        created_by=actor,
        grid=grid,
        file_name=name[:255],
        skip_invalid=skip_invalid,
        subdistrict=grid.tenant,
    )
    job.file.save(name, ContentFile(data), save=False)
    job.save()
    transaction.on_commit(partial(_enqueue, job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from ..tasks import household_import_run

    household_import_run(job_id)


class _JobProgress:
    """Writes progress to the job row at most every PROGRESS_EVERY rows. Progress of the write stage
    after its start is not written: it happens inside the import's transaction, where nobody else could
    see it (and on SQLite a second connection could not write it)."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.last: tuple[str, int] = ("", 0)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == ImportStage.WRITE and done > 0:
            return
        if stage == self.last[0] and done - self.last[1] < PROGRESS_EVERY and done < total:
            return
        self.last = (stage, done)
        ImportJob.objects.filter(pk=self.job.pk).update(
            stage=stage, processed_rows=done, total_rows=total, updated_at=timezone.now()
        )


def _failure(message: str) -> dict:
    return ImportReport(errors=[FieldError("file", message)]).as_dict(max_errors=MAX_STORED_ERRORS)


def _discard_file(job: ImportJob) -> None:
    """Delete the stored upload: it holds full ID numbers, and is kept no longer than needed."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        job.file = ""


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued import job. Not one transaction: progress must be visible while it runs; the import
    itself writes in one transaction (households_import)."""
    job = ImportJob.objects.select_related("grid", "created_by").filter(pk=job_id).first()
    if job is None:
        return None
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now, stage=ImportStage.READ, updated_at=now
    )
    if not claimed:
        return job  # already run (a retried or duplicated message), or failed as stalled
    status = ImportStatus.FAILED
    report: dict
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        result = households_import_file(
            actor=job.created_by, grid=job.grid, data=data, file_name=job.file_name,
            skip_invalid=job.skip_invalid, progress=_JobProgress(job),
        )
        status, report = ImportStatus.DONE, result.as_dict(max_errors=MAX_STORED_ERRORS)
    except ImportRowError as exc:
        report = exc.report.as_dict(max_errors=MAX_STORED_ERRORS)
    except ApplicationError as exc:
        errors = exc.errors or [FieldError("file", exc.message)]
        report = ImportReport(errors=errors).as_dict(max_errors=MAX_STORED_ERRORS)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        report = _failure("导入时发生内部错误，请联系管理员")
    total = report.get("total_rows") or 0
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, report=report, finished_at=now, updated_at=now, total_rows=total, processed_rows=total,
    )
    job.refresh_from_db()
    _discard_file(job)
    return job


def import_job_fail_stalled(*, stalled_after: dt.timedelta = STALLED_AFTER) -> int:
    """Fail the jobs still queued or running with no progress for `stalled_after` (core.jobs). A job the
    sweep failed that was in fact still writing (no progress is written during the write transaction) ends
    with its real result when it finishes. Returns how many were failed."""

    def failure(minutes: int) -> dict:
        return {"report": _failure(f"导入中断：超过 {minutes} 分钟没有进展（后台处理进程可能已退出），已标记为失败。"
                                   "请重新导入该文件：已导入的住户会显示为“未变”。")}

    return fail_stalled(ImportJob, stalled_after=stalled_after, failure=failure, then=_discard_file)
