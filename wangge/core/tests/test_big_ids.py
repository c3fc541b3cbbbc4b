"""Ids beyond 64 bits are bad input (422 naming the field), not a database overflow (500)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db
HUGE = "32589158477190044731"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"/api/v1/grids/{HUGE}", "grid_id"),
        (f"/api/v1/duties?person={HUGE}", "person"),
        (f"/api/v1/grids?within={HUGE}", "within"),
        (f"/api/v1/households/export?within={HUGE}", "within"),
        (f"/api/v1/imports/{HUGE}", "job_id"),
    ],
)
def test_huge_ids_in_reads_are_422(world, api, url, field):
    response = api("admin").get(url)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_huge_grid_id_in_an_upload_is_422(world, api):
    upload = SimpleUploadedFile("h.csv", "楼栋,单元,楼层,房号,姓名,身份证号\n".encode(), content_type="text/csv")
    response = api("admin").post("/api/v1/imports/households", {"file": upload, "grid_id": HUGE})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "grid_id"
