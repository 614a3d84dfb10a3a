"""Merge latency: plan, apply and undo merges in a large store, beside an ordinary edit.

The store is the cached generated store of :mod:`benchmarks.edit_bench` (a
``crmdata.sample.generate`` export imported once), copied for the run. Each timed merge takes
contacts chosen at random (persons with persons, companies with companies), plans it through
``store.plan_merge`` and applies it through ``store.merge``, each in its own connection, as a
user action does. Baseline measured in the same run on the same file: committing a one-contact
edit (a new position and email, exact-key duplicate check) through ``store.change``.
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import time

from .common import CACHE, remove_store
from .edit_bench import _commit_times, _store_file

RUNS = 20


def _ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(n: int) -> list[tuple[str, float]]:
    from crmdata import Store
    from crmdata.edit import ExactKeyChecker
    from crmdata.merge.batch import Cluster, merge_clusters

    work = CACHE / f"bench-merge-{n}-work.duckdb"
    remove_store(work)
    shutil.copy(_store_file(n), work)
    store = Store(work)
    rng = random.Random(11)
    with store.db.read() as tx:
        persons = [int(r[0]) for r in tx.rows("SELECT id FROM contacts WHERE NOT is_company")]
        firms = [(int(r[0]), int(r[1])) for r in tx.rows(
            "SELECT company_id, count(*) FROM contacts WHERE company_id IS NOT NULL "
            "GROUP BY company_id ORDER BY 2 DESC LIMIT 2")]
    pool = rng.sample(persons, RUNS * 2 + 10 + 40 + RUNS)
    rows: list[tuple[str, float]] = []
    _p, commits, _f = _commit_times(store, pool[-RUNS:], "m", ExactKeyChecker())
    rows.append(("baseline: commit a one-contact edit (exact-key check)", _ms(commits)))
    plans, applies, undos = [], [], []
    for i in range(RUNS):
        t0 = time.perf_counter()
        plan = store.plan_merge(pool[2 * i: 2 * i + 2])
        t1 = time.perf_counter()
        result = store.merge(plan)
        t2 = time.perf_counter()
        plans.append(t1 - t0)
        applies.append(t2 - t1)
        if i % 2 == 0:
            t3 = time.perf_counter()
            store.undo(result.change_set_id)
            undos.append(time.perf_counter() - t3)
    rows.append(("plan a merge of 2 persons", _ms(plans)))
    rows.append(("**apply a merge of 2 persons** (check, write, re-point, journal)", _ms(applies)))
    rows.append(("undo a merge of 2 persons", _ms(undos)))
    big = pool[2 * RUNS: 2 * RUNS + 10]
    t0 = time.perf_counter()
    store.merge(store.plan_merge(big))
    rows.append(("plan + apply one cluster of 10 persons", (time.perf_counter() - t0) * 1000))
    clusters = [Cluster(i, tuple(pool[2 * RUNS + 10 + 2 * i: 2 * RUNS + 12 + 2 * i]), 1.0) for i in range(20)]
    t0 = time.perf_counter()
    report = merge_clusters(store.db, store.user, clusters)
    assert set(report["status"]) == {"merged"}, report
    rows.append(("batch (`merge --auto` path): 20 pair clusters, ms per cluster",
                 (time.perf_counter() - t0) * 1000 / 20))
    if len(firms) == 2:
        t0 = time.perf_counter()
        result = store.merge(store.plan_merge([firms[0][0], firms[1][0]]))
        rows.append((f"plan + apply 2 companies, {result.counts['persons moved']} persons moved",
                     (time.perf_counter() - t0) * 1000))
    store.close()
    remove_store(work)
    return rows


def run(quick: bool = False) -> str:
    n = 100_000 if quick else 1_000_000
    rows = measure(n)
    lines = [
        "## Merge latency (issue 5: merging duplicates)",
        "",
        f"Command: `python -m benchmarks.merge_bench{' --quick' if quick else ''}`. A store of {n:,} "
        f"generated contacts (the edit benchmark's cached store, copied); {RUNS} merges of two "
        "random persons, each planned and applied in its own connection, every other one undone. "
        "Medians in milliseconds (single runs where the row says so). Baseline in the same run: "
        "an ordinary one-contact edit commit on the same file.",
        "",
        "| what | ms |",
        "|---|---:|",
    ]
    lines += [f"| {what} | {ms:,.1f} |" for what, ms in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
