"""Photo upload processing: large images decoded or reduced early beside full-size processing.

``crmdata.photos.images.process`` asks libjpeg to decode a large JPEG at 1/2, 1/4 or 1/8
scale (never below 300 x 300 px, so the stored 200 x 300 / 82 / 40 renditions are the same
size); formats without a reduced decode (the 36-megapixel PNG of issue 17) are decoded once
at full size and averaged down in bands before any other step. The baseline is the same
pipeline with ``reduced_decode=False``. Each figure is the best of several runs in a fresh
process, with that process's peak RSS.
"""

from __future__ import annotations

import sys

from .common import CACHE, in_subprocess

MAKE = """
import io
import numpy as np
from PIL import Image
rng = np.random.default_rng(1)
w, h = {w}, {h}
# a smooth gradient with mild noise, like a photo; quality chosen to stay under 1 MiB
y, x = np.mgrid[0:h, 0:w]
base = np.stack([(x * 255 // w), (y * 255 // h), ((x + y) * 255 // (w + h))], axis=-1)
arr = np.clip(base + rng.integers(-6, 7, (h, w, 3)), 0, 255).astype(np.uint8)
for q in (70, 50, 35, 25, 15):
    buf = io.BytesIO(); Image.fromarray(arr).save(buf, 'JPEG', quality=q)
    if len(buf.getvalue()) <= 1_048_576:
        break
open({path!r}, 'wb').write(buf.getvalue())
out = {{'bytes': len(buf.getvalue()), 'quality': q}}
"""

MAKE_PNG = """
import numpy as np
from PIL import Image
w, h = {w}, {h}
# a flat graphic (half red, a sparse dot grid) compresses far below 1 MiB at any size
arr = np.zeros((h, w, 3), np.uint8)
arr[:, : w // 2] = (200, 30, 30)
arr[::7, ::5] = (10, 200, 90)
im = Image.fromarray(arr, 'RGB').convert({mode!r})
im.save({path!r}, 'PNG', optimize=True)
import os
out = {{'bytes': os.path.getsize({path!r})}}
"""

MEASURE = """
from crmdata.photos.images import process
data = open({path!r}, 'rb').read()
best = None
for _ in range({repeat}):
    t = time.perf_counter()
    p = process(data, reduced_decode={reduced})
    s = time.perf_counter() - t
    best = s if best is None else min(best, s)
out = {{'seconds': best, 'big': p.big.width * 10000 + p.big.height}}
"""


def run(quick: bool = False) -> str:
    CACHE.mkdir(parents=True, exist_ok=True)
    sizes = [(4000, 3000)] if quick else [(4000, 3000), (6000, 4000)]
    repeat = 3 if quick else 5
    lines = [
        "## Photo uploads (issue 6)",
        "",
        "Command: `python -m benchmarks.photos_bench" + (" --quick" if quick else "")
        + "` (part of `make bench`). A generated photo-like JPEG (and a flat 36-megapixel PNG "
        "graphic) under the 1 MiB limit is checked, turned upright, fitted and encoded with its two "
        f"thumbnails by `crmdata.photos.images.process`; best of {repeat} runs in a fresh process. "
        "Baseline: the same pipeline decoding and processing at full size.",
        "",
        "| source | file | what | seconds | peak RSS MiB | x baseline |",
        "|---|---:|---|---:|---:|---:|",
    ]
    cases = [(w, h, "JPEG") for w, h in sizes] + [(7350, 4900, "RGB"), (7350, 4900, "RGBA")]
    for w, h, kind in cases:
        if kind == "JPEG":
            path = CACHE / f"photo-{w}x{h}.jpg"
            made = in_subprocess(MAKE.format(w=w, h=h, path=str(path)))
            label = f"{w}x{h} JPEG q{made['quality']:.0f}"
        else:
            path = CACHE / f"graphic-{w}x{h}-{kind}.png"
            made = in_subprocess(MAKE_PNG.format(w=w, h=h, mode=kind, path=str(path)))
            label = f"{w}x{h} {kind} PNG"
        res = {}
        for name, reduced in (("full size (baseline)", False), ("crmdata (reduced)", True)):
            res[name] = in_subprocess(MEASURE.format(path=str(path), repeat=repeat, reduced=reduced))
        assert len({r["big"] for r in res.values()}) == 1, "both paths must store the same size"
        base = res["full size (baseline)"]["seconds"]
        for name, r in res.items():
            lines.append(
                f"| {label} | {made['bytes']:,.0f} B | {name} | "
                f"{r['seconds']:.3f} | {r['peak_rss_mib']:,.0f} | {r['seconds'] / base:.2f} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
