"""Duplicates at scale: one duplicate run per engine and size, time and peak memory side by side.

``python -m benchmarks.run scale`` (100k and 1M generated contacts; ``--quick``: 100k only).
Each run is a fresh process over a store of ``crmdata.sample.generate(n, seed=1)`` imported
with ``clone`` (made once, cached): ``store.find_duplicates(keep_model=False, engine=...)``.
Peak RSS is the Python process's high-water mark; for the Spark engine the JVM's (driver and
local executors in one process) is measured too, from its own ``/proc`` status.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .common import CACHE, in_subprocess, sample_csv

HEADING = "## Duplicates at scale (DuckDB and Spark engines)"
SIZES = (100_000, 1_000_000)
#: (label, engine, memory limit) of each measured configuration.
CONFIGS = (("DuckDB", "duckdb", None), ("DuckDB, --memory-limit 1GB", "duckdb", "1GB"),
           ("Spark local[2]", "spark", None))


def _store_file(n: int) -> Path:
    """A store with ``n`` imported sample contacts (made once, then reused read-only)."""
    from crmdata import Store
    from crmdata.sample import CUSTOM_FIELDS

    path = CACHE / f"bench-scale-{n}.duckdb"
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        store = Store(tmp)
        store.import_onlyoffice(sample_csv(n), custom_field_types=CUSTOM_FIELDS, duplicates="clone")
        store.checkpoint()
        store.close()
        tmp.replace(path)
    return path


def measure(path: Path, engine: str, memory_limit: str | None) -> dict[str, Any]:
    code = f"""
from crmdata import Store
store = Store({str(path)!r})
started = time.perf_counter()
report = store.find_duplicates(keep_model=False, engine={engine!r}, spark_master='local[2]',
                               memory_limit={memory_limit!r})
out = {{'seconds': time.perf_counter() - started, 'pairs': len(report.pairs),
        'candidates': report.candidates, 'contacts': report.contacts}}
out.update({{'t_' + k: v for k, v in report.timings.items()}})
if {engine!r} == 'spark':
    from crmdata.dedupe import spark
    pid = spark._session.sparkContext._gateway.proc.pid
    jvm = [l for l in open(f'/proc/{{pid}}/status') if l.startswith('VmHWM:')]
    out['jvm_peak_rss_mib'] = int(jvm[0].split()[1]) / 1024 if jvm else float('nan')
"""
    return in_subprocess(code, timeout=4 * 3600)


def _command(n: int, engine: str, memory_limit: str | None) -> str:
    extra = f" --memory-limit {memory_limit}" if memory_limit else ""
    master = " --spark-master 'local[2]'" if engine == "spark" else ""
    return f"`crmdata --db STORE_{n // 1000}k duplicates --engine {engine}{master}{extra} -o pairs.csv`"


def run(quick: bool = False) -> str:
    sizes = SIZES[:1] if quick else SIZES
    rows = []
    for n in sizes:
        path = _store_file(n)
        for label, engine, limit in CONFIGS:
            print(f"  {label} on {n:,} ...", flush=True)
            try:
                got = measure(path, engine, limit)
            except RuntimeError as exc:
                rows.append(f"| {n:,} | {label} | failed: {str(exc).splitlines()[0]} | | | | | |")
                continue
            jvm = got.get("jvm_peak_rss_mib")
            steps = ", ".join(f"{k[2:]} {v:.0f}" for k, v in got.items() if k.startswith("t_"))
            jvm_text = "" if jvm is None else f"{jvm:,.0f}"
            rows.append(
                f"| {n:,} | {label} | {got['seconds']:.1f} | {got['peak_rss_mib']:,.0f} | {jvm_text} | "
                f"{int(got['candidates']):,} | {int(got['pairs']):,} | {steps} |"
            )
    lines = [
        HEADING,
        "",
        "Command: `python -m benchmarks.run scale" + (" --quick" if quick else "") + "` (one run, every "
        "row in a fresh process, side by side). Store: `crmdata.sample.generate(n, seed=1)` imported "
        "with `clone` (about 10% duplicates); the run is `store.find_duplicates(keep_model=False, "
        "engine=...)`, which is what the CLI command shown below each size runs. Seconds are the whole "
        "run (for Spark including the start of its JVM); peak RSS the Python process's high-water mark, "
        "and for Spark the JVM's (its driver and executors, local[2]) beside it; the Python workers of "
        "Spark's Jaro-Winkler UDF are not counted.",
        "",
        "| contacts | engine | seconds | peak RSS MiB (Python) | peak RSS MiB (JVM) | candidate pairs | "
        "reported pairs | seconds per step |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
        "Commands per row (STORE_100k is the cached store file of the size): "
        + "; ".join(f"{label}: {_command(100_000, engine, limit)}" for label, engine, limit in CONFIGS) + ".",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
