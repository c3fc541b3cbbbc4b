"""The resident's pages (report a matter, my matters) and the public ones (map, list, one matter), as a
resident on a phone and an anonymous visitor use them."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from PIL import Image

from wangge.matters import services
from wangge.matters.models import CategoryAttribute, Matter, Photo

from .conftest import A1EM1, B1EM1, REPORT

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def client_for(world, key: str | None) -> Client:
    client = Client()
    if key is not None:
        client.force_login(world.users[key])
    return client


def form(**fields) -> dict:
    """A report form as the page posts it: a pin inside micro-grid A1em1."""
    return {"key": "form-1", **REPORT, "where": "map",
            "lon": str(A1EM1["lon"]), "lat": str(A1EM1["lat"]), "crs": "wgs84", **fields}


def errors_of(html: str) -> dict[str, str]:
    """Each field's error message, by the id of the element it sits next to."""
    return dict(re.findall(r'<p class="error" id="([\w-]+)-error">([^<]*)</p>', html))


def reported(world, key="resident", **fields) -> Matter:
    """A matter reported through the service, as any channel would."""
    report = services.Report(**{"category": "env-garbage", "description": "楼道里堆满了纸箱", **A1EM1, **fields})
    matter, _created = services.matter_report(actor=world.users[key], report=report)
    return matter


# -- the report form --------------------------------------------------------------------------------------


def test_the_form_renders_for_a_resident_with_their_estate_and_home_preselected(world):
    response = client_for(world, "resident").get("/report/")
    assert response.status_code == 200
    html = response.content.decode()
    # Categories grouped, the extra questions to come with htmx, a hidden key per form.
    assert '<optgroup label="物业服务">' in html and 'value="env-garbage"' in html
    assert 'hx-get="/report/attributes/"' in html
    key = re.search(r'name="key" value="([0-9a-f]{32})"', html).group(1)
    assert key not in client_for(world, "resident").get("/report/").content.decode()  # a new key per form
    # Units: both units of their estate (A1e), theirs chosen, and none of another estate.
    home = world.households["A1em1"][0].unit
    neighbour = world.households["A1em2"][0].unit
    assert f'<option value="{home.pk}" selected>' in html
    assert f'<option value="{neighbour.pk}">' in html
    assert f'value="{world.households["A2em1"][0].unit.pk}"' not in html
    assert re.search(r'name="where" value="unit" checked', html)
    # Photos from the camera or the album; anonymity offered.
    assert 'accept="image/*" capture="environment" multiple' in html
    assert 'name="anonymous"' in html


def test_a_point_report_creates_one_matter_for_the_micro_grid_member_even_when_sent_twice(world):
    client = client_for(world, "resident")
    first = client.post("/report/", form())
    assert first.status_code == 302
    matter = Matter.objects.get()
    assert first["Location"] == f"/matters/{matter.pk}/"
    assert matter.assignee == world.persons["micro_A1em1"]
    assert matter.grid == world.grid("A1em1") and matter.source == "resident"
    assert matter.reporter_user == world.users["resident"]
    # A double tap (or the form sent again): the same key answers with the same matter.
    again = client.post("/report/", form())
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Matter.objects.count() == 1


