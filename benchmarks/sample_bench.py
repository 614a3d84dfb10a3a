"""Sample generation speed and memory: ``crmdata.sample.generate`` beside reading the same rows.

The baseline is what a test or benchmark would do without a generator: read as many contacts
from an ONLYOFFICE CSV file with ``pandas.read_csv`` (all text, the same frame shape). The
file is the generator's own (``benchmarks.common.sample_csv``, cached in the temp folder and
shared with the import benchmark, so it may come from an earlier version of the generator).
The generator in addition draws the deals, the history and the truth. Every measurement
runs in a fresh process, so peak RSS is its own.
"""

from __future__ import annotations

import sys

from .common import in_subprocess, sample_csv

GENERATE = """
from crmdata.sample import generate
t, c = time.perf_counter(), time.process_time()
s = generate({n}, seed=1)
out = {{'seconds': time.perf_counter() - t, 'cpu_s': time.process_time() - c, 'rows': len(s.contacts),
        'deals': len(s.deals), 'events': len(s.history)}}
"""

READ = """
import pandas as pd
t, c = time.perf_counter(), time.process_time()
frame = pd.read_csv({path!r}, dtype=str, keep_default_na=False)
out = {{'seconds': time.perf_counter() - t, 'cpu_s': time.process_time() - c, 'rows': len(frame)}}
"""

BASELINE = "baseline: pandas.read_csv of a generated contacts CSV of n rows"


def _measure(n: int) -> dict[str, dict[str, float]]:
    path = sample_csv(n, seed=1)  # written once and cached (shared with import_bench)
    return {
        BASELINE: in_subprocess(READ.format(path=str(path))),
        "crmdata.sample.generate (contacts, deals, history, truth)": in_subprocess(GENERATE.format(n=n)),
    }


def run(quick: bool = False) -> str:
    sizes = [10_000, 100_000] if quick else [100_000, 1_000_000]
    lines = [
        "## Sample generator (issue: foundation)",
        "",
        "Command: `python -m benchmarks.sample_bench" + (" --quick" if quick else "")
        + "` (part of `make bench`). `generate(n, seed=1)` with 10% duplicates beside reading "
        "as many contacts from a CSV file, each in a fresh process. Goal: 1M rows in well under a "
        "minute. CPU seconds are given too: wall time on these shared cores depends on the neighbours.",
        "",
        "| rows | what | wall s | CPU s | peak RSS MiB | x baseline (CPU) | deals | history events |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        res = _measure(n)
        base = res[BASELINE]["cpu_s"]
        for name, r in res.items():
            lines.append(
                f"| {n:,} | {name} | {r['seconds']:.2f} | {r['cpu_s']:.2f} | {r['peak_rss_mib']:,.0f} | "
                f"{r['cpu_s'] / base:.2f} | {int(r.get('deals', 0)):,} | {int(r.get('events', 0)):,} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
