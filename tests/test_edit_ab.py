"""The side-by-side commit timer runs each revision's own code on its own copy of a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.edit_ab import compare
from crmdata import Store


@pytest.mark.slow
@pytest.mark.parametrize(("checker", "linger"), [("exact", 0.0), ("default", 0.0), ("default", 5.0)])
def test_two_revisions_take_turns_on_copies_of_a_store(tmp_path: Path, checker: str, linger: float) -> None:
    source = tmp_path / "source.duckdb"
    with Store(source) as store:
        cs = store.change()
        for i in range(20):
            cs.create_person(f"P{i}", "Turn")
        cs.commit()
        store.checkpoint()
    table = compare("HEAD", "HEAD", source, tmp_path, commits=4, checker=checker,  # history may be shallow
                    linger=linger)
    head, rule, old, new = table.splitlines()
    assert head.startswith("| revision | commits | median ms")
    assert old.startswith("| HEAD | 4 | ") and new.startswith("| HEAD | 4 | ")
    assert all(float(cell) > 0 for row in (old, new) for cell in row.strip("|").split("|")[2:])
    with Store(source) as store:  # the source is only copied, never written
        assert store.count() == 20
    left = sorted(p.name for p in tmp_path.iterdir() if p.suffix not in (".lock", ".queue"))
    assert left == ["source.duckdb"]  # nothing left behind but the store's own turn lock files