def test_the_same_form_changed_and_sent_again_is_refused_and_gets_a_new_key(world):
    client = client_for(world, "resident")
    client.post("/report/", form())
    response = client.post("/report/", form(description="其实是另一件事"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "已经提交过" in html
    assert 'name="key" value="form-1"' not in html  # sending it once more reports the new matter
    assert Matter.objects.count() == 1
    new_key = re.search(r'name="key" value="(\w+)"', html).group(1)
    assert client.post("/report/", form(key=new_key, description="其实是另一件事")).status_code == 302
    assert Matter.objects.count() == 2


def test_a_unit_of_their_estate_locates_the_matter_to_its_micro_grid(world):
    neighbour = world.households["A1em2"][0].unit
    response = client_for(world, "resident").post("/report/", form(where="unit", unit=str(neighbour.pk)))
    assert response.status_code == 302
    matter = Matter.objects.get()
    assert matter.grid == world.grid("A1em2") and matter.unit == neighbour
    assert matter.lon is None  # the pin was not the chosen location
    assert matter.address == "1号楼2单元"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"category": ""}, "report-category", "请选择事项类别"),
        ({"category": "no-such-thing"}, "report-category", "未知的事项类别"),
        ({"category": "property"}, "report-category", "未知的事项类别"),  # a group takes no reports
        ({"description": "   "}, "report-description", "请填写"),
        ({"description": "长" * 2001}, "report-description", "不能超过2000字"),
        ({"lon": "", "lat": ""}, "report-location", "请在地图上选点"),
        ({"lon": "east", "lat": "37.15"}, "report-location", "经纬度应为数字"),
        ({"lon": "116.4", "lat": "39.9"}, "report-location", "不在任何网格内"),
        ({"lat": ""}, "report-location", "经度和纬度需同时提供"),
        ({"crs": "mars"}, "report-location", "未知坐标系"),
        ({"where": "unit", "unit": "abc"}, "report-unit", "请选择楼栋和单元"),
        ({"where": "unit", "unit": "999999"}, "report-unit", "未找到该单元"),
        ({"category": "property-lift"}, "attr-trapped", "请填写：是否有人被困"),
        ({"category": "property-lift", "attributes.trapped": "maybe"}, "attr-trapped", "无效选项"),
        ({"category": "property-lift", "attributes.trapped": "no", "attributes.floor": "六楼"}, "attr-floor", "应为数字"),
        ({"category": "order-fire-lane"}, "report-photos", "至少需要1张照片"),
    ],
)
def test_bad_input_is_named_next_to_its_field_and_creates_nothing(world, fields, field, message):
    response = client_for(world, "resident").post("/report/", form(**fields))
    assert response.status_code == 422
    html = response.content.decode()
    errors = errors_of(html)
    assert field in errors and message in errors[field], errors
    # …listed above the form too, linking to the field.
    assert re.search(rf'<div class="error-summary".*?href="#{field}"', html, re.S)
    assert Matter.objects.count() == 0
    # What was typed is kept (the description, within its limit, and the answers).
    typed = fields.get("description", form()["description"])
    if len(typed) <= 2000 and typed.strip():
        assert typed in html


def test_a_unit_outside_their_estate_is_refused(world):
    elsewhere = world.households["A2em1"][0].unit
    response = client_for(world, "resident").post("/report/", form(where="unit", unit=str(elsewhere.pk)))
    assert response.status_code == 422
    assert "未找到该单元" in errors_of(response.content.decode())["report-unit"]
    assert Matter.objects.count() == 0


def test_the_answers_to_extra_questions_are_kept_and_stored(world):
    lift = services.category_for_report("property-lift")
    CategoryAttribute.objects.create(category=lift, code="when", description="什么时候停的", datatype="datetime", order=5)
    CategoryAttribute.objects.create(category=lift, code="signs", description="看到什么", datatype="multivaluelist",
                                     values=[{"key": "dark", "name": "灯不亮"}, {"key": "noise", "name": "有异响"}],
                                     order=6)
    client = client_for(world, "resident")
    fields = form(category="property-lift", description="", **{
        "attributes.trapped": "no", "attributes.floor": "6", "attributes.when": "2026-05-01T08:30",
        "attributes.signs": ["dark", "noise"],
    })
    html = client.post("/report/", fields).content.decode()
    # The description is missing; everything answered stays answered.
    assert '<option value="no" selected>' in html
    assert 'name="attributes.floor" value="6"' in html
    assert 'name="attributes.when" value="2026-05-01T08:30"' in html
    assert 'value="dark" checked' in html and 'value="noise" checked' in html
    fields["description"] = "2号楼电梯停了"
    assert client.post("/report/", fields).status_code == 302
    attributes = Matter.objects.get().attributes
    assert attributes["trapped"] == "no" and attributes["floor"] == 6.0 and attributes["signs"] == ["dark", "noise"]
    assert attributes["when"] == "2026-05-01T08:30:00+08:00"  # the phone's local time, with its offset


