"""History of a contact and undo of a committed change set, built on the journal's row images.

An undo puts back every row image "before" of a change set, provided every row is still as
the change set left it ("after"); otherwise it refuses with a conflict that names what
changed since. Undo is itself journalled (action ``undo``), so it can be undone in turn.
Restored contacts get a new, higher version, so edits based on a stale read still conflict.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import journal
from ..access import can_edit
from ..contact_rows import CONTACT_TABLES, IDS_SQL, LINKED_TABLES, canonical, capture_contacts, write_rows
from ..derived import contacts_changed
from ..errors import AccessDenied, Conflict, CrmDataError, NotFound

if TYPE_CHECKING:
    from ..store import Store

#: Columns that only say who and when; history lists them with the entry, not per field.
_BOOKKEEPING = {"updated_by", "updated_at", "version", "display_name", "e164", "email_key",
                "contact_id", "created_by", "created_at"}
#: Tables an undo can restore, with their key columns (contact tables, linked rows, tag pool).
_TABLES: dict[str, tuple[str, ...]] = {t: keys for t, (keys, _c) in CONTACT_TABLES.items()}
_TABLES.update({t: keys for t, (keys, _c) in LINKED_TABLES.items()})
_TABLES["tags"] = ("id",)
#: Table name left on journal rows whose personal data a delete purged.
PURGED = "(purged)"


def history(store: Store, contact_id: int) -> pd.DataFrame:
    """Every journalled change of one contact, one row per changed field.

    Columns: change_set_id, committed_at, user, action, summary, undone_by, table, row,
    field, before, after. NotFound when the user may not view the contact.
    """
    store.contact(int(contact_id))  # NotFound for unknown and invisible contacts alike
    with store.db.read() as tx:
        rows = tx.rows(
            "SELECT j.id, j.committed_at, coalesce(u.login, '?'), j.action, j.summary, j.undone_by, "
            "r.table_name, r.row_key, r.before, r.after FROM journal_rows r "
            "JOIN journal j ON j.id = r.journal_id LEFT JOIN users u ON u.id = j.user_id "
            "WHERE r.contact_id = ? ORDER BY j.id, r.seq", [int(contact_id)])
        tag_titles = {int(r[0]): str(r[1]) for r in tx.rows("SELECT id, title FROM tags")}
        logins = {int(r[0]): str(r[1]) for r in tx.rows("SELECT id, login FROM users")}
    _LINKS = {"contact_tags": ("tag", tag_titles, "tag_id"),
              "contact_managers": ("manager", logins, "user_id")}
    out = []
    for jid, at, login, action, summary, undone_by, table, key, before, after in rows:
        b = json.loads(before) if before else {}
        a = json.loads(after) if after else {}
        row = _row_label(table, json.loads(key))
        link = _LINKS.get(table)
        if link:  # a link row is all key: show what was linked or unlinked
            out.append((jid, at, login, action, summary, undone_by, table, row, link[0],
                        link[1].get(int((b or a)[link[2]]), None) if before else None,
                        link[1].get(int((b or a)[link[2]]), None) if after else None))
            continue
        for name in dict.fromkeys([*b, *a]):
            if name in _BOOKKEEPING or b.get(name) == a.get(name) or name in json.loads(key):
                continue
            out.append((jid, at, login, action, summary, undone_by, table, row, name,
                        b.get(name) if before else None, a.get(name) if after else None))
    return pd.DataFrame(out, columns=["change_set_id", "committed_at", "user", "action", "summary",
                                      "undone_by", "table", "row", "field", "before", "after"])


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


def undo(store: Store, change_set_id: int) -> int:
    """Revert a committed change set; returns the id of the undo's own journal entry.

    Refused (Conflict) when any row it wrote has changed since, when it was already undone,
    or when a delete purged part of it; NotFound when it does not exist or touches a contact
    the user may not view; AccessDenied when the user may not edit one of its contacts.
    """
    return _undo(store, int(change_set_id), dry_run=False)


def check_undo(store: Store, change_set_id: int) -> int:
    """Whether a change set can be undone now: runs the whole undo, rolls it back, and
    returns how many rows it would change; raises exactly what :func:`undo` would."""
    try:
        _undo(store, int(change_set_id), dry_run=True)
    except _RolledBack as done:
        return done.rows
    raise AssertionError("unreachable: a dry run always rolls back")  # pragma: no cover


class _RolledBack(Exception):  # noqa: N818 - control flow of a dry run, never escapes this module
    def __init__(self, rows: int) -> None:
        super().__init__(rows)
        self.rows = rows


def _undo(store: Store, jid: int, *, dry_run: bool) -> int:
    user = store.user
    with store.db.transaction() as tx:
        entry = tx.one("SELECT action, undone_by, user_id FROM journal WHERE id = ?", [jid])
        if entry is None:
            raise NotFound(f"There is no change set {jid}.")
        raw = tx.rows("SELECT table_name, row_key, before, after, contact_id FROM journal_rows "
                      "WHERE journal_id = ? ORDER BY seq", [jid])
        images = [(t, json.loads(k), _load(b), _load(a), c) for t, k, b, a, c in raw]
        contact_ids = sorted({int(c) for *_x, c in images if c is not None})
        _check_rights(tx, store, jid, contact_ids)
        if entry[1] is not None:
            raise Conflict(f"Change set {jid} was already undone (by change set {entry[1]}).")
        if entry[0] == "delete" or any(t == PURGED for t, *_x in images):
            raise Conflict(f"Change set {jid} cannot be undone: deleting a contact is irreversible.")
        if not images:
            raise CrmDataError(f"Change set {jid} ({entry[0]}) kept no row images, so it cannot be undone.")
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
        for k in [k for k in mine["tags"] if k not in targets["tags"]]:
            if _tag_in_use(tx, int(k[0])):  # created by the change set, used by others since: keep
                del mine["tags"][k]
        write_rows(tx, "tags", _TABLES["tags"], mine["tags"], targets["tags"])
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


def _check_rights(tx: Any, store: Store, jid: int, contact_ids: list[int]) -> None:
    user = store.user
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


def _current(tx: Any, images: list[Any], contact_ids: list[int]) -> dict[str, dict[tuple[Any, ...], Any]]:
    out: dict[str, dict[tuple[Any, ...], Any]] = dict(capture_contacts(tx, contact_ids))
    for table, (keys, _col) in LINKED_TABLES.items():  # by the first key column, then by key
        firsts = sorted({int(k[keys[0]]) for t, k, *_x in images if t == table})
        rows = journal.capture(tx, table, keys, f"{keys[0]} IN ({IDS_SQL})", [firsts])
        out[table] = {k: {c: canonical(v) for c, v in row.items()} for k, row in rows.items()}
    tag_ids = [int(k["id"]) for t, k, *_x in images if t == "tags"]
    out["tags"] = journal.capture(tx, "tags", ("id",), f"id IN ({IDS_SQL})", [tag_ids])
    return out


def _restore_photos(tx: Any, now: dict[tuple[Any, ...], Any], want: dict[tuple[Any, ...], Any]) -> None:
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


def _tag_in_use(tx: Any, tag_id: int) -> bool:
    return bool(tx.scalar("SELECT count(*) FROM contact_tags WHERE tag_id = ?", [tag_id]))
