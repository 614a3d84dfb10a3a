"""A contact's rows as plain dicts: which tables hold them, reading them, writing a difference.

The layer below editing, merging and undo, which all work the same way: capture the rows of
the contacts they touch (:func:`capture_contacts`, one statement for every table), change the
dicts, then write the difference set-based (:func:`write_rows`) and journal before and after
(:mod:`crmdata.journal`). Rows are spelled as DuckDB's JSON writes them, timestamps in one
spelling (:func:`canonical`), so a captured row and a written one compare equal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from .db import Tx

#: The id-list parameter of a statement: ``IN (SELECT unnest(?::BIGINT[]))``.
IDS_SQL = "SELECT unnest(?::BIGINT[])"

#: The tables of one contact, with their key columns and the column naming the contact.
CONTACT_TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "contacts": (("id",), "id"),
    "contact_info": (("id",), "contact_id"),
    "contact_tags": (("contact_id", "tag_id"), "contact_id"),
    "custom_values": (("contact_id", "field_id"), "contact_id"),
    "contact_managers": (("contact_id", "user_id"), "contact_id"),
}


Rows = dict[tuple[Any, ...], dict[str, Any]]
_TIMESTAMP_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d*?)0*$")


def canonical(value: Any) -> Any:
    """One spelling per timestamp (DuckDB's JSON writes a space, ``isoformat`` a "T")."""
    if isinstance(value, str):
        m = _TIMESTAMP_RE.match(value)
        if m:
            frac = m.group(3) if m.group(3) not in (None, ".") else ""
            return f"{m.group(1)} {m.group(2)}{frac}"
    return value


def capture_parts(ids: Sequence[int], tables: Sequence[str] = tuple(CONTACT_TABLES)) -> tuple[
    list[str], list[object]
]:
    """The ``SELECT label, json`` parts (to join with ``UNION ALL``) that read every row of the
    given contacts in the contact tables, and their parameters. Callers may add parts of their
    own to the same statement (each statement costs its own round trip)."""
    ids = [int(i) for i in ids]
    few = len(ids) <= 64  # a literal list lets DuckDB filter in the scan (and use indexes)
    match = "(" + ", ".join("?" * len(ids)) + ")" if few and ids else "(SELECT unnest(?::BIGINT[]))"
    parts = [f"SELECT '{t}', to_json(x)::VARCHAR FROM {t} x WHERE x.{CONTACT_TABLES[t][1]} IN {match}"
             for t in tables]
    params: list[object] = [i for _t in tables for i in ids] if few and ids else [ids] * len(parts)
    return parts, params


def parse_captured(rows: Iterable[tuple[str, str]], tables: Sequence[str] = tuple(CONTACT_TABLES)) -> dict[
    str, Rows
]:
    """The rows of :func:`capture_parts` as plain dicts per table, keyed by the key columns
    (rows with other labels are left out)."""
    out: dict[str, Rows] = {t: {} for t in tables}
    for table, text in rows:
        if table in out:
            row = parse_row(text)
            out[table][tuple(row[k] for k in CONTACT_TABLES[table][0])] = row
    return out


def parse_row(text: str) -> dict[str, Any]:
    """A row DuckDB wrote as JSON (``to_json(row)``), as a plain dict: timestamps (the ``*_at``
    columns) in one spelling, text kept exactly as stored."""
    return {k: canonical(v) if k.endswith("_at") else v for k, v in json.loads(text).items()}


def capture_contacts(tx: Tx, ids: Sequence[int], tables: Sequence[str] = tuple(CONTACT_TABLES)) -> dict[
    str, Rows
]:
    """Every row of the given contacts in the contact tables, in one query, as plain dicts.

    The same shape as :func:`crmdata.journal.capture` (keyed by the key columns), read as
    JSON so one statement serves all tables.
    """
    parts, params = capture_parts(ids, tables)
    return parse_captured(tx.rows(" UNION ALL ".join(parts), params), tables)


#: Rows of other tables that merges and photo changes journal: key columns, contact column.
LINKED_TABLES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "deals": (("id",), "contact_id"),
    "deal_participants": (("deal_id", "contact_id"), "contact_id"),
    "history_events": (("id",), "contact_id"),
    "photos": (("contact_id",), "contact_id"),
    "dedupe_decisions": (("id1", "id2"), None),  # pair decisions a merge re-points
}


def display_name(row: dict[str, Any]) -> str:
    """The same rule as :data:`crmdata.derived.DISPLAY_NAME_SQL`."""
    if row["is_company"]:
        return str(row.get("company_name") or "")
    return f"{row.get('first_name') or ''} {row.get('last_name') or ''}".strip()


