"""A duplicate run of two revisions side by side:
``python -m benchmarks.dedupe_ab OLD NEW [ROUNDS] [--size=N] [--set=NAME] [--threshold=P]
[--engine=spark]``.

Each revision (a git revision, exported with ``git archive``: :func:`benchmarks.revisions.export`)
runs ``Store.find_duplicates(keep_model=False)`` on its own copy of the scale benchmark's store
of ``N`` generated contacts (default 100,000; :func:`benchmarks.scale_bench._store_file`), in a
fresh process (``--set=NAME``: the store of a labelled set of the duplicate benchmark,
:func:`benchmarks.linkage_data.store`, instead; ``--threshold=P``: the run at that probability;
``--engine=spark``: on Spark, ``local[2]``, the JVM started in the measured process);
the two take turns for ``ROUNDS`` rounds (default 3), in alternating order, so
both see the same phases of a machine whose speed drifts. Reported per revision: the median
seconds of the run and of each of its steps (``DuplicateReport.timings``), and the peak RSS.
Both revisions must report the same pairs with the same scores, clusters and reasons (a digest
of the report is compared), so a change measured here is one of speed alone.

Not part of ``make bench`` (it compares revisions, it does not describe one).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from .revisions import export, in_turns, run_fresh

_RUN = """
import hashlib, json, sys, time
import crmdata
from crmdata import Store
store = Store(sys.argv[1])
options = {} if sys.argv[2] == "default" else {"threshold": float(sys.argv[2])}
if sys.argv[3] == "spark":
    options.update(engine="spark", spark_master="local[2]")
t = time.perf_counter()
report = store.find_duplicates(keep_model=False, **options)
seconds = time.perf_counter() - t
pairs = report.pairs.sort_values(['contact_id_1', 'contact_id_2'])
columns = ['contact_id_1', 'contact_id_2', 'cluster_id', 'score', 'reasons', 'waterfall']
text = pairs[columns].to_csv(index=False)
hwm = [line for line in open('/proc/self/status') if line.startswith('VmHWM:')]
print(json.dumps({'tree': crmdata.__file__, 'seconds': seconds, 'timings': report.timings,
                  'pairs': len(pairs), 'digest': hashlib.sha256(text.encode()).hexdigest(),
                  'rss_mib': int(hwm[0].split()[1]) / 1024}))
"""


def compare(old: str, new: str, rounds: int = 3, size: int = 100_000, source: Path | None = None,
            threshold: str = "default", engine: str = "duckdb") -> str:
    """Markdown table rows, one per revision (:func:`table`), of runs on copies of ``source``
    (default: the scale benchmark's store of ``size`` contacts), which is left as it was."""
    from .common import remove_store
    from .scale_bench import _store_file

    source = source or _store_file(size)
    with tempfile.TemporaryDirectory(prefix="dedupe-ab-") as tmp:
        scratch = Path(tmp)
        trees = {rev: export(rev, scratch / f"tree{i}") for i, rev in enumerate((old, new))}
        runs: dict[str, list[dict[str, Any]]] = {rev: [] for rev in trees}
        for _round, rev in in_turns(list(trees), rounds):
            db = scratch / f"{len(runs[rev])}-{rev.replace('/', '_')}.duckdb"
            shutil.copyfile(source, db)
            runs[rev].append(run_fresh(rev, trees[rev], _RUN, [str(db), threshold, engine], scratch))
            remove_store(db)
    return table(runs)


def table(runs: dict[str, list[dict[str, Any]]]) -> str:
    """Markdown table rows, one per revision: the median of its runs and of each step, the
    runs, the peak RSS and the pairs (pure); revisions that reported different pairs are
    refused."""
    digests = {r["digest"] for rs in runs.values() for r in rs}
    if len(digests) != 1:
        raise RuntimeError(f"the revisions reported different pairs ({len(digests)} different reports)")
    steps = list(next(iter(runs.values()))[0]["timings"])
    lines = [f"| revision | run s (median) | runs s | {' | '.join(f'{s} s' for s in steps)} | "
             "peak RSS MiB | pairs |",
             "|---|---:|---|" + "---:|" * len(steps) + "---:|---:|"]
    for rev, rs in runs.items():
        each = ", ".join(f"{r['seconds']:.2f}" for r in rs)
        per_step = " | ".join(f"{statistics.median(r['timings'][s] for r in rs):.2f}" for s in steps)
        lines.append(f"| {rev} | {statistics.median(r['seconds'] for r in rs):.2f} | {each} | {per_step} | "
                     f"{max(r['rss_mib'] for r in rs):,.0f} | {rs[0]['pairs']:,} |")
    return "\n".join(lines)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    options = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
    if len(args) < 2 or set(options) - {"size", "set", "threshold", "engine"}:
        raise SystemExit("usage: python -m benchmarks.dedupe_ab OLD_REV NEW_REV [ROUNDS] [--size=N] "
                         "[--set=NAME] [--threshold=P] [--engine=spark]")
    rounds = int(args[2]) if len(args) > 2 else 3
    source = None
    if "set" in options:
        from .linkage_data import store

        source = store(options["set"], "api")[0]
    threshold = str(float(options["threshold"])) if "threshold" in options else "default"
    print(compare(args[0], args[1], rounds, int(options.get("size", 100_000)), source, threshold,
                  options.get("engine", "duckdb")))


if __name__ == "__main__":
    main()
