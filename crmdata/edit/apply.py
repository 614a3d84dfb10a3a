"""Running a change set: one transaction that checks, writes and journals, or changes nothing.

Order inside the transaction: load the touched contacts (refusing unknown or invisible ones
as "no such contact", and ones the user may not edit), compare versions (optimistic
concurrency), apply the operations in memory, validate everything, ask the duplicate
checker, then write the differences, refresh derived data and journal every row before and
after. Any refusal raises before the first write; the transaction rolls back on any error.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from .. import journal, numbering
from ..access import User, can_edit, can_view, view_predicate
from ..contact_rows import (
    CONTACT_TABLES,
    IDS_SQL,
    Rows,
    canonical,
    capture_parts,
    display_name,
    parse_captured,
    write_rows,
)
from ..db import Tx
from ..errors import AccessDenied, Conflict, KeyTaken, NotFound, ValidationFailed
from ..model import INFO_TYPE_LABELS, InfoType, ShareType, categories
from ..search import index as search_index
from . import ops
from .dupcheck import DuplicateCandidate, DuplicateChecker, DuplicatesFound, StagedContact
from .working_copy import LOOKUP_PARTS, Applier, ContactState, Lookups, Part, lookup_loader

if TYPE_CHECKING:
    from .changeset import ChangeSet

OnDuplicate = Literal["ask", "save", "cancel"]

@dataclass
class CommitResult:
    """What a commit did: its journal id (the change set id), created and updated contacts."""

    status: Literal["committed", "cancelled", "nothing to do"]
    change_set_id: int | None = None
    created: dict[ops.NewContact, int] = field(default_factory=dict)
    updated: list[int] = field(default_factory=list)
    duplicates: list[DuplicateCandidate] = field(default_factory=list)


@dataclass
class Prepared:
    states: dict[ops.Target, ContactState]
    before: dict[str, Rows]
    applier: Applier
    lookups: Lookups
    conflicts: list[str]
    now: str
    recent: tuple[int, int]  # search_index.recent_counts_sql of the existing contacts


@dataclass
class _Read:
    before: dict[str, Rows]
    lookups: Lookups
    info_ids: list[int]  # for the new info rows
    recent: tuple[int, int]  # search_index.recent_counts_sql of the contacts


def _wanted_lookups(cs: ChangeSet) -> tuple[Part, ...]:
    """The labels of :data:`LOOKUP_PARTS` to read with the contacts: custom fields and tags
    always (the search texts name them), the others when an operation may use them (a part
    left out is read if it is used after all)."""
    wanted = [Part.CUSTOM_FIELDS, Part.TAGS]
    for op in cs.operations:
        if isinstance(op, (ops.Update, ops.Create)) and any(
                name in ("temperature", "contact_type") for name, _v in op.fields):
            wanted.append(Part.LIST_ITEMS)
        elif isinstance(op, ops.SetAccess):
            wanted.append(Part.USERS)
        elif isinstance(op, ops.AddTags):
            wanted.append(Part.NEXT_TAG_ID)
    return tuple(dict.fromkeys(wanted))


def _read(tx: Tx, ids: Sequence[int], new_info: int, take: bool, wanted: Sequence[Part],
          tables: Sequence[str]) -> _Read:
    """The contacts' rows in ``tables``, the ``wanted`` lookup parts, ids for ``new_info``
    info rows (taken from the sequence if ``take``), the search index's recent row counts and
    the meta values, in one statement (each costs its own round trip, and a cold start per
    table)."""
    parts, params = capture_parts(ids, tables) if ids else ([], [])
    parts += [LOOKUP_PARTS[k] for k in wanted]
    if new_info:
        parts.append(f"SELECT '{Part.NEW_INFO_IDS}', n.id::VARCHAR "
                     f"FROM ({numbering.info_ids_sql(new_info, take=take)}) n")
    counts_sql, counts_params = search_index.recent_counts_sql(ids)
    parts.append(f"SELECT '{Part.RECENT_COUNTS}', to_json([c.total, c.theirs])::VARCHAR "
                 f"FROM ({counts_sql}) c")
    params += counts_params
    parts.append(f"SELECT '{Part.META}', to_json([m.key, m.value])::VARCHAR FROM ({Tx.META_SQL}) m")
    rows = tx.rows(" UNION ALL ".join(parts), params)
    kinds: dict[str, list[Any]] = {}  # by Part
    for label, text in rows:
        if label not in CONTACT_TABLES:  # lookups, next ids, recent counts, meta
            kinds.setdefault(label, []).append(json.loads(text))
    tx.remember_meta((str(k), str(v)) for k, v in kinds.get(Part.META, []))
    lookups = Lookups({k: kinds.get(k, []) for k in wanted}, lookup_loader(tx))
    total, theirs = kinds[Part.RECENT_COUNTS][0]
    before = parse_captured(rows)  # every contact table; those not read are empty
    return _Read(before, lookups, sorted(int(i) for i in kinds.get(Part.NEW_INFO_IDS, [])),
                 (int(total), int(theirs)))


def _unused(ids: list[int], info: Rows, for_preview: bool) -> list[int]:
    """The ids for new info rows, refused if one of the read contacts' rows has one: the
    sequence is then behind rows numbered outside crmdata, and the new row would replace
    that row. A preview numbers past them; a commit raises, writing nothing (the change set
    moves the sequence and tries again). Rows of other contacts are caught by the key."""
    have = {int(k[0]) for k in info}
    if not have.intersection(ids):
        return ids
    if for_preview:
        start = max(have) + 1
        return list(range(start, start + len(ids)))
    raise KeyTaken(f"The store already has info rows with the ids {sorted(have.intersection(ids))}; "
                   "nothing was written.")


def _companies(tx: Tx, user: User, cs: ChangeSet) -> dict[int, str]:
    """The visible companies the change set links persons to, by id, with their names."""
    company_refs = sorted({
        int(val) for op in cs.operations if isinstance(op, (ops.Update, ops.Create))
        for name, val in op.fields if name == "company" and isinstance(val, int) and val
    })
    if not company_refs:
        return {}
    pred, pparams = view_predicate(user, "c")
    return {
        int(r[0]): str(r[1]) for r in tx.rows(
            f"SELECT c.id, c.display_name FROM contacts c WHERE c.is_company "
            f"AND c.id IN ({IDS_SQL}) AND {pred}", [company_refs, *pparams])
    }


def _group(rows: Rows, col: str, key_col: str) -> dict[int, dict[int, dict[str, Any]]]:
    out: dict[int, dict[int, dict[str, Any]]] = {}
    for row in rows.values():
        out.setdefault(int(row[col]), {})[int(row[key_col])] = dict(row)
    return out


def prepare(tx: Tx, user: User, cs: ChangeSet, *, for_preview: bool = False) -> Prepared:
    """Load, check rights and versions, and apply the operations in memory.

    The contacts' managers are read unless nothing needs them: an administrator's rights do
    not depend on them, and only access operations and a preview's view use them."""
    now = canonical(datetime.now(UTC).replace(tzinfo=None).isoformat())
    existing = sorted({t for t in cs.targets() if isinstance(t, int)})
    new_info = sum(isinstance(op, ops.AddInfo) for op in cs.operations)
    managers_needed = (for_preview or not user.is_admin
                       or any(isinstance(op, ops.SetAccess) for op in cs.operations))
    tables = [t for t in CONTACT_TABLES if managers_needed or t != "contact_managers"]
    read = _read(tx, existing, new_info, not for_preview, _wanted_lookups(cs), tables)
    before, lookups = read.before, read.lookups
    info_ids = _unused(read.info_ids, before["contact_info"], for_preview)
    contacts = {int(r["id"]): r for r in before["contacts"].values()}
    managers = _group(before["contact_managers"], "contact_id", "user_id")
    missing = [cid for cid in existing if cid not in contacts
               or not can_view(user, int(contacts[cid]["share_type"]), set(managers.get(cid, {})))]
    if missing:
        raise NotFound(
            f"There is no contact {', '.join(map(str, missing))}." if len(missing) < 20
            else f"There are no contacts {', '.join(map(str, missing[:20]))} and {len(missing) - 20} more."
        )
    denied = [cid for cid in existing
              if not can_edit(user, int(contacts[cid]["share_type"]), set(managers.get(cid, {})))]
    if denied:
        names = ", ".join(f"{cid} ({contacts[cid]['display_name']})" for cid in denied[:20])
        raise AccessDenied(
            f"You ('{user.login}') may view but not edit contact(s) {names}; nothing was changed.",
            hint="ask one of the contact's managers or an administrator",
        )
    conflicts = []
    lookups.companies = _companies(tx, user, cs)
    for cid in existing:
        want = cs.versions.get(cid)
        have = int(contacts[cid]["version"])
        if want is not None and want != have:
            who = lookups.user_logins.get(int(contacts[cid]["updated_by"]), "someone")
            conflicts.append(
                f"contact {cid} ({contacts[cid]['display_name']}) was changed by {who} at "
                f"{str(contacts[cid]['updated_at'])[:19].replace('T', ' ')} after you read it "
                f"(version {want}, now {have})"
            )
    info = _group(before["contact_info"], "contact_id", "id")
    tags = _group(before["contact_tags"], "contact_id", "tag_id")
    custom = _group(before["custom_values"], "contact_id", "field_id")
    states: dict[ops.Target, ContactState] = {
        cid: ContactState(_label(contacts[cid]), False, dict(contacts[cid]), info.get(cid, {}),
                          tags.get(cid, {}), custom.get(cid, {}), managers.get(cid, {}))
        for cid in existing
    }
    creates = any(isinstance(op, ops.Create) for op in cs.operations)
    next_contact = numbering.next_id(tx, "contacts") if creates else 0  # max(id) scans: only when needed
    for op in cs.operations:
        if isinstance(op, ops.Create):
            states[op.ref] = _new_state(op, next_contact, user, now)
            next_contact += 1
    ap = Applier(states, lookups, user_id=user.id, now=now, region=cs.region, info_ids=info_ids)
    for op in cs.operations:
        ap.apply(op)
    ap.finish()
    ap.check_names()
    for st in states.values():
        if st.is_new and st.row["share_type"] == ShareType.NONE and not st.managers:
            st.managers[user.id] = {"contact_id": st.id, "user_id": user.id}  # as the form preselects
        if st.changed and not st.is_new:
            st.row["version"] = int(st.row["version"]) + 1
            st.row["updated_by"], st.row["updated_at"] = user.id, now
        st.row["display_name"] = display_name(st.row)
    return Prepared(states, before, ap, lookups, conflicts, now, read.recent)


