"""Reading a duplicate cluster for a merge, as the user sees it.

A user may merge only contacts they may edit, all of them (ONLYOFFICE: "administrator rights
or access to both"). A contact they may not view is reported exactly like one that does not
exist, so a merge never reveals a restricted contact; one they may view but not edit is
refused by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import journal
from ..access import User, can_edit, can_view, view_predicate
from ..db import Database, Tx
from ..errors import AccessDenied, NotFound
from ..model import ListType
from .plan import MergePlan, MergeRecord, make_record, plan_merge, require_ids

IDS_SQL = "SELECT unnest(?::BIGINT[])"


def _by_contact(rows: list[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        out.setdefault(int(row[0]), []).append(tuple(row[1:]))
    return out


def check_access(tx: Tx, user: User, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The contacts rows of ``ids``; NotFound for unknown or invisible ones, AccessDenied for view-only."""
    wanted = list(ids)
    rows = {int(k[0]): r for k, r in journal.capture(
        tx, "contacts", ("id",), f"id IN ({IDS_SQL})", [wanted]).items()}
    mgrs = {cid: {int(u) for (u,) in v} for cid, v in _by_contact(tx.rows(
        f"SELECT contact_id, user_id FROM contact_managers WHERE contact_id IN ({IDS_SQL})",
        [wanted])).items()}
    missing = [i for i in wanted if i not in rows
               or not can_view(user, int(rows[i]["share_type"]), mgrs.get(i, set()))]
    if missing:
        raise NotFound(f"There is no contact {', '.join(map(str, missing[:20]))}"
                       + (f" and {len(missing) - 20} more" if len(missing) > 20 else "")
                       + "; nothing was merged.")
    denied = [i for i in wanted if not can_edit(user, int(rows[i]["share_type"]), mgrs.get(i, set()))]
    if denied:
        names = ", ".join(f"{i} ({rows[i]['display_name']})" for i in denied[:20])
        raise AccessDenied(
            f"You ('{user.login}') may view but not edit contact(s) {names}; a merge needs edit "
            f"rights on every contact; nothing was merged.",
            hint="ask one of the contact's managers or an administrator")
    return rows


def load_records(tx: Tx, user: User, ids: Sequence[int]) -> tuple[MergeRecord, ...]:
    """The cluster's contacts as merge records, in the order given, after the access check."""
    wanted = require_ids(ids)
    rows = check_access(tx, user, wanted)
    info = journal.capture(tx, "contact_info", ("id",), f"contact_id IN ({IDS_SQL})", [wanted])
    tags = _by_contact(tx.rows(
        f"SELECT ct.contact_id, t.id, t.title FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id "
        f"WHERE ct.contact_id IN ({IDS_SQL})", [wanted]))
    custom = _by_contact(tx.rows(
        f"SELECT v.contact_id, v.field_id, f.label, v.value FROM custom_values v "
        f"JOIN custom_fields f ON f.id = v.field_id WHERE v.contact_id IN ({IDS_SQL})", [wanted]))
    managers = _by_contact(tx.rows(
        f"SELECT m.contact_id, m.user_id, coalesce(u.login, '#' || m.user_id) FROM contact_managers m "
        f"LEFT JOIN users u ON u.id = m.user_id WHERE m.contact_id IN ({IDS_SQL})", [wanted]))
    photos = {int(r[0]): f"{r[1]} {r[2]}x{r[3]}" for r in tx.rows(
        f"SELECT contact_id, format, width, height FROM photos WHERE contact_id IN ({IDS_SQL})",
        [wanted])}
    deals = {int(r[0]): int(r[1]) for r in tx.rows(
        f"SELECT cid, count(DISTINCT deal_id) FROM (SELECT contact_id AS cid, id AS deal_id FROM deals "
        f"UNION ALL SELECT contact_id, deal_id FROM deal_participants) WHERE cid IN ({IDS_SQL}) "
        f"GROUP BY cid", [wanted])}
    history = {int(r[0]): int(r[1]) for r in tx.rows(
        f"SELECT contact_id, count(*) FROM history_events WHERE contact_id IN ({IDS_SQL}) "
        f"GROUP BY contact_id", [wanted])}
    pred, pparams = view_predicate(user, "c")
    persons = {int(r[0]): int(r[1]) for r in tx.rows(  # only those the user may see are counted
        f"SELECT c.company_id, count(*) FROM contacts c WHERE c.company_id IN ({IDS_SQL}) AND {pred} "
        f"GROUP BY c.company_id", [wanted, *pparams])}
    list_titles = {(int(r[0]), int(r[1])): str(r[2]) for r in tx.rows(
        "SELECT id, list_type, title FROM list_items")}
    company_ids = sorted({int(r["company_id"]) for r in rows.values() if r.get("company_id") is not None})
    companies = {int(r[0]): str(r[1]) for r in tx.rows(
        f"SELECT c.id, c.display_name FROM contacts c WHERE c.id IN ({IDS_SQL}) AND {pred}",
        [company_ids, *pparams])} if company_ids else {}
    out = []
    for cid in wanted:
        row = dict(rows[cid])
        labels: dict[str, str | None] = {
            "company": companies.get(row["company_id"]) if row.get("company_id") is not None else None,
            "temperature": list_titles.get((row.get("status_id") or -1, int(ListType.TEMPERATURE))),
            "contact_type": list_titles.get((row.get("contact_type_id") or -1, int(ListType.CONTACT_TYPE))),
        }
        row.update(
            info=[r for r in info.values() if int(r["contact_id"]) == cid],
            tags=tags.get(cid, []),
            custom=[{"field_id": f, "label": lbl, "value": v} for f, lbl, v in custom.get(cid, [])],
            managers=managers.get(cid, []),
            photo=photos.get(cid), labels=labels, deals=deals.get(cid, 0),
            history=history.get(cid, 0), persons=persons.get(cid, 0),
        )
        out.append(make_record(row))
    return tuple(out)


def plan_for(db: Database, user: User, ids: Sequence[int], *, survivor: int | None = None,
             keep: dict[str, int] | None = None) -> MergePlan:
    """A merge plan for the contacts ``ids`` as ``user`` sees them (read in one action); writes
    nothing. ``keep`` maps field names to the contact whose value the field takes."""
    with db.read() as tx:
        records = load_records(tx, user, ids)
    return plan_merge(records, survivor=survivor, overrides=keep)
