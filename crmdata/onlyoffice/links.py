"""The store side of the sync: portal ids beside crmdata ids, last-seen forms, what reached the
portal, and each contact's comparable form as the store has it.

Every statement runs through :class:`crmdata.db.Tx`. The journal is read, never written, here:
a contact has changes the portal has not seen when the journal has rows of it, from an entry
that is not a pull, past the link's ``pushed_through``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..access import User, view_predicate
from ..db import Tx
from ..errors import CrmDataError
from ..model import ADDRESS_PARTS, InfoType, ListType
from . import forms

#: The journal action of a pull's writes (a pull's own changes never need pushing).
PULL_ACTION = "sync pull"
#: The journal action of a photo set or removed (crmdata.photos): pushed apart from the fields.
PHOTO_ACTION = "photo"
#: ``meta`` keys: the portal a store syncs with, and the largest contact id before the first pull
#: (contacts up to it were in the store before and are never pushed as new).
PORTAL_KEY = "sync_portal"
FIRST_KEY = "sync_first_contact_id"

IDS = "SELECT unnest(?::BIGINT[])"


@dataclass(frozen=True)
class Link:
    contact_id: int
    portal_id: int
    fingerprint: str
    snapshot: forms.Form
    pushed_through: int
    gone: bool


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def check_portal(tx: Tx, url: str) -> None:
    """Refuse a portal other than the one the store was first pulled from."""
    have = tx.meta(PORTAL_KEY)
    if have and have != url:
        raise CrmDataError(
            f"This store syncs with the portal {have}, not {url}; nothing was changed.",
            hint="pull the other portal into a store of its own",
        )


def links(
    tx: Tx, *, portal_ids: Sequence[int] | None = None, contact_ids: Sequence[int] | None = None
) -> dict[int, Link]:
    """Links by crmdata contact id (all, or those of the given ids)."""
    where, params = "TRUE", []
    if portal_ids is not None:
        where, params = f"portal_id IN ({IDS})", [list(portal_ids)]
    elif contact_ids is not None:
        where, params = f"contact_id IN ({IDS})", [list(contact_ids)]
    rows = tx.rows(
        "SELECT contact_id, portal_id, fingerprint, snapshot, pushed_through, gone_at IS NOT NULL "
        f"FROM sync_links WHERE {where}",
        params,
    )
    return {
        int(r[0]): Link(int(r[0]), int(r[1]), str(r[2]), json.loads(r[3]), int(r[4]), bool(r[5]))
        for r in rows
    }


def save_links(tx: Tx, rows: Iterable[tuple[int, int, forms.Form, int]]) -> None:
    """Insert or replace links: (contact id, portal id, form as seen on the portal, pushed through)."""
    data = [
        (cid, pid, forms.fingerprint(form), json.dumps(form, sort_keys=True), through)
        for cid, pid, form, through in rows
    ]
    if not data:
        return
    cols = list(zip(*data, strict=True))
    tx.execute(
        f"DELETE FROM sync_links WHERE contact_id IN ({IDS}) OR portal_id IN ({IDS})",
        [list(cols[0]), list(cols[1])],
    )
    tx.execute(
        "INSERT INTO sync_links SELECT unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::VARCHAR[]), "
        "unnest(?::VARCHAR[]), ?, unnest(?::BIGINT[]), NULL",
        [list(cols[0]), list(cols[1]), list(cols[2]), list(cols[3]), now(), list(cols[4])],
    )


def update_link(tx: Tx, contact_id: int, portal_id: int, form: forms.Form, through: int) -> None:
    """Record a linked contact's new portal version (one statement; a new link is inserted)."""
    done = tx.rows(
        "UPDATE sync_links SET fingerprint = ?, snapshot = ?, seen_at = ?, pushed_through = ?, "
        "gone_at = NULL WHERE contact_id = ? AND portal_id = ? RETURNING contact_id",
        [forms.fingerprint(form), json.dumps(form, sort_keys=True), now(), through, contact_id, portal_id],
    )
    if not done:
        save_links(tx, [(contact_id, portal_id, form, through)])


def drop_link(tx: Tx, contact_id: int) -> None:
    tx.execute("DELETE FROM sync_links WHERE contact_id = ?", [contact_id])


def mark_gone(tx: Tx, contact_ids: Sequence[int]) -> None:
    tx.execute(f"UPDATE sync_links SET gone_at = ? WHERE contact_id IN ({IDS})", [now(), list(contact_ids)])


