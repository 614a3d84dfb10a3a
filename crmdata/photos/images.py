"""Pure image work for contact photos and company logos: bytes in, checked renditions out.

An upload is refused unless it is a PNG, JPEG, GIF or WebP of at most 1 MiB that decodes
completely and is not a decompression bomb. An accepted image is turned upright (EXIF
orientation), converted to 8-bit RGB, RGBA or grey (CMYK and 16-bit images too), fitted
inside 200 x 300 px (width x height) without upscaling or cropping, and stored with 82 px and
40 px thumbnails. Every rendition is re-encoded from bare pixels, so no metadata (EXIF, GPS,
comments, ICC profiles) survives. Images with real transparency, and PNG or GIF graphics such
as logos, are stored as PNG; photographs (JPEG, lossy WebP) as JPEG.

Nothing here touches files, the network or the store.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from ..errors import CrmDataError

#: Largest upload accepted, in bytes (ONLYOFFICE's default ``web.max-upload-size``).
MAX_UPLOAD_BYTES = 1_048_576
#: The box the stored image fits in: (width, height), the documented 200 x 300 rule.
BIG_BOX = (200, 300)
#: The square boxes of the list thumbnails.
THUMB_SIZES = (82, 40)
#: Largest decoded image accepted. A 1 MiB file that claims more pixels than this is a
#: decompression bomb (or a photo far larger than any contact photo needs).
MAX_PIXELS = 40_000_000
#: Pixels of the full-size image handled at once when it is reduced before processing.
REDUCE_BAND_PIXELS = 1_000_000
#: Pillow decoders tried on an upload; nothing else is even looked at.
DECODERS = ("PNG", "JPEG", "GIF", "WEBP")
#: Formats accepted, as Pillow reports them (MPO is the JPEG variant many cameras write).
ACCEPTED_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG", "GIF": "GIF", "WEBP": "WebP"}
ACCEPTED_TEXT = "PNG, JPEG, GIF or WebP"
JPEG_QUALITY = 90


class BadImage(CrmDataError):
    """An upload that is not an acceptable image; nothing was stored."""


@dataclass(frozen=True)
class Rendition:
    """One encoded size of a photo."""

    data: bytes
    format: str  # "PNG" or "JPEG"
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedPhoto:
    """An accepted upload: the stored image, its two thumbnails and what came in."""

    big: Rendition
    thumb_82: Rendition
    thumb_40: Rendition
    source_format: str  # PNG, JPEG, GIF or WebP
    source_size: tuple[int, int]  # (width, height) after EXIF orientation
    source_bytes: int

    @property
    def format(self) -> str:
        return self.big.format


def describe_bytes(n: int) -> str:
    """A byte count for people: ``1,234,567 bytes (1.18 MiB)``."""
    if n >= 1024 * 1024:
        return f"{n:,} bytes ({n / 1048576:.2f} MiB)"
    if n >= 1024:
        return f"{n:,} bytes ({n / 1024:.1f} KiB)"
    return f"{n:,} bytes"


def check_size(n: int, *, at_least: bool = False) -> None:
    """Refuse an upload of ``n`` bytes over :data:`MAX_UPLOAD_BYTES` (``at_least``: n is a lower bound)."""
    if n > MAX_UPLOAD_BYTES:
        size = ("more than " if at_least else "") + describe_bytes(n if not at_least else MAX_UPLOAD_BYTES)
        raise BadImage(
            f"The image is {size}; the limit is 1 MiB ({MAX_UPLOAD_BYTES:,} bytes).",
            hint="scale or compress it before uploading",
        )


def _sniff_unsupported(data: bytes) -> str | None:
    """Name a well-known non-image (or unsupported image) kind from its first bytes."""
    head = data[:1024].lstrip().lower()
    if head.startswith(b"%pdf-"):
        return "a PDF document"
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head) or (
        head.startswith(b"<!doctype svg")
    ):
        return "an SVG (vector) image"
    if head.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    return None


def _open(data: bytes, *, draft: bool = False) -> tuple[Image.Image, tuple[int, int]]:
    """Open and fully decode the first frame, refusing anything that is not a safe, whole image.

    Returns the image and its size as stored in the file (before any draft scaling).

    With ``draft`` a large JPEG is decoded at 1/2, 1/4 or 1/8 scale (never below 300 x 300 px,
    so the stored sizes are unaffected): much faster and smaller in memory than full size.
    """
    known = _sniff_unsupported(data)
    if known:
        raise BadImage(f"The file is {known}, not a {ACCEPTED_TEXT} image.")
    if not data:
        raise BadImage("The file is empty.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; treat it as the bomb it is.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=DECODERS)
            width, height = im.size
            if width * height > MAX_PIXELS:
                raise BadImage(
                    f"The image claims {width} x {height} pixels ({width * height:,}); the limit is "
                    f"{MAX_PIXELS:,} pixels. It looks like a decompression bomb and was not decoded."
                )
            im.seek(0)  # GIF and WebP: the first frame only
            if draft and im.format in ("JPEG", "MPO"):
                im.draft(None, (max(BIG_BOX), max(BIG_BOX)))
            im.load()
    except BadImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadImage(
            f"The image decodes to too many pixels (a decompression bomb): {exc}"
        ) from exc
    except UnidentifiedImageError as exc:
        raise BadImage(f"The file is not a {ACCEPTED_TEXT} image (or it is damaged).") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, MemoryError) as exc:
        raise BadImage(f"The image is truncated or corrupt and cannot be read: {exc}") from exc
    if im.format not in ACCEPTED_FORMATS:  # pragma: no cover - Image.open(formats=...) already refuses
        raise BadImage(f"{im.format} images are not accepted; use {ACCEPTED_TEXT}.")
    if im.width < 1 or im.height < 1:
        raise BadImage("The image has no pixels.")
    return im, (width, height)


def _to_srgb(im: Image.Image) -> Image.Image:
    """Apply an embedded colour profile, so colours survive dropping it; unchanged without one."""
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "RGBA", "CMYK"):
        return im
    out_mode = "RGBA" if im.mode == "RGBA" else "RGB"
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            im, src, ImageCms.createProfile("sRGB"), outputMode=out_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im  # a broken or unusual profile: fall back to the plain pixel values
    return converted if converted is not None else im


def _eight_bit(im: Image.Image) -> Image.Image:
    """8-bit grey, RGB or RGBA pixels; 16-bit grey is scaled (Pillow's own convert would clip)."""
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        arr = np.asarray(im).astype(np.float64)
        return Image.fromarray(np.clip(np.rint(arr / 257.0), 0, 255).astype(np.uint8), "L")
    if im.mode == "F":
        arr = np.asarray(im)
        return Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8), "L")
    has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
    if has_alpha:
        return im.convert("RGBA")
    if im.mode in ("L", "RGB"):
        return im
    if im.mode == "1":
        return im.convert("L")
    return im.convert("RGB")  # P, CMYK, YCbCr, LAB, HSV


