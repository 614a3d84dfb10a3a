"""How new rows are numbered: contact ids never reused, info ids from the store's sequence."""

from __future__ import annotations

from pathlib import Path

from crmdata import numbering
from crmdata.db import Database

INSERT = ("INSERT INTO contacts (id, is_company, first_name, display_name, created_by, created_at, "
          "updated_by, updated_at) VALUES (?, FALSE, 'A', 'A', 1, now(), 1, now())")


def test_contact_ids_are_never_reused(tmp_path: Path) -> None:
    db = Database(tmp_path / "crm.duckdb")
    with db.transaction() as tx:
        assert numbering.next_id(tx, "contacts") == 1
        tx.execute(INSERT, [1])
        tx.execute(INSERT, [2])
    with db.transaction() as tx:
        tx.execute("DELETE FROM contacts WHERE id = 2")
    with db.transaction() as tx:
        assert numbering.next_id(tx, "contacts") == 3
    db.close()
    with Database(tmp_path / "crm.duckdb").transaction() as tx:  # survives reopening
        assert numbering.next_id(tx, "contacts") == 3


INFO = ("INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary) "
        "VALUES (?, 1, 1, 1, 'a@example.com', FALSE)")


def _info_ids(db: Database) -> list[int]:
    with db.read() as tx:
        return [int(r[0]) for r in tx.rows("SELECT id FROM contact_info ORDER BY id")]


def test_info_ids_come_from_the_sequence_and_are_never_reused(tmp_path: Path) -> None:
    db = Database(tmp_path / "crm.duckdb")
    with db.transaction() as tx:
        assert tx.rows(numbering.info_ids_sql(2, take=False)) == [(1,), (2,)]  # what it would hand out
        assert tx.rows(numbering.info_ids_sql(2, take=True)) == [(1,), (2,)]
        tx.executemany(INFO, [[1], [2]])
    with db.transaction() as tx:
        tx.execute("DELETE FROM contact_info WHERE id = 2")
    db.close()
    with Database(tmp_path / "crm.duckdb").transaction() as tx:  # survives reopening
        assert tx.rows(numbering.info_ids_sql(1, take=False)) == [(3,)]
        assert numbering.next_id(tx, "contact_info") == 3  # a bulk writer numbers past it (an import)
        tx.executemany(INFO, [[3], [4], [5]])  # and the sequence is moved past its rows
    with db.transaction() as tx:
        assert tx.rows(numbering.info_ids_sql(1, take=True)) == [(6,)]