def _frame(rows: Sequence[dict[str, Any]], cols: Sequence[str], keys: Sequence[str]) -> pd.DataFrame:
    """Rows as a DataFrame DuckDB can read without guessing: integer keys, other values as
    text (or NULL) that the INSERT / UPDATE casts to each column's type."""
    data: dict[str, Any] = {}
    for c in cols:
        values = [r.get(c) for r in rows]
        if c in keys:
            data[c] = pd.Series(values, dtype="int64")
        else:
            data[c] = pd.Series([None if x is None else str(x) for x in values], dtype=object)
    return pd.DataFrame(data)


#: Up to this many rows, plain parameterised statements beat registering a DataFrame.
SMALL = 32


def _write_few(tx: Tx, table: str, keys: Sequence[str], before: Rows, gone: list[dict[str, Any]],
               added: list[dict[str, Any]], changed: list[dict[str, Any]], returning: str) -> list[str]:
    """The same writes as :func:`write_rows` for a handful of rows (one edited contact)."""
    where = " AND ".join(f"{k} = ?" for k in keys)
    out: list[str] = []
    if gone:
        tx.execute(f"DELETE FROM {table} WHERE " + " OR ".join(f"({where})" for _ in gone),
                   [r[k] for r in gone for k in keys])
    if added:
        cols = list(added[0])
        row_marks = "(" + ", ".join("?" * len(cols)) + ")"
        out += _written(tx, f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                        + ", ".join([row_marks] * len(added)) + returning,
                        [r[c] for r in added for c in cols], returning)
    for row in changed:
        old = before[tuple(row[k] for k in keys)]
        cols = [c for c in row if c not in keys and row[c] != old.get(c)]
        sets = ", ".join(f"{c} = ?" for c in cols)
        out += _written(tx, f"UPDATE {table} SET {sets} WHERE {where}{returning}",
                        [*(row[c] for c in cols), *(row[k] for k in keys)], returning)
    return out


def _written(tx: Tx, sql: str, params: list[Any] | None, returning: str) -> list[str]:
    """Run a write; with a ``RETURNING`` clause, the JSON of the rows it wrote."""
    if returning:
        return [str(r[0]) for r in tx.rows(sql, params)]
    tx.execute(sql, params)
    return []


def write_rows(tx: Tx, table: str, keys: Sequence[str], before: Rows, after: Rows, *,
               read_back: bool = False) -> Rows:
    """Make ``table`` go from ``before`` to ``after`` (rows keyed alike), set-based: one
    DELETE, one INSERT and one UPDATE at most, whatever the number of rows (a handful of
    rows go as plain statements).

    With ``read_back``, returns the rows of ``after`` as the table now stores them, spelled
    as :func:`capture_contacts` reads them (the writes return them, so no
    statement reads them again); else an empty mapping.
    """
    gone = [dict(zip(keys, k, strict=True)) for k in before if k not in after]
    added = [after[k] for k in after if k not in before]
    changed = [row for k, row in after.items() if k in before and before[k] != row]
    returning = f" RETURNING to_json({table})::VARCHAR" if read_back else ""
    if len(gone) + len(added) + len(changed) <= SMALL:
        texts = _write_few(tx, table, keys, before, gone, added, changed, returning)
    else:
        texts = _write_many(tx, table, keys, before, gone, added, changed, returning)
    if not read_back:
        return {}
    stored = {k: row for k, row in before.items() if k in after}
    for text in texts:
        row = parse_row(text)
        stored[tuple(row[k] for k in keys)] = row
    return stored


def _write_many(tx: Tx, table: str, keys: Sequence[str], before: Rows, gone: list[dict[str, Any]],
                added: list[dict[str, Any]], changed: list[dict[str, Any]], returning: str) -> list[str]:
    """The writes of :func:`write_rows` for many rows: each kind as one statement over a frame."""
    match = " AND ".join(f"{table}.{k} = w_.{k}" for k in keys)
    out: list[str] = []
    if gone:
        tx.register("w_", _frame(gone, keys, keys))
        tx.execute(f"DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM w_ WHERE {match})")
        tx.unregister("w_")
    if added:
        cols = list(added[0])
        tx.register("w_", _frame(added, cols, keys))
        out += _written(tx, f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM w_"
                        + returning, None, returning)
        tx.unregister("w_")
    if changed:
        cols = sorted({c for row in changed for c in row
                       if c not in keys and row[c] != before[tuple(row[k] for k in keys)].get(c)})
        tx.register("w_", _frame(changed, [*keys, *cols], keys))
        out += _written(tx, f"UPDATE {table} SET {', '.join(f'{c} = w_.{c}' for c in cols)} FROM w_ "
                        f"WHERE {match}" + returning, None, returning)
        tx.unregister("w_")
    return out
