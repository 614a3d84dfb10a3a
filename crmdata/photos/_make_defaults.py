"""Draw the default person and company images shipped in ``crmdata/assets``.

ONLYOFFICE shows ``empty_people_logo`` / ``empty_company_logo`` PNGs when a contact has no
photo; crmdata ships its own, drawn here with Pillow at each stored size (200, 82 and 40 px
squares). Run ``python -m crmdata.photos._make_defaults`` to regenerate the files; a test
checks that the shipped files have exactly the pixels this script draws.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ASSETS = Path(__file__).resolve().parent.parent / "assets"
#: Rendition name -> square size in px.
SIZES = {"big": 200, "82": 82, "40": 40}
KINDS = ("person", "company")
_BACKGROUND = (226, 232, 240)
_FIGURE = (148, 163, 184)
_WINDOW = (226, 232, 240)
_SCALE = 4  # draw large, then shrink: smooth edges without antialiasing support in ImageDraw


def asset_path(kind: str, size: str) -> Path:
    """Where the default image of a kind ("person" or "company") and rendition lives."""
    return ASSETS / f"default_{kind}_{SIZES[size]}.png"


def draw(kind: str, px: int) -> Image.Image:
    """The default image of ``kind`` as a ``px`` x ``px`` RGB image."""
    n = px * _SCALE
    im = Image.new("RGB", (n, n), _BACKGROUND)
    d = ImageDraw.Draw(im)
    if kind == "person":
        head = n * 0.19
        cx, cy = n / 2, n * 0.38
        d.ellipse((cx - head, cy - head, cx + head, cy + head), fill=_FIGURE)
        d.ellipse((n * 0.18, n * 0.64, n * 0.82, n * 1.22), fill=_FIGURE)
    elif kind == "company":
        d.rectangle((n * 0.25, n * 0.2, n * 0.75, n * 0.86), fill=_FIGURE)
        w = n * 0.08
        for row in range(4):
            for col in range(3):
                x = n * 0.32 + col * n * 0.13
                y = n * 0.27 + row * n * 0.13
                d.rectangle((x, y, x + w, y + w), fill=_WINDOW)
        d.rectangle((n * 0.15, n * 0.86, n * 0.85, n * 0.9), fill=_FIGURE)
    else:
        raise ValueError(f"unknown default image kind {kind!r}")
    return im.resize((px, px), Image.Resampling.LANCZOS)


def main() -> None:
    ASSETS.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        for size, px in SIZES.items():
            draw(kind, px).save(asset_path(kind, size), "PNG", optimize=True)


if __name__ == "__main__":
    main()
