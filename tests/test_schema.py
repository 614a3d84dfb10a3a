"""Migrations of stores written by earlier versions (schema 8: the info id sequence and the
matching keys' marks; schema 9: the journal's id sequence, its tables without key indexes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdata import Store
from crmdata.edit import DuplicatesFound
from crmdata.errors import ValidationFailed
from crmdata.matchkeys import fill_keys
from crmdata.schema import KEYS_LEGACY, KEYS_THROUGH, MIGRATIONS

from .old_stores import store_at_schema


def _store_at_schema_7(path: Path, *, keyed: bool) -> None:
    """Two persons with an email each (ids 1 and 7), the first keyed as an older version's
    import left them (an import of schema 7 marked its rows keyed through its last id)."""
    con = store_at_schema(path, 7, [(1, "Ada", "Old"), (2, "Bea", "Old")])
    con.execute("INSERT INTO meta VALUES (?, '1')", [KEYS_THROUGH])
    con.execute("INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary, email_key) "
                "VALUES (1, 1, 1, 1, 'ada@example.com', TRUE, 'ada@example.com'), "
                "(7, 2, 1, 1, 'Bea@Example.com', TRUE, ?)", ["bea@example.com" if keyed else None])
    con.close()


def _meta(store: Store, key: str) -> str | None:
    with store.db.read() as tx:
        return tx.scalar("SELECT value FROM meta WHERE key = ?", [key])


@pytest.mark.parametrize("keyed", [True, False])
def test_schema_7_store_gets_the_info_id_sequence_and_the_keys_marks(tmp_path: Path, keyed: bool) -> None:
    path = tmp_path / "v7.duckdb"
    _store_at_schema_7(path, keyed=keyed)
    with Store(path) as store:
        assert store.db.schema_version == MIGRATIONS[-1].version
        assert _meta(store, KEYS_LEGACY) == "7"  # rows up to 7 may lack their keys
        # all keyed: nothing is left to catch up; else the mark stays where the import left it
        assert _meta(store, KEYS_THROUGH) == ("7" if keyed else "1")
        cs = store.change()
        ref = cs.create_person("Bea", "New")
        cs.add_info(ref, "email", "bea@example.com")
        with pytest.raises(DuplicatesFound) as err:  # found by its key, or by the catch-up
            cs.commit()
        assert [c.existing_id for c in err.value.candidates] == [2]
        result = cs.commit(on_duplicate="save")
        with store.db.read() as tx:  # the new row is numbered past the stored ones
            assert tx.rows("SELECT id FROM contact_info WHERE contact_id = ?",
                           [result.created[ref]]) == [(8,)]
        if not keyed:
            assert fill_keys(store.db) == {"emails": 1, "phones": 0}
            assert int(_meta(store, KEYS_THROUGH) or 0) >= 7  # no catching up from here on


def _store_at_schema_8(path: Path) -> None:
    """A person (id 1) with two journal entries as schema 8 kept them: ids 1 and 5 (an id
    may have been skipped), the second with a row image of the person."""
    con = store_at_schema(path, 8, [(1, "Ada", "Old")])
    con.execute("INSERT INTO journal (id, committed_at, user_id, action, summary) VALUES "
                "(1, '2026-01-01', 1, 'import', 'one contact imported'), "
                "(5, '2026-01-02', 1, 'edit', '0 created, 1 updated')")
    con.execute("INSERT INTO journal_rows VALUES (5, 1, 1, 'contacts', '{\"id\": 1}', "
                "'{\"id\": 1, \"title\": null}', '{\"id\": 1, \"title\": \"Boss\"}')")
    con.close()


def test_schema_8_store_keeps_its_journal_and_numbers_entries_past_it(tmp_path: Path) -> None:
    path = tmp_path / "v8.duckdb"
    _store_at_schema_8(path)
    with Store(path) as store:
        assert store.db.schema_version == MIGRATIONS[-1].version
        with store.db.read() as tx:
            assert tx.rows("SELECT id, action FROM journal ORDER BY id") == [(1, "import"), (5, "edit")]
            assert tx.rows("SELECT journal_id, seq, contact_id, after FROM journal_rows") == [
                (5, 1, 1, '{"id": 1, "title": "Boss"}')]
            assert tx.scalar("SELECT count(*) FROM duckdb_constraints() WHERE database_name = "
                             "current_database() AND table_name IN ('journal', 'journal_rows') "
                             "AND constraint_type = 'PRIMARY KEY'") == 0
        assert list(store.history(1)["change_set_id"]) == [5]
        cs = store.change()
        cs.update(1, title="Chief")
        first = cs.commit().change_set_id
        assert first == 6  # past the stored entries, from the sequence
        cs = store.change()
        cs.update(1, first_name="")  # refused (a person needs a first name): no entry
        with pytest.raises(ValidationFailed):
            cs.commit()
        undo_id, = store.undo(first)
        assert undo_id == first + 1
        with store.db.read() as tx:
            assert [r[0] for r in tx.rows("SELECT id FROM journal ORDER BY id")] == [1, 5, first, undo_id]
            assert tx.one("SELECT undone_by FROM journal WHERE id = ?", [first]) == (undo_id,)
        assert store.contact(1).fields["title"] is None  # as before the undone edit
        assert list(store.history(1)["change_set_id"]) == [5, first, undo_id]
