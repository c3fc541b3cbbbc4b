"""Monthly reports as a community secretary and a subdistrict chief use them: request one, watch it run,
download its XLSX and PDF, receive it by e-mail, see a failure with its error and retry it."""

import datetime as dt
import re
from io import BytesIO

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from wangge.core.months import next_month
from wangge.insights.dashboards.periods import period_of
from wangge.insights.dashboards.selectors import dashboard
from wangge.insights.reports import content, pdf, services, tasks
from wangge.insights.reports.models import Report, ReportSubscription

URL = "/api/v1/reports"
pytestmark = pytest.mark.django_db


def _client(world, key="committee_A") -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def _request(api, world, this_month, captured, key="committee_A", node="A"):
    with captured(execute=True):
        response = api(key).post(URL, {"node": world.grid(node).pk, "month": this_month},
                                 content_type="application/json")
    return response


def _name(attachment) -> str:
    return attachment[0] if isinstance(attachment, tuple) else attachment.get_filename()


def _content(attachment) -> bytes:
    return attachment[1] if isinstance(attachment, tuple) else attachment.get_payload(decode=True)


def _pdf_text(text: str) -> bytes:
    """`text` as it stands in an uncompressed page drawn in STSong-Light: UTF-16BE, escaped as reportlab
    escapes string literals."""
    out = b""
    for byte in text.encode("utf-16-be"):
        char = bytes([byte])
        out += char if 32 <= byte < 127 and char not in b"()\\" else b"\\%03o" % byte
    return out


def _download(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def test_a_community_report_runs_to_done_with_the_figures_the_dashboard_shows(
        history, api, this_month, django_capture_on_commit_callbacks):
    world = history
    response = _request(api, world, this_month, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    report_id = response.json()["id"]
    body = api("committee_A").get(f"{URL}/{report_id}").json()
    assert (body["status"], body["progress"], body["error"]) == ("done", 100, "")
    assert body["grid"]["name"] == world.grid("A").name

    today = timezone.localdate()
    d = dashboard(actor=world.users["committee_A"], node_id=world.grid("A").pk,
                  period=period_of(start=today.replace(day=1), end=today))
    assert d.figures.received == 4 and d.figures.done == 3
    client = api("committee_A")
    wb = load_workbook(BytesIO(_download(client, body["xlsx_url"])))
    assert wb.sheetnames == ["概况", "考核指标", "按类别", "按渠道", "下级网格", "每日趋势", "网格考核", "人员考核"]
    overview = {row[0]: row[1] for row in wb["概况"].iter_rows(values_only=True) if row and row[0]}
    assert overview["受理"] == d.figures.received
    assert overview["结案（按上报日）"] == d.figures.done
    assert overview["当前未结（生成时）"] == d.states.open
    indicators = {row[0]: row for row in wb["考核指标"].iter_rows(min_row=2, values_only=True)}
    closure = indicators["结案率"]
    assert closure[1] == pytest.approx(d.figures.closure_rate)
    assert closure[2] == "结案数 ÷ 应结案数" and (closure[3], closure[4]) == (d.figures.done, d.figures.due)
    assert indicators["满意率"][1] == pytest.approx((1 + 0.8) / 2)
    children = {row[1]: row for row in wb["下级网格"].iter_rows(min_row=2, values_only=True)}
    assert set(children) == {world.grid("A1").name, world.grid("A2").name}
    assert children[world.grid("A1").name][2] == 2  # received under A1
    trend = list(wb["每日趋势"].iter_rows(min_row=2, values_only=True))
    assert len(trend) == today.day and sum(r[1] for r in trend) == 4
    categories = list(wb["按类别"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2]) for r in categories] == [("env-garbage", 4)]
    grids = [r[1] for r in wb["网格考核"].iter_rows(min_row=2, values_only=True) if r and isinstance(r[0], int)]
    assert grids[0] == world.grid("A1").name  # ranked first: everything closed on time

    # No resident appears anywhere in the workbook: neither names, phones nor ID numbers.
    text = "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    residents = [r for rs in world.residents.values() for r in rs]
    assert not any(r.name in text or r.phone in text or r.id_number in text for r in residents)
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)  # no phone number at all, staff's neither

    document = _download(client, body["pdf_url"])
    assert document.startswith(b"%PDF") and len(document) > 5000
    assert b"STSong-Light" in document
    assert len(re.findall(rb"/Type /Page\b", document)) >= 2


