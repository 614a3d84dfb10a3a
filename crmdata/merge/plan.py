"""Merge plans: which contact of a duplicate cluster survives and what it ends up with (pure).

A plan is computed from the cluster's contacts as plain data and changes nothing; it can be
shown (dry run), edited field by field (:meth:`MergePlan.choose`) or given another survivor
(:meth:`MergePlan.with_survivor`), and then applied by :mod:`crmdata.merge.apply`.

Survivorship rule (in this order; the first that separates two contacts decides):

1. the survivor the user named (``survivor=``);
2. the most complete contact: most non-empty fields + info rows + tags + custom values
   (a photo counts as one more);
3. the most recently updated contact;
4. the oldest contact (lowest id).

The same order ranks the other contacts. Every field then takes the survivor's non-empty
value; when the survivor's is empty, the first non-empty value in rank order fills it
(ONLYOFFICE: "to" wins on its non-empty scalars, empty ones are filled from "from"). A field
is a *conflict* when contacts hold different non-empty values (compared ignoring case and
surrounding spaces). A per-field choice overrides the rule. Fields are the contact's scalars
(names, position, company, notes, industry, currency, temperature, contact type), ``access``
(share type and managers, as one), ``photo``, every custom field (``custom:<label>``) and the
primary row of every info type (``primary_email``, ``primary_phone``, ...).

Info rows are unioned: a row whose type and matching key (E.164 phone, lower-case email,
else the value ignoring case and spaces) is already kept is dropped as a duplicate; the
survivor's own rows are always kept. Exactly one row per type is primary. Tags are unioned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from ..errors import CrmDataError
from ..model import ADDRESS_PARTS, INFO_TYPE_KEYS, InfoType, ShareType

#: Person fields: plan name -> contacts column.
PERSON_FIELDS: dict[str, str] = {
    "first_name": "first_name", "last_name": "last_name", "title": "title",
    "company": "company_id", "notes": "notes", "industry": "industry", "currency": "currency",
    "temperature": "status_id", "contact_type": "contact_type_id",
}
#: Company fields: plan name -> contacts column.
COMPANY_FIELDS: dict[str, str] = {
    "company_name": "company_name", "notes": "notes", "industry": "industry",
    "currency": "currency", "temperature": "status_id", "contact_type": "contact_type_id",
}
#: Fields that may not end up empty.
REQUIRED = {"first_name", "company_name"}
#: Fields whose value is an id shown through a label the record carries.
_LABELLED = {"company": "company", "temperature": "temperature", "contact_type": "contact_type"}
_SHARE_NAMES = {ShareType.NONE: "private", ShareType.READ_WRITE: "read/write", ShareType.READ: "read only"}


class MergeRefused(CrmDataError):
    """The contacts cannot be merged as asked (mixed kinds, too few, unknown field...)."""


@dataclass(frozen=True)
class InfoRow:
    """One contact info row as the plan needs it."""

    id: int
    contact_id: int
    info_type: int
    category: int
    data: str
    is_primary: bool
    key: str  # matching key: same type and key means the same value

    @property
    def type_name(self) -> str:
        return INFO_TYPE_KEYS[InfoType(self.info_type)].lower()


@dataclass(frozen=True)
class MergeRecord:
    """One contact of a cluster: its scalar columns and everything that gets unioned."""

    id: int
    is_company: bool
    display_name: str
    version: int
    updated_at: str
    columns: tuple[tuple[str, Any], ...]  # contacts columns the plan may set
    labels: tuple[tuple[str, str], ...]  # company / temperature / contact_type -> title
    info: tuple[InfoRow, ...]
    tags: tuple[tuple[int, str], ...]  # (tag id, title)
    custom: tuple[tuple[int, str, str], ...]  # (field id, label, value)
    share_type: int
    managers: tuple[tuple[int, str], ...]  # (user id, login)
    photo: str | None  # e.g. "JPEG 200x150", None without photo
    deals: int = 0  # deals naming it as main contact or participant (shown, not compared)
    history: int = 0  # history events (shown, not compared)
    persons: int = 0  # a company's persons (shown, not compared)

    def column(self, name: str) -> Any:
        return dict(self.columns).get(name)

    def label(self, name: str) -> str | None:
        return dict(self.labels).get(name)

    @property
    def completeness(self) -> int:
        filled = sum(1 for _n, v in self.columns if not _empty(v))
        return filled + len(self.info) + len(self.tags) + len(self.custom) + (1 if self.photo else 0)

    def data_key(self) -> tuple[Any, ...]:
        """What must be unchanged between planning and applying (counts excluded)."""
        return (self.id, self.version, self.columns, self.info, self.tags, self.custom,
                self.share_type, self.managers, self.photo)


@dataclass(frozen=True)
class FieldChoice:
    """The value a field of the survivor ends up with, where it comes from and why."""

    field: str
    value: Any
    shown: str | None
    source_contact_id: int | None
    why: str
    conflict: bool
    alternatives: tuple[tuple[int, str], ...]  # (contact id, shown value) of non-empty values


@dataclass(frozen=True)
class InfoOutcome:
    """What happens to one info row: kept on the survivor, moved to it, or dropped."""

    info_id: int
    contact_id: int
    info_type: str
    data: str
    action: str  # "keep", "move" or "drop"
    is_primary: bool  # after the merge (False for dropped rows)
    note: str = ""


@dataclass(frozen=True)
class MergePlan:
    """A complete, pure merge decision; apply it with :meth:`crmdata.Store.merge`."""

    records: tuple[MergeRecord, ...]
    survivor_id: int
    survivor_why: str
    removed_ids: tuple[int, ...]
    fields: tuple[FieldChoice, ...]
    info: tuple[InfoOutcome, ...]
    tags: tuple[tuple[int, str], ...]
    overrides: tuple[tuple[str, int], ...] = field(default=())
    survivor_chosen: bool = False

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(r.id for r in self.records)

    @property
    def is_company(self) -> bool:
        return self.records[0].is_company

    @property
    def versions(self) -> dict[int, int]:
        """Each contact's version when the plan was read (the default optimistic check)."""
        return {r.id: r.version for r in self.records}

    @property
    def conflicts(self) -> tuple[FieldChoice, ...]:
        return tuple(f for f in self.fields if f.conflict)

    def record(self, contact_id: int) -> MergeRecord:
        for r in self.records:
            if r.id == contact_id:
                return r
        raise MergeRefused(f"Contact {contact_id} is not part of this merge ({_ids(self.ids)}).")

    def field(self, name: str) -> FieldChoice:
        wanted = name.strip().lower()
        for f in self.fields:
            if f.field.lower() == wanted:
                return f
        raise MergeRefused(
            f"There is no field '{name}' in this merge; fields are: "
            + ", ".join(f.field for f in self.fields) + "."
        )

    def choose(self, name: str, contact_id: int) -> MergePlan:
        """A new plan where ``name`` takes the value of ``contact_id`` (whatever the rule says)."""
        choice = self.field(name)
        self.record(int(contact_id))
        over = tuple((f, c) for f, c in self.overrides if f != choice.field)
        return plan_merge(self.records, survivor=self.survivor_id if self.survivor_chosen else None,
                          overrides=dict((*over, (choice.field, int(contact_id)))))

    def with_survivor(self, contact_id: int) -> MergePlan:
        """A new plan keeping ``contact_id`` (per-field choices stay)."""
        return plan_merge(self.records, survivor=int(contact_id), overrides=dict(self.overrides))

    def table(self) -> pd.DataFrame:
        """The plan as rows: field, chosen value, from which contact, why, conflict."""
        return pd.DataFrame(
            [(f.field, f.shown, f.source_contact_id, f.why, f.conflict,
              "; ".join(f"{c}: {v}" for c, v in f.alternatives) if f.conflict else "")
             for f in self.fields],
            columns=["field", "value", "from_contact", "why", "conflict", "alternatives"],
        ).astype({"value": "string", "from_contact": "Int64"})

    def summary(self) -> str:
        s = self.record(self.survivor_id)
        moved = sum(1 for i in self.info if i.action == "move")
        dropped = sum(1 for i in self.info if i.action == "drop")
        others = [r for r in self.records if r.id != self.survivor_id]
        parts = [f"{moved} info row(s) moved", f"{dropped} duplicate info row(s) dropped",
                 f"{len(self.tags)} tag(s)",
                 f"{sum(r.deals for r in others)} deal link(s) and "
                 f"{sum(r.history for r in others)} history event(s) re-pointed"]
        if self.is_company:
            parts.append(f"{sum(r.persons for r in others)} person(s) moved to the survivor")
        return (f"Keep {s.id} ({s.display_name}) because {self.survivor_why}; remove "
                f"{_ids(self.removed_ids)}; {', '.join(parts)}; {len(self.conflicts)} conflict(s).")