def latest_changes(tx: Tx, contact_ids: Sequence[int] | None = None) -> dict[int, int]:
    """The latest journal entry (not a pull's, nor a photo change: photos are synced apart, see
    :mod:`crmdata.onlyoffice.photos`) that touched each contact, by contact id."""
    where, params = "", []
    if contact_ids is not None:
        where, params = f"AND r.contact_id IN ({IDS})", [list(contact_ids)]
    return {
        int(c): int(j)
        for c, j in tx.rows(
            "SELECT r.contact_id, max(r.journal_id) FROM journal_rows r "
            "JOIN journal j ON j.id = r.journal_id "
            f"WHERE j.action NOT IN ('{PULL_ACTION}', '{PHOTO_ACTION}') AND r.contact_id IS NOT NULL {where} "
            "GROUP BY r.contact_id",
            params,
        )
    }


def last_entry(tx: Tx, contact_id: int) -> tuple[str, str] | None:
    """The action and summary of the latest journal entry that touched a contact."""
    row = tx.one(
        "SELECT j.action, j.summary FROM journal_rows r JOIN journal j ON j.id = r.journal_id "
        f"WHERE r.contact_id = ? AND j.action <> '{PULL_ACTION}' ORDER BY j.id DESC LIMIT 1",
        [contact_id],
    )
    return None if row is None else (str(row[0]), str(row[1]))


def portal_users(tx: Tx) -> dict[int, str]:
    """crmdata user id -> portal user id."""
    return {int(u): str(p) for u, p in tx.rows("SELECT user_id, portal_user FROM sync_users")}


def local_forms(tx: Tx, user: User, ids: Sequence[int]) -> dict[int, forms.Form]:
    """The comparable form of each contact the user may view, as the store has it.

    A person's company is the company's portal id when it has one; ``company_local`` keeps the
    crmdata id (a company the same push creates)."""
    pred, pparams = view_predicate(user, "c")
    id_list = [int(i) for i in ids]
    out: dict[int, forms.Form] = {}
    if not id_list:
        return out
    portal_of = {
        int(c): int(p)
        for c, p in tx.rows(
            "SELECT l.contact_id, l.portal_id FROM sync_links l WHERE l.contact_id IN "
            f"(SELECT company_id FROM contacts WHERE id IN ({IDS}))",
            [id_list],
        )
    }
    guid = portal_users(tx)
    status = {
        int(i): str(t)
        for i, t in tx.rows(
            "SELECT id, title FROM list_items WHERE list_type = ?", [int(ListType.TEMPERATURE)]
        )
    }
    rows = tx.rows(
        "SELECT c.id, c.is_company, c.first_name, c.last_name, c.company_name, c.title, c.notes, "
        "c.company_id, c.share_type, c.status_id, c.industry, c.currency FROM contacts c "
        f"WHERE c.id IN ({IDS}) AND {pred}",
        [id_list, *pparams],
    )
    for cid, is_company, first, last, cname, title, notes, company, share, status_id, industry, cur in rows:
        t = forms._text
        out[int(cid)] = {
            "core": {
                "is_company": bool(is_company),
                "first_name": "" if is_company else t(first),
                "last_name": "" if is_company else t(last),
                "company_name": t(cname) if is_company else "",
                "title": "" if is_company else t(title),
                "notes": t(notes),
                "company": portal_of.get(int(company)) if company is not None else None,
                "share_type": int(share),
                "managers": [],
            },
            "company_local": None if company is None else int(company),
            "status": status.get(int(status_id)) if status_id is not None else None,
            "info": [],
            "custom": {},
            "tags": [],
            "extra": {"industry": t(industry), "currency": t(cur)},
            "unmapped_managers": [],
        }
    found = list(out)
    for cid, uid in tx.rows(
        f"SELECT contact_id, user_id FROM contact_managers WHERE contact_id IN ({IDS}) "
        "ORDER BY contact_id, user_id",
        [found],
    ):
        form = out[int(cid)]
        if int(uid) in guid:
            form["core"]["managers"].append(guid[int(uid)])
        else:
            form["unmapped_managers"].append(int(uid))
    parts = ", ".join(ADDRESS_PARTS)
    for cid, itype, cat, data, primary, *addr in tx.rows(
        f"SELECT contact_id, info_type, category, data, is_primary, {parts} FROM contact_info "
        f"WHERE contact_id IN ({IDS})",
        [found],
    ):
        value = (
            forms.address_data(dict(zip(ADDRESS_PARTS, addr, strict=True)))
            if int(itype) == InfoType.ADDRESS
            else forms._text(data)
        )
        out[int(cid)]["info"].append([int(itype), int(cat), value, bool(primary)])
    for cid, title in tx.rows(
        "SELECT ct.contact_id, t.title FROM contact_tags ct "
        f"JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id IN ({IDS})",
        [found],
    ):
        out[int(cid)]["tags"].append(str(title))
    for cid, label, value in tx.rows(
        "SELECT v.contact_id, f.label, v.value FROM custom_values v "
        f"JOIN custom_fields f ON f.id = v.field_id WHERE v.contact_id IN ({IDS})",
        [found],
    ):
        if forms._text(value):
            out[int(cid)]["custom"][str(label)] = forms._text(value)
    for form in out.values():
        if form["core"]["share_type"] != 0:  # the portal shows managers of restricted contacts only
            form["core"]["managers"] = []
        form["core"]["managers"].sort()
        form["info"].sort(key=forms._info_key)
        form["tags"].sort(key=str.lower)
        form["custom"] = dict(sorted(form["custom"].items()))
    return out


