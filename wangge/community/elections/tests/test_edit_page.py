"""The page to change an election before voting opens (ELECTIONS), linked from its detail page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ..models import Action, AuditEntry, Election
from .conftest import make_election, shift

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"


def _form(e: Election, **extra) -> dict:
    local = timezone.localtime
    data = {"title": e.title, "description": e.description, "eligibility": e.eligibility, "basis": e.basis,
            "votes_per_voter": str(e.votes_per_voter)}
    data |= {f: local(getattr(e, f)).strftime(FMT)
             for f in ("nomination_opens", "nomination_closes", "voting_opens", "voting_closes")}
    return data | extra


def test_staff_change_an_election_in_nomination_and_the_detail_page_shows_it(world, client_of):
    e = make_election(world)  # announced, nominating: nomination_opens has passed
    staff = client_of("committee_A")
    assert f'href="/elections/{e.pk}/edit/"' in staff.get(f"/elections/{e.pk}/").content.decode()
    page = staff.get(f"/elections/{e.pk}/edit/")
    html = page.content.decode()
    assert page.status_code == 200 and 'value="最美业主"' in html and 'name="community"' not in html
    assert timezone.localtime(e.voting_closes).strftime(FMT) in html
    later = timezone.localtime(e.voting_closes + dt.timedelta(days=3))
    # the passed nomination start is sent back as shown (to the minute): that is no change
    response = staff.post(f"/elections/{e.pk}/edit/", _form(e, title="最美志愿者", basis="household",
                                                             voting_closes=later.strftime(FMT)), follow=True)
    html = response.content.decode()
    assert "最美志愿者" in html and "每户一票" in html and later.strftime("%Y-%m-%d %H:%M") in html
    e.refresh_from_db()
    assert e.title == "最美志愿者" and e.basis == "household"
    assert set(AuditEntry.objects.get(election=e, action=Action.WINDOW_CHANGED).detail) == {"voting_closes"}


def test_bad_input_is_named_at_its_field_and_nothing_saved(world, client_of):
    e = make_election(world)
    staff = client_of("committee_A")
    now = timezone.localtime()
    cases = [
        ({"title": " "}, "title"),
        ({"votes_per_voter": "11"}, "votes_per_voter"), ({"votes_per_voter": "几个"}, "votes_per_voter"),
        ({"voting_opens": "x"}, "voting_opens"),
        ({"voting_closes": timezone.localtime(e.voting_opens - dt.timedelta(hours=1)).strftime(FMT)}, "voting_closes"),
        ({"nomination_opens": (now - dt.timedelta(days=5)).strftime(FMT)}, "nomination_opens"),  # passed: fixed
    ]
    for change, field in cases:
        r = staff.post(f"/elections/{e.pk}/edit/", _form(e, title="新名字", **change) if "title" not in change
                       else _form(e, **change))
        assert r.status_code == 422, change
        assert f'id="error-{field}"' in r.content.decode(), change
    e.refresh_from_db()
    assert e.title == "最美业主" and e.votes_per_voter == 1
    assert not AuditEntry.objects.filter(election=e, action__in=[Action.UPDATED, Action.WINDOW_CHANGED]).exists()


def test_a_draft_can_change_everything(world, client_of):
    e = make_election(world, announce=False)
    staff = client_of("committee_A")
    now = timezone.localtime()
    windows = {"nomination_opens": (now + dt.timedelta(days=1)).strftime(FMT),
               "nomination_closes": (now + dt.timedelta(days=2)).strftime(FMT),
               "voting_opens": (now + dt.timedelta(days=3)).strftime(FMT),
               "voting_closes": (now + dt.timedelta(days=4)).strftime(FMT)}
    r = staff.post(f"/elections/{e.pk}/edit/", _form(e, eligibility="party_members", votes_per_voter="2", **windows))
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.eligibility == "party_members" and e.votes_per_voter == 2
    assert timezone.localtime(e.nomination_opens).strftime(FMT) == windows["nomination_opens"]


def test_no_edit_once_voting_has_opened(world, client_of):
    e = shift(make_election(world), "voting")
    staff = client_of("committee_A")
    assert "/edit/" not in staff.get(f"/elections/{e.pk}/").content.decode()
    r = staff.get(f"/elections/{e.pk}/edit/", follow=True)
    assert r.redirect_chain[-1][0] == f"/elections/{e.pk}/" and "投票已开始" in r.content.decode()
    r = staff.post(f"/elections/{e.pk}/edit/", _form(e, title="改名"))
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.title == "最美业主"


def test_only_those_who_run_the_election_may_edit(world, client_of):
    e = make_election(world)
    for key in ("resident", "liaison_A"):
        page = client_of(key).get(f"/elections/{e.pk}/").content.decode()
        assert "/edit/" not in page
        assert client_of(key).get(f"/elections/{e.pk}/edit/").status_code == 403
        assert client_of(key).post(f"/elections/{e.pk}/edit/", _form(e, title="改名")).status_code == 403
    assert client_of("committee_B").get(f"/elections/{e.pk}/edit/").status_code == 404
    assert client_of("committee_B").post(f"/elections/{e.pk}/edit/", _form(e, title="改名")).status_code == 404
    draft = make_election(world, announce=False, candidates=0)
    assert client_of("resident").get(f"/elections/{draft.pk}/edit/").status_code == 404  # drafts are unseen
    e.refresh_from_db()
    assert e.title == "最美业主"
