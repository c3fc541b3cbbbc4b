"""Import jobs whose worker died are failed by a periodic task; the admin lists jobs read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from wangge.registry import importing, tasks
from wangge.registry.models import ImportJob, ImportStage, ImportStatus

from .test_import_web import upload

pytestmark = pytest.mark.django_db


def new_job(world) -> ImportJob:
    return importing.import_job_create(actor=world.users["leader_A1"], grid=world.grid("A1e"), upload=upload())


def age(job: ImportJob, minutes: int, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=minutes), **fields)


def test_jobs_without_progress_for_30_minutes_are_failed(world):
    queued, running, busy, fresh, done = (new_job(world) for _ in range(5))
    age(queued, 31)
    age(running, 45, status=ImportStatus.RUNNING, stage=ImportStage.CHECK, processed_rows=200, total_rows=400)
    age(busy, 29, status=ImportStatus.RUNNING)
    age(done, 120, status=ImportStatus.DONE)

    assert importing.import_job_fail_stalled() == 2

    for job in (queued, running):
        job.refresh_from_db()
        assert job.status == ImportStatus.FAILED and job.finished_at is not None
        assert not job.file  # the upload holds full ID numbers
        report = job.report
        assert report["written"] is False and report["total_rows"] == 0
        assert report["errors"] == [{"field": "file", "message": report["errors"][0]["message"]}]
        assert report["errors"][0]["message"].startswith("导入中断：超过 30 分钟没有进展")
        assert "请重新导入" in report["errors"][0]["message"]
    assert (running.processed_rows, running.total_rows) == (200, 400)  # where it stopped
    for job, status in ((busy, ImportStatus.RUNNING), (fresh, ImportStatus.QUEUED), (done, ImportStatus.DONE)):
        job.refresh_from_db()
        assert job.status == status and job.report is None and job.finished_at is None
    assert busy.file and fresh.file
    assert importing.import_job_fail_stalled() == 0


def test_a_failed_stalled_job_is_not_run_when_its_message_arrives_late(world):
    job = new_job(world)
    age(job, 60)
    importing.import_job_fail_stalled()
    importing.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.report["errors"][0]["message"].startswith("导入中断")


def test_progress_is_a_heartbeat(world):
    job = new_job(world)
    age(job, 60, status=ImportStatus.RUNNING)
    importing.jobs._JobProgress(job)(ImportStage.READ, 100, 400)
    assert importing.import_job_fail_stalled() == 0
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING and timezone.now() - job.updated_at < dt.timedelta(minutes=1)


def test_running_a_job_keeps_it_alive_until_it_finishes(world):
    job = new_job(world)
    age(job, 29)
    importing.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and timezone.now() - job.updated_at < dt.timedelta(minutes=1)


def test_the_periodic_task_runs_every_five_minutes_and_fails_stalled_jobs(world):
    task = tasks.import_jobs_fail_stalled.task_class()
    assert task.validate_datetime(dt.datetime(2026, 11, 28, 8, 5, tzinfo=dt.UTC))
    assert not task.validate_datetime(dt.datetime(2026, 11, 28, 8, 7, tzinfo=dt.UTC))
    job = new_job(world)
    age(job, 31, status=ImportStatus.RUNNING)
    tasks.import_jobs_fail_stalled.call_local()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED


def test_admin_lists_jobs_read_only_with_the_report(world):
    job = new_job(world)
    importing.import_job_run(job_id=job.pk)
    client = Client()
    client.force_login(world.users["admin"])
    listing = client.get("/admin/registry/importjob/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "住户.xlsx" in body and world.grid("A1e").name in body and "/admin/registry/importjob/add/" not in body
    page = client.get(f"/admin/registry/importjob/{job.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "&quot;households&quot;" in body and "&quot;created&quot;: 2" in body
    assert 'name="_save"' not in body
    assert client.get("/admin/registry/importjob/add/").status_code == 403
    assert client.post(f"/admin/registry/importjob/{job.pk}/change/", {"status": "queued"}).status_code == 403
    assert client.get(f"/admin/registry/importjob/{job.pk}/delete/").status_code == 403
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