def test_the_pdf_draws_the_three_charts_with_the_grids_and_categories(history):
    world = history
    data = content.collect(world.grid("A"), timezone.localdate().replace(day=1))
    charts = pdf.charts(data)
    assert [c.title for c in charts] == ["每日受理与结案", "按类别受理数", "下级网格结案率"]
    labels = [c.drawing.contents[0].categoryAxis.categoryNames for c in charts]
    assert labels[1] == ["垃圾清运与分类"]  # the category's name, as drawn
    assert set(labels[2]) == {world.grid("A1").name, world.grid("A2").name}
    assert sorted(charts[2].drawing.contents[0].data[0]) == [50.0, 100.0]  # closure rates, in percent
    document = pdf.document(data, charts, compress=False)
    for text in (data.title, world.grid("A").code, "结案数 ÷ 应结案数", world.grid("A2").name, "垃圾清运与分类",
                 "下级网格结案率", "按处置人"):
        assert _pdf_text(text) in document, text
    assert document.startswith(b"%PDF")


def test_the_pdf_shows_middle_dots_and_minus_signs_the_font_lacks_with_ones_it_has(history):
    world = history
    from wangge.matters.models import Matter
    from wangge.people.models import Person

    worker = (Matter.objects.filter(grid__path__startswith=world.grid("A1").path, assignee__isnull=False)
              .values_list("assignee_id", flat=True).first())
    Person.objects.filter(pk=worker).update(name="买买提·艾力")
    data = content.collect(world.grid("A"), timezone.localdate().replace(day=1))
    document = pdf.document(data, pdf.charts(data), compress=False)
    for shown in ("买买提・艾力", "社区 ・ 编码", "（1 － 返工率）"):
        assert _pdf_text(shown) in document, shown
    for missing in ("·", "−"):  # drawn as empty boxes by readers
        assert _pdf_text(missing) not in document, missing


def test_a_report_with_a_worker_whose_matters_are_all_open_runs_to_done(world, this_month):
    from .conftest import A2EM1, report_matter

    report_matter(world, A2EM1)
    report, _created = services.report_request(actor=None, node_id=world.grid("A").pk, month=this_month)
    assert services.report_run(report_id=report.pk).status == "done"


def test_subscribers_get_an_email_with_both_files(
        history, api, this_month, with_email, django_capture_on_commit_callbacks):
    world = history
    with_email("committee_A")
    with_email("leader_A1")
    with_email("committee_B")
    for key in ("committee_A", "leader_A1"):
        assert api(key).put(f"{URL}/subscriptions", {"node": world.grid("A").pk, "subscribed": True},
                            content_type="application/json").status_code == 200
    # A subscriber who has since lost sight of the community gets nothing.
    ReportSubscription.objects.create(user=world.users["committee_B"], grid=world.grid("A"))
    mail.outbox.clear()
    assert _request(api, world, this_month, django_capture_on_commit_callbacks).status_code == 202
    assert sorted(m.to[0] for m in mail.outbox) == ["committee_a@example.invalid", "leader_a1@example.invalid"]
    message = mail.outbox[0]
    names = sorted(_name(a) for a in message.attachments)
    assert [n.rsplit(".", 1)[1] for n in names] == ["pdf", "xlsx"]
    assert all(world.grid("A").name in n for n in names)
    document = next(a for a in message.attachments if _name(a).endswith(".pdf"))
    assert _content(document).startswith(b"%PDF")


