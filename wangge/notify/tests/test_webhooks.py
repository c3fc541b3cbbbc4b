"""Outbound webhooks, against a real HTTP server on 127.0.0.1: signed with HMAC-SHA256, retried with
backoff after a failure with every attempt logged, given up after the last retry."""

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from django.utils import timezone

from wangge.core.errors import InvalidInput, NotFound, PermissionDenied
from wangge.notify import services
from wangge.notify.models import State, WebhookDelivery
from wangge.people import services as people
from wangge.people.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    """A webhook receiver: records each request (headers, body) and answers the statuses queued in
    `answers` (200 when none are left)."""
    got, answers = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append((self.headers, self.rfile.read(int(self.headers["Content-Length"]))))
            status = answers.pop(0) if answers else 200
            if status in (301, 302):
                self.send_response(status)
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            else:
                self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}/hook", got=got, answers=answers)
    server.shutdown()
    server.server_close()


def hook(world, url, events=()):
    return services.webhook_create(actor=world.users["admin"], subdistrict=world.grid("sub"), name="区平台",
                                   url=url, events=list(events))


def emit(world, event="matter.assigned", payload=None):
    return services.emit(event=event, payload=payload or {"matter_id": 7, "title": "楼道堆物"},
                         subdistrict_id=world.grid("sub").pk)


def test_the_receiver_can_verify_the_signature_with_the_secret(world, receiver, django_capture_on_commit_callbacks):
    webhook = hook(world, receiver.url)
    assert len(webhook.secret) == 64
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = emit(world)
    [(headers, body)] = receiver.got
    timestamp = headers["X-Wangge-Timestamp"]
    expected = hmac.new(webhook.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Wangge-Signature"], f"sha256={expected}")
    assert abs(int(timestamp) - timezone.now().timestamp()) < 60
    assert headers["X-Wangge-Event"] == "matter.assigned" and headers["X-Wangge-Delivery"] == str(delivery.pk)
    envelope = json.loads(body)
    assert envelope["event"] == "matter.assigned" and envelope["id"] == delivery.pk
    assert envelope["data"] == {"matter_id": 7, "title": "楼道堆物"}
    delivery.refresh_from_db()
    assert (delivery.state, delivery.response_status, delivery.attempts) == (State.SENT, 200, 1)
    assert delivery.delivered_at is not None
    # Another secret would not verify.
    other = hmac.new(b"wrong", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["X-Wangge-Signature"] != f"sha256={other}"


def test_a_500_is_retried_with_backoff_and_every_attempt_is_logged(world, receiver,
                                                                    django_capture_on_commit_callbacks):
    hook(world, receiver.url)
    receiver.answers.extend([500, 503])
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = emit(world)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status) == (State.PENDING, 1, 500)
    assert 55 < (delivery.next_attempt_at - timezone.now()).total_seconds() <= 60
    assert services.deliveries_send_due() == 0  # waiting
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    services.deliveries_send_due()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status) == (State.PENDING, 2, 503)
    assert 295 < (delivery.next_attempt_at - timezone.now()).total_seconds() <= 300
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    services.deliveries_send_due()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status, delivery.last_error) == (
        State.SENT, 3, 200, "")
    log = [(a.number, a.response_status, a.error) for a in delivery.attempt_log.all()]
    assert log == [(1, 500, "HTTP 500"), (2, 503, "HTTP 503"), (3, 200, "")]
    assert len(receiver.got) == 3
    # Each attempt is signed anew, with the same delivery id.
    assert {h["X-Wangge-Delivery"] for h, _ in receiver.got} == {str(delivery.pk)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_it_gives_up_after_the_last_retry(world, django_capture_on_commit_callbacks):
    hook(world, f"http://127.0.0.1:{_free_port()}/nobody-listens")
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = emit(world)
    for _ in range(3):  # NOTIFY_RETRY_DELAYS has three waits: four attempts in all
        WebhookDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
        services.deliveries_send_due()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status) == (State.FAILED, 4, None)
    assert "refused" in delivery.last_error.lower()
    assert delivery.attempt_log.count() == 4
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.deliveries_send_due() == 0


