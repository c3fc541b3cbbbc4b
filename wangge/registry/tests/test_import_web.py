"""The import pages (upload → job page with htmx progress → report), the export download, and the API."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wangge.people.models import PiiAccessLog
from wangge.registry import importing
from wangge.registry.models import ImportJob, ImportStage, ImportStatus, Resident

from .test_import_households import BASE, _bad, good_rows, new_id, xlsx_bytes

pytestmark = pytest.mark.django_db


def login(world, key: str) -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def upload(name: str = "住户.xlsx", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(good_rows()) if data is None else data)


# -- pages ----------------------------------------------------------------------------------------------


def test_upload_page_then_job_page_shows_the_report(world, django_capture_on_commit_callbacks):
    client = login(world, "leader_A1")
    page = client.get("/imports/")
    assert page.status_code == 200
    assert f'value="{world.grid("A1e").pk}"' in page.content.decode() and world.grid("B1e").name not in page.content.decode()
    assert "/imports/" in client.get("/grids/").content.decode()  # the nav link

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/imports/", {"grid": world.grid("A1e").pk, "file": upload()})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/{job.pk}/"
    assert job.status == ImportStatus.DONE and job.created_by == world.users["leader_A1"]
    assert job.subdistrict == world.grid("sub") and job.total_rows == job.processed_rows == 4
    assert not job.file  # the uploaded file (full ID numbers) is gone once imported
    body = client.get(response["Location"]).content.decode()
    assert "已完成" in body and "导入完成" in body and "hx-trigger" not in body
    assert Resident.objects.filter(id_number=new_id(101)).exists()
    assert "住户.xlsx" in client.get("/imports/").content.decode()  # listed among my jobs


def test_job_page_polls_while_running_and_lists_row_errors_when_done(world, django_capture_on_commit_callbacks):
    client = login(world, "leader_A1")
    job = importing.import_job_create(actor=world.users["leader_A1"], grid=world.grid("A1e"),
                                      upload=upload(data=xlsx_bytes([_bad(BASE, c0="9号楼")])))
    partial = client.get(f"/imports/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in partial and "排队中" in partial
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, stage=ImportStage.CHECK,
                                               processed_rows=100, total_rows=400)
    partial = client.get(f"/imports/{job.pk}/progress/").content.decode()
    assert 'value="55"' in partial and "已处理 100 / 400 行" in partial and "every 1s" in partial
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED)
    importing.import_job_run(job_id=job.pk)
    partial = client.get(f"/imports/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in partial and "失败" in partial and "未写入任何数据" in partial
    assert "第2行" in partial and "未找到楼栋“9号楼”" in partial


def test_jobs_are_visible_to_their_creator_and_admins_only(world):
    job = importing.import_job_create(actor=world.users["leader_A1"], grid=world.grid("A1e"), upload=upload())
    assert login(world, "member_A1e").get(f"/imports/{job.pk}/").status_code == 404
    assert login(world, "member_A1e").get(f"/imports/{job.pk}/progress/").status_code == 404
    assert login(world, "admin").get(f"/imports/{job.pk}/").status_code == 200


def test_upload_form_errors_name_the_file(world):
    client = login(world, "leader_A1")
    response = client.post("/imports/", {"grid": world.grid("A1e").pk, "file": upload("住户.pdf", b"%PDF")})
    assert response.status_code == 422
    assert "只能导入 .xlsx 或 .csv 文件" in response.content.decode()
    response = client.post("/imports/", {"grid": world.grid("A1e").pk})
    assert response.status_code == 422 and "请选择要导入的文件" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_micro_grid_member_cannot_import(world):
    client = login(world, "micro_A1em1")
    assert client.get("/imports/").status_code == 403
    assert client.post("/imports/", {"grid": world.grid("A1em1").pk, "file": upload()}).status_code == 403
    assert client.post("/imports/", {"grid": world.grid("A2e").pk, "file": upload()}).status_code == 404
    assert "/imports/" not in login(world, "resident").get("/my-household/").content.decode()
    assert not ImportJob.objects.exists()


def test_export_download_masked_and_full(world):
    client = login(world, "leader_A1")
    grid = world.grid("A1e")
    response = client.get(f"/households/export/?within={grid.pk}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert "*" in sheet["H2"].value
    form = client.get(f"/households/export/?within={grid.pk}&unmask=1")
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    assert client.post("/households/export/", {"within": grid.pk, "reason": ""}).status_code == 422
    full = client.post("/households/export/", {"within": grid.pk, "reason": "入户核查"})
    assert full.status_code == 200
    assert "*" not in openpyxl.load_workbook(io.BytesIO(full.content)).worksheets[0]["H2"].value
    assert PiiAccessLog.objects.filter(purpose="export").count() == 8
    micro = login(world, "micro_A1em1")
    assert micro.get(f"/households/export/?within={world.grid('A1em1').pk}").status_code == 200
    assert micro.post("/households/export/", {"within": world.grid("A1em1").pk, "reason": "看看"}).status_code == 403
    assert micro.get(f"/households/export/?within={world.grid('B1e').pk}").status_code == 404


# -- API ------------------------------------------------------------------------------------------------


def test_api_upload_then_poll_the_job(world, api, django_capture_on_commit_callbacks):
    client = api("member_A1e")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/imports/households",
                               {"file": upload(), "grid_id": world.grid("A1e").pk, "skip_invalid": "true"})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["skip_invalid"] is True and body["report"] is None
    job = client.get(f"/api/v1/imports/{body['id']}").json()
    assert job["status"] == "done" and job["percent"] == 100
    assert job["report"]["households"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert job["report"]["residents"]["created"] == 4 and job["report"]["errors"] == []
    assert client.get("/api/v1/imports").json()["count"] == 1
    assert api("leader_A1").get(f"/api/v1/imports/{body['id']}").status_code == 404


def test_api_row_errors_fail_the_job_with_the_report(world, api, django_capture_on_commit_callbacks):
    client = api("leader_A1")
    data = xlsx_bytes([BASE, _bad(BASE, c4="李四", c5=new_id(102))])
    with django_capture_on_commit_callbacks(execute=True):
        job_id = client.post("/api/v1/imports/households",
                             {"file": upload(data=data), "grid_id": world.grid("A1e").pk}).json()["id"]
    job = client.get(f"/api/v1/imports/{job_id}").json()
    assert job["status"] == "failed" and job["report"]["written"] is False
    assert job["report"]["errors"] == [{"row": 3, "field": "与户主关系", "message": "该户已有户主（第2行）"}]


def test_api_scope_and_file_errors(world, api):
    grid = world.grid("A1em1")
    micro = api("micro_A1em1")
    assert micro.post("/api/v1/imports/households", {"file": upload(), "grid_id": grid.pk}).status_code == 403
    other = world.grid("B1e").pk
    assert micro.post("/api/v1/imports/households", {"file": upload(), "grid_id": other}).status_code == 404
    leader = api("leader_A1")
    assert leader.post("/api/v1/imports/households", {"file": upload(), "grid_id": other}).status_code == 404
    response = leader.post("/api/v1/imports/households",
                           {"file": upload("a.xlsx", b"not a workbook"), "grid_id": world.grid("A1e").pk})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"
    assert not ImportJob.objects.exists()


def test_api_missing_fields_are_named(world, api):
    leader = api("leader_A1")
    response = leader.post("/api/v1/imports/households", {"grid_id": world.grid("A1e").pk})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["file"]
    assert response.json()["detail"].startswith("file: ")
    response = leader.post("/api/v1/imports/households", {"file": upload()})
    assert response.status_code == 422 and [e["field"] for e in response.json()["errors"]] == ["grid_id"]
    response = leader.post("/api/v1/imports/households", {})
    assert response.status_code == 422
    assert sorted(e["field"] for e in response.json()["errors"]) == ["file", "grid_id"]
    response = leader.post("/api/v1/imports/households", {"file": upload(), "grid_id": "A1e"})
    assert response.status_code == 422 and [e["field"] for e in response.json()["errors"]] == ["grid_id"]
    assert not ImportJob.objects.exists()


def test_api_export(world, api):
    grid = world.grid("A1e")
    leader = api("leader_A1")
    response = leader.get(f"/api/v1/households/export?within={grid.pk}")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert not PiiAccessLog.objects.exists()
    assert leader.get(f"/api/v1/households/export?within={grid.pk}&unmask=true").status_code == 422
    assert leader.get(f"/api/v1/households/export?within={grid.pk}&unmask=true&reason=核查").status_code == 200
    assert PiiAccessLog.objects.filter(purpose="export").count() == 8
    assert leader.get(f"/api/v1/households/export?within={world.grid('B1e').pk}").status_code == 404
    micro = api("micro_A1em1")
    assert micro.get(f"/api/v1/households/export?within={world.grid('A1em1').pk}&unmask=true&reason=看看").status_code == 403
    assert leader.get("/api/v1/households/export").status_code == 422
    # /households/{id} still answers next to /households/export.
    household = world.households["A1em1"][0]
    assert leader.get(f"/api/v1/households/{household.pk}").json()["id"] == household.pk


def test_job_progress_is_written_outside_the_write_transaction(world):
    job = importing.import_job_create(actor=world.users["leader_A1"], grid=world.grid("A1e"), upload=upload())
    progress = importing.jobs._JobProgress(job)
    progress(ImportStage.CHECK, 100, 250)
    job.refresh_from_db()
    assert (job.stage, job.processed_rows, job.total_rows) == ("check", 100, 250)
    progress(ImportStage.CHECK, 150, 250)  # fewer than 100 rows since the last write
    progress(ImportStage.WRITE, 0, 250)
    progress(ImportStage.WRITE, 200, 250)  # inside the write transaction nobody could see it
    job.refresh_from_db()
    assert (job.stage, job.processed_rows) == ("write", 0)
