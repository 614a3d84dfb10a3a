"""Store files as older crmdata versions left them, written with raw DuckDB, for migration tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from crmdata.schema import MIGRATIONS, PENDING_FILL


def store_at_schema(path: Path, version: int, persons: Sequence[tuple[int, str, str]] = ()
                    ) -> duckdb.DuckDBPyConnection:
    """A store at schema ``version`` with the given persons ``(id, first, last)``, open in raw
    DuckDB so the caller can add rows as that version wrote them (and close it)."""
    con = duckdb.connect(str(path))
    for migration in MIGRATIONS:
        if migration.version <= version:
            for statement in migration.statements:
                con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(version)])
    # that version filled its derived data (the search index) inside the migration itself
    con.execute(f"DELETE FROM meta WHERE key LIKE '{PENDING_FILL}%'")
    for cid, first, last in persons:
        con.execute(
            "INSERT INTO contacts (id, is_company, first_name, last_name, display_name, share_type, "
            "created_by, created_at, updated_by, updated_at) "
            "VALUES (?, FALSE, ?, ?, ?, 1, 1, now(), 1, now())",
            [cid, first, last, f"{first} {last}"])
    return con