def _drop_opaque_alpha(im: Image.Image) -> Image.Image:
    if im.mode == "RGBA" and im.getchannel("A").getextrema()[0] == 255:
        return im.convert("RGB")
    return im


def _shrink(im: Image.Image) -> Image.Image:
    """A large decoded image averaged down by a whole factor (still at least twice the largest
    stored box on each side) before any other pixel work, so that colour profile, 8-bit
    conversion, EXIF turn and the three fits all copy a small image. Formats without a reduced
    decode (PNG, GIF, WebP) are decoded at full size once; working through the image in bands
    of rows keeps that the only full-size copy (Pillow's own reduce of an RGBA image, or a
    palette image's conversion, makes a second one). Averaging each band of a whole number of
    blocks gives exactly the pixels of one reduce. The file's info (EXIF, ICC profile) is kept."""
    reach = 2 * max(BIG_BOX)
    factor = min(im.width // reach, im.height // reach)
    if factor < 2:
        return im
    band = factor * max(1, REDUCE_BAND_PIXELS // (im.width * factor))
    parts = []
    for top in range(0, im.height, band):
        part = im.crop((0, top, im.width, min(im.height, top + band)))
        if part.mode in ("P", "1", "I;16", "I;16B", "I;16L", "I;16N"):
            part = _eight_bit(part)
        parts.append(part.reduce(factor))
    small = Image.new(parts[0].mode, (-(-im.width // factor), -(-im.height // factor)))
    for i, part in enumerate(parts):
        small.paste(part, (0, i * band // factor))
    small.info = {k: v for k, v in im.info.items() if k != "transparency" or small.mode == im.mode}
    return small


def _fit(im: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Scale down proportionally to fit ``box``; never up, never cropped."""
    out = im.copy()
    out.thumbnail(box, Image.Resampling.LANCZOS)
    return out


def _encode(im: Image.Image, fmt: str) -> Rendition:
    """Encode bare pixels (a fresh image: no EXIF, ICC, text chunks or comments)."""
    bare = Image.frombytes(im.mode, im.size, im.tobytes())
    buf = io.BytesIO()
    if fmt == "PNG":
        bare.save(buf, "PNG", optimize=True)
    else:
        if bare.mode not in ("RGB", "L"):
            bare = bare.convert("RGB")
        bare.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Rendition(buf.getvalue(), fmt, bare.width, bare.height)


def process(data: bytes, *, reduced_decode: bool = True) -> ProcessedPhoto:
    """Check an upload and make the stored renditions; raises :class:`BadImage` on bad input.

    ``reduced_decode=False`` decodes large JPEGs at full size and processes every image at full
    size (slower, and several full-size copies in memory; the benchmark's baseline).
    """
    check_size(len(data))
    im, (width, height) = _open(data, draft=reduced_decode)
    source_format = ACCEPTED_FORMATS[str(im.format)]
    orientation = im.getexif().get(0x0112)
    source_size = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    if reduced_decode:
        im = _shrink(im)
    try:
        upright = ImageOps.exif_transpose(im)
    except (OSError, ValueError, SyntaxError, KeyError, TypeError) as exc:
        raise BadImage(f"The image's EXIF data is corrupt: {exc}") from exc
    if upright is None:  # pragma: no cover - only with in_place=True
        upright = im
    pixels = _drop_opaque_alpha(_eight_bit(_to_srgb(upright)))
    fmt = "PNG" if pixels.mode == "RGBA" or source_format in ("PNG", "GIF") else "JPEG"
    big = _encode(_fit(pixels, BIG_BOX), fmt)
    thumbs = [_encode(_fit(pixels, (s, s)), fmt) for s in THUMB_SIZES]
    return ProcessedPhoto(
        big=big,
        thumb_82=thumbs[0],
        thumb_40=thumbs[1],
        source_format=source_format,
        source_size=source_size,
        source_bytes=len(data),
    )


def probe(data: bytes) -> tuple[str, int, int]:
    """Format and size of an acceptable image, without making renditions (for suggestions)."""
    check_size(len(data))
    im, (width, height) = _open(data, draft=True)
    return ACCEPTED_FORMATS[str(im.format)], width, height