# -- building records --------------------------------------------------------------------------
def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (
        isinstance(value, str) and not value.strip())


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def info_key(row: Mapping[str, Any]) -> str:
    """The matching key of an info row: two rows of one type with one key hold the same value."""
    t = int(row["info_type"])
    if t == InfoType.PHONE:
        if row.get("e164"):
            return str(row["e164"])
        digits = re.sub(r"\D", "", str(row.get("data") or ""))
        return digits or _norm(row.get("data") or "")
    if t == InfoType.EMAIL and row.get("email_key"):
        return str(row["email_key"])
    if t == InfoType.ADDRESS and any(row.get(p) for p in ADDRESS_PARTS):
        return "|".join(_norm(row.get(p) or "") for p in ADDRESS_PARTS)
    return _norm(row.get("data") or "")


def make_record(d: Mapping[str, Any]) -> MergeRecord:
    """A :class:`MergeRecord` from a contacts row (a dict) plus optional extra keys.

    Extra keys: ``info`` (list of contact_info row dicts), ``tags`` (list of (id, title) or of
    dicts with tag_id and title), ``custom`` (list of dicts with field_id, label, value),
    ``managers`` (list of (user id, login)), ``photo`` (text or None), ``labels`` (dict of
    company / temperature / contact_type titles), ``deals``, ``history``, ``persons`` (counts).
    """
    is_company = bool(d["is_company"])
    names = COMPANY_FIELDS if is_company else PERSON_FIELDS
    columns = tuple((col, None if _empty(d.get(col)) else d.get(col)) for col in names.values())
    info = tuple(sorted((
        InfoRow(int(r["id"]), int(d["id"]), int(r["info_type"]), int(r.get("category") or 0),
                str(r.get("data") or ""), bool(r.get("is_primary")), info_key(r))
        for r in d.get("info", ())), key=lambda r: r.id))
    tags = tuple(sorted(
        (int(t["tag_id"]), str(t["title"])) if isinstance(t, Mapping) else (int(t[0]), str(t[1]))
        for t in d.get("tags", ())))
    custom = tuple(sorted((int(c["field_id"]), str(c["label"]), str(c["value"]))
                          for c in d.get("custom", ())))
    managers = tuple(sorted((int(m[0]), str(m[1])) for m in d.get("managers", ())))
    labels = tuple(sorted((str(k), str(v)) for k, v in dict(d.get("labels") or {}).items()
                          if v is not None))
    display = d.get("display_name") or (
        d.get("company_name") if is_company
        else f"{d.get('first_name') or ''} {d.get('last_name') or ''}".strip())
    return MergeRecord(
        id=int(d["id"]), is_company=is_company, display_name=str(display or ""),
        version=int(d.get("version") or 1), updated_at=str(d.get("updated_at") or ""),
        columns=columns, labels=labels, info=info, tags=tags, custom=custom,
        share_type=int(d.get("share_type", ShareType.READ_WRITE)), managers=managers,
        photo=d.get("photo") or None, deals=int(d.get("deals") or 0),
        history=int(d.get("history") or 0), persons=int(d.get("persons") or 0),
    )