def _label(row: dict[str, Any]) -> str:
    """How previews and messages name an existing contact: its name, else its id."""
    name = str(row.get("display_name") or "").strip()
    return name or f"contact {row['id']}"


def _new_state(op: ops.Create, cid: int, user: User, now: str) -> ContactState:
    row: dict[str, Any] = {
        "id": cid, "is_company": op.is_company, "first_name": None, "last_name": None,
        "company_name": None, "display_name": "", "title": None, "company_id": None, "notes": None,
        "industry": None, "currency": None, "status_id": None, "contact_type_id": None,
        "share_type": int(ShareType.READ_WRITE), "created_by": user.id, "created_at": now,
        "updated_by": user.id, "updated_at": now, "version": 1,
    }
    return ContactState(str(op.ref), True, row)


def _after(states: dict[ops.Target, ContactState]) -> dict[str, Rows]:
    out: dict[str, Rows] = {t: {} for t in CONTACT_TABLES}
    for st in states.values():
        out["contacts"][(st.id,)] = st.row
        out["contact_info"].update({(r["id"],): r for r in st.info.values()})
        out["contact_tags"].update({(st.id, r["tag_id"]): r for r in st.tags.values()})
        out["custom_values"].update({(st.id, r["field_id"]): r for r in st.custom.values()})
        out["contact_managers"].update({(st.id, r["user_id"]): r for r in st.managers.values()})
    return out


