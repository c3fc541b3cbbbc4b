"""Open311 GeoReport v2 at /open311/v2/, as an Open311 client (or a FixMyStreet installation) uses it."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from wangge.core.errors import ApplicationError, Conflict, NotFound
from wangge.matters import services
from wangge.matters.models import CategoryAttribute, IdempotencyKey, Matter, Photo, Source
from wangge.matters.open311 import keys
from wangge.registry import services as registry
from wangge.testing.world import rect

from .conftest import A1EM1

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
JURISDICTION = "140728001"
KEY = "test-open311-key"
LAT, LONG = str(A1EM1["lat"]), str(A1EM1["lon"])


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def o311(world):
    """The test world's Open311 client, holding KEY for the world's subdistrict."""
    client, _key = keys.client_create(name="测试客户端", subdistrict_code=JURISDICTION, key=KEY)
    return client


def http() -> Client:
    return Client()


def post(fields, fmt: str = "json", client: Client | None = None, **extra):
    """POST requests.{fmt} form-urlencoded, as the specification sends it; `fields` a dict or pairs."""
    pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
    return (client or http()).post(
        f"{BASE}/requests.{fmt}", urlencode(pairs), content_type="application/x-www-form-urlencoded; charset=utf-8",
        **extra,
    )


def garbage(**fields) -> dict:
    return {"api_key": KEY, "jurisdiction_id": JURISDICTION, "service_code": "env-garbage", "lat": LAT, "long": LONG,
            "description": "3号楼门口垃圾三天没人清运", **fields}


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def error_of(response) -> list[dict]:
    """The specification's error body, from either format."""
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        assert isinstance(body, list)
        return body
    root = xml(response)
    assert root.tag == "errors"
    return [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root.findall("error")]


def assert_error(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.content.decode()
    found = error_of(response)
    assert found and all(e["code"] == status for e in found)
    text = " ".join(e["description"] for e in found)
    for word in words:
        assert word in text, text


def resident_report(world, category="env-garbage", at=None, **fields) -> Matter:
    """A matter reported by the world's resident (who has a name, a phone and an email)."""
    report = services.Report(category=category, description=fields.pop("description", "楼道灯坏了"), **A1EM1,
                             reporter_email="jumin@example.com", **fields)
    matter, _ = services.matter_report(actor=world.users["resident"], report=report, at=at)
    return matter


def close(matter: Matter, note: str = "已清运完毕") -> Matter:
    for action in ("accept", "dispatch", "start", "resolve", "verify"):
        services.matter_transition(actor=None, matter_id=matter.pk, action=action)
    return services.matter_transition(actor=None, matter_id=matter.pk, action="close", note=note)


# -- the specification's own examples -----------------------------------------------------------------


def test_the_specifications_post_example_creates_a_matter(world, o311):
    """The sample request of “POST Service Request”, with our service code and a point in the world (and
    the lift's required attribute). Its unknown attributes and non-Chinese phone number are no error."""
    body = (
        f"api_key={KEY}&jurisdiction_id={JURISDICTION}&service_code=property-lift&lat={LAT}&long={LONG}"
        "&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456"
        "&first_name=john&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street"
        "&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg"
        "&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001&attribute[trapped]=no&attribute[floor]=3"
    )
    response = http().post(f"{BASE}/requests.xml", body,
                           content_type="application/x-www-form-urlencoded; charset=utf-8")
    assert response.status_code == 200, response.content.decode()
    root = xml(response)
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert [c.tag for c in request] == ["service_request_id", "service_notice", "account_id"]
    assert request.find("token") is None  # the id is known at once: no token
    matter = Matter.objects.get(pk=int(request.findtext("service_request_id")))
    assert "处置时限24自然小时" in request.findtext("service_notice")
    assert matter.source == Source.OPEN311 and matter.open311_client == o311
    assert matter.category.code == "property-lift" and matter.grid == world.grid("A1em1")
    assert matter.description == "A large sinkhole is destroying the street"
    assert matter.attributes == {"trapped": "no", "floor": 3.0}
    assert matter.reporter_name == "john smith" and matter.reporter_email == "smit333@sfgov.edu"
    assert matter.reporter_phone == ""  # not a mainland mobile: not kept
    assert matter.device_id == "tt222111" and matter.address == "1234 5th street"
    assert list(Photo.objects.filter(matter=matter).values_list("url", flat=True)) == [
        "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"]
    assert matter.events.get(action="report").actor_label == "Open311：测试客户端"


def test_the_specifications_get_examples_answer(world, o311):
    matter = resident_report(world)
    start = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    c = http()
    urls = [
        f"{BASE}/services.xml?jurisdiction_id={JURISDICTION}",
        f"{BASE}/services/property-lift.xml?jurisdiction_id={JURISDICTION}",
        f"{BASE}/requests.xml?start_date={start}&end_date={end}&status=open&jurisdiction_id={JURISDICTION}",
        f"{BASE}/requests/{matter.pk}.xml?jurisdiction_id={JURISDICTION}",
        f"{BASE}/tokens/{matter.token}.xml?jurisdiction_id={JURISDICTION}",
    ]
    for url in urls:
        assert c.get(url).status_code == 200, url
    listed = xml(c.get(urls[2]))
    assert [r.findtext("service_request_id") for r in listed.findall("request")] == [str(matter.pk)]


# -- every endpoint, both formats ---------------------------------------------------------------------

EXPECTED_REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
]


