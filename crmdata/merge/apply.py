"""Applying a merge plan: one transaction that checks, writes, re-points and journals.

Inside one ``db.transaction()``: read the cluster again as the user (edit rights on
every contact), refuse with :class:`~crmdata.errors.Conflict` when any contact changed since
the plan was read (its version, or any of its rows), then write the survivor's fields, the
unioned info rows, tags, custom values and access entries, re-point deals (main contact and
participants, kept once), history events, duplicate review decisions and, for companies,
their persons, keep one photo, remove the other contacts, refresh derived data, and journal
every row of every table before and after (action ``merge``), so that
:func:`crmdata.edit.undo` restores exactly what was there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import journal
from ..access import User, view_predicate
from ..contact_rows import CONTACT_TABLES, LINKED_TABLES, Rows, capture_contacts, display_name, write_rows
from ..db import Database, Tx
from ..derived import contacts_changed
from ..errors import Conflict
from .load import IDS_SQL, load_records
from .plan import COMPANY_FIELDS, PERSON_FIELDS, MergePlan, custom_field_names

#: Key of ``dedupe_decisions`` and the rows of it that name one of a list of contacts.
_PAIR = ("id1", "id2")
_PAIR_WHERE = f"id1 IN ({IDS_SQL}) OR id2 IN ({IDS_SQL})"
#: Columns of ``photos`` copied when the survivor takes another contact's photo.
_PHOTO_COLUMNS = ("format", "width", "height", "image", "thumb_82", "thumb_40", "source",
                  "updated_by", "updated_at")


@dataclass(frozen=True)
class MergeResult:
    """What a merge did; ``change_set_id`` is the journal entry an undo reverts."""

    survivor_id: int
    removed_ids: tuple[int, ...]
    change_set_id: int
    counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        done = ", ".join(f"{n} {what}" for what, n in self.counts.items() if n)
        cs = self.change_set_id
        return (f"Merged {', '.join(map(str, self.removed_ids))} into {self.survivor_id}"
                + (f" ({done})" if done else "") + f"; change set {cs} (`crmdata undo {cs}` reverts it).")


def _stale(plan: MergePlan, fresh: tuple[Any, ...], expected: Mapping[int, int]) -> list[str]:
    planned = {r.id: r for r in plan.records}
    out = []
    for r in fresh:
        want = expected.get(r.id, planned[r.id].version)
        if want != r.version:
            out.append(f"contact {r.id} ({r.display_name}) was changed after you read it "
                       f"(version {want}, now {r.version})")
        elif r.data_key() != planned[r.id].data_key():
            out.append(f"contact {r.id} ({r.display_name}) was changed after the plan was made")
    return out


def _capture(tx: Tx, ids: list[int]) -> dict[str, Rows]:
    return capture_contacts(tx, ids)


def _targets(plan: MergePlan, before: dict[str, Rows], user_id: int, now: str) -> dict[str, Rows]:
    """The cluster's rows of the contact tables after the merge (only the survivor's remain)."""
    sid = plan.survivor_id
    row = dict(before["contacts"][(sid,)])
    names = COMPANY_FIELDS if plan.is_company else PERSON_FIELDS
    for name, col in names.items():
        row[col] = plan.field(name).value
    share_type, managers = plan.field("access").value
    row.update(share_type=int(share_type), version=int(row["version"]) + 1, updated_by=user_id,
               updated_at=now)
    row["display_name"] = display_name(row)
    out: dict[str, Rows] = {t: {} for t in CONTACT_TABLES}
    out["contacts"][(sid,)] = row
    for o in plan.info:
        if o.action != "drop":
            info = dict(before["contact_info"][(o.info_id,)])
            info.update(contact_id=sid, is_primary=o.is_primary)
            out["contact_info"][(o.info_id,)] = info
    out["contact_tags"] = {(sid, tid): {"contact_id": sid, "tag_id": tid} for tid, _t in plan.tags}
    for fid, name in custom_field_names(plan.records).items():
        choice = plan.field(name)
        if choice.value is not None:
            src = dict(before["custom_values"][(choice.source_contact_id, fid)])
            src["contact_id"] = sid
            out["custom_values"][(sid, fid)] = src
    out["contact_managers"] = {(sid, int(u)): {"contact_id": sid, "user_id": int(u)} for u in managers}
    return out


def _keep_hidden_company(tx: Tx, user: User, was: dict[str, Any], row: dict[str, Any]) -> None:
    """The survivor keeps its link to a company the user may not view: the plan showed no
    company there (it does not exist for the user), which is not a wish to unlink it."""
    company = was.get("company_id")
    if company is None or row.get("company_id") is not None or was.get("is_company"):
        return
    pred, params = view_predicate(user, "c")
    if not tx.scalar(f"SELECT count(*) FROM contacts c WHERE c.id = ? AND {pred}", [company, *params]):
        row["company_id"] = company


def decisions_after(rows: Rows, removed: set[int], survivor: int) -> Rows:
    """Duplicate-review decisions after a merge (pure): pairs naming a removed contact now name
    the survivor, so a pair judged "not a duplicate" stays judged; a pair inside the cluster
    disappears; where two decisions meet on one pair, one already standing wins, else
    "not_duplicate"."""
    out: Rows = {}
    moved = []
    for key, row in rows.items():
        if int(row["id1"]) in removed or int(row["id2"]) in removed:
            moved.append(row)
        else:
            out[key] = row
    moved.sort(key=lambda r: (r["decision"] != "not_duplicate", r["id1"], r["id2"]))
    for row in moved:
        a, b = (survivor if int(x) in removed else int(x) for x in (row["id1"], row["id2"]))
        if a != b and (min(a, b), max(a, b)) not in out:
            out[(min(a, b), max(a, b))] = {**row, "id1": min(a, b), "id2": max(a, b)}
    return out


def _photo(tx: Tx, plan: MergePlan) -> bool:
    """Keep the chosen photo on the survivor and remove the others; True when one moved over."""
    sid, choice = plan.survivor_id, plan.field("photo")
    src = choice.source_contact_id
    moved = False
    if choice.value is None:
        tx.execute(f"DELETE FROM photos WHERE contact_id IN ({IDS_SQL})", [list(plan.ids)])
        return False
    if src != sid:
        cols = ", ".join(_PHOTO_COLUMNS)
        if tx.scalar("SELECT count(*) FROM photos WHERE contact_id = ?", [sid]):
            sets = ", ".join(f"{c} = s_.{c}" for c in _PHOTO_COLUMNS)
            tx.execute(f"UPDATE photos SET {sets} FROM (SELECT * FROM photos WHERE contact_id = ?) s_ "
                       f"WHERE photos.contact_id = ?", [src, sid])
        else:
            tx.execute(f"INSERT INTO photos (contact_id, {cols}) SELECT ?, {cols} FROM photos "
                       f"WHERE contact_id = ?", [sid, src])
        moved = True
    tx.execute(f"DELETE FROM photos WHERE contact_id IN ({IDS_SQL})", [list(plan.removed_ids)])
    return moved


def apply_merge(db: Database, user: User, plan: MergePlan,
                expected_versions: Mapping[int, int] | None = None) -> MergeResult:
    """Merge the plan's contacts into its survivor; all or nothing, journalled, undoable.

    ``expected_versions`` (contact id -> version) defaults to the versions the plan was read at.
    """
    expected = {int(k): int(v) for k, v in (expected_versions or {}).items()}
    ids, sid, removed = list(plan.ids), plan.survivor_id, list(plan.removed_ids)
    now = datetime.now(UTC).replace(tzinfo=None).isoformat()
    with db.transaction() as tx:
        fresh = load_records(tx, user, ids)
        stale = _stale(plan, fresh, expected)
        if stale:
            raise Conflict("Nothing was merged: " + "; ".join(stale) + ".",
                           hint="plan the merge again", details=stale)
        before = _capture(tx, ids)
        person_where = f"company_id IN ({IDS_SQL}) AND id NOT IN ({IDS_SQL})"
        persons = journal.capture(tx, "contacts", ("id",), person_where, [removed, ids])
        linked_before = {
            "deals": journal.capture(tx, "deals", ("id",), f"contact_id IN ({IDS_SQL})", [removed]),
            "deal_participants": journal.capture(tx, "deal_participants", ("deal_id", "contact_id"),
                                                 f"contact_id IN ({IDS_SQL})", [ids]),
            "history_events": journal.capture(tx, "history_events", ("id",),
                                              f"contact_id IN ({IDS_SQL})", [removed]),
            "photos": journal.capture(tx, "photos", ("contact_id",), f"contact_id IN ({IDS_SQL})", [ids]),
            "dedupe_decisions": journal.capture(tx, "dedupe_decisions", _PAIR, _PAIR_WHERE, [ids, ids]),
        }
        after = _targets(plan, before, user.id, now)
        _keep_hidden_company(tx, user, before["contacts"][(sid,)], after["contacts"][(sid,)])
        for table, (keys, _col) in CONTACT_TABLES.items():
            write_rows(tx, table, keys, before[table], after[table])
        person_ids = [int(k[0]) for k in persons]  # moved whether the user may see them or not,
        pred, pparams = view_predicate(user, "c")  # but only the ones they may see are counted
        visible_persons = int(tx.scalar(
            f"SELECT count(*) FROM contacts c WHERE c.id IN ({IDS_SQL}) AND {pred}", [person_ids, *pparams]))
        if person_ids:
            tx.execute(f"UPDATE contacts SET company_id = ?, version = version + 1, updated_by = ?, "
                       f"updated_at = ? WHERE id IN ({IDS_SQL})", [sid, user.id, now, person_ids])
        deal_ids = [int(k[0]) for k in linked_before["deals"]]
        tx.execute(f"UPDATE deals SET contact_id = ? WHERE id IN ({IDS_SQL})", [sid, deal_ids])
        links = linked_before["deal_participants"]
        write_rows(tx, "deal_participants", ("deal_id", "contact_id"), links,
                   {(d, sid): {"deal_id": d, "contact_id": sid} for d, _c in links})
        event_ids = [int(k[0]) for k in linked_before["history_events"]]
        tx.execute(f"UPDATE history_events SET contact_id = ? WHERE id IN ({IDS_SQL})", [sid, event_ids])
        photo_moved = _photo(tx, plan)
        write_rows(tx, "dedupe_decisions", _PAIR, linked_before["dedupe_decisions"],
                   decisions_after(linked_before["dedupe_decisions"], set(removed), sid))
        contacts_changed(tx, f"{IDS_SQL} UNION ALL {IDS_SQL}", [ids, person_ids])
        stored = _capture(tx, ids)
        changes: list[journal.RowChange] = []
        for table, (keys, col) in CONTACT_TABLES.items():
            changes += journal.diff(table, keys, before[table], stored[table], col)
        changes += journal.diff("contacts", ("id",), persons, journal.capture(
            tx, "contacts", ("id",), f"id IN ({IDS_SQL})", [person_ids]), "id")
        linked_after = {
            "deals": journal.capture(tx, "deals", ("id",), f"id IN ({IDS_SQL})", [deal_ids]),
            "deal_participants": journal.capture(tx, "deal_participants", ("deal_id", "contact_id"),
                                                 f"contact_id IN ({IDS_SQL})", [ids]),
            "history_events": journal.capture(tx, "history_events", ("id",), f"id IN ({IDS_SQL})",
                                              [event_ids]),
            "photos": journal.capture(tx, "photos", ("contact_id",), f"contact_id IN ({IDS_SQL})", [ids]),
            "dedupe_decisions": journal.capture(tx, "dedupe_decisions", _PAIR, _PAIR_WHERE, [ids, ids]),
        }
        for table, rows in linked_before.items():
            link_keys, link_col = LINKED_TABLES[table]
            changes += journal.diff(table, link_keys, rows, linked_after[table], link_col)
        counts = {
            "info rows moved": sum(1 for o in plan.info if o.action == "move"),
            "duplicate info rows dropped": sum(1 for o in plan.info if o.action == "drop"),
            "tags added": len(after["contact_tags"]) - sum(1 for r in before["contact_tags"].values()
                                                            if r["contact_id"] == sid),
            "deals re-pointed": len(deal_ids),
            "deal participant links re-pointed": sum(1 for _d, c in links if c != sid),
            "history events re-pointed": len(event_ids),
            "persons moved": visible_persons,
            "photo taken over": int(photo_moved),
            "duplicate review decisions re-pointed": sum(
                1 for r in linked_before["dedupe_decisions"].values()
                if int(r["id1"]) in removed or int(r["id2"]) in removed),
        }
        name = after["contacts"][(sid,)]["display_name"]
        summary = f"merged {', '.join(map(str, removed))} into {sid} ({name})"
        jid = journal.record(tx, user, "merge", summary, changes)
    return MergeResult(sid, tuple(removed), jid, counts)
