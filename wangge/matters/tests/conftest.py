import pytest

from wangge.testing.matters import A1EM1, B1EM1, REPORT  # noqa: F401  (points inside micro-grids A1em1 and B1em1)


@pytest.fixture
def report(api):
    """`report(user_key, **fields)` → the API's answer to POST /api/v1/matters."""

    def make(key="resident", headers=None, **fields):
        body = {**REPORT, **A1EM1, **fields}
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