def test_every_endpoint_answers_in_xml_and_json(world, o311):
    matter = resident_report(world)
    c = http()
    paths = {
        "discovery": ("discovery", None),
        "services": ("services", "service"),
        "services/property-lift": ("service_definition", None),
        "requests": ("service_requests", "request"),
        f"requests/{matter.pk}": ("service_requests", "request"),
        f"tokens/{matter.token}": ("service_requests", "request"),
    }
    for path, (root_tag, item_tag) in paths.items():
        as_xml = c.get(f"{BASE}/{path}.xml")
        assert as_xml.status_code == 200, path
        root = xml(as_xml)
        assert root.tag == root_tag, path
        as_json = c.get(f"{BASE}/{path}.json")
        assert as_json["Content-Type"] == "application/json; charset=utf-8"
        assert as_json["Access-Control-Allow-Origin"] == "*"  # public reads, for browser-based clients
        body = as_json.json()
        if item_tag:  # lists are bare arrays, one element per item
            assert isinstance(body, list) and len(body) == len(root.findall(item_tag)) >= 1, path
        else:
            assert isinstance(body, dict), path

    discovery = xml(c.get(f"{BASE}/discovery.xml"))
    endpoint = discovery.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert endpoint.findtext("type") == "production"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    assert [c.tag for c in discovery] == ["changeset", "contact", "key_service", "endpoints"]

    services_xml = xml(c.get(f"{BASE}/services.xml"))
    lift = next(s for s in services_xml.findall("service") if s.findtext("service_code") == "property-lift")
    assert [e.tag for e in lift] == ["service_code", "service_name", "description", "metadata", "type",
                                     "keywords", "group"]
    assert lift.findtext("metadata") == "true" and lift.findtext("type") == "realtime"
    assert lift.findtext("group") == "物业服务" and lift.findtext("keywords") == "电梯, 困人"
    codes = [s.findtext("service_code") for s in services_xml.findall("service")]
    assert "property" not in codes and "dispute-neighbour" in codes  # leaves only, public or not

    definition = xml(c.get(f"{BASE}/services/property-lift.xml"))
    assert definition.findtext("service_code") == "property-lift"
    trapped, floor = definition.findall("attributes/attribute")
    assert [e.tag for e in trapped] == ["variable", "code", "datatype", "required", "datatype_description",
                                        "order", "description", "values"]
    assert trapped.findtext("datatype") == "singlevaluelist" and trapped.findtext("required") == "true"
    assert [(v.findtext("key"), v.findtext("name")) for v in trapped.findall("values/value")] == [
        ("yes", "有人被困"), ("no", "无人被困")]
    assert floor.findtext("datatype") == "number" and floor.findtext("order") == "2"
    assert c.get(f"{BASE}/services/property-lift.json").json()["attributes"][0]["values"][1] == {
        "key": "no", "name": "无人被困"}

    request = xml(c.get(f"{BASE}/requests/{matter.pk}.xml")).find("request")
    assert [e.tag for e in request] == EXPECTED_REQUEST_FIELDS
    token = c.get(f"{BASE}/tokens/{matter.token}.json").json()
    assert token == [{"service_request_id": str(matter.pk), "token": matter.token}]


