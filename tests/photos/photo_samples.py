"""Helpers of the photo tests: real image files (photos, logos, damaged files, bombs) and contacts."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageCms

from crmdata import Store, numbering
from crmdata.model import ShareType

RED = (220, 20, 20)
GREEN = (20, 200, 20)
BLUE = (20, 20, 220)


def encode(im: Image.Image, fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def marked(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A blue image with a red square in its top-left corner (to see rotations)."""
    im = Image.new("RGB", (width, height), BLUE)
    side = max(1, min(width, height) // 4)
    im.paste(RED, (0, 0, side, side))
    return im.convert(mode) if mode != "RGB" else im


def jpeg(width: int = 640, height: int = 480, **options: object) -> bytes:
    return encode(marked(width, height), "JPEG", quality=90, **options)


def png(width: int = 640, height: int = 480, mode: str = "RGB") -> bytes:
    return encode(marked(width, height, mode), "PNG")


def jpeg_with_exif(width: int, height: int, orientation: int) -> bytes:
    """A JPEG with an EXIF orientation, camera make, artist and GPS position, plus a comment."""
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "TestCam"  # Make
    exif[0x013B] = "Jane Photographer"  # Artist
    gps = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    exif[0x8825] = gps  # GPSInfo
    return encode(marked(width, height), "JPEG", exif=exif.tobytes(), comment=b"secret note")


def png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jane Designer")
    info.add_text("Comment", "internal draft")
    return encode(marked(300, 300), "PNG", pnginfo=info)


def jpeg_with_icc() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(marked(120, 80), "JPEG", icc_profile=profile)


def transparent_png(width: int = 400, height: int = 200) -> bytes:
    """A logo: a red disc-like square on a fully transparent background."""
    im = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    im.paste((*RED, 255), (width // 4, height // 4, 3 * width // 4, 3 * height // 4))
    return encode(im, "PNG")


def palette_png_with_transparency() -> bytes:
    im = Image.new("P", (64, 64), 0)
    im.putpalette([255, 255, 255, 220, 20, 20] + [0] * (256 * 3 - 6))
    im.paste(1, (16, 16, 48, 48))
    return encode(im, "PNG", transparency=0)


def cmyk_jpeg() -> bytes:
    im = Image.new("CMYK", (300, 300), (0, 255, 255, 0))  # pure red in CMYK
    return encode(im, "JPEG", quality=95)


def grey16_png(value: int = 32768, width: int = 500, height: int = 400) -> bytes:
    arr = np.full((height, width), value, dtype=np.uint16)
    im = Image.fromarray(arr)
    assert im.mode.startswith("I;16")
    return encode(im, "PNG")


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def rgb16_png(width: int = 300, height: int = 200, rgb: tuple[int, int, int] = (60000, 30000, 0)) -> bytes:
    """A 16-bit-per-channel RGB PNG (Pillow cannot write these, so it is written by hand)."""
    row = b"\x00" + struct.pack(">HHH", *rgb) * width
    ihdr = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(row * height)) + _chunk(b"IEND", b""))


def bomb_png(width: int, height: int) -> bytes:
    """A real 1-bit PNG of ``width`` x ``height`` black pixels: tiny file, huge image."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    parts = []
    block = row * max(1, (1 << 20) // len(row))
    rows_per_block = len(block) // len(row)
    left = height
    while left > 0:
        n = min(left, rows_per_block)
        parts.append(comp.compress(block[: n * len(row)]))
        left -= n
    parts.append(comp.flush())
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts))
            + _chunk(b"IEND", b""))


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (120, 90), c) for c in (RED, GREEN, BLUE)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def animated_webp() -> bytes:
    frames = [Image.new("RGB", (160, 120), c) for c in (GREEN, RED, BLUE)]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, quality=90)


def webp(alpha: bool = False) -> bytes:
    if alpha:
        im = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
        im.paste((*RED, 255), (100, 100, 200, 200))
        return encode(im, "WEBP", lossless=True)
    return encode(marked(500, 250), "WEBP", quality=85)


def noisy_png(width: int = 700, height: int = 700) -> bytes:
    """Random pixels: incompressible, so the file is large (over 1 MiB at 700 x 700)."""
    rng = np.random.default_rng(7)
    return encode(Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)), "PNG")


def pdf() -> bytes:
    return encode(marked(100, 100), "PDF")


SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
       b'<circle cx="50" cy="50" r="40" fill="red"/></svg>')
TEXT = b"Name,Email\nJane,jane@example.com\n"


def corrupt_png() -> bytes:
    """A PNG whose compressed pixel data is damaged (bytes flipped inside IDAT, CRC fixed up)."""
    data = bytearray(png(200, 200))
    start = data.index(b"IDAT") + 4
    length = struct.unpack(">I", data[start - 8: start - 4])[0]
    for i in range(start + 2, start + min(length, 40)):
        data[i] ^= 0xA5
    crc = zlib.crc32(bytes(data[start - 4: start + length])) & 0xFFFFFFFF
    data[start + length: start + length + 4] = struct.pack(">I", crc)
    return bytes(data)


def decode(data: bytes) -> Image.Image:
    """Read stored bytes back with Pillow."""
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def add_contact(
    store: Store,
    name: str = "Jane Doe",
    *,
    company: bool = False,
    share_type: ShareType = ShareType.READ_WRITE,
    managers: tuple[int, ...] = (),
) -> int:
    """Insert a contact row directly (the editing module is someone else's)."""
    with store.db.transaction() as tx:
        cid = numbering.next_id(tx, "contacts")
        first, _, last = name.partition(" ")
        tx.execute(
            "INSERT INTO contacts (id, is_company, first_name, last_name, company_name, display_name, "
            "share_type, created_by, created_at, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 1, now(), 1, now())",
            [cid, company, None if company else first, None if company else last,
             name if company else None, name, int(share_type)],
        )
        for uid in managers:
            tx.execute("INSERT INTO contact_managers VALUES (?, ?)", [cid, uid])
    return cid
