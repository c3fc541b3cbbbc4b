"""Report photos: sniffed by content, metadata stripped, oriented, shrunk; everything else is a 422."""

import hashlib
from io import BytesIO

import pytest
from PIL import Image

from wangge.core import images
from wangge.core.errors import InvalidInput
from wangge.core.images import clean_image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def encode(img, fmt, **kwargs) -> bytes:
    buffer = BytesIO()
    img.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def noisy(size=(400, 300), mode="RGB") -> Image.Image:
    """Random pixels, so encoders can't shrink the file to nothing and truncation really cuts data."""
    return Image.frombytes(
        mode, size, bytes(hashlib.shake_256(b"seed").digest(size[0] * size[1] * len(mode)))
    )


def refused(data, **kwargs) -> str:
    with pytest.raises(InvalidInput) as info:
        clean_image(data, field="photos[0]", **kwargs)
    assert info.value.errors[0].field == "photos[0]"
    return info.value.message


def opened(result) -> Image.Image:
    img = Image.open(BytesIO(result.content))
    assert img.format == "JPEG"
    assert img.size == (result.width, result.height)
    return img


def test_jpeg_with_gps_comes_out_without_any_exif():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (37.0, 12.0, 0.0), 3: "E", 4: (112.0, 10.0, 0.0)})
    data = encode(noisy(), "JPEG", exif=exif.tobytes(), comment=b"secret comment")
    assert Image.open(BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the fixture really has GPS

    result = clean_image(data)
    img = opened(result)
    assert "exif" not in img.info and "comment" not in img.info
    assert not img.getexif()
    assert b"Exif" not in result.content and b"PhoneMaker" not in result.content
    assert b"secret" not in result.content
    assert (result.content_type, result.extension) == ("image/jpeg", "jpg")
    assert result.sha256 == hashlib.sha256(result.content).hexdigest()
    assert (result.width, result.height) == (400, 300)


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (200, 100), "blue")
    img.paste((255, 0, 0), (0, 0, 100, 100))  # left half red
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # shown rotated 90° clockwise: the left edge becomes the top
    result = clean_image(encode(img, "JPEG", exif=exif.tobytes(), quality=95))
    out = opened(result).convert("RGB")
    assert out.size == (100, 200)
    r, g, b = out.getpixel((50, 20))
    assert r > 200 and b < 60
    r, g, b = out.getpixel((50, 180))
    assert b > 200 and r < 60


def test_big_png_is_resized_keeping_the_aspect_ratio():
    result = clean_image(encode(Image.new("RGB", (4000, 2000), "green"), "PNG"), max_side=1600)
    assert (result.width, result.height) == (1600, 800)


def test_big_jpeg_is_resized():
    result = clean_image(encode(noisy((3000, 1200)), "JPEG"), max_side=1000)
    assert (result.width, result.height) == (1000, 400)


def test_small_images_are_not_enlarged():
    result = clean_image(encode(Image.new("RGB", (64, 48), "green"), "PNG"))
    assert (result.width, result.height) == (64, 48)


def test_transparent_png_becomes_white_not_black():
    result = clean_image(encode(Image.new("RGBA", (50, 50), (0, 0, 0, 0)), "PNG"))
    assert min(opened(result).convert("RGB").getpixel((25, 25))) > 240


def test_webp_is_accepted():
    result = clean_image(encode(noisy(), "WEBP"))
    assert (result.width, result.height) == (400, 300)


def test_heic_is_accepted():
    try:
        data = encode(noisy(), "HEIF")
    except Exception as exc:  # libheif built without an HEVC encoder
        pytest.skip(f"HEIF encoding unavailable: {exc}")
    assert images.sniff(data[:32]) == "HEIF"
    result = clean_image(data)
    assert (result.width, result.height) == (400, 300)


def test_a_file_like_upload_is_accepted():
    result = clean_image(BytesIO(encode(noisy(), "PNG")))
    assert result.width == 400


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(encode(Image.new("P", (10, 10)), "GIF"), id="gif"),
        pytest.param("报告：楼道堆物".encode(), id="text"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", id="pdf"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', id="svg"),
        pytest.param(encode(Image.new("RGB", (10, 10)), "BMP"), id="bmp"),
    ],
)
def test_other_types_are_refused_naming_the_accepted_ones(data):
    assert "JPEG、PNG、WebP 或 HEIC" in refused(data)


def test_the_type_comes_from_the_content_not_the_name():
    # A PNG is a PNG even when called photo.jpg, and a GIF called photo.jpg is still refused.
    assert clean_image(encode(Image.new("RGB", (8, 8)), "PNG")).width == 8
    refused(encode(Image.new("P", (8, 8)), "GIF"))


def test_empty_file_is_refused():
    assert "空" in refused(b"")


def test_oversize_is_refused_before_decoding(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("decoded an oversize upload")

    monkeypatch.setattr(Image, "open", fail)
    stream = BytesIO(b"\xff\xd8\xff" + b"\0" * (3 * 2**20))
    assert "2 MB" in refused(stream, max_bytes=2 * 2**20)
    assert stream.tell() == 2 * 2**20 + 1  # read no further than needed to know


def test_the_settings_knob_is_the_default_cap(settings):
    settings.PHOTO_MAX_BYTES = 1000
    assert "MB" in refused(encode(noisy(), "PNG"))


def test_truncated_jpeg_is_refused():
    data = encode(noisy(), "JPEG")
    assert "损坏" in refused(data[: len(data) // 2])


def test_garbage_after_a_valid_magic_is_refused():
    refused(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    refused(b"RIFF\0\0\0\0WEBPVP8 " + b"\xff" * 100)
    refused(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 100)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bombs_are_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert "像素" in refused(encode(Image.new("L", (40, 40)), "PNG"))  # 1600 px: Pillow only warns
    assert "像素" in refused(encode(Image.new("L", (100, 100)), "PNG"))  # 10000 px: Pillow raises
