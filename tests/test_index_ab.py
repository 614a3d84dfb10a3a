"""The side-by-side index build benchmark: each revision builds from the same store, and two
revisions that built different indexes are refused, not compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.index_ab import compare, table
from crmdata import Store


def _run(seconds: float, docs: int = 3, hamann: int = 1) -> dict[str, object]:
    return {"seconds": seconds, "docs": docs, "mib": 1.5, "hits": {"hamann": hamann, '"lore hamann"': 1}}


def test_the_table_gives_each_revisions_median_and_the_common_hits() -> None:
    lines = table({"old": [_run(8.0), _run(9.0), _run(30.0)], "new": [_run(5.0), _run(4.0), _run(6.0)]})
    assert lines.splitlines() == [
        "| revision | build s (median) | runs s | documents | folder MiB |",
        "|---|---:|---|---:|---:|",
        "| old | 9.0 | 8.0, 9.0, 30.0 | 3 | 2 |",
        "| new | 5.0 | 5.0, 4.0, 6.0 | 3 | 2 |",
        "",
        'Hits, the same for both: `hamann` 1, `"lore hamann"` 1',
    ]


@pytest.mark.parametrize("new", [_run(5.0, docs=4), _run(5.0, hamann=2)])
def test_revisions_that_built_different_indexes_are_refused(new: dict[str, object]) -> None:
    with pytest.raises(RuntimeError, match="different indexes"):
        table({"old": [_run(8.0)], "new": [new]})


@pytest.mark.slow
def test_two_revisions_build_from_a_store_they_leave_as_it_was(tmp_path: Path) -> None:
    source = tmp_path / "source.duckdb"
    with Store(source) as store:
        cs = store.change()
        for first, last in (("Lore", "Hamann"), ("Anna", "Müller"), ("Sven", "Hamann")):
            cs.create_person(first, last)
        cs.commit(on_duplicate="save")
        store.checkpoint()
    before = source.read_bytes()
    head, rule, *rows, _blank, hits = compare("HEAD", "HEAD", source, rounds=1).splitlines()
    assert [r.split("|")[1] for r in rows] == [" HEAD "] and len(rows) == 1  # one revision, named twice
    assert [r.split("|")[4] for r in rows] == [" 3 "]
    assert "`hamann` 2" in hits and "`muller` 1" in hits and "`mueller` 1" in hits
    assert source.read_bytes() == before
    assert not (tmp_path / "source.duckdb.search").exists()