def test_a_post_answers_in_json_as_a_bare_array(world, o311):
    response = post(garbage())
    assert response.status_code == 200
    (row,) = response.json()
    assert set(row) == {"service_request_id", "service_notice", "account_id"}
    assert row["account_id"] is None
    assert Matter.objects.get(pk=int(row["service_request_id"])).category.code == "env-garbage"


def test_unknown_formats_and_paths_answer_404_in_the_specifications_format(world, o311):
    c = http()
    assert_error(c.get(f"{BASE}/services.yaml"), 404, "yaml")
    assert_error(c.get(f"{BASE}/services"), 404)
    assert_error(c.get(f"{BASE}/nothing-here.json"), 404)
    assert_error(c.get(f"{BASE}/requests/abc.json"), 404, "abc")
    assert_error(c.get(f"{BASE}/requests/999999.xml"), 404, "999999")
    assert_error(c.get(f"{BASE}/tokens/nope.json"), 404, "nope")
    assert_error(c.get(f"{BASE}/services/no-such-service.xml"), 404, "no-such-service")
    assert_error(c.get(f"{BASE}/services/property.json"), 404, "property")  # a group takes no reports
    response = c.delete(f"{BASE}/requests.json")
    assert_error(response, 400, "DELETE")
    assert response["Allow"] == "GET, POST"
    assert_error(c.post(f"{BASE}/services.json"), 400)


# -- api keys and jurisdictions -----------------------------------------------------------------------


def test_posting_without_a_valid_key_is_refused_with_403(world, o311):
    assert_error(post({k: v for k, v in garbage().items() if k != "api_key"}), 403, "api_key")
    assert_error(post(garbage(api_key="wrong-key-123456"), fmt="xml"), 403, "api_key")
    keys.client_revoke(key_or_prefix=KEY[:8])
    assert_error(post(garbage()), 403, "api_key")
    assert Matter.objects.count() == 0


def test_keys_are_bound_to_their_jurisdiction(world, o311):
    other = registry.grid_create(parent=world.grid("district"), level="subdistrict", code="140728002",
                                 name="城东街道", boundary=rect(112.30, 37.10, 112.40, 37.30))
    keys.client_create(name="城东客户端", subdistrict_code=other.code, key="east-open311-key")
    assert_error(post(garbage(jurisdiction_id=other.code)), 403, "140728002")
    assert_error(post(garbage(jurisdiction_id="140728999")), 404, "140728999")
    # The key names its jurisdiction: it may be left out when posting …
    assert post({k: v for k, v in garbage().items() if k != "jurisdiction_id"}).status_code == 200
    # … but a point in another subdistrict is not this key's to report.
    assert_error(post(garbage(api_key="east-open311-key", jurisdiction_id=other.code)), 400, "lat/long",
                 "140728002")
    # Reading: with two subdistricts the jurisdiction must be named.
    assert_error(http().get(f"{BASE}/requests.json"), 400, "jurisdiction_id")
    assert_error(http().get(f"{BASE}/services.xml?jurisdiction_id=nowhere"), 404, "nowhere")
    assert http().get(f"{BASE}/requests.json?jurisdiction_id={JURISDICTION}").status_code == 200
    assert http().get(f"{BASE}/requests.json?jurisdiction_id={other.code}").json() == []
    assert Matter.objects.count() == 1