def staged(prep: Prepared) -> list[StagedContact]:
    """The new and changed contacts, as the duplicate checker sees them."""
    return [
        StagedContact(st.label, st.id, st.is_new, dict(st.row), tuple(st.info.values()),
                      frozenset(st.new_keys))
        for st in prep.states.values() if st.is_new or st.changed
    ]


def commit(
    tx: Tx, user: User, cs: ChangeSet, *, on_duplicate: OnDuplicate, checker: DuplicateChecker | None
) -> CommitResult:
    prep = prepare(tx, user, cs)
    if prep.conflicts:
        raise Conflict(
            "Nothing was written: " + "; ".join(prep.conflicts) + ".",
            hint="read the contacts again and redo your edit", details=prep.conflicts,
        )
    if prep.applier.problems:
        raise ValidationFailed(
            f"Nothing was written: {len(prep.applier.problems)} problem(s) in the change set.",
            prep.applier.problems,
        )
    changed = {k: st for k, st in prep.states.items() if st.is_new or st.changed}
    if not changed:
        return CommitResult("nothing to do")
    dups = checker.check(tx, user, staged(prep)) if checker is not None else []
    if dups and on_duplicate == "ask":
        raise DuplicatesFound(dups)
    if dups and on_duplicate == "cancel":
        return CommitResult("cancelled", duplicates=dups)
    ids = [st.id for st in changed.values()]
    changes: list[journal.RowChange] = []
    new_tags = prep.applier.new_tags
    if new_tags:
        tag_rows = {(tid,): {"id": tid, "title": title, "title_key": key}
                    for key, (tid, title) in new_tags.items()}
        write_rows(tx, "tags", ("id",), {}, tag_rows)
        changes += [journal.RowChange("tags", {"id": k[0]}, None, row) for k, row in tag_rows.items()]
    after = _after(changed)
    id_set = set(ids)
    was: dict[str, Rows] = {}
    stored: dict[str, Rows] = {}  # the rows as DuckDB now stores and spells them
    for table, (keys, col) in CONTACT_TABLES.items():
        was[table] = {k: r for k, r in prep.before[table].items() if int(r[col]) in id_set}
        stored[table] = write_rows(tx, table, keys, was[table], after[table], read_back=True)
    # the display names were set with the rows (prepare), so nothing derived is left to
    # refresh but the search index, which takes the texts held here
    search_index.refresh_held(tx, ids, _texts(stored, prep), prep.recent)
    for table, (keys, col) in CONTACT_TABLES.items():
        changes += journal.diff(table, keys, was[table], stored[table], col)
    created = {k: st.id for k, st in changed.items() if isinstance(k, ops.NewContact)}
    updated = [st.id for st in changed.values() if not st.is_new]
    summary = f"{len(created)} created, {len(updated)} updated" + (
        f" (saved despite {len(dups)} likely duplicate(s))" if dups else "")
    jid = journal.record(tx, user, "edit", summary, changes)
    return CommitResult("committed", jid, created, updated, dups)


