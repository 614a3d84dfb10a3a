"""The working copy of a change set: its contacts in memory while the operations are applied.

A :class:`ContactState` holds one contact's rows exactly as the store keeps them (the same
dicts :func:`crmdata.journal.capture` returns). Operations change these dicts; the apply step
then writes the difference and journals it. Applying is pure apart from the lookups it is
given, so a preview and a commit compute the very same result.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, TypeVar

from ..db import Tx
from ..errors import Problem
from ..model import ADDRESS_PARTS, InfoType, ListType, ShareType, categories, category_code
from ..model import default_category as default_category_of
from . import ops, validate


class Part(StrEnum):
    """Labels of the rows a change set's read brings besides the contact tables' own
    (``SELECT label, json ... UNION ALL ...``): lookups, new ids, index counts, meta."""

    LIST_ITEMS = "list_items"        # temperature levels and contact types
    USERS = "users"
    CUSTOM_FIELDS = "custom_fields"
    TAGS = "tags"
    NEXT_TAG_ID = "next_tag_id"
    NEW_INFO_IDS = "new_info_ids"    # ids for the new info rows, from the sequence
    RECENT_COUNTS = "recent_counts"  # the search index's recent rows (search.index)
    META = "meta"                    # the meta table, for the duplicate checker


class Lookups:
    """Names the operations may use, resolved inside the change set's read.

    ``parts`` are the small tables' rows the read brought, by label (:data:`LOOKUP_PARTS`);
    a part it left out (a change set rarely needs temperature levels, users or a new tag id)
    is read with ``load`` on first use, so what the read brings only decides the speed.
    """

    def __init__(self, parts: dict[Part, list[Any]], load: Callable[[Part], list[Any]],
                 companies: dict[int, str] | None = None) -> None:
        self._parts = parts
        self._load = load
        self.companies: dict[int, str] = companies or {}  # visible companies the change set names
        self._next_tag_id: int | None = None

    def _part(self, label: Part) -> list[Any]:
        if label not in self._parts:
            self._parts[label] = self._load(label)
        return self._parts[label]

    @cached_property
    def list_items(self) -> dict[int, tuple[int, str]]:  # id -> (list type, title)
        return {int(r["id"]): (int(r["list_type"]), str(r["title"])) for r in self._part(Part.LIST_ITEMS)}

    @cached_property
    def users(self) -> dict[str, int]:  # lower login -> id
        return {str(r["login"]).lower(): int(r["id"]) for r in self._part(Part.USERS)}

    @cached_property
    def user_logins(self) -> dict[int, str]:
        return {int(r["id"]): str(r["login"]) for r in self._part(Part.USERS)}

    @cached_property
    def fields(self) -> dict[int, tuple[str, int, int, str | None]]:  # id -> (label, type, scope, mask)
        return {int(r["id"]): (str(r["label"]), int(r["field_type"]), int(r["scope"]), r["mask"])
                for r in self._part(Part.CUSTOM_FIELDS)}

    @cached_property
    def tags(self) -> dict[str, tuple[int, str]]:  # title key -> (id, title)
        return {str(r["title_key"]): (int(r["id"]), str(r["title"])) for r in self._part(Part.TAGS)}

    @property
    def next_tag_id(self) -> int:
        if self._next_tag_id is None:
            self._next_tag_id = int(self._part(Part.NEXT_TAG_ID)[0])
        return self._next_tag_id

    @next_tag_id.setter
    def next_tag_id(self, value: int) -> None:
        self._next_tag_id = value

    def list_item(self, list_type: ListType, ref: object) -> tuple[int | None, str | None]:
        """(id, problem) of a temperature level or contact type given by title or id."""
        if ref is None or ref == "" or ref == 0:
            return None, None
        label = "temperature level" if list_type is ListType.TEMPERATURE else "contact type"
        for item_id, (lt, title) in self.list_items.items():
            if lt != int(list_type):
                continue
            if (isinstance(ref, int) and item_id == ref) or (
                isinstance(ref, str) and title.strip().lower() == ref.strip().lower()
            ):
                return item_id, None
        return None, f"there is no {label} '{ref}'"

    def field(self, ref: str | int) -> tuple[int | None, str | None]:
        for fid, (label, *_rest) in self.fields.items():
            if (isinstance(ref, int) and fid == ref) or (
                isinstance(ref, str) and label.strip().lower() == ref.strip().lower()
            ):
                return fid, None
        return None, f"there is no custom field '{ref}'"


#: The small lookup tables, each as a ``label, json`` part of a read (``n``: the next tag id).
LOOKUP_PARTS: dict[Part, str] = {
    Part.LIST_ITEMS: f"SELECT '{Part.LIST_ITEMS}', to_json(x)::VARCHAR FROM list_items x",
    Part.USERS: f"SELECT '{Part.USERS}', to_json(x)::VARCHAR FROM users x",
    Part.CUSTOM_FIELDS: f"SELECT '{Part.CUSTOM_FIELDS}', to_json(x)::VARCHAR FROM custom_fields x",
    Part.TAGS: f"SELECT '{Part.TAGS}', to_json(x)::VARCHAR FROM tags x",
    Part.NEXT_TAG_ID: f"SELECT '{Part.NEXT_TAG_ID}', (coalesce(max(id), 0) + 1)::VARCHAR FROM tags",
}


def lookup_loader(tx: Tx) -> Callable[[Part], list[Any]]:
    """Reads one part of :data:`LOOKUP_PARTS` on its own, for :class:`Lookups`."""
    return lambda label: [json.loads(text) for _label, text in tx.rows(LOOKUP_PARTS[label])]



_Row = TypeVar("_Row")


def primary_successor(remaining: Sequence[_Row]) -> _Row | None:
    """The rule for a primary value that goes: the first remaining value of its type, in the
    order the values were added, becomes primary (none when no value of the type is left).
    The editor previews with it what a commit will do."""
    return remaining[0] if remaining else None

@dataclass
class ContactState:
    """One contact's rows, changed in place by the operations of a change set."""

    label: str
    is_new: bool
    row: dict[str, Any]
    info: dict[int, dict[str, Any]] = field(default_factory=dict)
    tags: dict[int, dict[str, Any]] = field(default_factory=dict)  # tag id -> link row
    custom: dict[int, dict[str, Any]] = field(default_factory=dict)  # field id -> value row
    managers: dict[int, dict[str, Any]] = field(default_factory=dict)  # user id -> row
    touched_types: set[int] = field(default_factory=set)
    new_keys: set[tuple[int, str]] = field(default_factory=set)  # (info type, key) added
    changed: set[str] = field(default_factory=set)

    @property
    def id(self) -> int:
        return int(self.row["id"])


