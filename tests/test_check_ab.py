"""The side-by-side write-back check runs each revision's own code on its own copy of a store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from benchmarks.check_ab import compare
from crmdata import Store


@pytest.mark.slow
def test_two_revisions_check_the_same_edits_on_copies_of_a_store(tmp_path: Path) -> None:
    source = tmp_path / "source.duckdb"
    with Store(source) as store:
        cs = store.change()
        refs = []
        for first, last, email, who in (("Anna", "Schmidt", "anna@schmidt.example", 10),
                                        ("Anne", "Schmidt", "anna@schmidt.example", 10),
                                        ("Lore", "Hamann", "lore@hamann.example", 11)):
            refs.append((cs.create_person(first, last), who))
            cs.add_info(refs[-1][0], "email", email)
        for name in ("Acme GmbH", "ACME"):
            refs.append((cs.create_company(name), 20))
            cs.add_info(refs[-1][0], "phone", "+49 30 1234567")
        created = cs.commit(on_duplicate="save").created
        entity = {created[ref]: e for ref, e in refs}
        store.checkpoint()
    truth = pd.DataFrame({"row": list(entity), "entity": list(entity.values())})
    table = compare("HEAD", "HEAD", source, truth, tmp_path, edits=2)  # history may be shallow
    head, rule, *rows = table.splitlines()
    assert head.startswith("| revision | edited | found a true duplicate")
    # two duplicated persons and two duplicated companies, each found by its shared key
    assert [r.split("|")[1:4] for r in rows] == [
        [" HEAD ", " 2 companies ", " 2 (1.00) "], [" HEAD ", " 2 persons ", " 2 (1.00) "],
        [" HEAD ", " 2 companies ", " 2 (1.00) "], [" HEAD ", " 2 persons ", " 2 (1.00) "]]
    with Store(source) as store:  # the source is only copied, never written
        assert store.count() == 5
    left = sorted(p.name for p in tmp_path.iterdir() if p.suffix not in (".lock", ".queue"))
    assert left == ["source.duckdb"]