def _texts(rows: dict[str, Rows], prep: Prepared) -> list[tuple[int, int, str | None]]:
    """The searched texts of the contacts in ``rows`` (captured rows of the contact tables)."""
    field_types = {fid: f[1] for fid, f in prep.lookups.fields.items()}
    titles = {tid: title for tid, title in prep.lookups.tags.values()}
    titles.update({tid: title for tid, title in prep.applier.new_tags.values()})
    by_contact: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for table in ("contact_info", "custom_values", "contact_tags"):
        for r in rows[table].values():
            by_contact.setdefault(table, {}).setdefault(int(r["contact_id"]), []).append(r)
    out: list[tuple[int, int, str | None]] = []
    for row in rows["contacts"].values():
        cid = int(row["id"])
        info, custom, tags = (by_contact.get(t, {}).get(cid, [])
                              for t in ("contact_info", "custom_values", "contact_tags"))
        out += search_index.contact_texts(row, info, custom, [r["tag_id"] for r in tags], field_types, titles)
    return out


def preview(tx: Tx, user: User, cs: ChangeSet, checker: DuplicateChecker | None) -> ops.Preview:
    """Field-by-field changes, problems, conflicts and duplicates; writes nothing."""
    prep = prepare(tx, user, cs, for_preview=True)
    out = ops.Preview(problems=list(prep.applier.problems), conflicts=list(prep.conflicts))
    if checker is not None:
        out.duplicates = checker.check(tx, user, staged(prep))
    grouped: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for table, (_keys, col) in CONTACT_TABLES.items():
        for r in prep.before[table].values():
            grouped.setdefault(table, {}).setdefault(int(r[col]), []).append(r)
    names = {s.id: display_name(s.row) for s in prep.states.values()}
    for st in prep.states.values():
        if not (st.is_new or st.changed):
            continue
        before = _state_view(prep, st, grouped, names, old=True)
        after = _state_view(prep, st, grouped, names, old=False)
        cid = None if st.is_new else st.id
        for name in dict.fromkeys([*before, *after]):
            b, a = before.get(name), after.get(name)
            b, a = (None if b == "" else b), (None if a == "" else a)
            if b != a:
                out.changes.append(ops.FieldChange(st.label, cid, name, b, a))
    return out