def test_a_redirect_is_a_failure_not_followed(world, receiver, django_capture_on_commit_callbacks):
    hook(world, receiver.url)
    receiver.answers.append(302)
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = emit(world)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.response_status, len(receiver.got)) == (State.PENDING, 302, 1)


def test_events_go_to_the_webhooks_that_want_them(world, receiver, django_capture_on_commit_callbacks):
    everything = hook(world, receiver.url)
    matters = hook(world, receiver.url, events=["matter."])
    hall = hook(world, receiver.url, events=["hall.session_opened"])
    services.webhook_update(actor=None, webhook=everything, name="停用", url=receiver.url, events=[], active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert [d.webhook for d in emit(world, "matter.closed")] == [matters]
        assert [d.webhook for d in emit(world, "hall.session_opened")] == [hall]
        assert emit(world, "hall.vote_closed") == []
        assert services.emit(event="matter.closed", payload={}, subdistrict_id=world.grid("A").pk) == []
    assert len(receiver.got) == 2


def test_only_those_who_manage_people_at_the_subdistrict_create_webhooks(world):
    def create(key):
        return services.webhook_create(actor=world.users[key], subdistrict=world.grid("sub"), name="x",
                                       url="https://example.invalid/hook")

    for key in ("leader_A1", "member_A1e", "nobody"):  # the subdistrict is above (or outside) their scope
        with pytest.raises(NotFound):
            create(key)
    with pytest.raises(PermissionDenied):  # a resident sees the grids above their home
        create("resident")
    people.duty_assign(person=world.persons["member_A1e"], role=Role.TWO_COMMITTEE_MEMBER, grid=world.grid("sub"))
    assert create("member_A1e").subdistrict == world.grid("sub")
    with pytest.raises(InvalidInput) as caught:
        hook(world, "https://example.invalid/hook", events=["matter.", "Not An Event"])
    assert caught.value.errors[0].field == "events"
    with pytest.raises(InvalidInput) as caught:
        hook(world, "ftp://example.invalid/hook")
    assert caught.value.errors[0].field == "url"
    with pytest.raises(InvalidInput) as caught:
        services.webhook_create(actor=None, subdistrict=world.grid("A"), name="x", url="https://example.invalid/")
    assert caught.value.errors[0].field == "subdistrict"


def test_a_new_secret_replaces_the_old_one(world):
    webhook = hook(world, "https://example.invalid/hook")
    old = webhook.secret
    assert services.webhook_rotate_secret(actor=world.users["admin"], webhook=webhook).secret != old


def test_webhooks_to_this_server_or_link_local_addresses_are_refused(world, settings, receiver):
    settings.WEBHOOK_BLOCKED_NETWORKS = ["127.0.0.0/8", "::1/128", "169.254.0.0/16"]
    for url in ("http://127.0.0.1:8000/admin/", "http://169.254.169.254/latest/meta-data/", "http://localhost/x"):
        with pytest.raises(InvalidInput) as refused:
            services.webhook_create(actor=None, subdistrict=world.grid("sub"), name="内网", url=url)
        assert refused.value.errors[0].field == "url"
    assert services.Webhook.objects.count() == 0
    # A hook saved while allowed, then blocked: its deliveries give up at once and never reach the server.
    settings.WEBHOOK_BLOCKED_NETWORKS = []
    services.webhook_create(actor=None, subdistrict=world.grid("sub"), name="本机", url=receiver.url)
    settings.WEBHOOK_BLOCKED_NETWORKS = ["127.0.0.0/8"]
    services.emit(event="matter.created", payload={"id": 1}, subdistrict_id=world.grid("sub").pk)
    delivery = WebhookDelivery.objects.get()
    services.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == "failed" and "127.0.0.1" in delivery.last_error
    assert receiver.got == []
