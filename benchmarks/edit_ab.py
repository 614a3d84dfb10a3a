"""Commit latency of two revisions side by side: ``python -m benchmarks.edit_ab OLD NEW [COMMITS]``.

The machines these benchmarks run on drift in speed by a third or more within minutes, so two
revisions timed one after the other can differ by more than any change between them. Here each
revision (a git revision, exported with ``git archive``) gets a worker process and its own copy of
the cached 1M-contact store of :mod:`benchmarks.edit_bench` (``--size=N``: another size); the two
take turns, one commit each, in alternating order, so both see the same phases of the machine.
Each commit edits one random contact (a new position and a new email) as the edit benchmark does,
with the exact-key duplicate check, or with ``--checker=default`` the store's default checker
(``FuzzyChecker``). ``--linger=S`` opens the store as the dashboards do (``Store(path,
linger=S)``: the file kept between actions, so a commit's read and write take it once).
Running one revision against itself shows the noise left. Each revision migrates its copy of
the store, so the older one must know the cached store's schema.

Not part of ``make bench`` (it compares revisions, it does not describe one).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

DEFAULT_COMMITS = 150


def _worker(store: str, seed: int, checker: str = "exact", linger: float = 0.0) -> None:
    """Commit one edit per line read from standard input; print wall ms and whether it folded."""
    import random

    from crmdata import Store
    from crmdata.edit.dupcheck import ExactKeyChecker
    from crmdata.store_files import wal_size

    s = Store(store, linger=linger) if linger else Store(store)
    s.checkpoint()
    with s.db.read() as tx:
        last = int(tx.scalar("SELECT max(id) FROM contacts"))
    rng = random.Random(seed)
    print(Path(sys.modules["crmdata"].__file__ or "").parent, flush=True)  # which code runs
    for i, _line in enumerate(sys.stdin):
        cid = rng.randrange(1, last + 1)
        cs = s.change(region="DE", **({"checker": ExactKeyChecker()} if checker == "exact" else {}))
        cs.update(cid, title=f"AB {i}")
        cs.add_info(cid, "email", f"ab.{i}.{cid}.{os.getpid()}@example.org")
        wal = wal_size(store)
        t = time.perf_counter()
        cs.commit(on_duplicate="save")
        ms = (time.perf_counter() - t) * 1000
        print(f"{ms:.3f} {int(wal_size(store) < wal)}", flush=True)


def compare(old: str, new: str, source: Path, scratch: Path, commits: int = DEFAULT_COMMITS,
            seed: int = 1, checker: str = "exact", linger: float = 0.0) -> str:
    """Markdown lines: median, median without folds, and mean of each revision's commits on
    its own copy (in ``scratch``) of the store ``source``."""
    from .revisions import ask, workers  # not at the top: a worker runs this file on another tree

    times: dict[str, list[tuple[float, bool]]] = {"old": [], "new": []}
    with workers(old, new, source, scratch, __file__, [str(seed), checker, str(linger)]) as procs:
        for i in range(commits):
            for name in ("old", "new") if i % 2 == 0 else ("new", "old"):
                ms, folded = ask(procs[name], "go")
                times[name].append((float(ms), folded == "1"))
    lines = ["| revision | commits | median ms | median without a fold ms | mean ms |",
             "|---|---:|---:|---:|---:|"]
    for name, rev in (("old", old), ("new", new)):
        all_ms = [ms for ms, _f in times[name]]
        plain = [ms for ms, folded in times[name] if not folded]
        lines.append(f"| {rev} | {len(all_ms)} | {statistics.median(all_ms):.1f} | "
                     f"{statistics.median(plain):.1f} | {statistics.fmean(all_ms):.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) < 2:
        raise SystemExit("usage: python -m benchmarks.edit_ab OLD_REV NEW_REV [COMMITS] [--seed=N] "
                         "[--checker=exact|default] [--size=N] [--linger=SECONDS]")
    seed = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--seed=")), 1)
    checker = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--checker=")), "exact")
    if checker not in ("exact", "default"):
        raise SystemExit(f"--checker is exact or default, not {checker!r}")
    commits = int(args[2]) if len(args) > 2 else DEFAULT_COMMITS
    size = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--size=")), 1_000_000)
    linger = next((float(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--linger=")), 0.0)
    print(f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, seed {seed}, {checker} checker, "
          f"{size:,} contacts" + (f", linger={linger:g}" if linger else ""))
    from .common import CACHE
    from .edit_bench import _store_file

    print(compare(args[0], args[1], _store_file(size), CACHE, commits, seed, checker, linger), end="")


if __name__ == "__main__":
    main()
