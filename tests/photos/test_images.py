"""crmdata.photos.images: real image files in, renditions read back with Pillow."""

from __future__ import annotations

import struct

import photo_samples as s
import pytest

from crmdata.photos import images
from crmdata.photos.images import MAX_UPLOAD_BYTES, BadImage, process


def sizes(data: bytes) -> list[tuple[int, int]]:
    p = process(data)
    out = []
    for r in (p.big, p.thumb_82, p.thumb_40):
        im = s.decode(r.data)
        assert im.size == (r.width, r.height)
        assert im.format == r.format
        out.append(im.size)
    return out


# (source width, height) -> stored (big, 82, 40): fit inside 200 x 300 / 82 x 82 / 40 x 40,
# proportional, never upscaled, never cropped.
FIT_CASES = [
    ((1000, 1000), [(200, 200), (82, 82), (40, 40)]),
    ((640, 480), [(200, 150), (82, 62), (40, 30)]),
    ((400, 1200), [(100, 300), (27, 82), (13, 40)]),
    ((600, 900), [(200, 300), (55, 82), (27, 40)]),
    ((1000, 100), [(200, 20), (82, 8), (40, 4)]),
    ((200, 300), [(200, 300), (55, 82), (27, 40)]),
    ((150, 250), [(150, 250), (49, 82), (24, 40)]),
    ((50, 40), [(50, 40), (50, 40), (40, 32)]),
    ((30, 30), [(30, 30), (30, 30), (30, 30)]),
    ((3000, 2), [(200, 1), (82, 1), (40, 1)]),
]


@pytest.mark.parametrize(("source", "expected"), FIT_CASES)
def test_fits_boxes_without_upscaling_or_cropping(source: tuple[int, int], expected: list) -> None:
    assert sizes(s.jpeg(*source)) == expected


@pytest.mark.parametrize(
    ("data", "fmt", "mode"),
    [
        (s.jpeg(), "JPEG", "RGB"),
        (s.png(), "PNG", "RGB"),  # a PNG graphic stays lossless
        (s.png(mode="RGBA"), "PNG", "RGB"),  # fully opaque alpha is dropped
        (s.transparent_png(), "PNG", "RGBA"),
        (s.palette_png_with_transparency(), "PNG", "RGBA"),
        (s.png(mode="L"), "PNG", "L"),
        (s.png(mode="1"), "PNG", "L"),
        (s.webp(), "JPEG", "RGB"),  # a lossy photo
        (s.webp(alpha=True), "PNG", "RGBA"),
        (s.animated_gif(), "PNG", "RGB"),
        (s.cmyk_jpeg(), "JPEG", "RGB"),
        (s.grey16_png(), "PNG", "L"),
        (s.rgb16_png(), "PNG", "RGB"),
    ],
)
def test_stored_format_and_mode(data: bytes, fmt: str, mode: str) -> None:
    p = process(data)
    for r in (p.big, p.thumb_82, p.thumb_40):
        im = s.decode(r.data)
        assert (im.format, im.mode) == (fmt, mode)


def test_transparency_is_kept() -> None:
    big = s.decode(process(s.transparent_png(400, 200)).big.data)
    assert big.size == (200, 100)
    assert big.getpixel((2, 2))[3] == 0  # corner transparent
    assert big.getpixel((100, 50)) == (*s.RED, 255)  # centre opaque red


def test_animated_gif_takes_the_first_frame() -> None:
    big = s.decode(process(s.animated_gif()).big.data)
    assert big.getpixel((60, 45)) == s.RED


def test_animated_webp_takes_the_first_frame() -> None:
    p = process(s.animated_webp())
    r, g, b = s.decode(p.big.data).getpixel((80, 60))
    assert (p.format, p.big.width, p.big.height) == ("JPEG", 160, 120)
    assert g > 150 and r < 60 and b < 60


def test_cmyk_is_converted_to_rgb() -> None:
    r, g, b = s.decode(process(s.cmyk_jpeg()).big.data).getpixel((100, 100))
    assert r > 230 and g < 25 and b < 25


