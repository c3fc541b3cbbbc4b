"""The organisations pages: `/organisations/` (trees by parent, grouped, filtered, searched) and
`/organisations/<id>/` (parent, children, members with the other hats they wear).

What each role may see is taken from `people.selectors.organisation_list` (the one place scope is
decided) and, for a few cases, from the world's layout directly, so the page can neither show more nor
less than the selector allows.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from wangge.people import selectors
from wangge.people import services as people
from wangge.people.models import Membership, Organisation, OrganisationKind, Role
from wangge.testing.world import World, fake_phone

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader_A1", "member_A1e", "micro_A1em1", "liaison_A", "resident", "nobody"]
STAFF = ["admin", "leader_A1", "member_A1e", "micro_A1em1", "liaison_A"]
OFFICER_PHONE = "13912345678"
CROSS_PHONE = "13787654321"


@pytest.fixture
def orgs(world: World) -> World:
    """The world's three organisations, plus the rest of the article's organisation in community A (a
    three-level party organisation, the residents' committee, a property company, joint units), one grid
    party group in community B, and members who wear several hats."""
    g, o = world.grid, world.organisations
    add = people.organisation_create
    K = OrganisationKind
    o["A1_group"] = add(name="红旗社区第1网格党小组", kind=K.GRID_PARTY_GROUP, grid=g("A1"), parent=o["A_party"])
    o["A2_group"] = add(name="红旗社区第2网格党小组", kind=K.GRID_PARTY_GROUP, grid=g("A2"), parent=o["A_party"])
    o["A1e_ppo"] = add(name="红旗物业党支部", kind=K.PROPERTY_PARTY_ORG, grid=g("A1e"), parent=o["A1_group"])
    o["A_rc"] = add(name="红旗社区居民委员会", kind=K.RESIDENTS_COMMITTEE, grid=g("A"))
    o["A1e_company"] = add(name="红旗物业服务有限公司", kind=K.PROPERTY_COMPANY, grid=g("A1e"))
    o["fire"] = add(name="城西消防救援站", kind=K.FIRE_BRIGADE, grid=g("sub"))
    o["office"] = add(name="城西街道办事处", kind=K.SUBDISTRICT_OFFICE, grid=g("sub"))
    o["B1_group"] = add(name="新华社区第1网格党小组", kind=K.GRID_PARTY_GROUP, grid=g("B1"), parent=o["B_party"])

    member = people.membership_add
    # The leader of A1 is secretary of the community party committee and heads the A1 grid party group.
    leader = world.persons["leader_A1"]
    member(person=leader, organisation=o["A_party"], post="党委书记", is_party_member=True)
    member(person=leader, organisation=o["A1_group"], post="组长", is_party_member=True)
    # A party member of the property company is an information officer of its estate (兼任).
    officer = people.person_create(name="王信息", phone=OFFICER_PHONE, grid=g("A1e"))
    member(person=officer, organisation=o["A1e_company"], post="客服主管", is_party_member=True)
    member(person=officer, organisation=o["A1e_ppo"], post="党员", is_party_member=True)
    people.duty_assign(person=officer, role=Role.INFORMATION_OFFICER, grid=g("A1e"), organisation=o["A1e_ppo"])
    cleaner = people.person_create(name="李保洁", phone=fake_phone(901), grid=g("A1e"))
    member(person=cleaner, organisation=o["A1e_company"], post="保洁员")
    people.duty_assign(person=cleaner, role=Role.PROPERTY_STAFF, grid=g("A1e"), organisation=o["A1e_company"])
    # Someone who serves in both communities: community A users must see only the A half of it.
    cross = people.person_create(name="周跨区", phone=CROSS_PHONE, grid=g("A"))
    member(person=cross, organisation=o["A_party"], post="党委委员", is_party_member=True)
    member(person=cross, organisation=o["B1_group"], post="党员", is_party_member=True)
    people.duty_assign(person=cross, role=Role.RESIDENT_REPRESENTATIVE, grid=g("A2"))
    people.duty_assign(person=cross, role=Role.GRID_MEMBER, grid=g("B1e"))
    world.persons.update(officer=officer, cleaner=cleaner, cross=cross)
    return world


def client_for(world: World, role: str | None) -> Client:
    client = Client()
    if role is not None:
        client.force_login(world.users[role])
    return client


def allowed(world: World, role: str) -> set[int]:
    return set(selectors.organisation_list(actor=world.users[role]).values_list("pk", flat=True))


class Forest(HTMLParser):
    """The organisation trees of a page: each `li[data-org]`'s nearest enclosing `li[data-org]`, the
    group (`section#org-group-…`) it sits in, and its member counts."""

    def __init__(self, html: str):
        super().__init__()
        self.stack: list[tuple[str, object]] = []
        self.parent: dict[int, int | None] = {}
        self.group: dict[int, str | None] = {}
        self.counts: dict[int, tuple[int, int]] = {}
        self.order: list[int] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag not in ("li", "section"):
            return
        a = dict(attrs)
        if tag == "section":
            self.stack.append(("section", (a.get("id") or "").removeprefix("org-group-")))
            return
        pk = int(a["data-org"]) if a.get("data-org") else None
        if pk is not None:
            above = [v for t, v in self.stack if t == "li" and v is not None]
            sections = [v for t, v in self.stack if t == "section"]
            self.parent[pk] = above[-1] if above else None
            self.group[pk] = sections[-1] if sections else None
            self.counts[pk] = (int(a["data-members"]), int(a["data-party"]))
            self.order.append(pk)
        self.stack.append(("li", pk))

    def handle_endtag(self, tag):
        if tag in ("li", "section"):
            while self.stack and self.stack.pop()[0] != tag:
                pass

    def children(self, pk: int) -> set[int]:
        return {c for c, p in self.parent.items() if p == pk}


def forest(client: Client, url: str = "/organisations/", **params) -> Forest:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return Forest(response.content.decode())


# -- who sees what -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_exactly_the_organisations_the_selector_allows(orgs, role):
    page = forest(client_for(orgs, role))
    assert len(page.order) == len(set(page.order)), "every organisation is shown once"
    assert set(page.order) == allowed(orgs, role)


# Independently of the selector: from where each organisation hangs and where each user serves.
EXPECTED = {
    "admin": None,  # all
    # community A's subtree, the nodes above it, and nothing of community B
    "leader_A1": {"A_party", "A1_group", "A2_group", "A1e_ppo", "A_rc", "A1e_company", "police", "fire", "office"},
    "liaison_A": {"A_party", "A1_group", "A2_group", "A1e_ppo", "A_rc", "A1e_company", "police", "fire", "office"},
    # the estate and everything above it, but not the neighbouring area grid A2
    "member_A1e": {"A_party", "A1_group", "A1e_ppo", "A_rc", "A1e_company", "police", "fire", "office"},
    "micro_A1em1": {"A_party", "A1_group", "A1e_ppo", "A_rc", "A1e_company", "police", "fire", "office"},
    # the chain of grids above their home
    "resident": {"A_party", "A1_group", "A1e_ppo", "A_rc", "A1e_company", "police", "fire", "office"},
    "nobody": set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_list_follows_the_world_layout(orgs, role):
    keys = EXPECTED[role] if EXPECTED[role] is not None else set(orgs.organisations)
    names = set(forest(client_for(orgs, role)).order)
    assert names == {orgs.organisations[k].pk for k in keys}


@pytest.mark.parametrize("role", ROLES)
def test_detail_pages_answer_200_inside_the_scope_and_404_outside(orgs, role):
    client = client_for(orgs, role)
    visible = allowed(orgs, role)
    wrong = []
    for org in Organisation.objects.all():
        expected = 200 if org.pk in visible else 404
        got = client.get(f"/organisations/{org.pk}/").status_code
        if got != expected:
            wrong.append(f"{org.name}: expected {expected}, got {got}")
    assert client.get("/organisations/999999/").status_code == 404
    assert not wrong, f"{role}:\n  " + "\n  ".join(wrong)


def test_anonymous_users_are_sent_to_log_in(orgs):
    for url in ("/organisations/", f"/organisations/{orgs.organisations['A_party'].pk}/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_nobody_and_the_empty_state(orgs):
    html = client_for(orgs, "nobody").get("/organisations/").content.decode()
    assert 'id="organisations-empty"' in html and "没有在岗职责" in html


# -- the trees -----------------------------------------------------------------------------------------------


def test_party_organisation_nests_by_parent_and_units_are_grouped(orgs):
    o = {k: v.pk for k, v in orgs.organisations.items()}
    page = forest(client_for(orgs, "admin"))
    # 社区党委 → 网格党小组 → 物业企业党组织
    assert page.parent[o["A_party"]] is None and page.group[o["A_party"]] == "party"
    assert page.children(o["A_party"]) == {o["A1_group"], o["A2_group"]}
    assert page.parent[o["A1e_ppo"]] == o["A1_group"] and page.group[o["A1e_ppo"]] == "party"
    assert page.children(o["B_party"]) == {o["B1_group"]}
    # the residents' committee and the property company in their own group, the joint units in theirs
    assert page.group[o["A_rc"]] == page.group[o["A1e_company"]] == "community"
    assert page.group[o["police"]] == page.group[o["fire"]] == "joint"
    assert page.group[o["office"]] == "other"
    assert all(page.parent[o[k]] is None for k in ("A_rc", "A1e_company", "police", "fire", "office"))
    # groups in order, and inside the party group community A before community B
    assert page.order.index(o["A_party"]) < page.order.index(o["B_party"]) < page.order.index(o["A_rc"])
    assert page.order.index(o["A_rc"]) < page.order.index(o["police"]) < page.order.index(o["office"])
    html = client_for(orgs, "admin").get("/organisations/").content.decode()
    assert "共驻共建单位" in html and "社区党委 → 网格党小组 → 物业企业党组织" in html


def test_micro_grid_member_sees_the_chain_above_nested(orgs):
    o = {k: v.pk for k, v in orgs.organisations.items()}
    page = forest(client_for(orgs, "micro_A1em1"))
    assert page.parent[o["A1_group"]] == o["A_party"] and page.parent[o["A1e_ppo"]] == o["A1_group"]
    assert o["A2_group"] not in page.parent


def test_counts_are_current_members_and_party_members(orgs):
    o = orgs.organisations
    # an ended membership is not counted
    ended = people.membership_add(person=orgs.persons["leader_A2"], organisation=o["A_party"], is_party_member=True)
    Membership.objects.filter(pk=ended.pk).update(end="2020-01-01", start="2019-01-01")
    page = forest(client_for(orgs, "leader_A1"))
    assert page.counts[o["A_party"].pk] == (2, 2)
    assert page.counts[o["A1e_company"].pk] == (2, 1)
    assert page.counts[o["police"].pk] == (0, 0)
    html = client_for(orgs, "leader_A1").get("/organisations/").content.decode()
    assert "红旗社区" in html  # the grid of each organisation is named


def test_organisation_with_a_loop_of_parents_is_still_shown_once(orgs):
    o = orgs.organisations
    Organisation.objects.filter(pk=o["A_party"].pk).update(parent=o["A1e_ppo"])  # only the admin could do this
    page = forest(client_for(orgs, "admin"))
    assert len(page.order) == len(set(page.order)) == Organisation.objects.count()
    # the loop is cut at one place; the branch hanging below it stays nested
    assert page.parent[o["A1e_ppo"].pk] == o["A1_group"].pk and page.parent[o["A2_group"].pk] == o["A_party"].pk


# -- filter and search ------------------------------------------------------------------------------------------


def test_kind_filter(orgs):
    o = orgs.organisations
    page = forest(client_for(orgs, "admin"), kind=OrganisationKind.GRID_PARTY_GROUP)
    assert set(page.order) == {o["A1_group"].pk, o["A2_group"].pk, o["B1_group"].pk}
    assert all(p is None for p in page.parent.values())  # their parents are filtered out: roots
    page = forest(client_for(orgs, "member_A1e"), kind=OrganisationKind.GRID_PARTY_GROUP)
    assert set(page.order) == {o["A1_group"].pk}
    html = client_for(orgs, "admin").get("/organisations/", {"kind": "grid_party_group"}).content.decode()
    assert '<option value="grid_party_group" selected>' in html


def test_unknown_kind_is_a_clear_error(orgs):
    response = client_for(orgs, "leader_A1").get("/organisations/", {"kind": "nonsense"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="org-error"' in html and "kind" in html and "nonsense" in html
    assert "data-org=" not in html


@pytest.mark.parametrize(
    ("role", "q", "found"),
    [
        ("admin", "hongqishequdangwei", {"A_party"}),      # full pinyin
        ("admin", "HQ SQ DW", {"A_party"}),                # initials, any case, spaces ignored
        ("admin", "新華", {"B_party", "B1_group"}),         # traditional characters
        ("admin", "dangxiaozu", {"A1_group", "A2_group", "B1_group"}),
        ("leader_A1", "dangxiaozu", {"A1_group", "A2_group"}),  # community B's group is out of scope
        ("member_A1e", "xiaofang", {"fire"}),              # a joint unit above the scope
        ("leader_A1", "xinhua", set()),
    ],
)
def test_search(orgs, role, q, found):
    response = client_for(orgs, role).get("/organisations/", {"q": q})
    html = response.content.decode()
    assert set(Forest(html).order) == {orgs.organisations[k].pk for k in found}
    if not found:
        assert 'id="organisations-empty"' in html and "拼音" in html


# -- one organisation ------------------------------------------------------------------------------------------


def detail(world: World, role: str, key: str) -> str:
    response = client_for(world, role).get(f"/organisations/{world.organisations[key].pk}/")
    assert response.status_code == 200
    return response.content.decode()


def member_row(html: str, person) -> str:
    match = re.search(rf'<tr data-person="{person.pk}">(.*?)</tr>', html, re.S)
    assert match, f"{person.name} is not listed"
    return match.group(1)


def test_members_show_post_party_masked_phone_and_their_duties(orgs):
    html = detail(orgs, "member_A1e", "A1e_ppo")
    officer = orgs.persons["officer"]
    row = member_row(html, officer)
    assert "王信息" in row and "党员" in row and '<td data-label="党员" class="party">是</td>' in row
    assert "139****5678" in row and OFFICER_PHONE not in html
    # the party member of the property company is also the estate's information officer (兼任) …
    assert re.search(rf'data-role="information_officer" data-grid="{orgs.grid("A1e").pk}"', row)
    assert "信息员" in row and "A1小区" in row
    # … and holds a post in the company itself
    assert f'data-other-org="{orgs.organisations["A1e_company"].pk}"' in row and "客服主管" in row
    # where it sits, and its parent
    assert 'id="org-parent"' in html and "红旗社区第1网格党小组" in html
    assert f'href="/grids/{orgs.grid("A1e").pk}/"' in html
    assert re.search(r'id="stat-members">1<', html) and re.search(r'id="stat-party">1<', html)


def test_a_member_who_is_not_a_party_member(orgs):
    row = member_row(detail(orgs, "leader_A1", "A1e_company"), orgs.persons["cleaner"])
    assert '<td data-label="党员" class="party">否</td>' in row and "保洁员" in row
    assert 'data-role="property_staff"' in row


def test_duties_and_posts_outside_the_scope_are_left_out(orgs):
    cross = orgs.persons["cross"]
    row = member_row(detail(orgs, "leader_A1", "A_party"), cross)
    assert 'data-role="resident_representative"' in row
    assert 'data-role="grid_member"' not in row and "B1小区" not in row
    assert f'data-other-org="{orgs.organisations["B1_group"].pk}"' not in row and "新华" not in row
    assert CROSS_PHONE not in row and "137****4321" in row
    row = member_row(detail(orgs, "admin", "A_party"), cross)
    assert 'data-role="grid_member"' in row and f'data-other-org="{orgs.organisations["B1_group"].pk}"' in row


def test_children_are_listed_and_an_unseen_parent_is_not_named(orgs):
    o = orgs.organisations
    page = Forest(detail(orgs, "admin", "A_party"))
    assert set(page.order) == {o["A1_group"].pk, o["A2_group"].pk}
    # micro_A1em1 sees the A1 group but not the A2 group
    page = Forest(detail(orgs, "micro_A1em1", "A_party"))
    assert set(page.order) == {o["A1_group"].pk}
    # the grid above a micro-grid member's scope is named, not linked
    html = detail(orgs, "micro_A1em1", "A_party")
    assert f'href="/grids/{orgs.grid("A").pk}/"' not in html and "红旗社区" in html
    # a parent outside the scope: B_party made the parent of A1's group, seen from inside A1e
    Organisation.objects.filter(pk=o["A1_group"].pk).update(parent=o["B_party"])
    html = detail(orgs, "member_A1e", "A1_group")
    assert 'id="org-parent"' not in html and "新华社区党委" not in html
    assert o["A1_group"].pk in Forest(client_for(orgs, "member_A1e").get("/organisations/").content.decode()).order


def test_an_organisation_without_members(orgs):
    html = detail(orgs, "leader_A1", "police")
    assert 'id="members-empty"' in html


# -- the menu -------------------------------------------------------------------------------------------------------


def nav(world: World, role: str) -> str:
    html = client_for(world, role).get("/my-household/").content.decode()
    return re.search(r'<nav class="nav" id="site-nav">(.*?)</nav>', html, re.S).group(1)


@pytest.mark.parametrize("role", STAFF)
def test_staff_have_organisations_in_the_menu(world, role):
    assert '<a href="/organisations/">组织</a>' in nav(world, role)


@pytest.mark.parametrize("role", ["resident", "nobody"])
def test_residents_do_not(world, role):
    assert "/organisations/" not in nav(world, role)


# -- query counts: no N+1 --------------------------------------------------------------------------------------------


def _grow(world: World, n: int) -> None:
    """n more organisations in community A, each with two members who hold a duty."""
    g = world.grid
    for i in range(n):
        org = people.organisation_create(name=f"增补组织{i}", kind=OrganisationKind.JOINT_UNIT, grid=g("A1"),
                                         parent=world.organisations["A_party"])
        for j in range(2):
            person = people.person_create(name=f"增补{i}-{j}", phone=fake_phone(700 + 2 * i + j), grid=g("A1"))
            people.membership_add(person=person, organisation=world.organisations["A_party"], is_party_member=True)
            people.membership_add(person=person, organisation=org, post="联络员")
            people.duty_assign(person=person, role=Role.RESIDENT_REPRESENTATIVE, grid=g("A1"), organisation=org)


@pytest.mark.parametrize("role", ["admin", "leader_A1"])
def test_list_query_count_does_not_grow(orgs, role, django_assert_max_num_queries):
    client = client_for(orgs, role)
    client.get("/organisations/")  # warm up the session
    # session, user, the scope (person, duties), the organisations with their counts, the menu's unread count
    with django_assert_max_num_queries(6):
        assert client.get("/organisations/").status_code == 200
    _grow(orgs, 10)
    with django_assert_max_num_queries(6):
        html = client.get("/organisations/").content.decode()
    assert html.count("data-org=") == len(allowed(orgs, role))
    with django_assert_max_num_queries(6):
        assert client.get("/organisations/", {"q": "zengbu"}).status_code == 200


@pytest.mark.parametrize("role", ["admin", "leader_A1"])
def test_detail_query_count_does_not_grow(orgs, role, django_assert_max_num_queries):
    client = client_for(orgs, role)
    url = f"/organisations/{orgs.organisations['A_party'].pk}/"
    client.get(url)
    # session, user, scope (2); the organisation, its parent, its children; members, their duties, their
    # other posts
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    _grow(orgs, 10)
    with django_assert_max_num_queries(10):
        html = client.get(url).content.decode()
    assert html.count("<tr data-person=") == 22


# -- the demo: the featured community's organisation as the article describes it ------------------------------------
# Keep these last: the demo is loaded once for the module and stays until the module's last test.


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded by `wangge demo-data` inside a transaction that is rolled back afterwards (as in
    demo/tests/test_demo.py)."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("demo-data", "--no-progress", stdout=StringIO())
            yield
            transaction.set_rollback(True)


def _demo_client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_demo_party_organisation_renders_nested(demo, django_assert_max_num_queries):
    from wangge.demo.generator import FEATURED_CODE, SECOND_CODE

    K = OrganisationKind
    featured = Organisation.objects.filter(grid__code__startswith=FEATURED_CODE)
    committee = featured.get(kind=K.COMMUNITY_PARTY_COMMITTEE)
    groups = set(featured.filter(kind=K.GRID_PARTY_GROUP).values_list("pk", flat=True))
    party_org = featured.get(kind=K.PROPERTY_PARTY_ORG)
    client = _demo_client("secretary")
    client.get("/organisations/")
    with django_assert_max_num_queries(6):
        html = client.get("/organisations/").content.decode()
    page = Forest(html)
    assert page.parent[committee.pk] is None and page.group[committee.pk] == "party"
    assert len(groups) >= 3 and page.children(committee.pk) == groups
    assert page.parent[party_org.pk] in groups  # three levels: committee → grid party group → property branch
    assert page.group[party_org.pk] == "party"
    members, party = page.counts[committee.pk]
    assert members >= 4 and party == members
    for kind, group in ((K.RESIDENTS_COMMITTEE, "community"), (K.PROPERTY_COMPANY, "community"),
                        (K.POLICE_STATION, "joint"), (K.HOUSING_BUREAU, "joint"), (K.FIRE_BRIGADE, "joint")):
        org = Organisation.objects.filter(kind=kind).filter(pk__in=page.order).get()
        assert page.group[org.pk] == group and page.parent[org.pk] is None, kind
    assert not set(page.order) & set(
        Organisation.objects.filter(grid__code__startswith=SECOND_CODE).values_list("pk", flat=True))


def test_demo_property_party_members_are_information_officers(demo, django_assert_max_num_queries):
    from wangge.demo.generator import FEATURED_CODE

    party_org = Organisation.objects.get(grid__code=FEATURED_CODE, kind=OrganisationKind.PROPERTY_PARTY_ORG)
    client = _demo_client("secretary")
    url = f"/organisations/{party_org.pk}/"
    client.get(url)
    with django_assert_max_num_queries(11):
        html = client.get(url).content.decode()
    members = Membership.objects.filter(organisation=party_org, end__isnull=True).select_related("person")
    assert members.count() >= 4
    for m in members:
        row = member_row(html, m.person)
        assert 'data-role="information_officer"' in row, m.person.name
        assert m.person.phone not in html and m.person.masked_phone in row