def test_client_keys_are_created_once_and_revoked(world):
    client, key = keys.client_create(name="演示客户端", subdistrict_code=JURISDICTION)
    assert len(key) >= 32 and client.prefix == key[:8] and key not in client.digest
    again, same = keys.client_create(name="演示客户端", subdistrict_code=JURISDICTION, key="demo-open311-key")
    assert keys.client_create(name="演示客户端", subdistrict_code=JURISDICTION, key="demo-open311-key")[0] == again
    assert keys.client_for_key("demo-open311-key") == again and same == "demo-open311-key"
    registry.grid_create(parent=world.grid("district"), level="subdistrict", code="140728002", name="城东街道",
                         boundary=rect(112.30, 37.10, 112.40, 37.30))
    with pytest.raises(Conflict):
        keys.client_create(name="别人", subdistrict_code="140728002", key="demo-open311-key")
    with pytest.raises(NotFound):
        keys.client_create(name="x", subdistrict_code="140728001001", key="another-open311-key")  # a community
    with pytest.raises(ApplicationError, match="12"):
        keys.client_create(name="x", subdistrict_code=JURISDICTION, key="short")
    keys.client_revoke(key_or_prefix="demo-open311-key")
    assert keys.client_for_key("demo-open311-key") is None
    assert keys.client_revoke(key_or_prefix="demo-ope").revoked_at is not None  # twice: no change, no error
    with pytest.raises(NotFound):
        keys.client_revoke(key_or_prefix="zzzzzzzz")


def test_the_command_issues_lists_and_revokes_keys(world, capsys):
    call_command("open311-key", "create", "--name", "城西 FixMyStreet", "--jurisdiction", JURISDICTION)
    out = capsys.readouterr().out
    key = out.splitlines()[1]
    assert keys.client_for_key(key).name == "城西 FixMyStreet"
    call_command("open311-key", "list")
    listing = capsys.readouterr().out
    assert key[:8] in listing and "有效" in listing and key not in listing
    call_command("open311-key", "revoke", key[:8])
    assert keys.client_for_key(key) is None
    call_command("open311-key", "list")
    assert "已吊销" in capsys.readouterr().out
    with pytest.raises(NotFound):
        call_command("open311-key", "create", "--name", "x", "--jurisdiction", "999")


# -- bad input --------------------------------------------------------------------------------------


BAD_POSTS = [  # (fields changed, status, words the error must contain)
    ({"service_code": ""}, 400, ["service_code"]),
    ({"service_code": "pothole"}, 404, ["service_code", "pothole"]),
    ({"lat": "", "long": ""}, 400, ["lat/long"]),
    ({"long": ""}, 400, ["long"]),
    ({"lat": "north"}, 400, ["lat"]),
    ({"lat": "95"}, 400, ["lat"]),
    ({"long": "nan"}, 400, ["long"]),
    ({"lat": "31.23", "long": "121.47"}, 400, ["lat/long", "不在任何网格内"]),
    ({"lat": "", "long": "", "address_id": "545483"}, 400, ["address_id"]),
    ({"lat": "", "long": "", "address_string": "8TH AVE and JUDAH ST"}, 400, ["lat/long"]),
    ({"lat": "", "long": "", "address_string": "1号楼"}, 400, ["address_string"]),
    ({"media_url": "javascript:alert(1)"}, 400, ["media_url"]),
    ({"email": "not-an-email"}, 400, ["email"]),
    ({"description": "长" * 2001}, 400, ["description", "2000"]),
    ({"first_name": "名" * 40, "last_name": "姓" * 40}, 400, ["first_name/last_name"]),
]


def test_bad_posts_name_the_parameter_and_create_nothing(world, o311, settings):
    settings.OPEN311_RATE_PER_IP = 1000
    for fields, status, words in BAD_POSTS:
        for fmt in ("json", "xml"):
            assert_error(post(garbage(**fields), fmt=fmt), status, *words)
    assert Matter.objects.count() == 0


def test_bad_attribute_values_are_refused(world, o311):
    lift = garbage(service_code="property-lift")
    assert_error(post(lift), 400, "attribute[trapped]")  # required
    assert_error(post({**lift, "attribute[trapped]": "maybe"}), 400, "attribute[trapped]", "maybe")
    assert_error(post({**lift, "attribute[trapped]": "no", "attribute[floor]": "three"}), 400, "attribute[floor]")
    assert Matter.objects.count() == 0


def test_multivaluelist_attributes_take_repeated_values(world, o311):
    category = services.category_for_report("env-garbage")
    CategoryAttribute.objects.create(
        category=category, code="kinds", description="哪类垃圾", datatype="multivaluelist",
        values=[{"key": "kitchen", "name": "厨余垃圾"}, {"key": "bulky", "name": "大件垃圾"}],
    )
    fields = [*garbage().items(), ("attribute[kinds][]", "kitchen"), ("attribute[kinds][]", "bulky")]
    response = post(fields)
    assert response.status_code == 200, response.content
    assert Matter.objects.get().attributes == {"kinds": ["kitchen", "bulky"]}
    definition = http().get(f"{BASE}/services/env-garbage.json").json()
    assert definition["attributes"][0]["datatype"] == "multivaluelist"
    assert_error(post([*garbage(description="另一处").items(), ("attribute[kinds][]", "glass")]), 400,
                 "attribute[kinds]", "glass")


