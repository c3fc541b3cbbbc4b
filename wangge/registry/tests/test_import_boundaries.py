"""`wangge import-boundaries`: a GeoJSON FeatureCollection keyed by properties.code."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from wangge.core import geo
from wangge.core.errors import InvalidInput
from wangge.registry import importing
from wangge.registry.models import GridNode
from wangge.testing.world import rect

pytestmark = pytest.mark.django_db


def feature(code, geometry) -> dict:
    return {"type": "Feature", "properties": {"code": code}, "geometry": geometry}


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def boundary(world, key: str):
    return GridNode.objects.get(pk=world.grid(key).pk).boundary


def test_good_file_updates_boundaries_and_reports_unchanged(world, tmp_path, capsys):
    new = rect(112.10, 37.10, 112.15, 37.25)
    unchanged = world.grid("A2e").boundary
    path = tmp_path / "grids.geojson"
    path.write_bytes(collection(feature(world.grid("A1e").code, new), feature(world.grid("A2e").code, unchanged)))
    call_command("import-boundaries", str(path))
    assert "更新 1、未变 1" in capsys.readouterr().out
    assert boundary(world, "A1e") == geo.to_geojson(geo.parse_boundary(new))


BAD = [
    (feature("999999", rect(112.1, 37.1, 112.2, 37.2)), "features[1].properties.code", "未找到网格编码 999999"),
    ({"type": "Feature", "properties": {}, "geometry": rect(112.1, 37.1, 112.2, 37.2)},
     "features[1].properties.code", "缺少网格编码"),
    (feature("{A2e}", {"type": "Polygon", "coordinates": [[[112.1, 37.1], [112.2, 37.1], [112.2, 37.2], [112.1, 37.2]]]}),
     "features[1].geometry", "多边形未闭合"),
    (feature("{A2e}", {"type": "Polygon", "coordinates": [[[112.1, 37.1], [112.2, 37.2], [112.2, 37.1], [112.1, 37.2],
                                                           [112.1, 37.1]]]}),
     "features[1].geometry", "自相交"),
    (feature("{A2e}", rect(112.1, 37.1, 212.2, 37.2)), "features[1].geometry", "坐标超出范围"),
    (feature("{A2e}", {"type": "Point", "coordinates": [112.1, 37.1]}), "features[1].geometry", "Polygon"),
    (feature("{A1e}", rect(112.1, 37.1, 112.2, 37.2)), "features[1].properties.code", "与 features[0] 的网格编码重复"),
]


@pytest.mark.parametrize(("bad", "field", "message"), BAD)
def test_bad_features_name_index_and_field_and_write_nothing(world, bad, field, message):
    if isinstance(bad.get("properties", {}).get("code"), str) and bad["properties"]["code"].startswith("{"):
        bad["properties"]["code"] = world.grid(bad["properties"]["code"][1:-1]).code
    before = boundary(world, "A1e")
    data = collection(feature(world.grid("A1e").code, rect(112.10, 37.10, 112.15, 37.25)), bad)
    with pytest.raises(importing.ImportRowError) as info:
        importing.boundaries_import(data=data)
    errors = info.value.errors
    assert len(errors) == 1 and errors[0].field == field and message in errors[0].message, errors
    assert boundary(world, "A1e") == before


def test_skip_invalid_writes_the_good_features(world, tmp_path, capsys):
    path = tmp_path / "grids.geojson"
    new = rect(112.10, 37.10, 112.15, 37.25)
    path.write_bytes(collection(feature(world.grid("A1e").code, new), feature("999999", new)))
    with pytest.raises(SystemExit) as info:
        call_command("import-boundaries", str(path))
    assert info.value.code == 1
    assert "features[1].properties.code: 未找到网格编码 999999" in capsys.readouterr().out
    assert boundary(world, "A1e") != geo.to_geojson(geo.parse_boundary(new))
    with pytest.raises(SystemExit):
        call_command("import-boundaries", str(path), "--skip-invalid")
    assert boundary(world, "A1e") == geo.to_geojson(geo.parse_boundary(new))


def test_scope_of_the_acting_user(world):
    data = collection(feature(world.grid("B1e").code, rect(112.2, 37.1, 112.3, 37.3)),
                      feature(world.grid("A1em1").code, rect(112.10, 37.10, 112.15, 37.2)))
    with pytest.raises(importing.ImportRowError) as info:
        importing.boundaries_import(actor=world.users["micro_A1em1"], data=data)
    assert [(e.field, e.message) for e in info.value.errors] == [
        ("features[0].properties.code", f"未找到网格编码 {world.grid('B1e').code}"),
        ("features[1].properties.code", f"无权修改网格 {world.grid('A1em1').code} 的边界"),
    ]


def test_gcj02_coordinates_are_converted(world):
    wgs = rect(112.10, 37.10, 112.15, 37.25)
    gcj = {"type": "Polygon", "coordinates": [[list(geo.wgs84_to_gcj02(*p)) for p in wgs["coordinates"][0]]]}
    importing.boundaries_import(data=collection(feature(world.grid("A1e").code, gcj)), crs="gcj02")
    lon, lat = boundary(world, "A1e")["coordinates"][0][0]
    assert abs(lon - 112.10) < 1e-6 and abs(lat - 37.10) < 1e-6


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "文件为空"), (b"{not json", "不是有效的 JSON"), (b'{"type": "Feature"}', "FeatureCollection"),
     (b'{"type": "FeatureCollection", "features": []}', "没有要素")],
)
def test_unreadable_files_are_application_errors(world, data, message):
    with pytest.raises(InvalidInput) as info:
        importing.boundaries_import(data=data)
    assert info.value.errors[0].field == "file" and message in info.value.message
