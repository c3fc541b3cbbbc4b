"""A report as JSON, for the API."""

from __future__ import annotations

from django.urls import reverse

from .models import Report, Status


def report_out(report: Report) -> dict:
    done = report.status == Status.DONE
    user = report.requested_by
    person = getattr(user, "person", None) if user is not None else None
    return {
        "id": report.pk,
        "grid": {"id": report.grid_id, "code": report.grid.code, "name": report.grid.name, "level": report.grid.level},
        "month": report.month,
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "stage": report.stage,
        "stage_label": str(report.get_stage_display()) if report.stage else "",
        "progress": 100 if done else report.progress,
        "error": report.error,
        "attempts": report.attempts,
        "requested_by": (person.name if person else user.get_username()) if user is not None else None,
        "created_at": report.created_at,
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "xlsx_url": reverse("api:report_xlsx", kwargs={"report_id": report.pk}) if done else None,
        "pdf_url": reverse("api:report_pdf", kwargs={"report_id": report.pk}) if done else None,
    }
