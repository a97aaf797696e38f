"""What an uploaded image really is (by its first bytes, not its name), and its thumbnail."""

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps

#: Longest side of a thumbnail, in pixels.
THUMBNAIL_SIDE = 256
#: Images that would decode to more pixels are refused before decoding (a small file can unpack
#: to gigabytes); Pillow itself refuses files of more than 178 megapixels at open.
MAX_PIXELS = 50_000_000
#: The only decoders Pillow may use on an upload.
_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
#: Enough bytes to recognise every format below.
SNIFF_BYTES = 16


class InvalidImage(Exception):
    pass


def sniff(head: bytes) -> str | None:
    """The MIME type of a PNG, JPEG, GIF or WebP file from its magic bytes; ``None`` otherwise."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def thumbnail(path: Path) -> bytes:
    """A JPEG (PNG when the image has transparency) of at most ``THUMBNAIL_SIDE`` pixels a side,
    upright as its EXIF orientation says. Raises ``InvalidImage`` when the file does not decode."""
    try:
        with warnings.catch_warnings():
            # Pillow warns at open about the full size; what counts is the size decoded, which
            # JPEG's draft mode cuts by up to 8 a side (a 100-megapixel photo decodes cheaply).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=_FORMATS) as image:
                image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
                if image.width * image.height > MAX_PIXELS:
                    raise InvalidImage(f"more than {MAX_PIXELS} pixels to decode")
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
                return _encode(upright)
    except InvalidImage:
        raise
    except Exception as error:  # Pillow reports a broken file with a dozen exception types
        raise InvalidImage("the image cannot be decoded") from error


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if transparent:
        image.convert("RGBA").save(out, "PNG", optimize=True)
    else:
        image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()
