"""What the full-text index holds per contact: which field a searched text goes to, where a
name sorts, and what a document keeps for a result page (read back as the store has it)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import tantivy

from crmdata import Store
from crmdata.search import documents
from crmdata.search.documents import LAST_ORDER, order_key

from .data import add_contacts, populate


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


def _read(document: str) -> dict[str, Any]:
    """A document as tantivy reads it: its page decoded, each field's values in one order."""
    out: dict[str, Any] = json.loads(document)
    held = documents.held_of(base64.b64decode(out.pop("page")))
    out["page"] = (sorted(held.info, key=lambda r: r[3]), sorted(held.custom), held.tags, held.name)
    for field in (*documents.FIELDS, *documents.REVERSED.values(), "manager", "tag_id"):
        if field in out:
            out[field] = sorted(json.dumps(v, sort_keys=True) for v in out[field])
    return out


def test_documents_made_by_duckdb_equal_those_made_in_python(tmp_path: Path) -> None:
    store = Store(tmp_path / "crm.duckdb")
    populate(store)
    add_contacts(store, [
        {"first": 'Zoë "Zo"', "last": "Ölsen-Straße", "title": "back\\slash\nnew line",
         "email": "zoë@ölwerk.de", "tags": ["Lead"], "share": 0},
        {"first": "Σίσυφος", "last": "Öçal", "notes": "ΣΊΣΥΦΟΣ ς 🙂 … ǅ"},
        {"company": "Ærø Büro", "notes": "   "},
        {"first": None, "last": None},
    ])
    with store.db.read() as tx:
        ids = [int(r[0]) for r in tx.rows("SELECT id FROM contacts ORDER BY id")]
        assert len(ids) <= documents._PYTHON_TOKENS  # so documents_of folds in Python
        in_python = dict(documents.documents_of(tx, ids))
        by_duckdb = dict(documents.documents_in(tx, ids))
        some = ids[::7]
        by_duckdb_some = dict(documents._sql_documents(tx, "= ANY(?::BIGINT[])", [some]))
    assert set(in_python) == set(by_duckdb) == set(ids)
    for cid in ids:
        assert _read(by_duckdb[cid]) == _read(in_python[cid]), cid
    assert list(by_duckdb_some) == some
    assert all(_read(by_duckdb_some[c]) == _read(by_duckdb[c]) for c in some)
    # the umlaut forms are handed over as tokens, both at one position
    zoe = json.loads(in_python[ids[-4]])
    tokens = next(v["tokens"] for v in zoe["name"] if isinstance(v, dict))
    assert [(t["position"], t["text"]) for t in tokens] == [
        (0, "zoe"), (1, "zo"), (2, "olsen"), (2, "oelsen"), (3, "strasse")]
    # beside them, the same words spelled backwards, form A then form B
    assert "essarts nesleo oz eoz essarts neslo oz eoz" in zoe["name_rev"]
    sisyphus = json.loads(by_duckdb[ids[-3]])
    assert sorted(sisyphus["notes_rev"]) == ["ǆ σ σοφυσισ"]


def test_documents_in_batches_made_ahead_are_those_made_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches made on a second connection while the caller takes in the one before (in a
    read), or in turn on the action's own connection (in a transaction, whose uncommitted rows
    only it sees): the same documents, in id order, as one batch of them all."""
    store = Store(tmp_path / "crm.duckdb")
    populate(store, n=60)
    with store.db.read() as tx:
        ids = [int(r[0]) for r in tx.rows("SELECT id FROM contacts ORDER BY id")]
        at_once = list(documents.documents_in(tx, ids))
    monkeypatch.setattr(documents, "_BATCH", 7)
    with store.db.read() as tx:
        ahead = list(documents.documents_in(tx, ids))
        spread = list(documents.documents_in(tx, ids[::3]))
        stopped = documents.documents_in(tx, ids)
        assert next(stopped)[0] == ids[0]
        stopped.close()  # a caller that gives up early: the batch being made is waited for
    added = add_contacts(store, [{"first": "Anna", "last": "Nachzügler"}])
    with store.db.transaction() as tx:
        tx.execute("UPDATE contacts SET last_name = 'Neu' WHERE id = ?", [added[0]])
        in_turn = dict(documents.documents_in(tx, [*ids, *added]))
    assert [c for c, _ in at_once] == [c for c, _ in ahead] == ids
    assert [_read(d) for _, d in ahead] == [_read(d) for _, d in at_once]
    assert [c for c, _ in spread] == ids[::3]
    assert all(_read(d) == _read(dict(at_once)[c]) for c, d in spread)
    assert all(_read(in_turn[c]) == _read(d) for c, d in at_once)
    assert "neu" in json.loads(in_turn[added[0]])["name"][0]


def test_an_index_reads_the_documents_duckdb_makes(tmp_path: Path) -> None:
    store = Store(tmp_path / "crm.duckdb")
    ids = add_contacts(store, [{"first": "Jürgen", "last": "Müller", "email": "j.mueller@example.org"},
                               {"first": "Anna", "last": "Schmidt", "title": "Head of Müller"}])
    index = tantivy.Index(documents.SCHEMA)
    writer = index.writer(15_000_000, 1)
    with store.db.read() as tx:
        for _cid, doc in documents._sql_documents(tx, "= ANY(?::BIGINT[])", [ids]):
            writer.add_json(doc)
    writer.commit()
    index.reload()

    def hits(query: str) -> int:
        return int(index.searcher().search(index.parse_query(query, list(documents.FIELDS)), 10).count)

    assert [hits(q) for q in ("mueller", "muller", '"jurgen mueller"', '"juergen muller"', "schmidt")] == [
        2, 2, 1, 1, 1]
    assert hits('"muller anna"') == 0  # a phrase never spans two texts
