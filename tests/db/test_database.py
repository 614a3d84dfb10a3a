"""The connection owner: transactions, nesting, commit hooks, busy files."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crmdata import numbering
from crmdata.db import Database, host
from crmdata.errors import CrmDataError, KeyTaken, StoreError

INSERT = ("INSERT INTO contacts (id, is_company, first_name, display_name, created_by, created_at, "
          "updated_by, updated_at) VALUES (?, FALSE, 'A', 'A', 1, now(), 1, now())")
INFO = ("INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary) "
        "VALUES (?, 1, 1, 1, 'a@example.com', FALSE)")


def _info_ids(db: Database) -> list[int]:
    with db.read() as tx:
        return [int(r[0]) for r in tx.rows("SELECT id FROM contact_info ORDER BY id")]


def test_a_refused_key_is_crmdatas_error_and_writes_nothing(tmp_path: Path) -> None:
    db = Database(tmp_path / "crm.duckdb")
    with db.transaction() as tx:
        tx.execute(INFO, [1])
    with pytest.raises(KeyTaken, match="already has a row with that key"), db.transaction() as tx:
        tx.execute(INFO, [2])
        tx.execute(INFO, [1])
    assert _info_ids(db) == [1]
    db.close()


def test_nested_transactions_join_and_roll_back_together(tmp_path: Path) -> None:
    db = Database(tmp_path / "crm.duckdb")
    with pytest.raises(ValueError):
        with db.transaction() as outer:
            outer.execute(INSERT, [1])
            with db.transaction() as inner:
                inner.execute(INSERT, [2])
            raise ValueError("boom")
    with db.read() as tx:
        assert tx.scalar("SELECT count(*) FROM contacts") == 0


def test_memory_cap_holds_for_the_block_only(tmp_path: Path) -> None:
    db = Database(tmp_path / "cap.duckdb")
    limit = "SELECT current_setting('memory_limit')"
    with db.read() as tx:
        before = tx.scalar(limit)
    with db.memory_cap(1.5):
        with db.read() as tx:  # the same action: the cap applies to what runs inside the block
            assert tx.scalar(limit) == "1.5 GiB"
    with db.read() as tx:
        assert tx.scalar(limit) == before != "1.5 GiB"


def test_work_beyond_the_memory_cap_is_a_clear_error(tmp_path: Path) -> None:
    db = Database(tmp_path / "cap.duckdb")
    with pytest.raises(CrmDataError, match=r"memory limit of 0.0625 GiB.*--memory-limit"):
        with db.memory_cap(0.0625), db.read() as tx:  # one string larger than the cap cannot spill
            tx.scalar("SELECT length(string_agg(repeat('x', 1000), '')) FROM range(300000)")
    with db.read() as tx:
        assert tx.scalar("SELECT current_setting('memory_limit')") != "64.0 MiB"


def _wal(path: Path) -> int:
    wal = Path(f"{path}.wal")
    return wal.stat().st_size if wal.exists() else 0


def test_commits_wait_in_the_log_and_other_processes_see_them(tmp_path: Path) -> None:
    path = tmp_path / "crm.duckdb"
    db = Database(path)
    db.checkpoint()
    with db.transaction() as tx:
        tx.execute(INSERT, [1])
    assert 0 < _wal(path) <= host.WAL_LIMIT  # released without folding the log in
    seen = subprocess.run(
        [sys.executable, "-c", "from crmdata.db import Database\n"
         f"with Database({str(path)!r}).read() as tx: print(tx.scalar('SELECT count(*) FROM contacts'))"],
        capture_output=True, text=True, check=True)
    assert seen.stdout.strip() == "1"


def test_the_log_is_folded_in_past_its_limit_and_on_request(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "crm.duckdb"
    db = Database(path)
    with db.transaction() as tx:
        tx.execute(INSERT, [1])
    monkeypatch.setattr(host, "WAL_LIMIT", 0)
    with db.transaction() as tx:
        tx.execute(INSERT, [2])
    assert _wal(path) == 0
    monkeypatch.undo()
    with db.transaction() as tx:
        tx.execute(INSERT, [3])
    assert _wal(path) > 0
    db.checkpoint()
    assert _wal(path) == 0
    copy = tmp_path / "copy.duckdb"
    shutil.copy(path, copy)  # the file alone is complete
    with Database(copy).read() as tx:
        assert tx.scalar("SELECT count(*) FROM contacts") == 3


def test_meta_values_are_read_once_per_action_and_kept_right_by_their_writers(tmp_path: Path) -> None:
    db = Database(tmp_path / "crm.duckdb")
    other = Database(tmp_path / "crm.duckdb")  # another Store on the same file, as a second notebook
    with db.transaction() as tx:
        assert tx.meta("note") is None
        tx.set_meta("note", "one")
        assert tx.meta("note") == "one"
        with db.transaction() as inner:  # a nested block shares the action's values
            assert inner.meta("note") == "one"
            inner.set_meta("note", "two")
        assert tx.meta("note") == "two"
    with other.transaction() as tx:  # the next action reads again, whoever wrote last
        assert tx.meta("note") == "two"
        tx.set_meta("note", "three")
    with db.read() as tx:
        assert tx.meta("note") == "three"
    with db.transaction() as tx:
        tx.remember_meta(tx.rows(tx.META_SQL))  # all of them, read in a statement of the caller's
        assert tx.meta("note") == "three" and tx.meta("unset") is None
        assert tx.meta("contacts_high_water") is None
        tx.execute(INSERT, [5])
        numbering.keep_high_water(tx)  # writes its own value: the action reads it again
        assert tx.meta("contacts_high_water") == "5"
    with pytest.raises(RuntimeError), db.transaction() as tx:
        tx.set_meta("note", "rolled back")
        raise RuntimeError("the writer fails")
    with db.read() as tx:
        assert tx.meta("note") == "three"
    db.close()
    other.close()


def test_actions_show_no_progress_bar_of_duckdb(tmp_path: Path) -> None:
    """Cron jobs and pipes get no progress bar on standard output (Jupyter turns it on for a
    connection it makes; an action's cursor starts with it off, and a store in memory sets it)."""
    host.HOST._host().execute("SET enable_progress_bar = true")  # as Jupyter leaves it
    try:
        for db in (Database(tmp_path / "crm.duckdb"), Database(":memory:")):
            with db.read() as tx:
                assert tx.scalar("SELECT current_setting('enable_progress_bar')") is False
            db.close()
    finally:
        host.HOST._host().execute("RESET enable_progress_bar")


def _write_meta(db: Database, key: str) -> None:
    with db.transaction() as tx:
        tx.execute("INSERT INTO meta VALUES (?, 'x')", [key])


def test_a_backup_restored_beside_the_old_files_log_says_what_happened_and_how_to_recover(
    tmp_path: Path,
) -> None:
    """Issue 17 item 12: a stale log beside a restored backup got DuckDB's raw message."""
    path = tmp_path / "crm.duckdb"
    db = Database(path)
    db.checkpoint()
    shutil.copy(path, tmp_path / "backup.duckdb")  # the backup, taken at a checkpoint
    _write_meta(db, "after backup")
    db.checkpoint()  # a later checkpoint: the log now follows a state the backup never had
    _write_meta(db, "in the log")
    db.close()
    wal = Path(f"{path}.wal")
    log_bytes = wal.read_bytes()
    assert log_bytes
    shutil.copy(tmp_path / "backup.duckdb", path)  # restore the backup; the log stays
    restored = path.read_bytes()
    with pytest.raises(StoreError) as err:
        Database(path)
    text = str(err.value)
    assert f"write-ahead log {wal}" in text and f"{len(log_bytes):,} bytes" in text
    assert "backup is restored over the store" in text and f"mv {wal} {wal}.stale-" in text
    assert "WAL does not match" not in text  # crmdata's words, not DuckDB's
    assert wal.read_bytes() == log_bytes and path.read_bytes() == restored  # nothing touched
    wal.rename(tmp_path / "aside.wal")  # the recovery the message names
    with Database(path).read() as tx:
        assert tx.rows("SELECT key FROM meta WHERE key IN ('after backup', 'in the log')") == []


def test_a_foreign_stores_log_beside_the_file_is_named_too(tmp_path: Path) -> None:
    first, other = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    _write_meta(Database(first), "a")
    Database(other).checkpoint()
    shutil.copy(other, first)  # another store's file copied over a's, a's log stays
    with pytest.raises(StoreError, match="written for another state of this file"):
        Database(first)


def test_a_read_over_its_budget_is_stopped_and_the_store_stays_usable(tmp_path: Path) -> None:
    """Issue 17 item 7: a read holds the file while it runs, so it is stopped at its budget."""
    import time

    from crmdata.errors import OverBudget

    db = Database(tmp_path / "crm.duckdb")
    started = time.monotonic()
    with pytest.raises(OverBudget, match="time budget of 0.3 s"), db.read(budget=0.3) as tx:
        tx.scalar("SELECT count(*) FROM range(1000000000000)")  # hours of work
    assert time.monotonic() - started < 10
    with db.read(budget=5) as tx:  # the next read (and its statement) is not interrupted
        assert tx.scalar("SELECT count(*) FROM range(1000)") == 1000
    _write_meta(db, "after")  # nor is a writer


def test_commit_hooks_run_once_before_commit_and_never_after_a_rollback(tmp_path: Path) -> None:
    db = Database(tmp_path / "crm.duckdb")
    ran: list[str] = []

    def hook(tx: object) -> None:
        ran.append("hook")

    with db.transaction() as tx:
        tx.before_commit("h", hook)
        with db.transaction() as inner:  # a nested block joins the outer transaction
            inner.before_commit("h", hook)
        assert ran == []
    assert ran == ["hook"]
    with pytest.raises(RuntimeError), db.transaction() as tx:
        tx.before_commit("h", hook)
        raise RuntimeError("the writer fails")
    with db.transaction():
        pass
    assert ran == ["hook"]
    db.close()


def test_the_memory_cap_error_carries_the_callers_advice(tmp_path: Path) -> None:
    db = Database(tmp_path / "cap.duckdb")
    with pytest.raises(CrmDataError, match=r"memory limit of 0.0625 GiB.*\. Split the file\.$"):
        with db.memory_cap(0.0625, "Split the file."), db.read() as tx:
            tx.scalar("SELECT length(string_agg(repeat('x', 1000), '')) FROM range(300000)")
