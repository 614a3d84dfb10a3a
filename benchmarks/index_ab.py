"""Building the full-text index, two revisions side by side:
``python -m benchmarks.index_ab OLD NEW [ROUNDS] [--size=N]``.

Each revision (a git revision, exported with ``git archive``: :func:`benchmarks.revisions.export`)
builds the full-text index of the cached store of :mod:`benchmarks.edit_bench` (``--size=N``,
1M contacts by default) from scratch, in a fresh process, into a folder of its own (the store is
only read); the two take turns for ``ROUNDS`` rounds (default 2), in alternating order. Reported
per revision: the median seconds, the documents, the folder's size, and the hits of a few words
and a phrase, which must be the same for both (the same index, built another way).

Not part of ``make bench`` (it compares revisions, it does not describe one).
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from .revisions import export, in_turns, run_fresh

#: Folded words and a phrase, asked of each built index in tantivy's own query syntax.
QUERIES = ("hamann", "muller", "mueller", '"lore hamann"', "gmail", "berlin", "gmbh")

_BUILD = """
import json, sys, time
from pathlib import Path
import crmdata, tantivy
from crmdata import Store
from crmdata.search import fulltext
from crmdata.search.documents import FIELDS
db, folder, queries = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
store = Store(db)
with store.db.read() as tx:
    t = time.perf_counter()
    docs = fulltext.FullTextIndex(folder).rebuild(tx, fresh=True)
    seconds = time.perf_counter() - t
store.close()
index = tantivy.Index.open(str(folder))
hits = {q: index.searcher().search(index.parse_query(q, list(FIELDS)), 1).count for q in queries}
size = sum(p.stat().st_size for p in folder.rglob('*') if p.is_file())
print(json.dumps({'tree': crmdata.__file__, 'seconds': seconds, 'docs': docs, 'mib': size / 2**20,
                  'hits': hits}))
"""


def table(runs: dict[str, list[dict[str, Any]]]) -> str:
    """Markdown lines, one per revision, from each revision's runs (pure); the revisions must
    have built the same documents, with the same hits."""
    seen = {json.dumps([r["docs"], r["hits"]], sort_keys=True) for rs in runs.values() for r in rs}
    if len(seen) != 1:
        raise RuntimeError(f"the revisions built different indexes: {sorted(seen)}")
    lines = ["| revision | build s (median) | runs s | documents | folder MiB |", "|---|---:|---|---:|---:|"]
    for rev, rs in runs.items():
        each = ", ".join(f"{r['seconds']:.1f}" for r in rs)
        lines.append(f"| {rev} | {statistics.median(r['seconds'] for r in rs):.1f} | {each} | "
                     f"{int(rs[-1]['docs']):,} | {rs[-1]['mib']:,.0f} |")
    hits = next(iter(runs.values()))[-1]["hits"]
    lines.append("")
    lines.append("Hits, the same for both: " + ", ".join(f"`{q}` {n:,}" for q, n in hits.items()))
    return "\n".join(lines)


def compare(old: str, new: str, store: Path, rounds: int = 2) -> str:
    """:func:`table` of ``rounds`` builds per revision of the index of ``store``."""
    with tempfile.TemporaryDirectory(prefix="index-ab-") as tmp:
        scratch = Path(tmp)
        trees = {rev: export(rev, scratch / f"tree{i}") for i, rev in enumerate((old, new))}
        runs: dict[str, list[dict[str, Any]]] = {rev: [] for rev in trees}
        for r, rev in in_turns(list(trees), rounds):
            folder = scratch / f"index-{r}-{list(trees).index(rev)}"
            args = [str(store), str(folder), json.dumps(QUERIES)]
            runs[rev].append(run_fresh(rev, trees[rev], _BUILD, args, scratch))
            shutil.rmtree(folder)
    return table(runs)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) < 2:
        raise SystemExit("usage: python -m benchmarks.index_ab OLD_REV NEW_REV [ROUNDS] [--size=N]")
    size = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--size=")), 1_000_000)
    from .edit_bench import _store_file

    rounds = int(args[2]) if len(args) > 2 else 2
    print(compare(args[0], args[1], _store_file(size), rounds))


if __name__ == "__main__":
    main()