def log(tx: Tx, rows: Iterable[tuple[int | None, int | None, int | None, str, str, str]]) -> None:
    """Record requests a push carried out: (contact, portal id, through journal id, method, path, outcome)."""
    data = list(rows)
    if data:
        cols = [list(c) for c in zip(*data, strict=True)]
        tx.execute(
            "INSERT INTO sync_log SELECT ?, unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::BIGINT[]), "
            "unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
            [now(), *cols],
        )


def set_pending(tx: Tx, contact_id: int, step: str, portal_id: int | None, high: int | None = None) -> None:
    tx.execute("DELETE FROM sync_pending WHERE contact_id = ?", [contact_id])
    tx.execute("INSERT INTO sync_pending VALUES (?, ?, ?, ?, ?)", [contact_id, step, portal_id, high, now()])


def clear_pending(tx: Tx, contact_id: int) -> None:
    tx.execute("DELETE FROM sync_pending WHERE contact_id = ?", [contact_id])


def pending(tx: Tx) -> dict[int, tuple[str, int | None, int | None]]:
    return {
        int(c): (str(s), None if p is None else int(p), None if h is None else int(h))
        for c, s, p, h in tx.rows("SELECT contact_id, step, portal_id, high_portal_id FROM sync_pending")
    }


def meta_int(tx: Tx, key: str) -> int | None:
    value = tx.meta(key)
    return None if value in (None, "") else int(str(value))


def as_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


#: What the delete code leaves of a deleted contact's journal rows (their personal data purged).
PURGED = "(purged)"
_SURVIVOR = re.compile(r"\binto (\d+) \(")


def removals(tx: Tx, ids: Sequence[int]) -> dict[int, tuple[str, int | None, int]]:
    """Why contacts are gone from the store, as the journal says: ("merge", survivor, entry) for
    a contact merged away by a merge not undone, ("delete", None, entry) for a deleted one (the
    delete purged its journal rows). Contacts the journal says neither of are left out."""
    id_list = [int(i) for i in ids]
    out: dict[int, tuple[str, int | None, int]] = {}
    if not id_list:
        return out
    for cid, jid, summary in tx.rows(
        "SELECT r.contact_id, j.id, j.summary FROM journal_rows r JOIN journal j ON j.id = r.journal_id "
        "WHERE j.action = 'merge' AND j.undone_by IS NULL AND r.table_name = 'contacts' "
        f"AND r.after IS NULL AND r.before IS NOT NULL AND r.contact_id IN ({IDS}) ORDER BY j.id",
        [id_list],
    ):
        hit = _SURVIVOR.search(str(summary))
        if hit:
            out[int(cid)] = ("merge", int(hit.group(1)), int(jid))
    for cid, jid in tx.rows(
        f"SELECT contact_id, max(journal_id) FROM journal_rows WHERE table_name = '{PURGED}' "
        f"AND contact_id IN ({IDS}) GROUP BY contact_id",
        [id_list],
    ):
        out.setdefault(int(cid), ("delete", None, int(jid)))
    return out
