"""Photos attached to citizen reports: accept what phones produce, keep nothing that identifies them.

A report photo is shown to staff and sometimes published, so the bytes we store are never the
bytes we received: the image is decoded and re-encoded as a plain JPEG, which drops EXIF (GPS
position, phone model, owner name), XMP and comments. The type is sniffed from the content because
filenames and client content-types are whatever the client says. Anything that is not a photo we
can decode, including decompression bombs, becomes an InvalidInput naming the form field, never a
500.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO
from typing import BinaryIO

import pillow_heif
from django.conf import settings
from PIL import Image, ImageOps

from .errors import InvalidInput

pillow_heif.register_heif_opener()

ACCEPTED = "JPEG、PNG、WebP 或 HEIC"
JPEG_QUALITY = 85
# Major brands of the ISO-BMFF `ftyp` box that mean HEIF/HEIC (not AVIF, which libheif may not decode).
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str


def sniff(head: bytes) -> str | None:
    """The Pillow format name for the first bytes of a file, or None if it is not an accepted photo."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def clean_image(
    data: bytes | BinaryIO,
    *,
    field: str = "photo",
    max_bytes: int | None = None,
    max_side: int = 1600,
) -> CleanImage:
    """Check and re-encode one uploaded photo. A file-like `data` is read from its current position."""
    if max_bytes is None:
        max_bytes = getattr(settings, "PHOTO_MAX_BYTES", 10 * 1024 * 1024)
    raw = _read_capped(data, max_bytes)
    if len(raw) > max_bytes:
        raise InvalidInput.field(field, f"照片不能超过 {max_bytes / 2**20:.3g} MB")
    if not raw:
        raise InvalidInput.field(field, "文件是空的")
    fmt = sniff(raw[:32])
    if fmt is None:
        raise InvalidInput.field(field, f"只支持 {ACCEPTED} 格式的照片")

    try:
        with Image.open(BytesIO(raw), formats=[fmt]) as img:
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse the whole range here
            # rather than flip the process-wide warnings filter, which is not thread-safe.
            limit = Image.MAX_IMAGE_PIXELS
            if limit and img.width * img.height > limit:
                raise Image.DecompressionBombError(f"{img.width}×{img.height}")
            if fmt == "JPEG":
                img.draft("RGB", (max_side, max_side))  # decode big JPEGs at 1/2, 1/4, 1/8 scale
            img.load()
            out = _flatten(ImageOps.exif_transpose(img))
    except Image.DecompressionBombError:
        raise InvalidInput.field(field, "照片像素太多，无法处理") from None
    except Exception:
        # Decoders fed hostile bytes raise OSError, SyntaxError, ValueError, struct.error and more;
        # every one of them means the same thing to the person uploading.
        raise InvalidInput.field(field, "照片已损坏或不完整，无法读取") from None

    out.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out.info = {}  # Pillow's JPEG writer copies a comment from info; start from nothing
    buffer = BytesIO()
    out.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    content = buffer.getvalue()
    return CleanImage(
        content=content,
        content_type="image/jpeg",
        extension="jpg",
        width=out.width,
        height=out.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _read_capped(data: bytes | BinaryIO, max_bytes: int) -> bytes:
    """At most max_bytes + 1 bytes, so an oversize upload is refused without reading all of it."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data[: max_bytes + 1])
    return data.read(max_bytes + 1) or b""


def _flatten(img: Image.Image) -> Image.Image:
    """RGB for JPEG; transparent areas become white rather than black."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")