def test_an_address_naming_a_building_is_located_without_lat_long(world, o311):
    response = post(garbage(lat="", long="", address_string="A2小区1号楼门口"))
    assert response.status_code == 200, response.content
    matter = Matter.objects.get()
    assert matter.grid.path.startswith(world.grid("A2e").path)
    assert (matter.lon, matter.lat) == pytest.approx((112.175, 37.2))
    assert matter.address == "A2小区1号楼门口"


def test_a_post_without_description_is_described_by_its_service(world, o311):
    assert post(garbage(description="")).status_code == 200
    assert Matter.objects.get().description.startswith("垃圾清运与分类")


def test_a_chinese_name_is_written_family_name_first(world, o311):
    post(garbage(first_name="秀英", last_name="王", phone="139 0000 1234"))
    matter = Matter.objects.get()
    assert matter.reporter_name == "王秀英" and matter.reporter_phone == "13900001234"


# -- repeats and rate limits --------------------------------------------------------------------------


def test_the_same_device_posting_again_gets_the_same_request(world, o311):
    first = post(garbage(device_id="phone-1")).json()[0]["service_request_id"]
    again = post(garbage(device_id="phone-1"), fmt="xml")
    assert again.status_code == 200
    assert xml(again).findtext("request/service_request_id") == first
    assert Matter.objects.count() == 1
    # Another device, or the same device with another report, is another matter.
    second = post(garbage(device_id="phone-2")).json()[0]["service_request_id"]
    third = post(garbage(device_id="phone-1", description="另一处垃圾")).json()[0]["service_request_id"]
    assert len({first, second, third}) == 3
    # Once the first matter is closed, the same report again is a new occurrence.
    close(Matter.objects.get(pk=int(first)))
    fourth = post(garbage(device_id="phone-1")).json()[0]["service_request_id"]
    assert fourth not in {first, second, third}
    assert post(garbage(device_id="phone-1")).json()[0]["service_request_id"] == fourth
    assert Matter.objects.count() == 4 and IdempotencyKey.objects.count() == 4


def test_a_retry_without_device_id_is_not_a_second_matter_either(world, o311):
    ids = {post(garbage(email="a@example.com")).json()[0]["service_request_id"] for _ in range(3)}
    assert len(ids) == 1 and Matter.objects.count() == 1


def test_posts_are_rate_limited_per_device_and_per_address(world, o311, settings):
    settings.OPEN311_RATE_PER_DEVICE = 2
    settings.OPEN311_RATE_PER_IP = 4
    for n in range(2):
        assert post(garbage(device_id="phone-1", description=f"第{n}处")).status_code == 200
    refused = post(garbage(device_id="phone-1", description="第3处"))
    assert_error(refused, 429, "每台设备")
    assert int(refused["Retry-After"]) > 0
    assert post(garbage(device_id="phone-2", description="第4处")).status_code == 200
    assert_error(post(garbage(device_id="phone-3", description="第5处"), fmt="xml"), 429, "网络地址")
    # Another address is counted apart; a trusted server (a FixMyStreet installation) is not limited.
    assert post(garbage(device_id="phone-4", description="第6处"), REMOTE_ADDR="10.0.0.2").status_code == 200
    settings.OPEN311_RATE_EXEMPT_IPS = ["127.0.0.1"]
    assert post(garbage(device_id="phone-5", description="第7处")).status_code == 200
    assert Matter.objects.count() == 5


def test_reads_are_rate_limited_per_address(world, settings):
    settings.OPEN311_RATE_GET_PER_IP = 3
    c = http()
    for _ in range(3):
        assert c.get(f"{BASE}/services.json").status_code == 200
    assert_error(c.get(f"{BASE}/requests.json"), 429)


# -- reading requests --------------------------------------------------------------------------------


