"""The side-by-side duplicate run benchmark: each revision runs on a copy of the same store,
and two revisions that reported different pairs are refused, not compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.dedupe_ab import compare, table
from crmdata import Store


def _run(seconds: float, keys: float = 1.0, digest: str = "d", rss: float = 300.0) -> dict[str, object]:
    return {"seconds": seconds, "timings": {"keys": keys, "blocking": 2.0}, "pairs": 1234, "digest": digest,
            "rss_mib": rss}


def test_the_table_gives_each_revisions_medians_runs_and_peak() -> None:
    lines = table({"old": [_run(8.0, 1.0), _run(9.0, 3.0), _run(30.0, 2.0, rss=500.0)],
                   "new": [_run(5.0), _run(4.0), _run(6.0)]})
    assert lines.splitlines() == [
        "| revision | run s (median) | runs s | keys s | blocking s | peak RSS MiB | pairs |",
        "|---|---:|---|---:|---:|---:|---:|",
        "| old | 9.00 | 8.00, 9.00, 30.00 | 2.00 | 2.00 | 500 | 1,234 |",
        "| new | 5.00 | 5.00, 4.00, 6.00 | 1.00 | 2.00 | 300 | 1,234 |",
    ]


def test_revisions_that_reported_different_pairs_are_refused() -> None:
    with pytest.raises(RuntimeError, match="different pairs"):
        table({"old": [_run(8.0)], "new": [_run(5.0, digest="e")]})


@pytest.mark.slow
def test_two_revisions_run_on_copies_of_a_store_left_as_it_was(tmp_path: Path) -> None:
    source = tmp_path / "source.duckdb"
    with Store(source) as store:
        cs = store.change()
        for first, last in (("Lore", "Hamann"), ("Lore", "Hamman"), ("Anna", "Müller")):
            cs.create_person(first, last)
        cs.commit(on_duplicate="save")
        store.checkpoint()
    before = source.read_bytes()
    _head, _rule, *rows = compare("HEAD", "HEAD", rounds=1, source=source).splitlines()
    assert [r.split("|")[1] for r in rows] == [" HEAD "]  # one revision, named twice
    assert source.read_bytes() == before
