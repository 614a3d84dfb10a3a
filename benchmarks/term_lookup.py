"""How tantivy finds documents holding any of a few integer values, two ways, side by side:
``python -m benchmarks.term_lookup [--size=N] [ROUNDS]``.

The search looks documents up by a set of values: the page's contact ids (to read what their
documents keep), the persons of the matching companies (by ``employer``), a filter's tags.
:func:`crmdata.search.fulltext_query.one_of` looks up to ``FEW_TERMS`` values one by one (a
boolean query of term queries) and more as one term set query. This measures both forms on
the full-text index of a copy of the edit benchmark's store of ``N`` generated contacts (1M by
default, :func:`benchmarks.edit_bench._store_file`; copied and indexed once, then reused): for each count
of values, random company ids (spread as a search's companies are), the median milliseconds
of counting the persons they employ, each form ``ROUNDS`` times after a warm-up (default 15). Both
forms must count the same documents.

Not part of ``make bench`` (it chooses a constant; it does not describe the product).
"""

from __future__ import annotations

import shutil
import sys
import time
from functools import partial

COUNTS = (2, 25, 100, 256, 512, 800, 1600)


def measure(size: int, rounds: int) -> str:
    """Markdown lines: per count of values, each form's median ms and the ratio."""
    import tantivy

    from crmdata import Store
    from crmdata.search import fulltext
    from crmdata.search.documents import SCHEMA
    from crmdata.search.fulltext_query import count

    from .common import CACHE
    from .edit_bench import _store_file
    from .fulltext_bench import _time

    copy = CACHE / f"term-lookup-{size}.duckdb"  # a copy of its own, kept with its index
    if not copy.exists():
        shutil.copyfile(_store_file(size), copy.with_suffix(".part"))
        copy.with_suffix(".part").replace(copy)
    store = Store(str(copy))
    store.search("warm up", time_budget=None)  # builds the full-text index when missing
    lines = ["| values | term set ms | one by one ms | one by one / term set | persons |",
             "|---:|---:|---:|---:|---:|"]
    with store.db.read() as tx:
        view = fulltext.index_for(store.db.path).searcher(tx)
        ids = [int(r[0]) for r in tx.rows(
            "SELECT id FROM (SELECT id FROM contacts WHERE is_company) "
            f"USING SAMPLE {max(COUNTS)} ROWS (reservoir, 7)")]
        for n in COUNTS:
            wanted = sorted(ids[:n])
            as_set = tantivy.Query.term_set_query(SCHEMA, "employer", wanted)
            each = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, tantivy.Query.term_query(SCHEMA, "employer", v)) for v in wanted])
            set_ms, _p95, by_set = _time(partial(count, view, as_set), rounds)
            each_ms, _p95, by_each = _time(partial(count, view, each), rounds)
            if by_set != by_each:
                raise SystemExit(f"the two forms counted {by_set} and {by_each} persons of {n} companies")
            lines.append(f"| {len(wanted):,} | {set_ms:.2f} | {each_ms:.2f} | {each_ms / set_ms:.2f} | "
                         f"{by_set:,} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    size = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--size=")), 1_000_000)
    rounds = int(args[0]) if args else 15
    print(f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {size:,} contacts, {rounds} rounds")
    print(measure(size, rounds), end="")


if __name__ == "__main__":
    main()