def test_the_extra_questions_swap_in_for_the_chosen_category(world):
    client = client_for(world, "resident")
    html = client.get("/report/attributes/", {"category": "property-lift"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html
    assert re.search(r'<select id="attr-trapped" name="attributes.trapped" required>', html)
    assert 'type="number" id="attr-floor" name="attributes.floor"' in html
    assert "有人被困" in html
    plain = client.get("/report/attributes/", {"category": "env-garbage"}).content.decode()
    assert "attributes." not in plain
    assert client.get("/report/attributes/", {"category": "nonsense"}).content.decode().strip() == ""
    fire_lane = client.get("/report/attributes/", {"category": "order-fire-lane"}).content.decode()
    assert "至少需要 1 张照片" in fire_lane


# -- photos ---------------------------------------------------------------------------------------------


def upload(data: bytes, name: str = "IMG_0001.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_a_photo_is_stored_without_its_gps_position(world, tiny_jpeg):
    assert Image.open(io.BytesIO(tiny_jpeg)).getexif().get(0x8825)  # the phone wrote where it was taken
    response = client_for(world, "resident").post("/report/", form(photos=[upload(tiny_jpeg)]))
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert photo.kind == "report" and photo.matter == Matter.objects.get()
    with photo.file.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert image.format == "JPEG" and image.size == (64, 48)
        assert not image.getexif().get(0x8825)
        assert 0x8825 not in image.getexif()


def test_photos_that_are_not_photos_or_too_many_are_refused(world, tiny_jpeg):
    client = client_for(world, "resident")
    response = client.post("/report/", form(photos=[upload(b"%PDF-1.4 not a photo", "scan.jpg")]))
    assert response.status_code == 422
    html = response.content.decode()
    assert "只支持" in errors_of(html)["report-photos"]
    assert "请重新选择" in html  # the browser forgets chosen files: the page says so
    response = client.post("/report/", form(photos=[upload(tiny_jpeg) for _ in range(10)]))
    assert "最多9张照片" in errors_of(response.content.decode())["report-photos"]
    assert Matter.objects.count() == 0 and Photo.objects.count() == 0


# -- before submitting: the same matter nearby --------------------------------------------------------------


def test_nearby_open_matters_of_the_category_are_offered_to_follow(world):
    neighbours = reported(world, "micro_A1em1", lon=A1EM1["lon"] + 0.0001)  # about 9 m east
    client = client_for(world, "resident")
    query = {"category": "env-garbage", "where": "map", "crs": "wgs84", **A1EM1}
    html = client.get("/report/nearby/", query, HTTP_HX_REQUEST="true").content.decode()
    assert "A1微网格1" in html  # where the pin lies
    assert f'href="/public/matters/{neighbours.pk}/"' in html and "关注它" in html
    assert neighbours.description in html
    assert world.persons["micro_A1em1"].name not in html
    # Another category, or far away: nothing to follow.
    other = client.get("/report/nearby/", {**query, "category": "env-pests"}).content.decode()
    assert "关注它" not in other
    far = client.get("/report/nearby/", {**query, "lat": A1EM1["lat"] + 0.01}).content.decode()
    assert "关注它" not in far
    outside = client.get("/report/nearby/", {**query, "lon": "116.4", "lat": "39.9"}).content.decode()
    assert "不在任何网格内" in outside
    # By unit: the same unit's open matters.
    unit = world.households["A1em1"][0].unit
    in_unit = reported(world, "micro_A1em1", lon=None, lat=None, unit=unit.pk)
    by_unit = client.get("/report/nearby/", {"category": "env-garbage", "where": "unit", "unit": unit.pk}).content
    assert f"/public/matters/{in_unit.pk}/" in by_unit.decode() and "同一单元" in by_unit.decode()
    # Nothing chosen yet, or nonsense: an empty answer, never an error.
    for junk in ({}, {"category": "env-garbage", "lon": "x", "lat": "y"}, {"unit": "-1"}, {"crs": "mars", **A1EM1}):
        response = client.get("/report/nearby/", junk)
        assert response.status_code == 200 and "关注它" not in response.content.decode()


def test_nearby_matters_of_a_non_public_category_show_no_description_and_no_public_link(world):
    private = reported(world, "micro_A1em1", category="dispute-neighbour", description="楼上天天吵架")
    html = client_for(world, "resident").get(
        "/report/nearby/", {"category": "dispute-neighbour", "where": "map", **A1EM1}).content.decode()
    assert "邻里矛盾" in html
    assert private.description not in html and f"/public/matters/{private.pk}/" not in html


# -- my matters ------------------------------------------------------------------------------------------


def test_my_matters_lists_only_mine_newest_first_with_the_last_public_step(world):
    first = reported(world, description="第一件：路灯不亮")
    second = reported(world, description="第二件：垃圾满了")
    theirs = reported(world, "leader_A1", description="网格长自己报的一件")
    services.matter_transition(actor=world.users["micro_A1em1"], matter_id=second.pk, action="accept")
    html = client_for(world, "resident").get("/my/matters/").content.decode()
    assert html.index("第二件") < html.index("第一件")
    assert theirs.description not in html
    assert f'href="/matters/{first.pk}/"' in html and f'href="/matters/{second.pk}/"' in html
    assert 'class="state state-accepted"' in html and "最新进展：受理" in html
    assert world.grid("A1em1").name in html
    assert world.persons["micro_A1em1"].name not in html  # who did it is on the matter page, not here
    leader = client_for(world, "leader_A1").get("/my/matters/").content.decode()
    assert theirs.description in leader and first.description not in leader
    empty = client_for(world, "nobody").get("/my/matters/").content.decode()
    assert 'id="my-matters-empty"' in empty


def test_my_matters_pages_and_keeps_its_query_count(world, django_assert_max_num_queries):
    for i in range(23):
        reported(world, description=f"第{i}件事")
    client = client_for(world, "resident")
    client.get("/my/matters/")
    # session, user, the resident's scope (person, duties, resident → household → unit → micro-grid), the
    # menu's badge; count, the page, and the public steps of the page's matters — however many there are
    with django_assert_max_num_queries(12):
        first = client.get("/my/matters/").content.decode()
    assert "第22件事" in first and "第2件事" not in first
    assert "1 / 2" in first and 'href="?page=2"' in first
    assert "第0件事" in client.get("/my/matters/?page=2").content.decode()
    assert client.get("/my/matters/?page=abc").status_code == 200


# -- escaping and what the public never sees -----------------------------------------------------------------


def test_a_script_in_a_description_is_shown_as_text_everywhere(world):
    client = client_for(world, "resident")
    client.post("/report/", form(description=f"楼道灯坏了{SCRIPT}"))
    matter = Matter.objects.get()
    for url, who in [("/my/matters/", "resident"), ("/public/matters/", None), (f"/public/matters/{matter.pk}/", None)]:
        html = client_for(world, who).get(url).content.decode()
        assert SCRIPT not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    # …and on the form that is shown again after an error.
    html = client.post("/report/", form(key="form-2", category="", description=SCRIPT)).content.decode()
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_the_public_never_sees_who_reported_or_who_handles(world):
    resident = world.users["resident"].person
    phone = world.residents["A1em1"][0].phone
    matter = reported(world, description="小区东门路灯不亮")
    services.matter_transition(actor=world.users["micro_A1em1"], matter_id=matter.pk, action="accept", note="马上去看")
    by_phone = reported(world, "micro_A1em1", source="hotline", reporter_name="热线来电王先生",
                        reporter_phone="13812345678", description="热线反映路灯不亮")
    anonymous = Client()
    pages = [
        anonymous.get("/public/matters/").content.decode(),
        anonymous.get(f"/public/matters/{matter.pk}/").content.decode(),
        anonymous.get(f"/public/matters/{by_phone.pk}/").content.decode(),
        anonymous.get("/public/matters.geojson").content.decode(),
    ]
    secrets = [resident.name, phone, "热线来电王先生", "13812345678", "138****5678",
               world.persons["micro_A1em1"].name, world.users["micro_A1em1"].username]
    for html in pages:
        for secret in secrets:
            assert secret not in html
    detail = pages[1]
    assert "受理" in detail and "马上去看" in detail  # the public step and its note, not who took it
    assert matter.description in pages[0] and matter.description in detail


def test_an_anonymous_report_is_placed_only_roughly_in_public(world):
    client = client_for(world, "resident")
    unit = world.households["A1em1"][0].unit
    client.post("/report/", form(where="", unit=str(unit.pk), lon="112.123456", lat="37.154321", anonymous="1"))
    matter = Matter.objects.get()
    assert matter.anonymous and matter.address == "1号楼1单元"
    page = Client().get(f"/public/matters/{matter.pk}/").content.decode()
    assert "1号楼" in page and "1单元" not in page
    feature = Client().get("/public/matters.geojson").json()["features"][0]
    assert feature["geometry"]["coordinates"] == [112.123, 37.154]
    # Not anonymous: the unit and the point as reported.
    client.post("/report/", form(key="form-2", where="", unit=str(unit.pk), lon="112.123456", lat="37.154321"))
    named = Matter.objects.exclude(pk=matter.pk).get()
    assert "1号楼1单元" in Client().get(f"/public/matters/{named.pk}/").content.decode()


def test_matters_of_non_public_categories_never_reach_the_public(world):
    public = reported(world)
    private = reported(world, category="dispute-neighbour", description="楼上楼下为噪音吵架")
    anonymous = Client()
    listing = anonymous.get("/public/matters/").content.decode()
    assert public.description in listing and private.description not in listing
    ids = {f["id"] for f in anonymous.get("/public/matters.geojson").json()["features"]}
    assert ids == {public.pk}
    assert anonymous.get(f"/public/matters/{private.pk}/").status_code == 404
    assert anonymous.get("/public/matters/999999/").status_code == 404
    assert anonymous.get(f"/public/matters/{2**64}/").status_code == 404
    # Rejected ones neither.
    services.matter_transition(actor=world.users["member_A1e"], matter_id=public.pk, action="reject", note="重复")
    assert anonymous.get(f"/public/matters/{public.pk}/").status_code == 404


def test_the_public_list_and_map_filter_by_state_group_and_community(world):
    garbage = reported(world)
    lift = reported(world, category="property-lift", attributes={"trapped": "no"}, description="电梯停在三楼")
    east = reported(world, "leader_B1", **B1EM1, description="新华社区的垃圾")
    for action, key in [("accept", "micro_A1em1"), ("dispatch", "micro_A1em1"), ("start", "micro_A1em1"),
                        ("resolve", "micro_A1em1"), ("verify", "member_A1e"), ("close", "member_A1e")]:
        services.matter_transition(actor=world.users[key], matter_id=garbage.pk, action=action, note="已清运")
    anonymous = Client()

    def listed(**query) -> set[int]:
        html = anonymous.get("/public/matters/", query).content.decode()
        shown = {int(i) for i in re.findall(r'<li class="matter-card" data-matter="(\d+)"', html)}
        mapped = {f["id"] for f in anonymous.get("/public/matters.geojson", query).json()["features"]}
        assert shown == mapped, query
        return shown

    assert listed() == {garbage.pk, lift.pk, east.pk}
    assert listed(state="closed") == {garbage.pk}
    assert listed(state="open") == {lift.pk, east.pk}
    assert listed(group="property") == {lift.pk}
    assert listed(grid=world.grid("B").pk) == {east.pk}
    assert listed(grid=world.grid("A").pk, state="open") == {lift.pk}
    # Nonsense filters are ignored or find nothing; never an error.
    assert listed(state="sideways", grid="abc", group="") == {garbage.pk, lift.pk, east.pk}
    assert listed(grid="999999") == set()
    feature = next(f for f in anonymous.get("/public/matters.geojson").json()["features"] if f["id"] == garbage.pk)
    assert feature["properties"] == {"id": garbage.pk, "category": "垃圾清运与分类", "state": "closed",
                                     "state_label": "已结案", "open": False,
                                     "created": feature["properties"]["created"]}
    # The closed matter's page: its public steps with their notes, after photos would show with them.
    page = anonymous.get(f"/public/matters/{garbage.pk}/").content.decode()
    for label in ("上报", "受理", "处置完成", "结案"):
        assert label in page
    assert "已清运" in page


def test_the_public_pages_answer_without_login_and_link_to_each_other(world):
    matter = reported(world)
    anonymous = Client()
    listing = anonymous.get("/public/matters/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert f'href="/public/matters/{matter.pk}/"' in html
    assert 'data-geojson="/public/matters.geojson"' in html
    assert 'href="/login/"' in html  # the menu offers to log in
    assert anonymous.get("/public/matters.geojson")["Content-Type"].startswith("application/json")
    assert anonymous.get("/report/")["Location"].startswith("/login/")
    assert anonymous.get("/my/matters/")["Location"].startswith("/login/")


def test_staff_record_a_hotline_call_or_a_patrol_from_the_same_form(world):
    client = client_for(world, "member_A1e")
    page = client.get("/report/").content.decode()
    assert 'name="source"' in page and 'value="hotline"' in page and 'value="resident"' not in page
    response = client.post("/report/", form(source="hotline", reporter_name="王女士", reporter_phone="13912345678"))
    assert response.status_code == 302
    matter = Matter.objects.get()
    assert (matter.source, matter.reporter_name, matter.reporter_phone) == ("hotline", "王女士", "13912345678")
    bad = client.post("/report/", form(key="k2", source="hotline", reporter_phone="12345"))
    assert bad.status_code == 422 and errors_of(bad.content.decode())["report-reporter-phone"]
    assert Matter.objects.count() == 1
    # A resident has no say in the channel: whatever they post, it is their own report.
    resident = client_for(world, "resident")
    assert 'name="source"' not in resident.get("/report/").content.decode()
    assert resident.post("/report/", form(key="k3", source="hotline")).status_code == 302
    assert Matter.objects.latest("pk").source == "resident"