# -- planning ----------------------------------------------------------------------------------
def _ranked(records: Iterable[MergeRecord]) -> list[MergeRecord]:
    """Records in survivorship order: most complete, then most recently updated, then lowest id.

    Three stable sorts, last rule first; ``updated_at`` is an ISO timestamp, so text order is
    time order.
    """
    out = sorted(records, key=lambda r: r.id)
    out.sort(key=lambda r: r.updated_at, reverse=True)
    out.sort(key=lambda r: r.completeness, reverse=True)
    return out


def _survivor(records: Sequence[MergeRecord], survivor: int | None) -> tuple[MergeRecord, str]:
    if survivor is not None:
        for r in records:
            if r.id == int(survivor):
                return r, "you chose it"
        raise MergeRefused(f"Contact {survivor} is not part of this merge ({_ids(r.id for r in records)}).")
    ranked = _ranked(records)
    best, second = ranked[0], ranked[1]
    if best.completeness != second.completeness:
        why = f"it is the most complete ({best.completeness} values, next {second.completeness})"
    elif best.updated_at != second.updated_at:
        why = f"it is as complete as any and the most recently updated ({best.updated_at[:19]})"
    else:
        why = "it is as complete and as recent as any and the oldest (lowest id)"
    return best, why


def _ids(ids: Any) -> str:
    return ", ".join(str(i) for i in ids)


def _shown(r: MergeRecord, name: str, value: Any) -> str | None:
    if _empty(value):
        return None
    if name in _LABELLED:
        label = r.label(_LABELLED[name])
        return f"{label} (#{value})" if name == "company" and label else (label or f"#{value}")
    return str(value)


