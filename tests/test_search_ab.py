"""The side-by-side search benchmark runs each revision's own code on its own copy of a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.search_ab import compare
from crmdata import Store


@pytest.mark.slow
def test_two_revisions_answer_the_same_searches_on_copies_of_a_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "source.duckdb"
    with Store(source) as store:
        cs = store.change()
        for first, last in (("Lore", "Hamann"), ("Anna", "Müller"), ("Sven", "Schmidt"), ("Ole", "Smith")):
            cs.create_person(first, last)
        cs.commit(on_duplicate="save")
        store.checkpoint()
    monkeypatch.setattr("benchmarks.fulltext_bench.QUERIES", [
        ("plain word", "hamann", {}), ("prefix", "schm", {"show": "persons"}), ("umlaut", "müller", {})])
    table = compare("HEAD", "HEAD", source, tmp_path, reps=2)  # history may be shallow
    head, rule, *rows = table.splitlines()
    assert head.startswith("| kind | query | matches | HEAD p50 |")
    assert [r.split("|")[1:4] for r in rows] == [
        [" plain word ", " `hamann`  ", " 1 "], [" prefix ", " `schm` show=persons ", " 1 "],
        [" umlaut ", " `müller`  ", " 1 "]]
    with Store(source) as store:  # the source is only copied, never written
        assert store.count() == 4
    left = sorted(p.name for p in tmp_path.iterdir() if p.suffix not in (".lock", ".queue"))
    assert left == ["source.duckdb"]
