"""Bulk writes of deals and history events: what makes "with opportunities" and "last activity" real.

Both writers take a DataFrame keyed by contact id, check every row at once, and insert them
set-based (the frame is registered in DuckDB and copied with one ``INSERT ... SELECT``) in one
transaction with one journal entry holding their row images, so ``history`` shows them and
``undo`` takes them out again. Any problem refuses the whole batch and lists every bad
row; the store is then exactly as before. Contacts the user may not view are reported as not
existing (section 6 of the spec: they do not exist for that user), contacts the user may view
but not edit as not editable.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import numbering
from .access import User, deal_view_predicate, edit_predicate, view_predicate
from .db import Tx
from .errors import CrmDataError, Problem, ValidationFailed
from .journal import RowImages, record
from .model import MAX_NAME_LENGTH

if TYPE_CHECKING:
    from .db import Database

DEAL_COLUMNS = ("contact_id", "title", "stage", "bid_value", "bid_currency", "created_at", "participant_ids")
HISTORY_COLUMNS = ("contact_id", "category", "content", "event_at", "deal_id")


def add_deals(db: Database, user: User, deals: pd.DataFrame) -> list[int]:
    """Insert deals (main contact, title, stage, bid, created, participants); returns the new ids.

    Columns: ``contact_id`` and ``title`` are required; ``stage``, ``bid_value``,
    ``bid_currency``, ``created_at`` (default: now) and ``participant_ids`` (a list of contact
    ids per deal) are optional. Problems are reported by 1-based row of the frame.
    """
    frame, problems = _common(deals, DEAL_COLUMNS, ("contact_id", "title"), "created_at")
    frame["title"] = _text(frame["title"])
    frame["stage"] = _text(frame.get("stage"), len(frame))
    currency = _text(frame.get("bid_currency"), len(frame)).str.upper()
    frame["bid_currency"] = currency
    value = pd.to_numeric(frame.get("bid_value", pd.Series(np.nan, index=frame.index)), errors="coerce")
    raw_value = frame.get("bid_value", pd.Series(None, index=frame.index, dtype=object))
    for i in np.flatnonzero(value.isna().to_numpy() & ~_blank(raw_value).to_numpy()).tolist():
        problems.append(Problem("the bid value is not a number", line=i + 1, field="bid_value",
                                value=str(raw_value.iloc[i])))
    for i in np.flatnonzero((value < 0).to_numpy()).tolist():
        problems.append(Problem("the bid value is negative", line=i + 1, field="bid_value",
                                value=str(value.iloc[i])))
    frame["bid_value"] = value.astype(float)
    bad_currency = (currency != "") & ~currency.str.fullmatch(r"[A-Z]{3}")
    for i in np.flatnonzero(bad_currency.to_numpy()).tolist():
        problems.append(Problem("a currency is a 3-letter ISO code such as EUR", line=i + 1,
                                field="bid_currency", value=str(currency.iloc[i])))
    problems += _required_text(frame, "title")

    parts = _participants(frame.pop("participant_ids") if "participant_ids" in frame else None, problems)
    if frame.empty and not problems:
        return []
    with db.transaction() as tx:
        tx.register("act_rows", frame)
        tx.register("act_parts", parts)
        try:
            problems += _contact_problems(tx, user, "act_rows", "contact_id")
            problems += _contact_problems(tx, user, "act_parts", "contact_id", "participant_ids")
            _refuse(problems, len(frame), "deals")
            first = numbering.next_id(tx, "deals")
            tx.execute(
                "INSERT INTO deals (id, title, contact_id, stage, bid_value, bid_currency, "
                "created_by, created_at) "
                "SELECT ? + seq, title, contact_id, nullif(stage, ''), bid_value, "
                "nullif(bid_currency, ''), ?, created_at FROM act_rows ORDER BY seq",
                [first, user.id],
            )
            tx.execute(
                "INSERT INTO deal_participants (deal_id, contact_id) "
                "SELECT DISTINCT ? + p.seq, p.contact_id FROM act_parts p "
                "JOIN act_rows r ON r.seq = p.seq WHERE p.contact_id <> r.contact_id",
                [first],
            )
            n_parts = int(tx.scalar("SELECT count(*) FROM deal_participants WHERE deal_id >= ?", [first]))
            contacts = int(tx.scalar("SELECT count(DISTINCT contact_id) FROM act_rows"))
            ids = (first, first + len(frame))
            record(tx, user, "deals",
                   f"Added {len(frame)} deals for {contacts} contacts ({n_parts} participant links).",
                   images=[RowImages("deals", ("id",), "contact_id", "x.id >= ? AND x.id < ?", ids),
                           RowImages("deal_participants", ("deal_id", "contact_id"), "contact_id",
                                     "x.deal_id >= ? AND x.deal_id < ?", ids)])
        finally:
            tx.unregister("act_rows")
            tx.unregister("act_parts")
    return list(range(first, first + len(frame)))


def add_history(db: Database, user: User, events: pd.DataFrame) -> list[int]:
    """Insert history events (dated notes, calls, emails, meetings); returns the new ids.

    Columns: ``contact_id``, ``category`` and ``content`` are required; ``event_at``
    (default: now; ISO 8601 text or datetimes) and ``deal_id`` (a deal the event belongs to) are
    optional.
    """
    frame, problems = _common(events, HISTORY_COLUMNS, ("contact_id", "category", "content"), "event_at")
    frame["category"] = _text(frame["category"])
    frame["content"] = frame["content"].fillna("").astype(str).str.strip()
    problems += _required_text(frame, "category")
    for i in np.flatnonzero((frame["content"] == "").to_numpy()).tolist():
        problems.append(Problem("an event needs some content", line=i + 1, field="content"))
    frame["deal_id"] = _ids(frame.get("deal_id"), len(frame), problems, "deal_id")
    if frame.empty and not problems:
        return []
    with db.transaction() as tx:
        tx.register("act_rows", frame)
        try:
            problems += _contact_problems(tx, user, "act_rows", "contact_id")
            deal_seen, deal_params = deal_view_predicate(user, "d")  # a hidden deal: no deal
            for seq, deal in tx.rows(
                "SELECT a.seq, a.deal_id FROM act_rows a LEFT JOIN deals d ON d.id = a.deal_id "
                f"WHERE a.deal_id IS NOT NULL AND (d.id IS NULL OR NOT {deal_seen}) ORDER BY a.seq",
                deal_params,
            ):
                problems.append(Problem(f"there is no deal {deal}", line=int(seq) + 1, field="deal_id"))
            _refuse(problems, len(frame), "history events")
            first = numbering.next_id(tx, "history_events")
            tx.execute(
                "INSERT INTO history_events (id, contact_id, deal_id, category, content, event_at, "
                "created_by) SELECT ? + seq, contact_id, deal_id, category, content, event_at, ? "
                "FROM act_rows ORDER BY seq",
                [first, user.id],
            )
            contacts = int(tx.scalar("SELECT count(DISTINCT contact_id) FROM act_rows"))
            record(tx, user, "history", f"Added {len(frame)} history events for {contacts} contacts.",
                   images=[RowImages("history_events", ("id",), "contact_id", "x.id >= ? AND x.id < ?",
                                     (first, first + len(frame)))])
        finally:
            tx.unregister("act_rows")
    return list(range(first, first + len(frame)))


# -- checks ------------------------------------------------------------------------------------
def _common(
    given: pd.DataFrame, known: tuple[str, ...], required: tuple[str, ...], when: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """A clean working copy with ``seq`` (0-based row), typed ``contact_id`` and timestamp."""
    if not isinstance(given, pd.DataFrame):
        raise CrmDataError(f"Deals and history events come as a pandas DataFrame, not as a "
                           f"{type(given).__name__}.", hint=f"columns: {', '.join(known)}")
    unknown = [c for c in given.columns if c not in known]
    missing = [c for c in required if c not in given.columns]
    if unknown or missing:
        wrong = [Problem(f"unknown column '{c}' (known: {', '.join(known)})") for c in unknown]
        wrong += [Problem(f"the column '{c}' is required") for c in missing]
        raise ValidationFailed("The frame does not have the expected columns.", wrong)
    frame = given.reset_index(drop=True).copy()
    frame.insert(0, "seq", np.arange(len(frame), dtype=np.int64))
    problems: list[Problem] = []
    frame["contact_id"] = _ids(frame["contact_id"], len(frame), problems, "contact_id", required=True)
    raw = frame.get(when, pd.Series(None, index=frame.index, dtype=object))
    stamps = pd.to_datetime(raw, errors="coerce", utc=True, format="ISO8601").dt.tz_localize(None)
    for i in np.flatnonzero(stamps.isna().to_numpy() & ~_blank(raw).to_numpy()).tolist():
        problems.append(Problem("not a date and time", line=i + 1, field=when, value=str(raw.iloc[i])))
    now = pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))
    frame[when] = stamps.fillna(now).astype("datetime64[us]")
    return frame, problems


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype(str).str.strip() == "")


def _text(values: pd.Series | None, n: int = 0) -> pd.Series:
    if values is None:
        return pd.Series([""] * n, dtype=object)
    return values.where(values.notna(), "").astype(str).str.strip()


def _required_text(frame: pd.DataFrame, column: str) -> list[Problem]:
    out = []
    for i, value in enumerate(frame[column]):
        if not value:
            out.append(Problem(f"the {column} is empty", line=i + 1, field=column))
        elif len(value) > MAX_NAME_LENGTH:
            out.append(Problem(f"the {column} is longer than {MAX_NAME_LENGTH} characters",
                               line=i + 1, field=column))
    return out


def _ids(
    values: pd.Series | None, n: int, problems: list[Problem], field: str, *, required: bool = False
) -> pd.Series:
    """Whole-number ids as a nullable Int64 column; anything else is a problem of its row."""
    if values is None:
        return pd.Series(pd.array([None] * n, dtype="Int64"))
    numbers = pd.to_numeric(values, errors="coerce")
    whole = numbers.notna() & (numbers == np.floor(numbers.fillna(0)))
    blank = _blank(values)
    for i in np.flatnonzero((~whole & ~blank).to_numpy()).tolist():
        problems.append(Problem("not a whole-number id", line=i + 1, field=field, value=str(values.iloc[i])))
    if required:
        for i in np.flatnonzero(blank.to_numpy()).tolist():
            problems.append(Problem(f"the {field} is missing", line=i + 1, field=field))
    return numbers.where(whole).astype("Int64")


def _participants(values: pd.Series | None, problems: list[Problem]) -> pd.DataFrame:
    """One (seq, contact_id) row per participant of each deal."""
    seqs: list[int] = []
    ids: list[int] = []
    if values is not None:
        for seq, cell in enumerate(values):
            for cid in _as_list(cell):
                try:
                    number = int(cid)
                    if number != float(cid):
                        raise ValueError
                except (TypeError, ValueError):
                    problems.append(Problem("a participant is not a whole-number contact id",
                                            line=seq + 1, field="participant_ids", value=str(cid)))
                    continue
                seqs.append(seq)
                ids.append(number)
    return pd.DataFrame({"seq": np.asarray(seqs, dtype=np.int64),
                         "contact_id": np.asarray(ids, dtype=np.int64)})


def _as_list(cell: Any) -> Iterable[Any]:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ()
    if isinstance(cell, str):
        return [p for p in cell.replace(",", ";").split(";") if p.strip()]
    if isinstance(cell, (list, tuple, np.ndarray, pd.Series)):
        return list(cell)
    return [cell]


def _contact_problems(
    tx: Tx, user: User, table: str, column: str, field: str | None = None
) -> list[Problem]:
    """Rows whose contact does not exist for the user, or that the user may not edit."""
    view, vparams = view_predicate(user, "c")
    edit, eparams = edit_predicate(user, "c")
    rows = tx.rows(
        f"SELECT a.seq, a.{column}, CASE WHEN c.id IS NULL OR NOT ({view}) THEN 'missing' "
        f"WHEN NOT ({edit}) THEN 'readonly' END AS why "
        f"FROM {table} a LEFT JOIN contacts c ON c.id = a.{column} "
        f"WHERE a.{column} IS NOT NULL AND (c.id IS NULL OR NOT ({view}) OR NOT ({edit})) "
        f"ORDER BY a.seq, a.{column}",
        [*vparams, *eparams, *vparams, *eparams],
    )
    out = []
    for seq, cid, why in rows:
        message = (f"there is no contact {cid}" if why == "missing"
                   else f"you may not edit contact {cid}")
        out.append(Problem(message, line=int(seq) + 1, field=field or column))
    return out


def _refuse(problems: list[Problem], total: int, what: str) -> None:
    if problems:
        rows = len({p.line for p in problems})
        problems.sort(key=lambda p: (p.line or 0, p.field or ""))
        raise ValidationFailed(
            f"{rows} of {total} {what} have problems; nothing was added.", problems,
            hint="rows are counted from 1 in the order given",
        )
