import pytest

from wangge.matters import sla

# A point inside micro-grid A1em1 of the test world (community A, area grid A1, estate A1e).
A1EM1 = {"lon": 112.125, "lat": 37.15}
B1EM1 = {"lon": 112.25, "lat": 37.15}


@pytest.fixture(autouse=True)
def _fresh_calendar():
    sla.forget_calendar()
    yield
    sla.forget_calendar()


@pytest.fixture
def report(api):
    """`report(user_key, **fields)` → the API's answer to POST /api/v1/matters."""

    def make(key="resident", headers=None, **fields):
        body = {"category": "env-garbage", "description": "3号楼门口垃圾三天没人清运", **A1EM1, **fields}
        return api(key).post("/api/v1/matters", body, content_type="application/json", **(headers or {}))

    return make


@pytest.fixture
def tiny_jpeg() -> bytes:
    """A small JPEG carrying GPS coordinates in its EXIF, as phones write them."""
    import io

    from PIL import Image

    image = Image.new("RGB", (64, 48), (200, 40, 40))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (37.0, 9.0, 0.0), 3: "E", 4: (112.0, 7.0, 30.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()