def _access_value(r: MergeRecord) -> tuple[int, tuple[int, ...]]:
    return (r.share_type, tuple(u for u, _l in r.managers))


def _access_shown(r: MergeRecord) -> str:
    name = _SHARE_NAMES.get(ShareType(r.share_type), str(r.share_type))
    return name + (f"; managers {', '.join(login for _u, login in r.managers)}" if r.managers else "")


def _choose(
    name: str, ranked: Sequence[MergeRecord], overrides: Mapping[str, int],
    value_of: Any, shown_of: Any, norm: Any = _norm,
) -> FieldChoice:
    """The generic rule: the override, else the survivor's non-empty value, else the next one's."""
    present = [(r, value_of(r)) for r in ranked if not _empty(value_of(r))]
    alternatives = tuple((r.id, str(shown_of(r))) for r, _v in present)
    conflict = len({norm(v) for _r, v in present}) > 1
    survivor = ranked[0]
    if name in overrides:
        src = next(r for r in ranked if r.id == overrides[name])
        value = value_of(src)
        if _empty(value) and name in REQUIRED:
            raise MergeRefused(f"Contact {src.id} has no {name.replace('_', ' ')}; it cannot be chosen.")
        return FieldChoice(name, None if _empty(value) else value,
                           None if _empty(value) else shown_of(src), src.id,
                           f"you chose contact {src.id}'s value", conflict, alternatives)
    if not present:
        return FieldChoice(name, None, None, None, "empty on every contact", False, alternatives)
    src, value = present[0]
    if src.id == survivor.id:
        why = "the survivor's value" + (" (others differ)" if conflict else "")
    else:
        why = f"the survivor's is empty; filled from contact {src.id}, next in survivorship order"
    return FieldChoice(name, value, shown_of(src), src.id, why, conflict, alternatives)


def plan_merge(
    records: Sequence[MergeRecord | Mapping[str, Any]],
    *,
    survivor: int | None = None,
    overrides: Mapping[str, int] | None = None,
) -> MergePlan:
    """Plan the merge of two or more contacts (records as :class:`MergeRecord` or dicts).

    ``overrides`` maps field names to the contact whose value that field takes. Refuses
    (:class:`MergeRefused`) fewer than two contacts, repeated ids, or persons mixed with companies.
    """
    recs = tuple(r if isinstance(r, MergeRecord) else make_record(r) for r in records)
    ids = [r.id for r in recs]
    if len(recs) < 2:
        raise MergeRefused("A merge needs at least two contacts.")
    if len(set(ids)) != len(ids):
        raise MergeRefused(f"Contact ids repeat in the merge: {_ids(ids)}.")
    kinds = {r.is_company for r in recs}
    if len(kinds) > 1:
        people = _ids(r.id for r in recs if not r.is_company)
        firms = _ids(r.id for r in recs if r.is_company)
        raise MergeRefused(
            f"Persons ({people}) cannot be merged with companies ({firms}); merge persons with "
            f"persons and companies with companies.")
    over = {str(k): int(v) for k, v in dict(overrides or {}).items()}
    for cid in over.values():
        if cid not in ids:
            raise MergeRefused(f"Contact {cid} is not part of this merge ({_ids(ids)}).")
    best, why = _survivor(recs, survivor)
    ranked = [best, *_ranked(r for r in recs if r.id != best.id)]
    names = COMPANY_FIELDS if best.is_company else PERSON_FIELDS
    choices: list[FieldChoice] = []
    for name, col in names.items():
        choices.append(_choose(name, ranked, over,
                               lambda r, c=col: r.column(c),
                               lambda r, c=col, n=name: _shown(r, n, r.column(c))))
    choices.append(_access_choice(ranked, over))
    photo = _choose("photo", ranked, over, lambda r: r.photo, lambda r: r.photo)
    photos = sum(1 for r in ranked if r.photo)  # two photos always differ as far as we can tell
    choices.append(replace(photo, conflict=photos > 1, why=photo.why.replace(
        "the survivor's value (others differ)", "the survivor's photo (others have one too)")))
    for fid, fname in custom_field_names(ranked).items():
        def custom_of(r: MergeRecord, f: int = fid) -> str | None:
            return next((v for i, _l, v in r.custom if i == f), None)
        choices.append(_choose(fname, ranked, over, custom_of, custom_of))
    info, primaries = _info(ranked, over)
    choices += primaries
    known = {c.field for c in choices}
    unknown = sorted(set(over) - known)
    if unknown:
        raise MergeRefused(f"There is no field {', '.join(unknown)} in this merge; fields are: "
                           + ", ".join(c.field for c in choices) + ".")
    tags = tuple(sorted({t for r in ranked for t in r.tags}, key=lambda t: t[1].lower()))
    return MergePlan(recs, best.id, why, tuple(r.id for r in ranked[1:]), tuple(choices),
                     info, tags, tuple(sorted(over.items())), survivor is not None)


