"""The change journal: who changed what, when, with every row before and after.

Writers capture the rows they are about to change, make the change, capture again, and
record both in the same transaction. Rows are kept as JSON of the whole row so that an undo
can put back exactly what was there. Large imports record one summary entry instead of a
row image per contact (the import report keeps what came in).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from .access import User
from .db import Tx
from .schema import JOURNAL_IDS


@dataclass(frozen=True)
class RowChange:
    """One row of one table before and after a change (None: the row did not exist)."""

    table: str
    key: dict[str, Any]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    contact_id: int | None = None


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a value read from DuckDB."""
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": bytes(value).hex()}
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def capture(
    tx: Tx, table: str, key_columns: Sequence[str], where: str, params: Sequence[Any] = ()
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The rows of ``table`` matching ``where``, keyed by their key columns."""
    frame = tx.df(f"SELECT * FROM {table} WHERE {where}", list(params))
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rec in frame.to_dict("records"):
        row = {str(k): _plain(v) for k, v in rec.items()}
        out[tuple(row[k] for k in key_columns)] = row
    return out


def diff(
    table: str,
    key_columns: Sequence[str],
    before: dict[tuple[Any, ...], dict[str, Any]],
    after: dict[tuple[Any, ...], dict[str, Any]],
    contact_column: str | None = "contact_id",
) -> list[RowChange]:
    """The rows that were inserted, deleted or changed between two captures."""
    changes = []
    for key in sorted(set(before) | set(after), key=repr):
        b, a = before.get(key), after.get(key)
        if b == a:
            continue
        row = a or b or {}
        cid = row.get(contact_column) if contact_column else None
        changes.append(
            RowChange(
                table,
                dict(zip(key_columns, key, strict=True)),
                b,
                a,
                int(cid) if cid is not None else None,
            )
        )
    return changes


#: Up to this many row images go in as lists (one statement, no DataFrame to build); more as a
#: registered DataFrame, which is faster than lists for tens of thousands of rows.
SMALL_ENTRY = 500


def record(
    tx: Tx, user: User, action: str, summary: str, changes: Iterable[RowChange] = ()
) -> int:
    """Write one journal entry with its row images; returns the entry (change set) id."""
    jid = int(tx.scalar(
        "INSERT INTO journal (id, committed_at, user_id, action, summary) "
        f"VALUES (nextval('{JOURNAL_IDS}'), ?, ?, ?, ?) RETURNING id",
        [datetime.now(UTC).replace(tzinfo=None), user.id, action, summary],
    ))
    rows = [
        (
            jid,
            seq,
            ch.contact_id,
            ch.table,
            json.dumps(ch.key, sort_keys=True),
            None if ch.before is None else json.dumps(ch.before, sort_keys=True),
            None if ch.after is None else json.dumps(ch.after, sort_keys=True),
        )
        for seq, ch in enumerate(changes, 1)
    ]
    if 0 < len(rows) <= SMALL_ENTRY:  # one statement, the columns as lists
        cols = list(zip(*rows, strict=True))
        tx.execute(
            "INSERT INTO journal_rows SELECT ?, unnest(?::INTEGER[]), unnest(?::BIGINT[]), "
            "unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
            [jid, *(list(c) for c in cols[1:])],
        )
    elif rows:  # one set-based INSERT: executemany costs about a millisecond per row
        frame = pd.DataFrame(
            rows, columns=["journal_id", "seq", "contact_id", "table_name", "row_key", "before", "after"]
        ).astype({"journal_id": "int64", "seq": "int64", "contact_id": "Int64"})
        tx.register("journal_rows_", frame)
        tx.execute("INSERT INTO journal_rows SELECT * FROM journal_rows_")
        tx.unregister("journal_rows_")
    return jid
