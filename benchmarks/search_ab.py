"""Search latency of two revisions side by side: ``python -m benchmarks.search_ab OLD NEW [REPS]``.

Each revision (a git revision, exported with ``git archive``) gets a worker process and its own
copy of the cached store of :mod:`benchmarks.edit_bench` (``--size=N``, 1M by default), opened as
the dashboards open it (``linger``: the file kept between calls; ``--per-call``: taken and let
go per call, as the CLI does). Each worker first builds its full-text index beside its copy.
Then every query of :data:`benchmarks.fulltext_bench.QUERIES` is asked ``REPS`` times, the two
revisions taking turns in alternating order, so that both see the same phases of the machine;
both must give the same total and the same page; ``--also=QUERY`` (repeatable) asks one more
query after them. Running one revision against itself shows the noise left.

Not part of ``make bench`` (it compares revisions, it does not describe one).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

DEFAULT_REPS = 15
#: Seconds the dashboards keep the file between actions (``crmdata.ui.LINGER``).
LINGER = 5.0


def _worker(store: str, linger: float) -> None:
    """Run one search per line read (``query<TAB>options as JSON``); print ms, total and page."""
    from crmdata import Store

    s = Store(store, linger=linger)
    s.search("warm up", time_budget=None)  # the full-text index is built here, not timed
    print(Path(sys.modules["crmdata"].__file__ or "").parent, flush=True)  # which code runs
    for line in sys.stdin:
        query, options = line.rstrip("\n").split("\t")
        t = time.perf_counter()
        frame = s.search(query, time_budget=None, **json.loads(options))
        ms = (time.perf_counter() - t) * 1000
        print(f"{ms:.3f} {frame.attrs['total']}", *[int(i) for i in frame["id"]], flush=True)


def compare(old: str, new: str, source: Path, scratch: Path, reps: int = DEFAULT_REPS,
            linger: float = LINGER, also: Sequence[str] = ()) -> str:
    """Markdown lines: per query (:data:`~benchmarks.fulltext_bench.QUERIES`, then ``also``),
    each revision's p50 and p95 ms and the ratio of the p50s, from workers on their own copies
    (in ``scratch``) of the store ``source``."""
    from .fulltext_bench import QUERIES, pct
    from .revisions import ask, workers  # not at the top: a worker runs this file on another tree

    lines = [f"| kind | query | matches | {old} p50 | p95 | {new} p50 | p95 | new / old (p50) |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    with workers(old, new, source, scratch, __file__, [str(linger)]) as procs:
        for kind, query, options in [*QUERIES, *(("also", q, {}) for q in also)]:
            line = f"{query}\t{json.dumps(options)}"
            for name in ("old", "new"):
                ask(procs[name], line)  # one warm-up each
            times: dict[str, list[float]] = {"old": [], "new": []}
            answers: dict[str, list[str]] = {}
            for i in range(reps):
                for name in ("old", "new") if i % 2 == 0 else ("new", "old"):
                    ms, *answer = ask(procs[name], line)
                    times[name].append(float(ms))
                    answers[name] = answer
            if answers["old"] != answers["new"]:
                raise AssertionError(f"the revisions answer {query!r} {options} differently: "
                                     f"{answers['old'][:6]} against {answers['new'][:6]}")
            shown = " ".join(f"{k}={v}" for k, v in options.items())
            o50, n50 = statistics.median(times["old"]), statistics.median(times["new"])
            lines.append(f"| {kind} | `{query}` {shown} | {int(answers['new'][0]):,} | {o50:.1f} | "
                         f"{pct(times['old'], 0.95):.1f} | {n50:.1f} | {pct(times['new'], 0.95):.1f} | "
                         f"{n50 / o50:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2], float(sys.argv[3]))
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) < 2:
        raise SystemExit("usage: python -m benchmarks.search_ab OLD_REV NEW_REV [REPS] [--size=N] "
                         "[--per-call] [--also=QUERY ...]")
    reps = int(args[2]) if len(args) > 2 else DEFAULT_REPS
    size = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--size=")), 1_000_000)
    linger = 0.0 if "--per-call" in sys.argv else LINGER
    print(f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {size:,} contacts, "
          + ("the file taken per call" if not linger else f"linger={linger:g}"))
    from .common import CACHE
    from .edit_bench import _store_file

    also = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--also=")]
    print(compare(args[0], args[1], _store_file(size), CACHE, reps, linger, also), end="")


if __name__ == "__main__":
    main()
