"""Import cost of two revisions side by side:
``python -m benchmarks.import_ab OLD NEW [N] [ROUNDS] [--into M]``.

Each revision (a git revision, exported with ``git archive``: :func:`benchmarks.revisions.export`)
imports the same generated ONLYOFFICE export of ``N`` contacts (default 100,000) into a new store
file (``--into M``: into a copy of a store already holding ``M`` other contacts, its full-text
index up to date, made once by the running checkout), in a fresh process; the two take turns
for ``ROUNDS`` rounds (default 2), in alternating order, so both see the same phases of a
machine whose speed drifts. Reported per revision: the median seconds, peak RSS, the store
file's size and its journal rows (an import journalled with row images keeps one per row it
wrote).

Not part of ``make bench`` (it compares revisions, it does not describe one).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import sample_csv
from .revisions import export, in_turns, run_fresh


def _base_store(folder: Path, m: int) -> Path:
    """A store holding ``m`` generated contacts (the first of two parts of one base; the
    imported file is the second), its full-text index built."""
    from crmdata import Store
    from crmdata.sample import CUSTOM_FIELDS

    path = folder / "base.duckdb"
    store = Store(path)
    store.import_onlyoffice(sample_csv(m, 2, 0, 2), custom_field_types=CUSTOM_FIELDS, duplicates="skip")
    store.checkpoint()
    store.close()
    return path


def _copy_store(base: Path, to: Path) -> None:
    shutil.copyfile(base, to)
    shutil.copytree(f"{base}.search", f"{to}.search")

_IMPORT = """
import json, os, sys, time
import crmdata
from crmdata import Store
from crmdata.sample import CUSTOM_FIELDS
db, path = sys.argv[1], sys.argv[2]
t = time.perf_counter()
store = Store(db)
store.import_onlyoffice(path, custom_field_types=CUSTOM_FIELDS, duplicates='skip')
seconds = time.perf_counter() - t
with store.db.read() as tx:
    rows = tx.scalar("SELECT count(*) FROM journal_rows")
store.checkpoint()
store.close()
hwm = [line for line in open('/proc/self/status') if line.startswith('VmHWM:')]
print(json.dumps({'tree': crmdata.__file__, 'seconds': seconds, 'journal_rows': rows,
                  'rss_mib': int(hwm[0].split()[1]) / 1024, 'file_mib': os.path.getsize(db) / 2**20}))
"""


def compare(old: str, new: str, n: int = 100_000, rounds: int = 2, into: int = 0) -> str:
    """Markdown table rows, one per revision."""
    path = sample_csv(n, 3, 1, 2) if into else sample_csv(n)
    with tempfile.TemporaryDirectory(prefix="import-ab-") as tmp:
        scratch = Path(tmp)
        base = _base_store(scratch, into) if into else None
        trees = {rev: export(rev, scratch / f"tree{i}") for i, rev in enumerate((old, new))}
        runs: dict[str, list[dict[str, Any]]] = {rev: [] for rev in trees}
        for _round, rev in in_turns(list(trees), rounds):
            db = scratch / f"{len(runs[rev])}-{rev.replace('/', '_')}.duckdb"
            if base is not None:
                _copy_store(base, db)
            runs[rev].append(run_fresh(rev, trees[rev], _IMPORT, [str(db), str(path)], scratch))
            db.unlink()
            shutil.rmtree(f"{db}.search", ignore_errors=True)
    lines = ["| revision | import s (median) | runs s | peak RSS MiB | file MiB | journal rows |",
             "|---|---:|---|---:|---:|---:|"]
    for rev, rs in runs.items():
        each = ", ".join(f"{r['seconds']:.1f}" for r in rs)
        lines.append(
            f"| {rev} | {statistics.median(r['seconds'] for r in rs):.1f} | "
            f"{each} | {max(r['rss_mib'] for r in rs):,.0f} | "
            f"{rs[-1]['file_mib']:,.0f} | {int(rs[-1]['journal_rows']):,} |")
    return "\n".join(lines)


def main() -> None:
    args = sys.argv[1:]
    into = 0
    if "--into" in args:
        at = args.index("--into")
        into = int(args[at + 1])
        del args[at:at + 2]
    if len(args) < 2:
        raise SystemExit("usage: python -m benchmarks.import_ab OLD_REV NEW_REV [N] [ROUNDS] [--into M]")
    n = int(args[2]) if len(args) > 2 else 100_000
    rounds = int(args[3]) if len(args) > 3 else 2
    print(compare(args[0], args[1], n, rounds, into))


if __name__ == "__main__":
    main()
