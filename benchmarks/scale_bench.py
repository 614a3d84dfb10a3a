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

from .common import CACHE, CHUNK, in_subprocess, sample_store, sample_truth

HEADING = "## Duplicates at scale (DuckDB and Spark engines)"
SIZES = (100_000, 1_000_000)
#: (label, engine, memory limit) of each measured configuration.
CONFIGS = (("DuckDB", "duckdb", None), ("DuckDB, --memory-limit 1GB", "duckdb", "1GB"),
           ("Spark local[2]", "spark", None), ("DuckDB, --memory-limit 4GB", "duckdb", "4GB"))
#: Configurations ``make bench`` runs only up to a size (Spark on one 2-core machine takes about
#: ten times DuckDB's time; beyond, run by hand: ``--size 1000000 --only Spark``; the 4GB limit
#: is for the 10M base, by hand: ``--size 10000000 --only 4GB``).
LARGEST = {"Spark local[2]": 100_000, "DuckDB, --memory-limit 4GB": 0}


def _store_file(n: int) -> Path:
    """A store with ``n`` imported sample contacts (made once, then reused read-only)."""
    return sample_store(n, "scale")


def measure(path: Path, engine: str, memory_limit: str | None, pairs_out: Path) -> dict[str, Any]:
    code = f"""
import threading
from crmdata import Store

def rss_mib():
    return int([l for l in open('/proc/self/status') if l.startswith('VmRSS:')][0].split()[1]) // 1024

def say(step):  # each step's start and the memory then, on standard error (kept if the run dies)
    print(f'{{time.perf_counter() - started:8.1f}} s  {{step:<20}} RSS {{rss_mib():,}} MiB', file=sys.stderr,
          flush=True)

def watch():
    while True:
        time.sleep(60)
        say('  (still running)')

store = Store({str(path)!r})
started = time.perf_counter()
threading.Thread(target=watch, daemon=True).start()
report = store.find_duplicates(keep_model=False, engine={engine!r}, spark_master='local[2]',
                               memory_limit={memory_limit!r}, progress=say)
say('done')
seconds = time.perf_counter() - started
report.pairs.to_parquet({str(pairs_out)!r}, index=False)
out = {{'seconds': seconds, 'pairs': len(report.pairs),
        'candidates': report.candidates, 'contacts': report.contacts}}
out.update({{'t_' + k: v for k, v in report.timings.items()}})
if {engine!r} == 'spark':
    from crmdata.dedupe import spark
    pid = spark._session.sparkContext._gateway.proc.pid
    jvm = [l for l in open(f'/proc/{{pid}}/status') if l.startswith('VmHWM:')]
    out['jvm_peak_rss_mib'] = int(jvm[0].split()[1]) / 1024 if jvm else float('nan')
"""
    return in_subprocess(code, timeout=4 * 3600)


def _pair_codes(a: Any, b: Any) -> Any:
    """Pairs of contact ids as one int64 each (smaller id first)."""
    import numpy as np

    lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    return lo * (1 << 32) + hi


def _within(ids: Any, groups: Any) -> Any:
    """The codes of every pair of ids that share a group label."""
    import pandas as pd

    members = pd.DataFrame({"id": ids, "g": groups}).drop_duplicates()
    both = members.merge(members, on="g")
    both = both[both["id_x"] < both["id_y"]]
    return _pair_codes(both["id_x"].to_numpy(), both["id_y"].to_numpy())


def quality(n: int, pairs_file: Path) -> dict[str, float]:
    """Pairwise precision and recall of a run's clusters (every pair inside a reported cluster,
    as the duplicate benchmark counts) against the generator's truth, and the share of those
    pairs that join two generated parts (different people by construction). Contact ``i``
    is row ``i`` of the base: asserted on the store, the rows imported in file order."""
    import numpy as np
    import pandas as pd

    from crmdata import Store

    store = Store(_store_file(n))
    with store.db.read() as tx:
        low, high, count = tx.rows("SELECT min(id), max(id), count(*) FROM contacts")[0]
    store.close()
    assert (low, high, count) == (1, n, n), f"contact ids are not the rows 1..{n}: {(low, high, count)}"
    truth = sample_truth(n)
    true_codes = _within(truth["row"].to_numpy(), truth["entity"].to_numpy())
    pairs = pd.read_parquet(pairs_file, columns=["contact_id_1", "contact_id_2", "cluster_id"])
    ids = np.concatenate([pairs["contact_id_1"].to_numpy(), pairs["contact_id_2"].to_numpy()])
    found = _within(ids, np.concatenate([pairs["cluster_id"].to_numpy()] * 2))
    hits = int(np.isin(found, true_codes).sum())
    part_1 = ((found >> 32) - 1) // CHUNK
    part_2 = ((found & 0xFFFFFFFF) - 1) // CHUNK
    across = int((part_1 != part_2).sum())
    return {"precision": hits / max(len(found), 1), "recall": hits / max(len(true_codes), 1),
            "cluster_pairs": len(found), "true_pairs": len(true_codes), "across_parts": across}


