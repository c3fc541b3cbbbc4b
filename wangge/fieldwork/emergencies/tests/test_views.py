"""The pages: the list and declare form, the live page with one-tap statuses (htmx), the polled
progress, the all-clear form and the printable report — for each role that may see them."""

import pytest
from django.test import Client

from wangge.fieldwork.emergencies import services
from wangge.fieldwork.emergencies.models import Emergency

pytestmark = pytest.mark.django_db


def client_for(world, key):
    c = Client()
    c.force_login(world.users[key])
    return c


@pytest.fixture
def fire(world):
    return services.emergency_declare(actor=world.users["leader_A1"], kind="fire", grid=world.grid("A1e").pk,
                                      title="1号楼起火")


def test_the_list_offers_the_declare_form_to_leaders_only(world, fire):
    page = client_for(world, "leader_A1").get("/emergencies/")
    assert page.status_code == 200 and "立即宣布并通知" in page.text and "1号楼起火" in page.text
    page = client_for(world, "micro_A1em1").get("/emergencies/")
    assert page.status_code == 200 and "立即宣布并通知" not in page.text and "1号楼起火" in page.text
    assert "1号楼起火" not in client_for(world, "micro_B1em1").get("/emergencies/").text
    assert client_for(world, "resident").get("/emergencies/").status_code == 403
    assert Client().get("/emergencies/").status_code == 302


def test_declare_from_the_page(world):
    c = client_for(world, "leader_A1")
    r = c.post("/emergencies/", {"kind": "fire", "drill": "on", "grid": world.grid("A1e").pk, "title": "消防演练"})
    e = Emergency.objects.get()
    assert r.status_code == 302 and r.url == f"/emergencies/{e.pk}/" and e.drill
    r = c.post("/emergencies/", {"kind": "fire", "grid": ""})
    assert r.status_code == 422 and "请选择发生的网格或楼栋" in r.text
    assert client_for(world, "micro_A1em1").post("/emergencies/", {"kind": "fire",
                                                                   "grid": world.grid("A1em1").pk}).status_code == 403
    assert Emergency.objects.count() == 1


def test_the_live_page_by_role(world, fire):
    page = client_for(world, "leader_A1").get(f"/emergencies/{fire.pk}/")
    assert page.status_code == 200 and page.text.count('class="em-household em-s-') == 4 and "解除并生成报告" in page.text
    page = client_for(world, "micro_A1em1").get(f"/emergencies/{fire.pk}/")
    assert page.text.count('class="em-household em-s-') == 2 and "解除并生成报告" not in page.text
    assert 'hx-trigger="every 4s' in page.text
    assert client_for(world, "micro_B1em1").get(f"/emergencies/{fire.pk}/").status_code == 404
    assert client_for(world, "resident").get(f"/emergencies/{fire.pk}/").status_code == 404


def test_one_tap_status_and_the_progress_partial(world, fire):
    c = client_for(world, "micro_A1em1")
    h = world.households["A1em1"][0]
    r = c.post(f"/emergencies/{fire.pk}/households/{h.pk}/", {"status": "safe"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r["HX-Trigger"] == "emergency-changed"
    assert f'id="h-{h.pk}"' in r.text and 'data-status="safe"' in r.text
    progress = c.get(f"/emergencies/{fire.pk}/progress/")
    assert '<dd id="em-count-safe">1</dd>' in progress.text and '<dd id="em-count-not_reached">1</dd>' in progress.text
    other = world.households["A1em2"][0]
    assert c.post(f"/emergencies/{fire.pk}/households/{other.pk}/", {"status": "safe"}).status_code == 404
    r = c.post(f"/emergencies/{fire.pk}/households/{h.pk}/", {"status": "needs_help"})
    assert r.status_code == 302 and fire.households.get(household=h).status == "needs_help"


def test_all_clear_form_and_report(world, fire):
    c = client_for(world, "leader_A1")
    r = c.post(f"/emergencies/{fire.pk}/clear/", {"report": ""})
    assert r.status_code == 422 and 'id="em-clear-error"' in r.text
    assert client_for(world, "micro_A1em1").post(f"/emergencies/{fire.pk}/clear/",
                                                 {"report": "火已扑灭，无人员伤亡。"}).status_code == 403
    assert c.get(f"/emergencies/{fire.pk}/report/").status_code == 302  # not yet
    r = c.post(f"/emergencies/{fire.pk}/clear/", {"report": "火已扑灭，无人员伤亡，物业协助清理楼道。"})
    assert r.status_code == 302 and r.url == f"/emergencies/{fire.pk}/report/"
    report = client_for(world, "micro_A1em1").get(r.url)
    assert report.status_code == 200 and "物业协助清理楼道" in report.text and "未联系上4户" in report.text
    r = c.post(f"/emergencies/{fire.pk}/clear/", {"report": "火已扑灭，无人员伤亡，物业协助清理楼道。"})
    assert r.status_code == 302
    live = c.get(r.url)
    assert "该突发事件已解除" in live.text
    assert "hx-post" not in live.text and "查看处置报告" in live.text