def test_the_monthly_job_requests_last_month_once_for_each_subscribed_node(
        history, with_email, django_capture_on_commit_callbacks):
    world = history
    with_email("committee_A")
    services.subscription_set(actor=world.users["committee_A"], node_id=world.grid("A").pk, subscribed=True)
    first = timezone.localdate().replace(day=1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reports_request_monthly(today=first) == 1
        assert services.reports_request_monthly(today=first) == 0  # a second run the same day adds nothing
    report = Report.objects.get()
    assert (report.grid, report.month, report.requested_by, report.status) == (
        world.grid("A"), (first - dt.timedelta(days=1)).replace(day=1), None, "done")
    assert len(mail.outbox) == 1 and len(mail.outbox[0].attachments) == 2
    # The schedule: the 1st of the month from 07:00 local time, on the hour.
    at_seven = dt.datetime(2026, 3, 1, 7, 0, tzinfo=timezone.get_current_timezone()).astimezone(dt.UTC)
    assert tasks._first_of_month_morning(at_seven.replace(tzinfo=None))
    assert not tasks._first_of_month_morning((at_seven - dt.timedelta(hours=1)).replace(tzinfo=None))
    assert not tasks._first_of_month_morning((at_seven + dt.timedelta(days=1)).replace(tzinfo=None))


def test_a_failure_is_visible_with_its_error_and_a_retry_runs_it_to_done(
        history, api, this_month, monkeypatch, django_capture_on_commit_callbacks):
    world = history

    def broken(data):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(pdf, "charts", broken)
    body = _request(api, world, this_month, django_capture_on_commit_callbacks).json()
    failed = api("committee_A").get(f"{URL}/{body['id']}").json()
    assert failed["status"] == "failed" and failed["stage"] == "charts"
    assert "绘制图表" in failed["error"] and "磁盘已满" in failed["error"]
    assert failed["xlsx_url"] is None and api("committee_A").get(f"{URL}/{body['id']}/pdf").status_code == 404

    page = _client(world).get("/insights/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "磁盘已满" in html and f"/insights/reports/{body['id']}/retry/" in html
    assert 'hx-trigger="every 2s"' not in html  # nothing running: no polling

    with django_capture_on_commit_callbacks(execute=True):  # still broken: it fails again, and says so
        assert api("committee_A").post(f"{URL}/{body['id']}/retry").status_code == 202
    again = api("committee_A").get(f"{URL}/{body['id']}").json()
    assert (again["status"], again["attempts"]) == ("failed", 2) and "磁盘已满" in again["error"]
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(world).post(f"/insights/reports/{body['id']}/retry/")
    assert response.status_code == 302
    done = api("committee_A").get(f"{URL}/{body['id']}").json()
    assert (done["status"], done["error"], done["attempts"]) == ("done", "", 3)
    assert api("committee_A").post(f"{URL}/{body['id']}/retry").json()["detail"] == "只有失败的报告可以重试"
    assert api("committee_A").post(f"{URL}/{body['id']}/retry").status_code == 409


def test_the_page_polls_while_a_report_runs_and_requests_through_the_form(
        history, this_month, django_capture_on_commit_callbacks):
    world = history
    client = _client(world)
    with django_capture_on_commit_callbacks(execute=False):  # queued: the worker has not taken it yet
        response = client.post("/insights/reports/", {"node": world.grid("A").pk, "month": this_month})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in html and "<progress" in html
    partial = client.get("/insights/reports/list/")
    assert partial.status_code == 200 and b"<progress" in partial.content
    # A second request of the same month while it is queued gives the same report, not another.
    with django_capture_on_commit_callbacks(execute=False):
        client.post("/insights/reports/", {"node": world.grid("A").pk, "month": this_month})
    assert Report.objects.count() == 1
    report = Report.objects.get()
    services.report_run(report_id=report.pk)
    html = client.get("/insights/reports/list/").content.decode()
    assert "hx-trigger" not in html and f"/insights/reports/{report.pk}/pdf/" in html
    assert client.get(f"/insights/reports/{report.pk}/xlsx/").status_code == 200


@pytest.mark.parametrize(("payload", "field"), [
    ({"month": "2026-13"}, "month"),
    ({"month": "三月"}, "month"),
    ({"month": ""}, "month"),
    ({"month": "2999-01"}, "month"),
    ({"node": "A1"}, "node"),   # an area grid: below a community
])
def test_bad_input_names_its_field(history, api, payload, field):
    world = history
    body = {"node": world.grid(payload.get("node", "A")).pk, "month": payload.get("month", "2026-01")}
    response = api("committee_A").post(URL, body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]
    page = _client(world).post("/insights/reports/", body)
    assert page.status_code == 422 and f'data-field="{field}"'.encode() in page.content


def test_next_month_is_refused_and_this_month_is_not(history, api):
    world = history
    today = timezone.localdate()
    upcoming = next_month(today)
    client = api("committee_A")
    assert client.post(URL, {"node": world.grid("A").pk, "month": f"{upcoming:%Y-%m}"},
                       content_type="application/json").status_code == 422
    assert client.post(URL, {"node": world.grid("A").pk, "month": f"{today:%Y-%m}"},
                       content_type="application/json").status_code == 202


def test_another_communitys_user_gets_404_and_a_resident_403(history, api, this_month,
                                                             django_capture_on_commit_callbacks):
    world = history
    own = _request(api, world, this_month, django_capture_on_commit_callbacks).json()
    other = api("committee_B")
    assert other.post(URL, {"node": world.grid("A").pk, "month": this_month},
                      content_type="application/json").status_code == 404
    for path in ("", "/xlsx", "/pdf"):
        assert other.get(f"{URL}/{own['id']}{path}").status_code == 404
    assert other.post(f"{URL}/{own['id']}/retry").status_code == 404
    assert other.get(URL).json() == {"items": [], "count": 0}
    assert _client(world, "committee_B").get(f"/insights/reports/{own['id']}/pdf/").status_code == 404
    assert other.put(f"{URL}/subscriptions", {"node": world.grid("A").pk, "subscribed": True},
                     content_type="application/json").status_code == 404
    # The subdistrict's reports are out of a community's reach; the admin sees everything.
    assert api("committee_A").post(URL, {"node": world.grid("sub").pk, "month": this_month},
                                   content_type="application/json").status_code in (403, 404)
    assert api("admin").get(URL).json()["count"] == 1

    resident = api("resident")
    assert resident.post(URL, {"node": world.grid("A").pk, "month": this_month},
                         content_type="application/json").status_code == 403
    assert resident.get(URL).status_code == 403
    assert _client(world, "resident").get("/insights/reports/").status_code == 403


def test_a_grid_member_below_the_community_has_no_node_to_pick(history):
    world = history
    html = _client(world, "member_A1e").get("/insights/reports/").content.decode()
    assert 'name="node"' not in html


def test_subscription_toggles_on_the_page(history):
    world = history
    client = _client(world)
    node = world.grid("A").pk
    assert client.post("/insights/reports/subscription/", {"node": node, "subscribed": "1"}).status_code == 302
    assert ReportSubscription.objects.filter(user=world.users["committee_A"], grid_id=node).exists()
    assert "取消订阅" in client.get(f"/insights/reports/?node={node}").content.decode()
    assert client.post("/insights/reports/subscription/", {"node": node, "subscribed": "0"}).status_code == 302
    assert not ReportSubscription.objects.exists()


def test_a_stalled_report_is_failed_with_its_error(history, this_month):
    world = history
    report, created = services.report_request(actor=world.users["committee_A"], node_id=world.grid("A").pk,
                                              month=this_month)
    assert created
    Report.objects.filter(pk=report.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    assert services.report_fail_stalled() == 1
    report.refresh_from_db()
    assert report.status == "failed" and "没有进展" in report.error


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("leader_A1", 200), ("member_A1e", 200), ("micro_A1em1", 200), ("liaison_A", 200),
    ("resident", 403), ("nobody", 403), (None, 302),
])
def test_the_page_and_its_partial_for_every_role(world, role, status):
    client = _client(world, role) if role else Client()
    assert client.get("/insights/reports/").status_code == status
    assert client.get("/insights/reports/list/", HTTP_HX_REQUEST="true").status_code == status


def test_the_list_costs_the_same_queries_for_more_reports(history, api, django_assert_max_num_queries):
    world = history
    client = api("committee_A")
    for month in ("2026-01", "2026-02"):
        services.report_request(actor=world.users["committee_A"], node_id=world.grid("A").pk, month=month)
    with django_assert_max_num_queries(8) as first:
        assert client.get(URL).json()["count"] == 2
    for month in ("2026-03", "2026-04", "2026-05"):
        services.report_request(actor=world.users["committee_A"], node_id=world.grid("A").pk, month=month)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(URL).json()["count"] == 5


def test_the_admin_lists_reports_and_edits_subscriptions(history, this_month):
    world = history
    services.report_request(actor=world.users["committee_A"], node_id=world.grid("A").pk, month=this_month)
    client = _client(world, "admin")
    assert client.get("/admin/reports/report/").status_code == 200
    response = client.post("/admin/reports/reportsubscription/add/",
                           {"user": world.users["committee_A"].pk, "grid": world.grid("A").pk})
    assert response.status_code == 302
    sub = ReportSubscription.objects.get()
    assert (sub.user, sub.grid, sub.subdistrict) == (world.users["committee_A"], world.grid("A"), world.grid("sub"))
    assert client.get("/admin/reports/reportsubscription/").status_code == 200
