"""``make bench``: run every benchmark module and write docs/benchmarks.md."""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import benchmarks


def main() -> None:
    quick = "--quick" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.endswith("_bench"))
    if only:
        names = [n for n in names if any(o in n for o in only)]
    sections = []
    for name in names:
        started = time.perf_counter()
        print(f"running {name} ...", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        sections.append(module.run(quick=quick))
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    header = (
        "# Benchmarks\n\n"
        f"Written by `make bench` (`python -m benchmarks.run{' --quick' if quick else ''}`) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{platform.machine()}, 2 shared cores. These machines are shared and noisy: compare the "
        "ratios measured side by side in one run, not absolute times across runs.\n\n"
    )
    out = Path("docs/benchmarks.md")
    out.parent.mkdir(exist_ok=True)
    out.write_text(header + "\n".join(sections), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
