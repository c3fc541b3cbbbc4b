"""The admin: logs are read-only; a webhook is created through the service and its secret shown once."""

import pytest
from django.test import Client

from wangge.notify import services
from wangge.notify.models import Webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world):
    client = Client()
    client.force_login(world.users["admin"])
    return client


def test_logs_render_and_cannot_be_changed(world, admin_client):
    services.notify(recipients=[world.persons["member_A1e"]], event="matter.assigned", title="派单",
                    subdistrict_id=world.grid("sub").pk)
    webhook = services.webhook_create(actor=None, subdistrict=world.grid("sub"), name="区平台",
                                      url="http://127.0.0.1:9/hook")
    [delivery] = services.emit(event="matter.assigned", payload={"matter_id": 1}, subdistrict_id=webhook.subdistrict_id)
    services.webhook_deliver(delivery_id=delivery.pk)  # nobody listens on port 9: one failed attempt
    for model in ("notification", "delivery", "preference", "webhook", "webhookdelivery"):
        assert admin_client.get(f"/admin/notify/{model}/").status_code == 200, model
    page = admin_client.get(f"/admin/notify/webhookdelivery/{delivery.pk}/change/").content.decode()
    assert "matter_id" in page and "URLError" in page  # the payload and the attempt's error
    for model in ("notification", "delivery", "webhookdelivery"):
        assert admin_client.get(f"/admin/notify/{model}/add/").status_code == 403, model


def test_a_webhook_created_in_the_admin_shows_its_secret_once(world, admin_client):
    data = {"subdistrict": world.grid("sub").pk, "name": "区平台", "url": "https://example.invalid/hook",
            "events": '["matter."]', "active": "on"}
    response = admin_client.post("/admin/notify/webhook/add/", data, follow=True)
    webhook = Webhook.objects.get()
    assert webhook.secret in response.content.decode() and webhook.events == ["matter."]
    page = admin_client.get(f"/admin/notify/webhook/{webhook.pk}/change/").content.decode()
    assert webhook.secret not in page and webhook.secret[:6] in page
    # The service's rules show beside their fields.
    bad = admin_client.post("/admin/notify/webhook/add/", {**data, "events": '["Not An Event"]',
                                                            "subdistrict": world.grid("A").pk})
    assert bad.status_code == 200 and Webhook.objects.count() == 1
    assert "事件代码" in bad.content.decode() and "街道一级" in bad.content.decode()



def test_the_admin_refuses_a_webhook_to_this_server_beside_its_field(world, admin_client, settings):
    settings.WEBHOOK_BLOCKED_NETWORKS = ["127.0.0.0/8"]
    data = {"subdistrict": world.grid("sub").pk, "name": "本机", "url": "http://127.0.0.1:8000/hook",
            "events": "[]", "active": "on"}
    response = admin_client.post("/admin/notify/webhook/add/", data)
    assert response.status_code == 200 and "127.0.0.1" in response.content.decode()
    assert Webhook.objects.count() == 0