def custom_field_names(records: Sequence[MergeRecord]) -> dict[int, str]:
    """Plan field names of the custom fields set on any record: ``custom:<label>`` (plus
    `` #<id>`` when two fields share a label), by field id."""
    labels = {fid: label for r in records for fid, label, _v in r.custom}
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label.lower()] = counts.get(label.lower(), 0) + 1
    return {fid: f"custom:{labels[fid]}" + (f" #{fid}" if counts[labels[fid].lower()] > 1 else "")
            for fid in sorted(labels)}


def _access_choice(ranked: Sequence[MergeRecord], over: Mapping[str, int]) -> FieldChoice:
    values = {_access_value(r) for r in ranked}
    alternatives = tuple((r.id, _access_shown(r)) for r in ranked)
    src = ranked[0]
    why = "the survivor's access rights" + (" (others differ)" if len(values) > 1 else "")
    if "access" in over:
        src = next(r for r in ranked if r.id == over["access"])
        why = f"you chose contact {src.id}'s access rights"
    return FieldChoice("access", _access_value(src), _access_shown(src), src.id, why,
                       len(values) > 1, alternatives)


def _info(
    ranked: Sequence[MergeRecord], over: Mapping[str, int]
) -> tuple[tuple[InfoOutcome, ...], list[FieldChoice]]:
    """Union the info rows and pick one primary per type."""
    survivor = ranked[0]
    kept: dict[tuple[int, str], InfoRow] = {}
    dropped: dict[int, InfoRow] = {}  # dropped row id -> the kept row it duplicates
    for r in ranked:
        for row in r.info:
            k = (row.info_type, row.key)
            if r.id == survivor.id:
                kept.setdefault(k, row)
            elif k in kept:
                dropped[row.id] = kept[k]
            else:
                kept[k] = row
    kept_ids = {row.id for row in kept.values()} | {row.id for row in survivor.info}
    types = sorted({row.info_type for r in ranked for row in r.info})
    primary_ids: set[int] = set()
    choices: list[FieldChoice] = []
    for t in types:
        def primary_of(r: MergeRecord, t: int = t) -> InfoRow | None:
            rows = [row for row in r.info if row.info_type == t]
            return next((row for row in rows if row.is_primary), rows[0] if rows else None)
        def keep_of(row: InfoRow) -> InfoRow:
            return row if row.id in kept_ids else dropped[row.id]
        name = f"primary_{INFO_TYPE_KEYS[InfoType(t)].lower()}"
        choice = _choose(name, ranked, over,
                         lambda r, f=primary_of: f(r).key if f(r) else None,
                         lambda r, f=primary_of: f(r).data if f(r) else None)
        prow = primary_of(next(r for r in ranked if r.id == choice.source_contact_id))
        if prow is None:
            raise MergeRefused(f"Contact {choice.source_contact_id} has no {name[8:]} to make primary.")
        primary_ids.add(keep_of(prow).id)
        choices.append(replace(choice, value=keep_of(prow).id, shown=prow.data))
    out = []
    for r in ranked:
        for row in r.info:
            if row.id in kept_ids:
                action = "keep" if r.id == survivor.id else "move"
                was = " (was primary)" if row.is_primary and row.id not in primary_ids else ""
                out.append(InfoOutcome(row.id, r.id, row.type_name, row.data, action,
                                       row.id in primary_ids, was.strip()))
            else:
                same = dropped[row.id]
                out.append(InfoOutcome(row.id, r.id, row.type_name, row.data, "drop", False,
                                       f"same as info #{same.id} of contact {same.contact_id}"))
    return tuple(out), choices


def require_ids(ids: Sequence[int]) -> list[int]:
    """The cluster ids as ints, refusing fewer than two or repeats before any read."""
    out = [int(i) for i in ids]
    if len(out) < 2:
        raise MergeRefused("A merge needs at least two contacts.")
    if len(set(out)) != len(out):
        raise MergeRefused(f"Contact ids repeat in the merge: {_ids(out)}.")
    return out


__all__ = ["FieldChoice", "InfoOutcome", "MergePlan", "MergeRecord", "MergeRefused", "info_key",
           "make_record", "plan_merge", "require_ids"]