def _differences(n: int, files: dict[str, Path]) -> list[str]:
    """Each configuration's pairs and clusters against the first one's, differences listed."""
    import pandas as pd

    found = {label: pd.read_parquet(f) for label, f in files.items() if f.exists()}
    if len(found) < 2:
        return []
    labels = list(found)
    base = found[labels[0]]
    out = []
    for label in labels[1:]:
        other = found[label]
        both = base.merge(other, on=["contact_id_1", "contact_id_2"], how="outer", indicator="side",
                          suffixes=("_a", "_b"))
        only = both[both["side"] != "both"]
        same_clusters = (both["side"] == "both").all() and (
            both["cluster_id_a"] == both["cluster_id_b"]).all()
        text = (f"- {n:,} contacts, {label} against {labels[0]}: {len(base):,} and {len(other):,} pairs, "
                f"{len(only)} differ; clusters {'identical' if same_clusters else 'differ'}.")
        rows = only[["side", "contact_id_1", "contact_id_2", "score_a", "score_b",
                     "match_weight_a", "match_weight_b"]]
        for side, id_1, id_2, score_a, score_b, weight_a, weight_b in rows.itertuples(index=False, name=None):
            score = score_a if side == "left_only" else score_b
            weight = weight_a if side == "left_only" else weight_b
            where = labels[0] if side == "left_only" else label
            text += (f" Pair ({id_1}, {id_2}) only in {where}, score {score:.4f}, "
                     f"match weight {weight:.3f}.")
        out.append(text)
    return out


def _command(n: int, engine: str, memory_limit: str | None) -> str:
    extra = f" --memory-limit {memory_limit}" if memory_limit else ""
    master = " --spark-master 'local[2]'" if engine == "spark" else ""
    return f"`crmdata --db STORE_{n // 1000}k duplicates --engine {engine}{master}{extra} -o pairs.csv`"


def run(quick: bool = False, sizes: tuple[int, ...] | None = None, only: str = "") -> str:
    """The section; ``sizes`` and ``only`` (configurations whose label contains it) narrow a run
    made by hand (``python -m benchmarks.scale_bench --size 1000000 --only DuckDB``, printed)."""
    sizes = sizes or (SIZES[:1] if quick else SIZES)
    configs = [c for c in CONFIGS if only in c[0]]
    by_hand = bool(only)
    rows = []
    parity: list[str] = []
    for n in sizes:
        path = _store_file(n)
        files = {label: CACHE / f"scale-pairs-{n}-{i}.parquet" for i, (label, _e, _l) in enumerate(CONFIGS)}
        for f in files.values():
            f.unlink(missing_ok=True)
        for label, engine, limit in configs:
            if not by_hand and n > LARGEST.get(label, n):
                continue
            print(f"  {label} on {n:,} ...", flush=True)
            try:
                got = measure(path, engine, limit, files[label])
            except RuntimeError as exc:
                lines = [line for line in str(exc).splitlines() if line.strip()]
                print(str(exc), file=sys.stderr)  # the whole error, where the row has its last line
                rows.append(f"| {n:,} | {label} | failed: {lines[-1] if lines else exc!r} | | | | | | | |")
                continue
            jvm = got.get("jvm_peak_rss_mib")
            steps = ", ".join(f"{k[2:]} {v:.0f}" for k, v in got.items() if k.startswith("t_"))
            jvm_text = "" if jvm is None else f"{jvm:,.0f}"
            q = quality(n, files[label])
            print(f"  {q}", flush=True)
            rows.append(
                f"| {n:,} | {label} | {got['seconds']:.1f} | {got['peak_rss_mib']:,.0f} | {jvm_text} | "
                f"{int(got['candidates']):,} | {int(got['pairs']):,} | {q['precision']:.4f} | "
                f"{q['recall']:.4f} | {steps} |"
            )
        parity += _differences(n, files)
    lines = [
        HEADING,
        "",
        "Command: `python -m benchmarks.run scale" + (" --quick" if quick else "") + "` (one run, every "
        "row in a fresh process, side by side). Store: `crmdata.sample.generate(n, seed=1)` imported "
        "with `clone` (about 10% duplicates); the run is `store.find_duplicates(keep_model=False, "
        "engine=...)`, which is what the CLI command shown below each size runs. Seconds are the whole "
        "run (for Spark including the start of its JVM); peak RSS the Python process's high-water mark, "
        "and for Spark the JVM's (its driver and executors, local[2]) beside it; the Python workers of "
        "Spark's Jaro-Winkler UDF are not counted. Precision and recall: pairwise, every pair inside a "
        "reported cluster against the generator's truth (bases above 1M are made of 1M parts generated "
        "as parts of one base, `benchmarks.common.sample_parts`).",
        "",
        "| contacts | engine | seconds | peak RSS MiB (Python) | peak RSS MiB (JVM) | candidate pairs | "
        "reported pairs | precision | recall | seconds per step |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
        "Same pairs and clusters? Every configuration's reported pairs against the first row's of its "
        "size (a pair whose probability lies at the threshold within floating-point rounding may fall "
        "on either side: the weights are summed by different code, and EM's sums run in whichever "
        "order the engine returns the pattern counts):",
        "",
        *parity,
        "",
        "Commands per row (STORE_100k is the cached store file of the size): "
        + "; ".join(f"{label}: {_command(100_000, engine, limit)}" for label, engine, limit in CONFIGS) + ".",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    args = sys.argv[1:]
    chosen = tuple(int(args[i + 1]) for i, a in enumerate(args) if a == "--size")
    label = next((args[i + 1] for i, a in enumerate(args) if a == "--only"), "")
    print(run(quick="--quick" in args, sizes=chosen or None, only=label))