def test_16_bit_grey_is_scaled_not_clipped() -> None:
    # Pillow's own convert("L") clips 16-bit values to 255; mid-grey must stay mid-grey.
    assert s.decode(process(s.grey16_png(32768)).big.data).getpixel((10, 10)) == 128
    assert s.decode(process(s.grey16_png(65535)).big.data).getpixel((10, 10)) == 255
    assert s.decode(process(s.grey16_png(0)).big.data).getpixel((10, 10)) == 0


def test_16_bit_rgb_is_converted() -> None:
    assert s.decode(process(s.rgb16_png()).big.data).getpixel((5, 5)) == (234, 117, 0)


@pytest.mark.parametrize(
    ("orientation", "size", "red_corner"),
    [
        (1, (200, 67), "top-left"),
        (3, (200, 67), "bottom-right"),  # rotated 180
        (6, (100, 300), "top-right"),  # stored sideways, shown rotated 90 clockwise
        (8, (100, 300), "bottom-left"),  # rotated 90 counter-clockwise
    ],
)
def test_exif_orientation_is_applied(orientation: int, size: tuple[int, int], red_corner: str) -> None:
    p = process(s.jpeg_with_exif(300, 100, orientation))
    big = s.decode(p.big.data)
    assert big.size == size
    w, h = big.size
    corners = {
        "top-left": (3, 3), "top-right": (w - 4, 3),
        "bottom-left": (3, h - 4), "bottom-right": (w - 4, h - 4),
    }
    for name, xy in corners.items():
        r, g, b = big.getpixel(xy)
        assert (r > 150 and b < 100) == (name == red_corner), (name, big.getpixel(xy))


@pytest.mark.parametrize("data", [s.jpeg_with_exif(300, 200, 6), s.png_with_text(), s.jpeg_with_icc()])
def test_metadata_is_stripped(data: bytes) -> None:
    p = process(data)
    for r in (p.big, p.thumb_82, p.thumb_40):
        assert b"Jane" not in r.data and b"TestCam" not in r.data and b"secret" not in r.data
        im = s.decode(r.data)
        assert len(im.getexif()) == 0
        assert not {"exif", "icc_profile", "comment", "Author", "Comment", "dpi"} & set(im.info)


def test_over_the_limit_names_limit_and_size() -> None:
    data = s.noisy_png()
    assert len(data) > MAX_UPLOAD_BYTES
    with pytest.raises(BadImage) as err:
        process(data)
    msg = str(err.value)
    assert "1 MiB (1,048,576 bytes)" in msg
    assert f"{len(data):,} bytes" in msg


def test_exactly_at_the_limit_is_not_refused_for_size() -> None:
    images.check_size(MAX_UPLOAD_BYTES)
    with pytest.raises(BadImage, match="1,048,577 bytes"):
        images.check_size(MAX_UPLOAD_BYTES + 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (s.TEXT, "not a PNG, JPEG, GIF or WebP image"),
        (b"", "empty"),
        (s.SVG, "SVG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
        (s.pdf(), "PDF"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "HTML page"),
        (s.jpeg()[:5000], "truncated or corrupt"),
        (s.jpeg()[:300], "truncated or corrupt"),
        (s.png(640, 480)[:1200], "truncated or corrupt"),
        (s.corrupt_png(), "truncated or corrupt"),
        (s.encode(s.marked(50, 50), "BMP"), "not a PNG, JPEG, GIF or WebP image"),
        (s.encode(s.marked(50, 50), "TIFF"), "not a PNG, JPEG, GIF or WebP image"),
    ],
)
def test_refused_with_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(BadImage, match=message):
        process(data)


def test_decompression_bomb_below_pillows_own_limit_is_refused() -> None:
    data = s.bomb_png(8000, 7000)  # 56 megapixels in a few KiB
    assert len(data) < 20_000
    with pytest.raises(BadImage, match="8000 x 7000 pixels"):
        process(data)


def test_gigapixel_decompression_bomb_is_refused() -> None:
    data = s.bomb_png(32768, 32768)  # 1.07 gigapixels in about 130 KiB
    assert len(data) < MAX_UPLOAD_BYTES
    assert struct.unpack(">II", data[16:24]) == (32768, 32768)  # what the IHDR header claims
    with pytest.raises(BadImage, match="decompression bomb"):
        process(data)


