import pytest

from wangge.core import geo
from wangge.core.errors import InvalidInput


def test_gcj02_round_trip_is_below_a_millimetre():
    lon, lat = 112.17, 37.20
    glon, glat = geo.wgs84_to_gcj02(lon, lat)
    assert abs(glon - lon) > 1e-4  # the offset is real (hundreds of metres)
    back = geo.gcj02_to_wgs84(glon, glat)
    assert abs(back[0] - lon) < 1e-8 and abs(back[1] - lat) < 1e-8


def test_bd09_round_trip():
    lon, lat = 112.17, 37.20
    blon, blat = geo.gcj02_to_bd09(*geo.wgs84_to_gcj02(lon, lat))
    back = geo.to_wgs84(blon, blat, "bd09")
    assert abs(back[0] - lon) < 1e-6 and abs(back[1] - lat) < 1e-6


def test_outside_china_no_offset():
    assert geo.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def _error(boundary):
    with pytest.raises(InvalidInput) as info:
        geo.parse_boundary(boundary)
    assert info.value.errors[0].field == "boundary"
    return info.value.errors[0].message


def test_unclosed_polygon_is_refused():
    assert "未闭合" in _error({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]})


def test_self_intersecting_polygon_is_refused():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    assert "自相交" in _error(bowtie)


def test_coordinates_out_of_range_are_refused():
    assert "超出范围" in _error({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]})


def test_not_a_polygon_is_refused():
    assert "Polygon" in _error({"type": "Point", "coordinates": [1, 2]})


def test_area_in_square_metres():
    square = geo.parse_boundary({"type": "Polygon", "coordinates": [[[112, 37], [112.001, 37], [112.001, 37.001], [112, 37.001], [112, 37]]]})
    assert 8_000 < geo.local_area_m2(square) < 10_000
