"""The write-back check of two revisions side by side: ``python -m benchmarks.check_ab OLD NEW [EDITS]``.

What the check on every save finds, and how long it takes, on generated duplicates: each edit
changes the title of a contact that has true duplicates in the generator's truth (as many
companies as persons, ``EDITS`` of each, chosen with a fixed seed), and asks the default
checker (``FuzzyChecker``, through ``ChangeSet.preview``, so nothing is written); it counts as
found when the check names one of the contact's true duplicates. Each revision (a git revision,
exported with ``git archive``) gets a worker process and its own copy of the cached store of
:mod:`benchmarks.edit_bench` (``--size=N``, 1M by default), and the two take turns, one edit
each, in alternating order, so both see the same phases of the machine. With
``--batches=50,300`` it times instead one preview of a change set editing that many persons at
once (a batch cleanup), the same persons for both revisions, in turns.

Not part of ``make bench`` (it compares revisions, it does not describe one).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

DEFAULT_EDITS = 100


def _worker(store: str) -> None:
    """Preview one change set per line read from standard input (contact ids separated by
    commas, each given a new title); print ms and the ids named."""
    from crmdata import Store

    s = Store(store, keep_open=True)
    print(Path(sys.modules["crmdata"].__file__ or "").parent, flush=True)  # which code runs
    for line in sys.stdin:
        cs = s.change(region="DE")
        for cid in line.split(","):
            cs.update(int(cid), title="check_ab")
        t = time.perf_counter()
        named = sorted({c.existing_id for c in cs.preview().duplicates})
        print(f"{(time.perf_counter() - t) * 1000:.3f}", *named, flush=True)


def _picked(source: Path, truth: pd.DataFrame, edits: int, seed: int
            ) -> tuple[list[tuple[str, int]], dict[int, set[int]]]:
    """``(kind, contact id)`` of the edits, and each edited contact's true duplicates (``truth``:
    the contact id as ``row``, its true identity as ``entity``)."""
    from crmdata import Store

    rows = truth.groupby("entity")["row"].apply(list)
    dup = {int(r): {int(o) for o in g} - {int(r)} for g in rows if len(g) > 1 for r in g}
    store = Store(source)
    with store.db.read() as tx:
        company = {int(i): bool(c) for i, c in tx.rows("SELECT id, is_company FROM contacts")}
    store.close()
    rng = random.Random(seed)
    picked: list[tuple[str, int]] = []
    for kind, is_company in (("companies", True), ("persons", False)):
        pool = sorted(r for r in dup if company.get(r) == is_company)
        picked += [(kind, r) for r in rng.sample(pool, min(edits, len(pool)))]
    rng.shuffle(picked)
    return picked, {r: dup[r] for _k, r in picked}


def compare(old: str, new: str, source: Path, truth: pd.DataFrame, scratch: Path,
            edits: int = DEFAULT_EDITS, seed: int = 5) -> str:
    """Markdown lines: per revision and kind, the edits whose check named a true duplicate, and
    the check's median and largest time, each revision on its own copy (in ``scratch``) of the
    store ``source``."""
    from .revisions import ask, workers

    picked, dup = _picked(source, truth, edits, seed)
    found: dict[tuple[str, str], list[tuple[float, bool]]] = {}
    with workers(old, new, source, scratch, __file__) as procs:
        for i, (kind, cid) in enumerate(picked):
            for name in ("old", "new") if i % 2 == 0 else ("new", "old"):
                ms, *named = ask(procs[name], str(cid))
                hit = bool({int(n) for n in named} & dup[cid])
                found.setdefault((name, kind), []).append((float(ms), hit))
    lines = ["| revision | edited | found a true duplicate | check median ms | check max ms |",
             "|---|---|---:|---:|---:|"]
    for name, rev in (("old", old), ("new", new)):
        for kind in ("companies", "persons"):
            got = found.get((name, kind), [])
            if not got:
                continue
            hits = sum(h for _ms, h in got)
            times = [m for m, _h in got]
            lines.append(f"| {rev} | {len(got)} {kind} | {hits} ({hits / len(got):.2f}) | "
                         f"{statistics.median(times):.1f} | {max(times):.1f} |")
    return "\n".join(lines) + "\n"


def compare_batches(old: str, new: str, source: Path, scratch: Path, sizes: list[int],
                    rounds: int = 3, seed: int = 5) -> str:
    """Markdown lines: per revision and size, the median seconds of one preview of a change set
    editing that many persons (the same persons for both, drawn with ``seed``; ``rounds`` turns
    each, alternating) and how many contacts it named."""
    from crmdata import Store

    from .revisions import ask, workers

    store = Store(source)
    with store.db.read() as tx:
        persons = [int(r[0]) for r in tx.rows("SELECT id FROM contacts WHERE NOT is_company ORDER BY id")]
    store.close()
    chosen = random.Random(seed).sample(persons, max(sizes))
    took: dict[tuple[str, int], list[float]] = {}
    named: dict[tuple[str, int], int] = {}
    with workers(old, new, source, scratch, __file__) as procs:
        for i in range(rounds):
            for size in sizes:
                for name in ("old", "new") if i % 2 == 0 else ("new", "old"):
                    ms, *ids = ask(procs[name], ",".join(str(c) for c in chosen[:size]))
                    took.setdefault((name, size), []).append(float(ms) / 1000)
                    named[(name, size)] = len(ids)
    lines = ["| revision | persons in the change set | preview median s | contacts named |",
             "|---|---:|---:|---:|"]
    for name, rev in (("old", old), ("new", new)):
        lines += [f"| {rev} | {size} | {statistics.median(took[(name, size)]):.2f} | {named[(name, size)]} |"
                  for size in sizes]
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2])
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) < 2:
        raise SystemExit("usage: python -m benchmarks.check_ab OLD_REV NEW_REV [EDITS] [--size=N] "
                         "[--batches=N,N,...]")
    edits = int(args[2]) if len(args) > 2 else DEFAULT_EDITS
    size = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--size=")), 1_000_000)
    batches = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--batches=")), "")
    from .common import CACHE, sample_truth
    from .edit_bench import _store_file

    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    if batches:
        print(f"{when} UTC, {size:,} contacts, change sets of {batches} persons")
        print(compare_batches(args[0], args[1], _store_file(size), CACHE,
                              [int(b) for b in batches.split(",")]), end="")
        return
    print(f"{when} UTC, {size:,} contacts, {edits} edits of each kind")
    print(compare(args[0], args[1], _store_file(size), sample_truth(size), CACHE, edits), end="")


if __name__ == "__main__":
    main()