def test_large_jpeg_is_decoded_at_reduced_scale_with_exact_stored_sizes() -> None:
    data = s.jpeg(2400, 1800)  # decoded at 1/4 scale (600 x 450), still above every box
    p = process(data)
    assert (p.source_size, (p.big.width, p.big.height)) == ((2400, 1800), (200, 150))
    assert s.decode(p.big.data).getpixel((3, 3))[0] > 150  # the red corner survived
    assert images.probe(data) == ("JPEG", 2400, 1800)
    rotated = process(s.jpeg_with_exif(2400, 1200, 6))
    assert (rotated.source_size, (rotated.big.width, rotated.big.height)) == ((1200, 2400), (150, 300))


def test_large_truncated_jpeg_is_refused_at_reduced_scale_too() -> None:
    data = s.jpeg(2400, 1800)
    with pytest.raises(BadImage, match="truncated"):
        process(data[: len(data) // 2])


def test_probe_reports_format_and_size_without_rendering() -> None:
    assert images.probe(s.webp()) == ("WebP", 500, 250)
    assert images.probe(s.jpeg(64, 48)) == ("JPEG", 64, 48)
    with pytest.raises(BadImage):
        images.probe(s.TEXT)


def test_source_facts_are_reported() -> None:
    data = s.jpeg_with_exif(300, 100, 6)
    p = process(data)
    assert (p.source_format, p.source_size, p.source_bytes) == ("JPEG", (100, 300), len(data))


def _graphic_png(width: int, height: int, mode: str) -> bytes:
    """A flat graphic (half red, a sparse dot grid): many pixels in a small PNG file."""
    import io

    import numpy as np
    from PIL import Image

    arr = np.zeros((height, width, 3), np.uint8)
    arr[:, : width // 2] = (200, 30, 30)
    arr[::7, ::5] = (10, 200, 90)
    buf = io.BytesIO()
    Image.fromarray(arr, "RGB").convert(mode).save(buf, "PNG", optimize=True)
    return buf.getvalue()


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "L"])
def test_large_image_is_reduced_in_bands_to_exactly_the_pixels_of_one_reduce(mode: str) -> None:
    import numpy as np
    from PIL import Image, ImageChops

    rng = np.random.default_rng(7)
    full = Image.fromarray(rng.integers(0, 256, (2501, 1903, 4), dtype=np.uint8), "RGBA").convert(mode)
    full.info["icc_profile"] = b"kept"
    small = images._shrink(full)
    expected = images._eight_bit(full).reduce(3)  # a palette image is converted first
    assert small.size == expected.size == (635, 834)
    assert ImageChops.difference(small.convert("RGBA"), expected.convert("RGBA")).getbbox() is None
    assert small.info["icc_profile"] == b"kept"
    assert images._shrink(Image.new(mode, (1199, 5000))).size == (1199, 5000)  # under 2 x 600: as is


# Issue 17 item 13: a 36-megapixel PNG under the size limit took 600 MB to process. Measured in a
# fresh process (its own peak RSS, VmHWM): full-size processing needs several copies of the
# decoded image; reduced first, one full-size decode is the only one.
PNG_PEAK = """
import resource, sys
from crmdata.photos.images import process
data = open(sys.argv[1], 'rb').read()
def hwm():
    return int([l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]) // 1024
before = hwm()
p = process(data, reduced_decode=sys.argv[2] == 'reduced')
print(p.big.width, p.big.height, p.big.format, hwm() - before)
"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_36_megapixel_png_is_processed_within_one_decode_of_memory(tmp_path, mode: str) -> None:
    import subprocess
    import sys

    data = _graphic_png(7350, 4900, mode)  # 36.0 megapixels
    assert len(data) < MAX_UPLOAD_BYTES
    path = tmp_path / "big.png"
    path.write_bytes(data)
    peaks = {}
    for how in ("reduced", "full"):
        out = subprocess.run([sys.executable, "-c", PNG_PEAK, str(path), how], capture_output=True,
                             text=True, check=True).stdout.split()
        assert out[:3] == ["200", "133", "PNG"]
        peaks[how] = int(out[3])
    decoded_mib = 7350 * 4900 * len(mode) / 2**20  # the one full-size copy
    assert peaks["reduced"] < decoded_mib + 64, peaks
    assert peaks["full"] > 2 * decoded_mib, peaks  # what it cost before: the test can fail