class Applier:
    """Applies operations to contact states, collecting problems instead of stopping."""

    def __init__(
        self,
        states: dict[ops.Target, ContactState],
        lookups: Lookups,
        *,
        user_id: int,
        now: str,
        region: str,
        info_ids: Sequence[int],
    ) -> None:
        self.states = states
        self.lk = lookups
        self.user_id = user_id
        self.now = now
        self.region = region
        self._info_ids = list(info_ids)  # for new info rows, one per AddInfo operation
        self.problems: list[Problem] = []
        self.new_tags: dict[str, tuple[int, str]] = {}

    # -- helpers -------------------------------------------------------------------------
    def problem(self, st: ContactState, where: str, message: str, value: object = None) -> None:
        self.problems.append(Problem(
            message,
            field=where if not st.is_new else f"{st.label}, {where}",
            contact_id=None if st.is_new else st.id,
            value=None if value is None else str(value),
        ))

    def _category(self, st: ContactState, t: InfoType, cat: int | str | None) -> int | None:
        if cat is None:
            return default_category_of(t)
        try:
            code = category_code(t, cat) if isinstance(cat, str) else int(cat)
        except KeyError:
            code = -1
        if code not in categories(t):
            names = ", ".join(categories(t).values())
            self.problem(st, t.name.lower(), f"category '{cat}' is not one of {names}", cat)
            return None
        return code

    def _fill_value(self, st: ContactState, row: dict[str, Any], where: str) -> None:
        """Check an info row's value and set its display data and matching keys."""
        t = InfoType(row["info_type"])
        row["e164"] = None
        row["email_key"] = None
        if t is InfoType.ADDRESS:
            parts = {p: (row.get(p) or "").strip() for p in ADDRESS_PARTS}
            for msg in validate.check_address(parts):
                self.problem(st, where, msg)
            for p in ADDRESS_PARTS:
                row[p] = parts[p] or None
            row["data"] = ", ".join(x for x in parts.values() if x)
            return
        text = (row.get("data") or "").strip()
        row["data"] = text
        key, msgs = validate.check_info_value(t, text, self.region)
        for msg in msgs:
            self.problem(st, where, msg, text)
        if key and t is InfoType.PHONE:
            row["e164"] = key
        if key and t is InfoType.EMAIL:
            row["email_key"] = key
        if key:
            st.new_keys.add((int(t), key))

    # -- operations ----------------------------------------------------------------------
    def apply(self, op: ops.Operation) -> None:
        target = op.ref if isinstance(op, ops.Create) else op.target
        st = self.states[target]
        if isinstance(op, (ops.Create, ops.Update)):
            self._fields(st, dict(op.fields))
        elif isinstance(op, ops.AddInfo):
            self._add_info(st, op)
        elif isinstance(op, ops.ChangeInfo):
            self._change_info(st, op)
        elif isinstance(op, ops.DeleteInfo):
            row = self._info_row(st, op.info_id)
            if row is not None:
                del st.info[op.info_id]
                st.touched_types.add(int(row["info_type"]))
                st.changed.add("info")
                if row["is_primary"]:
                    self._promote(st, int(row["info_type"]))
        elif isinstance(op, ops.SetPrimary):
            row = self._info_row(st, op.info_id)
            if row is not None:
                self._make_primary(st, row)
        elif isinstance(op, ops.SetCustom):
            self._custom(st, op)
        elif isinstance(op, ops.AddTags):
            self._add_tags(st, op.tags)
        elif isinstance(op, ops.RemoveTags):
            self._remove_tags(st, op.tags)
        elif isinstance(op, ops.SetAccess):
            self._access(st, op)

    def _fields(self, st: ContactState, values: dict[str, Any]) -> None:
        row = st.row
        for name, value in values.items():
            st.changed.add(name)
            if name in ops.EDITABLE_FIELDS:
                text = None if value is None else str(value).strip()
                row[name] = text or None
                if name == "currency" and row[name]:
                    row[name] = row[name].upper()
            elif name in ("temperature", "contact_type"):
                lt = ListType.TEMPERATURE if name == "temperature" else ListType.CONTACT_TYPE
                item, msg = self.lk.list_item(lt, value)
                if msg:
                    self.problem(st, name, msg, value)
                else:
                    row["status_id" if name == "temperature" else "contact_type_id"] = item
            elif name == "company":
                self._company(st, value)
            else:
                self.problem(st, name, f"'{name}' is not a field crmdata edits")

    def _company(self, st: ContactState, value: object) -> None:
        if st.row["is_company"]:
            if value is not None:
                self.problem(st, "company", "a company cannot belong to another company")
            return
        if value is None or value == 0:
            st.row["company_id"] = None
            return
        if isinstance(value, ops.NewContact):
            other = self.states.get(value)
            if other is None or not other.row["is_company"]:
                self.problem(st, "company", f"{value} is not a company of this change set")
                return
            st.row["company_id"] = other.id
            return
        if isinstance(value, int) and value in self.lk.companies:
            st.row["company_id"] = value
            return
        # unknown, invisible and non-company ids all read the same, revealing nothing
        self.problem(st, "company", f"there is no company {value}", value)

    def _info_row(self, st: ContactState, info_id: int) -> dict[str, Any] | None:
        row = st.info.get(int(info_id))
        if row is None:
            self.problem(st, "info", f"the contact has no info row {info_id}", info_id)
        return row

    def _add_info(self, st: ContactState, op: ops.AddInfo) -> None:
        t = InfoType(op.info_type)
        where = t.name.lower()
        cat = self._category(st, t, op.category)
        row: dict[str, Any] = {
            "id": self._info_ids.pop(0), "contact_id": st.id, "info_type": int(t),
            "category": cat if cat is not None else default_category_of(t), "data": op.data or "",
            "is_primary": False, **{p: None for p in ADDRESS_PARTS},
            "updated_by": self.user_id, "updated_at": self.now,
        }
        if t is InfoType.ADDRESS:
            row.update(_address_parts(st, self, op.address, where))
        self._fill_value(st, row, where)
        first = not any(r["info_type"] == int(t) for r in st.info.values())
        st.info[row["id"]] = row
        st.touched_types.add(int(t))
        st.changed.add("info")
        if op.primary or (op.primary is None and first):
            self._make_primary(st, row)

    def _change_info(self, st: ContactState, op: ops.ChangeInfo) -> None:
        row = self._info_row(st, op.info_id)
        if row is None:
            return
        t = InfoType(row["info_type"])
        if op.category is not None:
            cat = self._category(st, t, op.category)
            if cat is not None:
                row["category"] = cat
        if t is InfoType.ADDRESS and op.address:
            row.update(_address_parts(st, self, op.address, t.name.lower()))
        elif op.data is not None:
            row["data"] = op.data
        self._fill_value(st, row, t.name.lower())
        row["updated_by"], row["updated_at"] = self.user_id, self.now
        st.touched_types.add(int(t))
        st.changed.add("info")

    def _make_primary(self, st: ContactState, row: dict[str, Any]) -> None:
        for other in st.info.values():
            if other["info_type"] == row["info_type"] and other is not row and other["is_primary"]:
                other["is_primary"] = False
        row["is_primary"] = True
        st.touched_types.add(int(row["info_type"]))
        st.changed.add("info")

    def _promote(self, st: ContactState, info_type: int) -> None:
        rest = sorted((r for r in st.info.values() if r["info_type"] == info_type), key=lambda r: r["id"])
        successor = primary_successor(rest)
        if successor is not None:
            self._make_primary(st, successor)

    def finish(self) -> None:
        """Exactly one primary per touched type that has values (legacy rows fixed too)."""
        for st in self.states.values():
            for t in st.touched_types:
                rows = sorted((r for r in st.info.values() if r["info_type"] == t), key=lambda r: r["id"])
                prim = [r for r in rows if r["is_primary"]]
                if rows and len(prim) != 1:
                    self._make_primary(st, prim[0] if prim else rows[0])

    def _custom(self, st: ContactState, op: ops.SetCustom) -> None:
        fid, msg = self.lk.field(op.field_ref)
        where = f"custom field {op.field_ref}"
        if fid is None:
            self.problem(st, where, msg or "unknown field")
            return
        label, ftype, scope, mask = self.lk.fields[fid]
        from ..model import CustomFieldType, FieldScope

        is_company = bool(st.row["is_company"])
        if (scope == FieldScope.PERSON and is_company) or (scope == FieldScope.COMPANY and not is_company):
            kind = "persons" if scope == FieldScope.PERSON else "companies"
            self.problem(st, where, f"'{label}' is a field for {kind} only")
            return
        text, msgs = validate.normalise_custom(CustomFieldType(ftype), mask, op.value)
        for m in msgs:
            self.problem(st, where, m, op.value)
        if msgs:
            return
        st.changed.add(f"custom:{label}")
        if text is None:
            st.custom.pop(fid, None)
        else:
            st.custom[fid] = {"contact_id": st.id, "field_id": fid, "value": text,
                              "updated_by": self.user_id, "updated_at": self.now}

    def _tag(self, st: ContactState, title: str, create: bool) -> int | None:
        clean = " ".join(str(title).replace("\r", " ").replace("\n", " ").split())
        if not clean:
            self.problem(st, "tags", "a tag name cannot be empty")
            return None
        if len(clean) > validate.MAX_NAME_LENGTH:
            self.problem(st, "tags", f"tag '{clean[:30]}...' is longer than {validate.MAX_NAME_LENGTH}")
            return None
        key = clean.lower()
        found = self.lk.tags.get(key) or self.new_tags.get(key)
        if found:
            return found[0]
        if not create:
            return None
        tid = self.lk.next_tag_id
        self.lk.next_tag_id += 1
        self.new_tags[key] = (tid, clean)
        return tid

    def _add_tags(self, st: ContactState, tags: tuple[str, ...]) -> None:
        for title in tags:
            tid = self._tag(st, title, create=True)
            if tid is not None and tid not in st.tags:
                st.tags[tid] = {"contact_id": st.id, "tag_id": tid}
                st.changed.add("tags")

    def _remove_tags(self, st: ContactState, tags: tuple[str, ...]) -> None:
        for title in tags:
            tid = self._tag(st, title, create=False)
            if tid is not None and tid in st.tags:
                del st.tags[tid]
                st.changed.add("tags")

    def _access(self, st: ContactState, op: ops.SetAccess) -> None:
        if op.share_type is not None:
            try:
                st.row["share_type"] = int(ShareType(op.share_type))
                st.changed.add("share_type")
            except ValueError:
                self.problem(st, "share type", f"'{op.share_type}' is not 0, 1 or 2", op.share_type)
        if op.managers is not None:
            wanted: dict[int, dict[str, Any]] = {}
            for login in op.managers:
                uid = self.lk.users.get(login.strip().lower())
                if uid is None:
                    self.problem(st, "managers", f"there is no CRM user '{login}'", login)
                else:
                    wanted[uid] = {"contact_id": st.id, "user_id": uid}
            st.managers = wanted
            st.changed.add("managers")

    def check_names(self) -> None:
        """Required names and lengths of the contacts whose names changed or are new."""
        for st in self.states.values():
            row = st.row
            if row["is_company"]:
                checks = [("company_name", "company name", True)]
            else:
                checks = [("first_name", "first name", True), ("last_name", "last name", False),
                          ("title", "position", False)]
            checks.append(("industry", "industry", False))
            for col, label, required in checks:
                if st.is_new or col in st.changed:
                    for msg in validate.check_name(label, row.get(col), required=required):
                        self.problem(st, col, msg, row.get(col))
            if st.is_new or "currency" in st.changed:
                for msg in validate.check_currency(row.get("currency")):
                    self.problem(st, "currency", msg)


def _address_parts(
    st: ContactState, ap: Applier, parts: tuple[tuple[str, str], ...], where: str
) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name, value in parts:
        if name not in ADDRESS_PARTS:
            ap.problem(st, where, f"'{name}' is not an address part ({', '.join(ADDRESS_PARTS)})")
            continue
        out[name] = value
    return out
