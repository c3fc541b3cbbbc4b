"""The inbox pages: my notifications with the menu's unread badge, opening one, marking one (htmx) or
all read, and choosing how I hear of them."""

import re

import pytest
from django.test import Client

from wangge.notify import services
from wangge.notify.models import Notification

pytestmark = pytest.mark.django_db


def login(world, key) -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def badge(html: str) -> str:
    return re.search(r'<span class="tag tag-new" id="nav-unread"[^>]*>([^<]*)</span>', html).group(1)


@pytest.fixture
def notes(world):
    sub = world.grid("sub").pk
    mine = [services.notify(recipients=[world.persons["micro_A1em1"]], event="matter.assigned", title=t,
                            body="请尽快处理", link=link, subdistrict_id=sub)[0]
            for t, link in (("派给您：楼道堆物", "/matters/7/"), ("事项已办结", ""))]
    theirs = services.notify(recipients=[world.persons["resident"]], event="matter.resolved", title="居民的通知",
                             subdistrict_id=sub)[0]
    return mine, theirs


def test_the_inbox_lists_mine_with_the_unread_count_in_the_menu(world, notes):
    html = login(world, "micro_A1em1").get("/inbox/").content.decode()
    assert "派给您：楼道堆物" in html and "事项已办结" in html and "居民的通知" not in html
    assert badge(html) == "2" and 'href="/inbox/"' in html
    assert html.count('name="id"') == 2 and "全部标为已读" in html
    # The badge is on every page, hidden at zero.
    other = login(world, "nobody").get("/my-household/").content.decode()
    assert 'id="nav-unread" hidden' in other


def test_opening_a_notification_marks_it_read_and_goes_to_its_target(world, notes):
    (first, second), theirs = notes
    client = login(world, "micro_A1em1")
    response = client.get(f"/inbox/{first.pk}/")
    assert response.status_code == 302 and response["Location"] == "/matters/7/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.get(f"/inbox/{second.pk}/")["Location"] == "/inbox/"  # no target: back to the inbox
    assert client.get(f"/inbox/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_one_read_with_htmx_swaps_the_entry_and_the_badge(world, notes):
    (first, _), theirs = notes
    client = login(world, "micro_A1em1")
    response = client.post("/inbox/read/", {"id": first.pk, "next": "/inbox/"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'id="notification-{first.pk}"' in html and "标为已读" not in html
    assert 'hx-swap-oob="true"' in html and badge(html) == "1"
    # Someone else's, or no such id: 404, nothing marked.
    for value in (theirs.pk, 999999, "abc", "²", "9" * 30):
        assert client.post("/inbox/read/", {"id": value}).status_code == 404, value
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_all_read_returns_to_the_page(world, notes):
    client = login(world, "micro_A1em1")
    response = client.post("/inbox/read/", {"all": "1", "next": "/inbox/?unread=1"})
    assert response.status_code == 302 and response["Location"] == "/inbox/?unread=1"
    assert not Notification.objects.filter(recipient=world.persons["micro_A1em1"], read_at__isnull=True).exists()
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # the resident's
    html = client.get("/inbox/?unread=1").content.decode()
    assert 'id="inbox-empty"' in html and "没有未读通知" in html
    # `next` never leads off the site.
    assert client.post("/inbox/read/", {"all": "1", "next": "https://evil.example/"})["Location"] == "/inbox/"


def test_choosing_channels_on_the_preferences_page(world, phoneless, with_email):
    client = login(world, "micro_A1em1")
    html = client.get("/inbox/preferences/").content.decode()
    assert 'name="email" checked' in html and 'name="sms">' in html and "没有登记电子邮箱" in html
    assert client.post("/inbox/preferences/", {"digest": "on"}).status_code == 422  # the digest is an email
    with_email("micro_A1em1")
    response = client.post("/inbox/preferences/", {"sms": "on", "digest": "on"})
    assert response.status_code == 302 and response["Location"] == "/inbox/preferences/"
    preference = world.persons["micro_A1em1"].notify_preference
    assert (preference.email, preference.sms, preference.digest) == (False, True, True)
    # Text messages need a phone number: the error sits beside the box, nothing is saved.
    client = login(world, "phoneless")
    response = client.post("/inbox/preferences/", {"email": "on", "sms": "on"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="sms-error"' in html and "手机号码" in html and 'name="sms" checked' in html
    assert not hasattr(phoneless, "notify_preference") or phoneless.notify_preference.pk is None


def test_users_who_are_no_person_are_told_why_the_inbox_is_empty(world):
    client = login(world, "nobody")
    assert 'id="inbox-empty"' in client.get("/inbox/").content.decode()
    assert 'id="preferences-none"' in client.get("/inbox/preferences/").content.decode()
    assert client.post("/inbox/preferences/", {"email": "on"}).status_code == 200


def test_inbox_query_count_is_pinned(world, notes, django_assert_max_num_queries):
    client = login(world, "micro_A1em1")
    client.get("/inbox/")
    for n in range(25):
        services.notify(recipients=[world.persons["micro_A1em1"]], event="matter.assigned", title=f"第{n}条",
                        subdistrict_id=None)
    # session, user, the scope (person, duties); unread count; page count, page
    with django_assert_max_num_queries(7):
        assert client.get("/inbox/?page=2").status_code == 200