_SHOWN = ("first_name", "last_name", "company_name", "title", "notes", "industry", "currency")


def _state_view(prep: Prepared, st: ContactState, grouped: dict[str, dict[int, list[dict[str, Any]]]],
                names: dict[int, str], *, old: bool) -> dict[str, Any]:
    """A contact as readable fields (names for ids), before or after the change."""
    lk = prep.lookups
    if old:
        if st.is_new:
            return {}
        cid = st.id
        row = prep.before["contacts"][(cid,)]
        info = grouped.get("contact_info", {}).get(cid, [])
        tag_ids = [r["tag_id"] for r in grouped.get("contact_tags", {}).get(cid, [])]
        custom = {r["field_id"]: r["value"] for r in grouped.get("custom_values", {}).get(cid, [])}
        mgrs = [r["user_id"] for r in grouped.get("contact_managers", {}).get(cid, [])]
    else:
        row, info, tag_ids = st.row, list(st.info.values()), list(st.tags)
        custom = {f: r["value"] for f, r in st.custom.items()}
        mgrs = list(st.managers)
    view: dict[str, Any] = {k: row.get(k) for k in _SHOWN}
    view["temperature"] = lk.list_items.get(row.get("status_id") or -1, (0, None))[1]
    view["contact_type"] = lk.list_items.get(row.get("contact_type_id") or -1, (0, None))[1]
    company = row.get("company_id")
    view["company"] = None if company is None else lk.companies.get(company) or names.get(company) or company
    view["share_type"] = ShareType(int(row["share_type"])).name
    tag_titles = {tid: title for tid, title in lk.tags.values()}
    tag_titles.update({tid: title for tid, title in prep.applier.new_tags.values()})
    view["tags"] = ", ".join(sorted((tag_titles.get(t, str(t)) for t in tag_ids), key=str.lower))
    view["managers"] = ", ".join(sorted(lk.user_logins.get(u, str(u)) for u in mgrs))
    for fid, value in custom.items():
        view[f"custom: {lk.fields[fid][0] if fid in lk.fields else fid}"] = value
    for r in sorted(info, key=lambda r: r["id"]):
        t = InfoType(r["info_type"])
        cat = categories(t).get(int(r["category"]), str(r["category"])).lower()
        flag = ", primary" if r["is_primary"] else ""
        view[f"{INFO_TYPE_LABELS[t]} #{r['id']}"] = f"{r['data']} ({cat}{flag})"
    return view
