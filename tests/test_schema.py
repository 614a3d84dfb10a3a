"""Migrations of stores written by earlier versions (schema 8: the info id sequence and the
matching keys' marks)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from crmdata import Store
from crmdata.edit import DuplicatesFound
from crmdata.edit.keys import fill_match_keys
from crmdata.schema import KEYS_LEGACY, KEYS_THROUGH, MIGRATIONS


def _store_at_schema_7(path: Path, *, keyed: bool) -> None:
    """Two persons with an email each (ids 1 and 7), the first keyed as an older version's
    import left them (an import of schema 7 marked its rows keyed through its last id)."""
    con = duckdb.connect(str(path))
    for migration in MIGRATIONS:
        if migration.version <= 7:
            for statement in migration.statements:
                con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', '7'), (?, '1')", [KEYS_THROUGH])
    con.execute(
        "INSERT INTO contacts (id, is_company, first_name, last_name, display_name, share_type, "
        "created_by, created_at, updated_by, updated_at) VALUES "
        "(1, FALSE, 'Ada', 'Old', 'Ada Old', 1, 1, now(), 1, now()), "
        "(2, FALSE, 'Bea', 'Old', 'Bea Old', 1, 1, now(), 1, now())")
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
            assert fill_match_keys(store) == {"emails": 1, "phones": 0}
            assert int(_meta(store, KEYS_THROUGH) or 0) >= 7  # no catching up from here on
