"""What the full-text index holds per contact: which field a searched text goes to, where a
name sorts, and what a document keeps for a result page (read back as the store has it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crmdata import Store
from crmdata.search import documents
from crmdata.search.documents import LAST_ORDER, order_key


def test_field_of_slot() -> None:
    assert [documents.field_of(s) for s in (0, 1, 2, 3, 4, 101, 1_000_003, 2_000_001)] == [
        "name", "company", "position", "notes", "industry", "info", "custom", "tag"]


def test_order_key_sorts_as_the_name_bytes() -> None:
    names = ["", "a", "ab", "abc", "abcdefgh", "abcdefghz", "b", "zz", "ä"]
    assert [order_key(n) for n in names] == sorted(order_key(n) for n in names)
    assert order_key("abcdefgh") == order_key("abcdefghz")  # told apart by the store
    assert order_key(None) == LAST_ORDER > order_key("\U0010ffff")


@pytest.mark.parametrize(("parts", "lowered", "employer", "expected"), [
    (None, None, None, documents.Held([], [], [], None, None)),
    ([None, None, None], "anna", -1, documents.Held([], [], [], "anna", None)),
    (['[[1,"a@b.de",true,7,null,null,null,null,null]]', '[[3,"say \\"hi\\""]]', "[2,4]"], "zoë ölsen", 12,
     documents.Held([(1, "a@b.de", True, 7, None, None, None, None, None)], [(3, 'say "hi"')], [2, 4],
                   "zoë ölsen", 12)),
])
def test_what_a_document_keeps_reads_back(parts: Any, lowered: str | None, employer: int | None,
                                          expected: documents.Held) -> None:
    assert documents.held_of(documents.held_bytes(parts, lowered), employer) == expected


def test_the_store_writes_what_a_document_keeps(tmp_path: Path) -> None:
    store = Store(tmp_path / "crm.duckdb")
    cs = store.change(region="DE")
    anna = cs.create_person("Anna", "Schmidt")
    cs.add_info(anna, "email", "anna.schmidt@example.org")
    cs.add_info(anna, "address", street='Hauptstraße 5, "Hinterhaus"', city="Köln", zip="50667")
    cs.add_tags(anna, "Lead")
    bare = cs.create_company("Ölwerk")
    created = cs.commit(on_duplicate="save").created
    ids = [created[anna], created[bare]]
    with store.db.read() as tx:
        parts = documents._held(tx, "IN (?, ?)", ids)
        lead = tx.scalar("SELECT id FROM tags WHERE title = 'Lead'")
        info = tx.rows("SELECT info_type, data, is_primary, id, street, city, state, zip, country "
                       "FROM contact_info WHERE contact_id = ? ORDER BY id", [ids[0]])
    kept = documents.held_of(documents.held_bytes(parts.get(ids[0]), "anna schmidt"))
    assert sorted(kept.info, key=lambda r: r[3]) == [tuple(r) for r in info]
    assert (kept.custom, kept.tags, kept.name) == ([], [lead], "anna schmidt")
    bare_kept = documents.held_of(documents.held_bytes(parts.get(ids[1]), "ölwerk"))
    assert bare_kept == documents.Held([], [], [], "ölwerk")