def test_statuses_map_to_open_and_closed_with_notes(world, o311):
    open_one = resident_report(world)
    closed = close(resident_report(world, description="单元门口垃圾"), note="已清运，并增设一个垃圾桶")
    duplicate = resident_report(world, description="单元门口垃圾又堆了")
    services.matter_merge(actor=None, matter_id=duplicate.pk, into=open_one.pk)
    rows = {r["service_request_id"]: r for r in http().get(f"{BASE}/requests.json").json()}
    assert rows[str(open_one.pk)]["status"] == "open" and rows[str(open_one.pk)]["status_notes"] == "已上报"
    assert rows[str(closed.pk)]["status"] == "closed"
    assert rows[str(closed.pk)]["status_notes"] == "已清运，并增设一个垃圾桶"
    assert rows[str(closed.pk)]["expected_datetime"] is None
    assert rows[str(open_one.pk)]["expected_datetime"] is not None
    assert str(duplicate.pk) not in rows  # merged matters are not listed …
    (stub,) = http().get(f"{BASE}/requests/{duplicate.pk}.json").json()  # … but their id still answers
    assert stub["status"] == "closed" and f"#{open_one.pk}" in stub["status_notes"]
    assert stub["description"] is None and stub["lat"] is None and stub["address"] is None


def test_list_filters(world, o311):
    now = timezone.now()
    garbage_a = resident_report(world)
    repair = resident_report(world, category="property-repair", description="楼道门禁坏了")
    old = resident_report(world, at=now - dt.timedelta(days=120), description="很久以前的垃圾")
    closed = close(resident_report(world, description="已经处理的垃圾"))
    private = resident_report(world, category="dispute-neighbour", description="邻居吵架")

    def ids(query: str = "") -> list[str]:
        response = http().get(f"{BASE}/requests.json?{query}")
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    newest_first = [str(m.pk) for m in (closed, repair, garbage_a)]
    assert ids() == newest_first  # last 90 days, public categories only
    assert str(private.pk) not in ids(f"service_request_id={private.pk}")
    assert_error(http().get(f"{BASE}/requests/{private.pk}.json"), 404)
    # service_request_id overrides every other filter, keeps the order asked for
    assert ids(f"service_request_id={old.pk},{repair.pk},999999&status=closed") == [str(old.pk), str(repair.pk)]
    assert ids("service_code=property-repair") == [str(repair.pk)]
    assert ids("service_code=env-garbage,property-repair&status=open") == [str(repair.pk), str(garbage_a.pk)]
    assert ids("service_code=environment") == [str(closed.pk), str(garbage_a.pk)]  # a group code
    assert ids("status=closed") == [str(closed.pk)]
    assert ids("status=open,closed") == newest_first
    start = (now - dt.timedelta(days=130)).isoformat()
    end = (now - dt.timedelta(days=100)).isoformat()
    assert ids(urlencode({"start_date": start, "end_date": end})) == [str(old.pk)]
    assert ids(urlencode({"start_date": start})) == [str(old.pk)]  # 90 days from the start
    assert ids(urlencode({"end_date": (now - dt.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")})) == [
        str(old.pk)]
    assert ids("page_size=2") == newest_first[:2]
    assert ids("page_size=2&page=2") == newest_first[2:]
    assert ids("page=3&page_size=2") == []


BAD_FILTERS = [
    ("start_date=yesterday", ["start_date"]),
    ("end_date=2026-13-45T00:00:00Z", ["end_date"]),
    ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", ["90"]),
    ("start_date=2026-03-01T00:00:00Z&end_date=2026-02-01T00:00:00Z", ["end_date"]),
    ("status=pending", ["status"]),
    ("service_code=pothole", ["service_code", "pothole"]),
    ("service_request_id=12,abc", ["service_request_id"]),
    ("page=0", ["page"]),
    ("page_size=1001", ["page_size", "1000"]),
]


def test_bad_list_filters_answer_400(world):
    for query, words in BAD_FILTERS:
        assert_error(http().get(f"{BASE}/requests.xml?{query}"), 400, *words)


def test_no_personal_data_is_ever_read_out(world, o311):
    person = world.persons["resident"]
    resident = world.residents["A1em1"][0]
    phone = resident.phone
    matter = resident_report(world, description=f"请回电 {phone}，身份证 {resident.id_number}",
                             address="1号楼1单元101室")
    post(garbage(first_name="秀英", last_name="王", email="wang@example.com", phone="13912345678",
                 device_id="phone-9"))
    c = http()
    outputs = [c.get(f"{BASE}/requests.{fmt}").content.decode() for fmt in ("json", "xml")]
    outputs += [c.get(f"{BASE}/requests/{matter.pk}.{fmt}").content.decode() for fmt in ("json", "xml")]
    for text in outputs:
        for secret in (person.name, phone, resident.id_number, "jumin@example.com", "王秀英", "wang@example.com",
                       "13912345678", "phone-9", "101室"):
            assert secret not in text, secret
    (row,) = c.get(f"{BASE}/requests/{matter.pk}.json").json()
    assert row["address"] == "1号楼1单元***室"
    assert phone[:3] + "****" + phone[-4:] in row["description"]


def test_media_urls_are_absolute(world, o311, tiny_jpeg):
    post(garbage(media_url="https://img.example.com/a.jpg"))
    uploaded = resident_report(world, photos=[tiny_jpeg])
    rows = {r["service_request_id"]: r for r in http().get(f"{BASE}/requests.json").json()}
    assert rows[str(uploaded.pk)]["media_url"].startswith("http://testserver/")
    assert [r["media_url"] for r in rows.values() if r["service_request_id"] != str(uploaded.pk)] == [
        "https://img.example.com/a.jpg"]


def test_the_list_takes_a_fixed_number_of_queries(world, o311, django_assert_max_num_queries, tiny_jpeg):
    for n in range(6):
        matter = resident_report(world, description=f"第{n}处", photos=[tiny_jpeg] if n % 2 else [])
        if n % 3 == 0:
            close(matter)
    with django_assert_max_num_queries(8):
        rows = http().get(f"{BASE}/requests.json").json()
    assert len(rows) == 6


# -- a FixMyStreet-style client, unchanged ------------------------------------------------------------


def test_a_fixmystreet_style_client_works_end_to_end(world, o311):
    """services → service definition → POST → GET the request → token, as an unmodified client does it."""
    c = http()
    services_list = c.get(f"{BASE}/services.json?jurisdiction_id={JURISDICTION}").json()
    lift = next(s for s in services_list if s["service_code"] == "property-lift")
    assert lift["metadata"] is True
    definition = c.get(f"{BASE}/services/{lift['service_code']}.json?jurisdiction_id={JURISDICTION}").json()
    answers = {f"attribute[{a['code']}]": (a["values"][0]["key"] if "values" in a else "5")
               for a in definition["attributes"] if a["variable"]}
    created = post({
        "api_key": KEY, "jurisdiction_id": JURISDICTION, "service_code": lift["service_code"], "lat": LAT,
        "long": LONG, "description": "3号楼电梯困人", "first_name": "Ming", "last_name": "Li",
        "email": "ming@example.com", **answers,
    })
    assert created.status_code == 200, created.content
    request_id = created.json()[0]["service_request_id"]
    (row,) = c.get(f"{BASE}/requests/{request_id}.json?jurisdiction_id={JURISDICTION}").json()
    assert row["service_request_id"] == request_id and row["status"] == "open"
    assert row["service_code"] == "property-lift" and row["description"] == "3号楼电梯困人"
    assert (row["lat"], row["long"]) == (A1EM1["lat"], A1EM1["lon"])
    assert row["requested_datetime"].endswith("+08:00")
    assert row["agency_responsible"]
    matter = Matter.objects.get(pk=int(request_id))
    assert matter.attributes == {"trapped": "yes", "floor": 5.0}
    by_token = c.get(f"{BASE}/tokens/{matter.token}.json?jurisdiction_id={JURISDICTION}").json()
    assert by_token == [{"service_request_id": request_id, "token": matter.token}]
    # Later the client polls its requests by id, and sees them close.
    close(matter, note="电梯已修复")
    (polled,) = c.get(f"{BASE}/requests.json?service_request_id={request_id}&jurisdiction_id={JURISDICTION}").json()
    assert polled["status"] == "closed" and polled["status_notes"] == "电梯已修复"
    assert json.dumps(polled, ensure_ascii=False).count("Ming") == 0
