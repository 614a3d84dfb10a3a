"""History of a contact and undo of a committed change set, built on the journal's row images.

An undo puts back every row image "before" of a change set, provided every row is still as
the change set left it ("after"); otherwise it refuses with a conflict that names what
changed since. Undo is itself journalled (action ``undo``), so it can be undone in turn.
Restored contacts get a new, higher version, so edits based on a stale read still conflict.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import journal
from ..access import can_edit
from ..contact_rows import CONTACT_TABLES, IDS_SQL, LINKED_TABLES, canonical, capture_contacts, write_rows
from ..db import Tx
from ..derived import contacts_changed
from ..errors import AccessDenied, Conflict, CrmDataError, NotFound
from ..queries import visible_ids
from .history_labels import SAID_BY_LABEL, Lookups, change_label, change_value

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database

#: Columns that only say who and when; history lists them with the entry, not per field.
_BOOKKEEPING = {"updated_by", "updated_at", "version", "display_name", "e164", "email_key",
                "contact_id", "created_by", "created_at"}
#: Shared pools a change set may add to (imports create tags, levels, types and fields), with
#: the SQL that counts a row's uses: an undo removes a row it created only while unused.
POOLS: dict[str, str] = {
    "tags": "SELECT count(*) FROM contact_tags WHERE tag_id = ?",
    "list_items": "SELECT count(*) FROM contacts WHERE status_id = ? OR contact_type_id = ?",
    "custom_fields": "SELECT count(*) FROM custom_values WHERE field_id = ?",
}
#: Tables an undo can restore, with their key columns (contact tables, linked rows, pools).
_TABLES: dict[str, tuple[str, ...]] = {t: keys for t, (keys, _c) in CONTACT_TABLES.items()}
_TABLES.update({t: keys for t, (keys, _c) in LINKED_TABLES.items()})
_TABLES.update({t: ("id",) for t in POOLS})
#: What else may point at a contact: a contact an undo would remove must have none of these
#: (beyond the rows the undo itself removes), or it "changed since".
_REFERENCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "contacts": (
        ("contacts", "company_id", "persons linked to it"),
        ("deals", "contact_id", "deals"),
        ("deal_participants", "contact_id", "deal links"),
        ("history_events", "contact_id", "history events"),
        ("photos", "contact_id", "a photo"),
    ),
    "deals": (
        ("deal_participants", "deal_id", "participants"),
        ("history_events", "deal_id", "history events"),
    ),
}
#: Table name left on journal rows whose personal data a delete purged.
PURGED = "(purged)"


def history(db: Database, user: User, contact_id: int) -> pd.DataFrame:
    """Every journalled change of one contact, one row per changed field.

    Columns: change_set_id, committed_at, user, action, summary, undone_by, table, row,
    field, what, before, after. ``field`` is the stored column; ``what`` names it as the form
    does ("phone (work)", "position"), and coded values (temperature, type, access, company)
    are shown by their titles. NotFound when the user may not view the contact.
    """
    with db.read() as tx:
        vis_sql, vis_params = visible_ids(user, [int(contact_id)])
        if tx.one(vis_sql, vis_params) is None:  # unknown and invisible contacts alike
            raise NotFound(f"There is no contact {int(contact_id)}.")
        rows = tx.rows(
            "SELECT j.id, j.committed_at, coalesce(u.login, '?'), j.action, j.summary, j.undone_by, "
            "r.table_name, r.row_key, r.before, r.after FROM journal_rows r "
            "JOIN journal j ON j.id = r.journal_id LEFT JOIN users u ON u.id = j.user_id "
            "WHERE r.contact_id = ? ORDER BY j.id, r.seq", [int(contact_id)])
        tag_titles = {int(r[0]): str(r[1]) for r in tx.rows("SELECT id, title FROM tags")}
        logins = {int(r[0]): str(r[1]) for r in tx.rows("SELECT id, login FROM users")}
        companies, hidden = _company_names(tx, rows, user)
        lookups = Lookups(
            list_items={int(r[0]): str(r[1]) for r in tx.rows("SELECT id, title FROM list_items")},
            custom_fields={int(r[0]): str(r[1]) for r in tx.rows("SELECT id, label FROM custom_fields")},
            companies=companies,
        )
    _LINKS = {"contact_tags": ("tag", tag_titles, "tag_id"),
              "contact_managers": ("manager", logins, "user_id")}
    out = []
    for jid, at, login, action, summary, undone_by, table, key, before, after in rows:
        b = json.loads(before) if before else {}
        a = json.loads(after) if after else {}
        row = _row_label(table, json.loads(key))
        link = _LINKS.get(table)
        if link:  # a link row is all key: show what was linked or unlinked
            out.append((jid, at, login, action, summary, undone_by, table, row, link[0], link[0],
                        link[1].get(int((b or a)[link[2]]), None) if before else None,
                        link[1].get(int((b or a)[link[2]]), None) if after else None))
            continue
        for name in dict.fromkeys([*b, *a]):
            if name in _BOOKKEEPING or b.get(name) == a.get(name) or name in json.loads(key):
                continue
            if not before and (table, name) in SAID_BY_LABEL:
                continue
            out.append((jid, at, login, action, summary, undone_by, table, row, name,
                        change_label(table, name, b, a, lookups),
                        _shown(table, name, b.get(name), lookups, hidden) if before else None,
                        _shown(table, name, a.get(name), lookups, hidden) if after else None))
    return pd.DataFrame(out, columns=["change_set_id", "committed_at", "user", "action", "summary",
                                      "undone_by", "table", "row", "field", "what", "before", "after"])


def _shown(table: str, name: str, value: Any, lookups: Lookups, hidden: set[int]) -> Any:
    """A journalled value as history shows it; a company link the user may not view is empty."""
    if name == "company_id" and value is not None and int(value) in hidden:
        return None
    return change_value(table, name, value, lookups)


def _company_names(tx: Tx, rows: list[Any], user: User) -> tuple[dict[int, str], set[int]]:
    """Display names of the companies the journal rows' ``company_id`` values name that the
    user may view, and the ids of those they may not (another contact: shown as empty)."""
    ids: set[int] = set()
    for *_, table, _key, before, after in rows:
        if table == "contacts":
            for text in (before, after):
                cid = json.loads(text).get("company_id") if text else None
                if cid is not None:
                    ids.add(int(cid))
    if not ids:
        return {}, set()
    vis_sql, vis_params = visible_ids(user, sorted(ids))
    found = tx.rows(f"SELECT id, display_name FROM contacts WHERE id IN ({vis_sql})", vis_params)
    names = {int(r[0]): str(r[1]) for r in found}
    return names, ids - set(names)


def _row_label(table: str, key: dict[str, Any]) -> str:
    if table == "contacts":
        return "contact"
    if table == "contact_info":
        return f"info #{key['id']}"
    if table == "contact_tags":
        return f"tag #{key['tag_id']}"
    if table == "custom_values":
        return f"custom field #{key['field_id']}"
    if table == "contact_managers":
        return f"manager #{key['user_id']}"
    return table


def undo(db: Database, user: User, change_set_ids: int | Sequence[int]) -> list[int]:
    """Revert one committed change set, or several (a cleanup's chunks), latest first, in one
    transaction: all or none. Returns the ids of the undo's own journal entries, one per
    change set, in the order they were undone.

    Refused (Conflict) when any row a change set wrote has changed since, when it was already
    undone, or when a delete purged part of it; NotFound when it does not exist or touches a
    contact the user may not view; AccessDenied when the user may not edit one of its contacts.
    """
    ids = [change_set_ids] if isinstance(change_set_ids, int) else list(change_set_ids)
    with db.transaction():
        return [_undo(db, user, int(i), dry_run=False) for i in sorted(ids, reverse=True)]


def check_undo(db: Database, user: User, change_set_id: int) -> int:
    """Whether a change set can be undone now: runs the whole undo, rolls it back, and
    returns how many rows it would change; raises exactly what :func:`undo` would."""
    try:
        _undo(db, user, int(change_set_id), dry_run=True)
    except _RolledBack as done:
        return done.rows
    raise AssertionError("unreachable: a dry run always rolls back")  # pragma: no cover


class _RolledBack(Exception):  # noqa: N818 - control flow of a dry run, never escapes this module
    def __init__(self, rows: int) -> None:
        super().__init__(rows)
        self.rows = rows


def _undo(db: Database, user: User, jid: int, *, dry_run: bool) -> int:
    with db.transaction() as tx:
        entry = tx.one("SELECT action, undone_by, user_id FROM journal WHERE id = ?", [jid])
        if entry is None:
            raise NotFound(f"There is no change set {jid}.")
        raw = tx.rows("SELECT table_name, row_key, before, after, contact_id FROM journal_rows "
                      "WHERE journal_id = ? ORDER BY seq", [jid])
        images = [(t, json.loads(k), _load(b), _load(a), c) for t, k, b, a, c in raw]
        contact_ids = sorted({int(c) for *_x, c in images if c is not None})
        _check_rights(tx, user, jid, contact_ids)
        if entry[1] is not None:
            raise Conflict(f"Change set {jid} was already undone (by change set {entry[1]}).")
        if entry[0] == "delete" or any(t == PURGED for t, *_x in images):
            raise Conflict(f"Change set {jid} cannot be undone: deleting a contact is irreversible.")
        if not images:
            raise CrmDataError(f"Change set {jid} ({entry[0]}) kept no row images, so it cannot be undone.")
        if not user.is_admin and any(t in POOLS and b is not None for t, _k, b, *_x in images):
            raise AccessDenied(f"Only CRM administrators may undo change set {jid}: it changed tags, "
                               f"temperature levels, contact types or custom fields; you are "
                               f"'{user.login}'.")
        foreign = sorted({t for t, *_x in images if t not in _TABLES})
        if foreign:
            raise CrmDataError(f"Change set {jid} ({entry[0]}) changed {', '.join(foreign)}, which undo "
                               f"does not restore; nothing was reverted.")
        current = _current(tx, images, contact_ids)
        stale = []
        for table, key, _before, after, cid in images:
            now_row = current[table].get(tuple(key[k] for k in _TABLES[table]))
            if table != "tags" and now_row != after:
                who = f"contact {cid}" if cid is not None else table
                stale.append(f"{who} ({_row_label(table, key)})")
        stale += _referenced_since(tx, images)
        if stale:
            shown = ", ".join(dict.fromkeys(stale))
            raise Conflict(
                f"Change set {jid} cannot be undone: {shown} changed since; nothing was reverted.",
                hint="undo the later change sets first, or edit by hand", details=stale,
            )
        now = canonical(datetime.now(UTC).replace(tzinfo=None).isoformat())
        targets: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {t: {} for t in _TABLES}
        mine: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {t: {} for t in _TABLES}
        for table, key, before, _after, _cid in images:
            k = tuple(key[c] for c in _TABLES[table])
            if k in current[table]:
                mine[table][k] = current[table][k]
            if before is not None:
                row = dict(before)
                if table == "contacts":
                    row["version"] = int(current[table].get(k, before)["version"]) + 1
                    row["updated_by"], row["updated_at"] = user.id, now
                targets[table][k] = row
        for table in [*CONTACT_TABLES, *LINKED_TABLES]:
            if table == "photos":
                _restore_photos(tx, mine[table], targets[table])
            else:
                write_rows(tx, table, _TABLES[table], mine[table], targets[table])
        for pool, in_use in POOLS.items():
            for k in [k for k in mine[pool] if k not in targets[pool]]:
                if _in_use(tx, in_use, int(k[0])):  # created by the change set, used since: keep
                    del mine[pool][k]
            write_rows(tx, pool, _TABLES[pool], mine[pool], targets[pool])
        contacts_changed(tx, IDS_SQL, [contact_ids])
        after_now = _current(tx, images, contact_ids)
        changes = []
        for table in _TABLES:
            col = {**CONTACT_TABLES, **LINKED_TABLES}.get(table, ((), None))[1]
            changes += journal.diff(table, _TABLES[table], mine[table],
                                    {k: after_now[table][k] for k in set(mine[table]) | set(targets[table])
                                     if k in after_now[table]}, col)
        if dry_run:
            raise _RolledBack(len(changes))  # the transaction rolls back: nothing was written
        new_id = journal.record(tx, user, "undo", f"undo of change set {jid}", changes)
        tx.execute("UPDATE journal SET undoes = ? WHERE id = ?", [jid, new_id])
        tx.execute("UPDATE journal SET undone_by = ? WHERE id = ?", [new_id, jid])
    return new_id


def _check_rights(tx: Tx, user: User, jid: int, contact_ids: list[int]) -> None:
    if user.is_admin:
        return
    rows = {int(r[0]): int(r[1]) for r in tx.rows(
        f"SELECT id, share_type FROM contacts WHERE id IN ({IDS_SQL})", [contact_ids])}
    mgrs: dict[int, set[int]] = {}
    for cid, uid in tx.rows(f"SELECT contact_id, user_id FROM contact_managers WHERE contact_id IN "
                            f"({IDS_SQL})", [contact_ids]):
        mgrs.setdefault(int(cid), set()).add(int(uid))
    for cid, share in rows.items():
        if not can_edit(user, share, mgrs.get(cid, set())):
            from ..access import can_view

            if not can_view(user, share, mgrs.get(cid, set())):
                raise NotFound(f"There is no change set {jid}.")
            raise AccessDenied(f"You ('{user.login}') may not edit contact {cid}, which change set "
                               f"{jid} changed; nothing was reverted.")


def _load(text: str | None) -> dict[str, Any] | None:
    """A row image from the journal, timestamps spelt as the capture spells them."""
    return None if not text else {k: canonical(v) for k, v in json.loads(text).items()}


def _current(tx: Tx, images: list[Any], contact_ids: list[int]) -> dict[str, dict[tuple[Any, ...], Any]]:
    out: dict[str, dict[tuple[Any, ...], Any]] = dict(capture_contacts(tx, contact_ids))
    for table, (keys, _col) in LINKED_TABLES.items():  # by the first key column, then by key
        firsts = sorted({int(k[keys[0]]) for t, k, *_x in images if t == table})
        rows = journal.capture(tx, table, keys, f"{keys[0]} IN ({IDS_SQL})", [firsts])
        out[table] = {k: {c: canonical(v) for c, v in row.items()} for k, row in rows.items()}
    for pool in POOLS:
        pool_ids = [int(k["id"]) for t, k, *_x in images if t == pool]
        rows = journal.capture(tx, pool, ("id",), f"id IN ({IDS_SQL})", [pool_ids])
        out[pool] = {k: {c: canonical(v) for c, v in row.items()} for k, row in rows.items()}
    return out


def _referenced_since(tx: Tx, images: list[Any]) -> list[str]:
    """Contacts and deals the change set created (the undo would remove them) that rows outside
    the change set point at now: persons linked to them, deals, history events, a photo."""
    restored: dict[str, set[str]] = {}  # rows the undo puts back as they were (or removes)
    for table, key, _before, _after, _cid in images:
        restored.setdefault(table, set()).add(json.dumps(key, sort_keys=True))
    out = []
    for owner, references in _REFERENCES.items():
        created = sorted({int(k["id"]) for t, k, b, _a, _c in images if t == owner and b is None})
        if not created:
            continue
        for table, column, what in references:
            key_sql = ", ".join(f"'{k}', x.{k}" for k in _TABLES[table])
            for ref, key in tx.rows(f"SELECT x.{column}, json_object({key_sql})::VARCHAR FROM {table} x "
                                    f"WHERE x.{column} IN ({IDS_SQL}) ORDER BY 1", [created]):
                if json.dumps(json.loads(key), sort_keys=True) not in restored.get(table, set()):
                    out.append(f"{'contact' if owner == 'contacts' else 'deal'} {ref} ({what} since)")
    return list(dict.fromkeys(out))


def _restore_photos(tx: Tx, now: dict[tuple[Any, ...], Any], want: dict[tuple[Any, ...], Any]) -> None:
    """Put photo rows back with their images (the journal keeps BLOBs as ``{"$bytes": hex}``)."""
    def plain(v: Any) -> Any:
        return bytes.fromhex(v["$bytes"]) if isinstance(v, dict) and "$bytes" in v else v

    for key in [k for k in now if k not in want]:
        tx.execute("DELETE FROM photos WHERE contact_id = ?", [key[0]])
    for key, row in want.items():
        if now.get(key) == row:
            continue
        cols = [c for c in row if c != "contact_id"]
        values = [plain(row[c]) for c in cols]
        if key in now:
            tx.execute(f"UPDATE photos SET {', '.join(f'{c} = ?' for c in cols)} WHERE contact_id = ?",
                       [*values, key[0]])
        else:
            tx.execute(f"INSERT INTO photos (contact_id, {', '.join(cols)}) VALUES "
                       f"({', '.join('?' * (len(cols) + 1))})", [key[0], *values])


def _in_use(tx: Tx, count_sql: str, row_id: int) -> bool:
    return bool(tx.scalar(count_sql, [row_id] * count_sql.count("?")))
