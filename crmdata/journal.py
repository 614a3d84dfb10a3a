"""The change journal: who changed what, when, with every row before and after.

Writers capture the rows they are about to change, make the change, capture again, and
record both in the same transaction. Rows are kept as JSON of the whole row so that an undo
can put back exactly what was there. Bulk writers (imports, deals, history events) hand their
row images over as SQL (:class:`RowImages`), so even a million rows never pass through Python.

Every entry passes the access gate (:func:`crmdata.access.refuse_unpermitted_writes`) before
it is kept: a write to a contact the user could not edit refuses the whole transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from .access import User, refuse_unpermitted_writes
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


@dataclass(frozen=True)
class RowImages:
    """Row images of one table, computed in SQL: the rows of ``table`` matching ``where`` now,
    against a snapshot ``before`` (a table of the same columns taken before the write, or
    None when every row is new). Rows that differ become journal rows."""

    table: str
    keys: tuple[str, ...]
    contact_column: str | None
    where: str
    params: tuple[Any, ...] = ()
    before: str | None = None


def _record_images(tx: Tx, jid: int, images: RowImages) -> None:
    keys = ", ".join(f"'{k}', x.{k}" for k in images.keys)
    cid = f"x.{images.contact_column}" if images.contact_column else "NULL::BIGINT"
    part = f"SELECT json_object({keys})::VARCHAR AS k, {cid} AS cid, to_json(x)::VARCHAR AS j FROM "
    now = f"{part}{images.table} x WHERE {images.where}"
    if images.before is None or tx.one(f"SELECT 1 FROM {images.before} LIMIT 1") is None:
        # every row is new (an import of new contacts): no snapshot to compare with, and the
        # rows numbered as they stream, so that millions of them need not be held and sorted
        tx.execute(
            f"INSERT INTO journal_rows SELECT ?, ? + row_number() OVER (), cid, ?, k, NULL, j FROM ({now})",
            [jid, _last_seq(tx, jid), images.table, *images.params],
        )
        return
    tx.execute(
        f"""INSERT INTO journal_rows
        SELECT ?, ? + row_number() OVER (ORDER BY contact_id, k), contact_id, ?, k, b, a FROM (
            SELECT coalesce(n.k, o.k) AS k, coalesce(n.cid, o.cid) AS contact_id, o.j AS b, n.j AS a
            FROM ({now}) n FULL OUTER JOIN ({part}{images.before} x) o USING (k))
        WHERE b IS DISTINCT FROM a""",
        [jid, _last_seq(tx, jid), images.table, *images.params],
    )


def _last_seq(tx: Tx, jid: int) -> int:
    return int(tx.scalar("SELECT coalesce(max(seq), 0) FROM journal_rows WHERE journal_id = ?", [jid]))


#: Up to this many row images go in as lists (one statement, no DataFrame to build); more as a
#: registered DataFrame, which is faster than lists for tens of thousands of rows.
SMALL_ENTRY = 500


def record(
    tx: Tx, user: User, action: str, summary: str, changes: Iterable[RowChange] = (),
    images: Sequence[RowImages] = (),
) -> int:
    """Write one journal entry with its row images; returns the entry (change set) id.

    Raises (the caller's transaction then rolls back) when the entry writes to a contact the
    user may not edit; see :func:`crmdata.access.refuse_unpermitted_writes`.
    """
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
    for spec in images:
        _record_images(tx, jid, spec)
    refuse_unpermitted_writes(tx, user, jid)
    return jid
