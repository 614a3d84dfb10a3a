"""The search index stays current: same transaction as every write, both refresh paths agree,
and a store opened at schema version 1 gets its index built."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from crmdata import Store, derived
from crmdata.contact_rows import CONTACT_TABLES, capture_contacts
from crmdata.derived import contacts_changed
from crmdata.schema import MIGRATIONS
from crmdata.search import index
from crmdata.search.api import _resolve, search
from crmdata.search.normalise import signature
from crmdata.search.parse import parse

from ..old_stores import store_at_schema
from .data import add_contacts, populate

TOKENS = f"SELECT token, contact_id, slot, pos FROM {index.LIVE_TOKENS} AS s ORDER BY ALL"


def _found(store: Store, text: str) -> set[int]:
    return set(search(store.db, store.user, text, page_size=1000).frame["id"].astype(int))


def test_small_and_bulk_refresh_agree(store: Store) -> None:
    """Edits tokenise in Python, imports in SQL: both must give the same rows."""
    populate(store, n=120, seed=3)
    with store.db.read() as tx:
        small = tx.rows(TOKENS)
        n_contacts = tx.scalar("SELECT count(*) FROM contacts")
    assert n_contacts <= index.SMALL_REFRESH and len(small) > 1000
    with store.db.transaction() as tx:
        tx.execute("DELETE FROM search_tokens")
        for statement in index.refresh_statements("SELECT id FROM contacts"):
            tx.execute(statement)
        bulk = tx.rows(TOKENS)
        missing_terms = tx.scalar(
            "SELECT count(*) FROM (SELECT DISTINCT token FROM search_tokens) "
            "WHERE token NOT IN (SELECT term FROM search_terms)")
    assert bulk == small
    assert missing_terms == 0


def test_python_tokens_match_sql(store: Store) -> None:
    texts = [(1, 0, "Jürgen Müller-Lüdenscheidt"), (1, 3, "lore.hamann@gmail.com, 50% a_b"),
             (2, 100, "ΟΔΟΣ Straße Ørsted u\u0308ber"), (2, 101, None), (3, 4, "")]
    tok, cid, slot, pos = index.python_tokens(texts)
    with store.db.read() as tx:
        tx.execute("CREATE TEMP TABLE src AS SELECT * FROM (VALUES "
                   + ", ".join("(?, ?, ?)" for _ in texts) + ") t(contact_id, slot, text)",
                   [v for row in texts for v in row])
        member = "IN (1, 2, 3)"
        sql = index.tokens_sql(member).replace(index.source_sql(member), "SELECT * FROM src")
        assert "FROM (SELECT * FROM src) src" in sql
        rows = tx.rows(sql + " ORDER BY ALL")
    assert sorted(zip(tok, cid, slot, pos, strict=True)) == sorted(rows)


def test_search_sees_every_write_at_once(store: Store) -> None:
    (anna,) = add_contacts(store, [{"first": "Anna", "last": "Oldname", "email": "anna@old.example"}])
    assert _found(store, "oldname") == {anna}
    with store.db.transaction() as tx:
        tx.execute("UPDATE contacts SET last_name = 'Neuname', title = 'Geschäftsführerin' WHERE id = ?",
                   [anna])
        tx.execute("UPDATE contact_info SET data = 'anna@new.example' WHERE contact_id = ?", [anna])
        tx.execute("INSERT INTO contact_tags VALUES (?, 2)", [anna])
        contacts_changed(tx, "SELECT CAST(? AS BIGINT)", [anna])
    assert _found(store, "oldname") == set() and _found(store, "old.example") == set()
    assert _found(store, "neuname") == _found(store, "new.example") == {anna}
    assert _found(store, "geschaeftsfuehrerin") == _found(store, "customer") == {anna}
    assert _found(store, '"anna neuname"') == {anna}
    with store.db.transaction() as tx:
        tx.execute("DELETE FROM contact_info WHERE contact_id = ?", [anna])
        tx.execute("DELETE FROM contact_tags WHERE contact_id = ?", [anna])
        tx.execute("DELETE FROM contacts WHERE id = ?", [anna])
        contacts_changed(tx, "SELECT CAST(? AS BIGINT)", [anna])
    assert _found(store, "anna") == set()
    with store.db.read() as tx:
        assert tx.scalar(f"SELECT count(*) FROM {index.LIVE_TOKENS} AS s WHERE contact_id = ?", [anna]) == 0


def test_failed_write_leaves_the_index_as_it_was(store: Store) -> None:
    (cid,) = add_contacts(store, [{"first": "Berta", "last": "Stable"}])
    with store.db.read() as tx:
        before = tx.rows(TOKENS)
    with pytest.raises(RuntimeError), store.db.transaction() as tx:
        tx.execute("UPDATE contacts SET last_name = 'Changed' WHERE id = ?", [cid])
        contacts_changed(tx, "SELECT CAST(? AS BIGINT)", [cid])
        raise RuntimeError("the writer fails after refreshing")
    with store.db.read() as tx:
        assert tx.rows(TOKENS) == before
    assert _found(store, "stable") == {cid} and _found(store, "changed") == set()


def test_large_refresh_goes_set_based(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index, "SMALL_REFRESH", 2)
    ids = add_contacts(store, [{"first": f"Name{i}", "last": "Bulk"} for i in range(5)])
    assert _found(store, "bulk") == set(ids)
    assert _found(store, "name3") == {ids[3]}


def test_store_at_schema_1_gets_its_index(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for statement in MIGRATIONS[0].statements:
        con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute(
        "INSERT INTO contacts (id, is_company, first_name, last_name, display_name, share_type, "
        "created_by, created_at, updated_by, updated_at) VALUES "
        "(1, FALSE, 'Grete', 'Größe', 'Grete Größe', 1, 1, now(), 1, now()), "
        "(2, TRUE, NULL, NULL, 'Old Firm', 1, 1, now(), 1, now())")
    con.execute("UPDATE contacts SET company_name = 'Old Firm' WHERE id = 2")
    con.execute("INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary) "
                "VALUES (1, 1, 1, 1, 'grete@firm.example', TRUE)")
    con.close()
    with Store(path) as store:
        assert store.db.schema_version == MIGRATIONS[-1].version
        assert _found(store, "grosse") == _found(store, "firm.example") == {1}
        assert _found(store, "old firm") == {2}
        with store.db.read() as tx:  # the migration's pending fill was done, once
            assert tx.rows(derived.PENDING_SQL) == []


def test_contact_texts_match_source_sql(store: Store) -> None:
    """The texts an edit holds in Python give the rows the index reads from the tables."""
    populate(store, n=120, seed=5)
    with store.db.read() as tx:
        tx.execute("INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary, street, "
                   "city) SELECT max(id) + 1, 3, 7, 0, 'Hauptstr. 1, Köln', FALSE, 'Hauptstr. 1', NULL "
                   "FROM contact_info")
        ids = [int(r[0]) for r in tx.rows("SELECT id FROM contacts ORDER BY id")]
        expected = sorted((int(c), int(s), t) for c, s, t in tx.rows(index.source_sql("= ANY(?::BIGINT[])"),
                                                                       [ids] * index.SOURCE_ID_USES))
        rows = capture_contacts(tx, ids, tuple(CONTACT_TABLES))
        field_types = {int(r[0]): int(r[1]) for r in tx.rows("SELECT id, field_type FROM custom_fields")}
        titles = {int(r[0]): str(r[1]) for r in tx.rows("SELECT id, title FROM tags")}
    assert any(s >= index.SLOT_CUSTOM for _c, s, _t in expected)  # custom values and tags are there
    got = []
    for (cid,), row in rows["contacts"].items():
        info = [r for r in rows["contact_info"].values() if r["contact_id"] == cid]
        custom = [r for r in rows["custom_values"].values() if r["contact_id"] == cid]
        tags = [r["tag_id"] for r in rows["contact_tags"].values() if r["contact_id"] == cid]
        got += index.contact_texts(row, info, custom, tags, field_types, titles)
    assert sorted(got, key=lambda r: (r[0], r[1], r[2] or "")) == sorted(
        expected, key=lambda r: (r[0], r[1], r[2] or ""))


def test_edits_keep_recent_rows_and_fold_them_in_past_the_mark(store: Store,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    populate(store, n=60, seed=9)
    ids = add_contacts(store, [{"first": "Fold", "last": f"Person{i}", "email": f"fold{i}@x.example"}
                               for i in range(6)])
    with store.db.read() as tx:
        assert tx.scalar("SELECT count(*) FROM search_recent WHERE slot = -1") >= 6
    cs = store.change()
    cs.update(ids[0], title="Quartermaster", last_name="Renamed")
    cs.add_tags(ids[1], "Supplier")
    cs.add_info(ids[2], "website", "https://fold.example/x")
    cs.commit(on_duplicate="save")
    assert _found(store, "quartermaster") == _found(store, "renamed") == {ids[0]}
    assert _found(store, "person0") == set()
    assert ids[1] in _found(store, "supplier") and _found(store, "fold.example") == {ids[2]}
    with store.db.read() as tx:
        live = tx.rows(TOKENS)
    monkeypatch.setattr(index, "FOLD_ROWS", 0)
    store.delete([ids[5]])  # the next writer folds the recent rows in
    with store.db.read() as tx:
        assert tx.scalar("SELECT count(*) FROM search_recent") == 0
        folded = tx.rows(TOKENS)
        main = tx.rows("SELECT token, contact_id, slot, pos FROM search_tokens ORDER BY ALL")
    assert folded == main == [r for r in live if r[1] != ids[5]]
    with store.db.transaction() as tx:  # and the bulk rebuild agrees with the folded index
        tx.execute("DELETE FROM search_tokens")
        for statement in index.refresh_statements("SELECT id FROM contacts"):
            tx.execute(statement)
        assert tx.rows(TOKENS) == folded


def test_words_of_recent_rows_are_searched_by_spelling_until_folded_into_the_vocabulary(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    populate(store, n=30, seed=11)
    (cid,) = add_contacts(store, [{"first": "Vocab", "last": "Person"}])

    def edit(**fields: str) -> None:
        cs = store.change()
        cs.update(cid, **fields)
        cs.commit(on_duplicate="save")

    monkeypatch.setattr(index, "FOLD_ROWS", 0)
    edit(notes="first")  # folds every recent row in
    monkeypatch.setattr(index, "FOLD_ROWS", 50_000)
    edit(title="Xylophonist")
    with store.db.read() as tx:
        assert tx.scalar("SELECT count(*) FROM search_terms WHERE term = 'xylophonist'") == 0
        assert tx.scalar("SELECT count(*) FROM search_recent WHERE token = 'xylophonist'") == 1
        assert tx.scalar("SELECT count(*) FROM search_terms WHERE term = 'person'") == 1
        assert tx.scalar("SELECT count(*) FROM search_recent WHERE token = 'person'") == 1
        # a word in both parts of the vocabulary resolves once
        assert _resolve(tx, parse("*erson"))[(0, 0)].terms.count("person") == 1
        assert _resolve(tx, parse("persen~"))[(0, 0)].terms.count("person") == 1
    # ~ and a leading wildcard look in the vocabulary first: the recent word is there
    assert (_found(store, "xylofonist~") == _found(store, "*lophonist") == _found(store, "?ylophonist")
            == {cid})
    monkeypatch.setattr(index, "FOLD_ROWS", 0)
    edit(notes="folds the recent rows in")
    with store.db.read() as tx:
        assert tx.scalar("SELECT count(*) FROM search_recent") == 0
        assert tx.rows("SELECT term, len, sig FROM search_terms WHERE term IN ('xylophonist', 'folds') "
                       "ORDER BY term") == [("folds", 5, signature("folds")),
                                            ("xylophonist", 11, signature("xylophonist"))]
    assert _found(store, "xylofonist~") == _found(store, "*lophonist") == _found(store, "?olds") == {cid}


def test_store_at_schema_6_gets_the_recent_words_length_and_signature(tmp_path: Path) -> None:
    path = tmp_path / "v6.duckdb"
    con = store_at_schema(path, 6, [(1, "Wilhelmina", "Recent")])
    con.execute("INSERT INTO search_recent VALUES ('wilhelmina', 1, 0, 0), ('recent', 1, 0, 1), "
                "('', 1, -1, 0)")
    con.close()
    with Store(path) as store:
        assert store.db.schema_version == MIGRATIONS[-1].version
        with store.db.read() as tx:
            assert tx.rows("SELECT token, slot, len, sig FROM search_recent ORDER BY slot, token") == [
                ("", -1, 0, 0), ("recent", 0, 6, signature("recent")),
                ("wilhelmina", 0, 10, signature("wilhelmina"))]
        assert _found(store, "wilhelmine~") == _found(store, "*ilhelmina") == {1}
