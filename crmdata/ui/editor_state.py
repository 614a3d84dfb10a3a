"""The contact editor's view model: a draft of one contact, saved through a change set.

The draft mirrors the help article's step 4 (names, company, position, info rows, custom
fields, tags, temperature, type, access). :meth:`EditorState.save` turns the difference
between the draft and the contact as read into one :class:`~crmdata.edit.ChangeSet` and
commits it; the library validates, checks duplicates and writes. What comes back is kept
for the view: problems grouped by field, duplicate candidates, a notice.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..edit import ChangeSet, DuplicatesFound
from ..edit.apply import OnDuplicate
from ..edit.ops import Target
from ..edit.validate import select_options
from ..edit.working_copy import primary_successor
from ..errors import Problem, ValidationFailed
from ..model import ADDRESS_PARTS, CustomFieldType, FieldScope, InfoType, ShareType, default_category
from ..store import ContactDetail
from .contacts_state import Choices
from .view_model import Notice, Observable, error_text, one_connection

if TYPE_CHECKING:
    from ..store import Store

#: Contact fields the form edits, with their labels (``title`` is the position).
FORM_FIELDS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "company_name": "Company name",
    "title": "Position",
    "industry": "Industry",
    "notes": "Description",
}
_keys = itertools.count(1)


@dataclass
class InfoDraft:
    """One info row as the form shows it (``info_id`` None for a row added in the form)."""

    info_type: InfoType
    category: int
    data: str = ""
    primary: bool = False
    address: dict[str, str] = field(default_factory=dict)
    info_id: int | None = None
    deleted: bool = False
    key: int = field(default_factory=lambda: next(_keys))
    original: tuple[Any, ...] | None = None  # (category, data, primary, address) as read

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.category,
            self.data.strip(),
            self.primary,
            tuple((p, (self.address.get(p) or "").strip()) for p in ADDRESS_PARTS),
        )


@dataclass(frozen=True)
class CustomFieldDef:
    """A custom field the form renders: its label, type and (for select boxes) options."""

    label: str
    field_type: CustomFieldType
    options: tuple[str, ...] = ()


@dataclass
class Draft:
    """Everything the form edits, as plain values."""

    is_company: bool
    fields: dict[str, str]
    company_id: int | None
    temperature: str | None
    contact_type: str | None
    info: list[InfoDraft]
    custom: dict[str, Any]
    tags: list[str]
    share_type: ShareType
    managers: list[str]


def _clean(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def draft_from(detail: ContactDetail) -> Draft:
    """Pure: the form's draft of a stored contact."""
    f = detail.fields
    info = []
    for r in detail.info.to_dict("records"):
        address = {p: _clean(r.get(p)) for p in ADDRESS_PARTS}
        d = InfoDraft(
            InfoType(int(r["info_type"])),
            int(r["category"]),
            _clean(r["data"]),
            bool(r["is_primary"]),
            address,
            int(r["id"]),
        )
        d.original = d.snapshot()
        info.append(d)
    return Draft(
        is_company=bool(f["is_company"]),
        fields={k: _clean(f.get(k)) for k in FORM_FIELDS},
        company_id=None if f.get("company_id") is None else int(f["company_id"]),
        temperature=f.get("temperature"),
        contact_type=f.get("contact_type"),
        info=info,
        custom=dict(detail.custom),
        tags=list(detail.tags),
        share_type=ShareType(int(f.get("share_type") or 0)),
        managers=list(detail.managers),
    )


def empty_draft(is_company: bool) -> Draft:
    return Draft(
        is_company, {k: "" for k in FORM_FIELDS}, None, None, None, [], {}, [], ShareType.READ_WRITE, []
    )


def custom_field_defs(frame: pd.DataFrame, is_company: bool) -> list[CustomFieldDef]:
    """Pure: the custom fields that apply to persons or companies, in form order."""
    out = []
    for r in frame.to_dict("records"):
        scope = FieldScope(int(r["scope"]))
        if (scope is FieldScope.PERSON and is_company) or (scope is FieldScope.COMPANY and not is_company):
            continue
        ftype = CustomFieldType(int(r["field_type"]))
        options = tuple(select_options(r["mask"])) if ftype is CustomFieldType.SELECT else ()
        out.append(CustomFieldDef(str(r["label"]), ftype, options))
    return out


def problems_by_field(problems: list[Problem]) -> dict[str, list[str]]:
    """Pure: problems keyed by the form part they belong to (a field name, an info type
    name such as ``email``, ``custom field <label>``, ``tags``); others under ``""``."""
    out: dict[str, list[str]] = {}
    for p in problems:
        key = (p.field or "").split(", ")[-1]  # new contacts: "new contact #1, email"
        out.setdefault(key, []).append(p.message)
    return out


@dataclass(frozen=True)
class HistoryEntry:
    """One committed change set of a contact, as the history list shows it."""

    change_set_id: int
    at: str
    user: str
    summary: str
    changes: str  # "phone (work): before -> after; ..."
    undone: bool


def _short(value: Any) -> str:
    text = _clean(value)
    return text if len(text) <= 40 else text[:37] + "..."


def history_entries(frame: pd.DataFrame) -> list[HistoryEntry]:
    """Pure: :meth:`Store.history` rows (one per field) grouped into change sets, newest first."""
    groups: dict[int, list[dict[Any, Any]]] = {}
    for rec in frame.to_dict("records"):
        groups.setdefault(int(rec["change_set_id"]), []).append(rec)
    out = []
    for jid in sorted(groups, reverse=True):
        recs = groups[jid]
        first = recs[0]
        changes = "; ".join(
            f"{r['what']}: {_short(r['before'])} → {_short(r['after'])}" for r in recs if _clean(r["field"])
        )
        out.append(
            HistoryEntry(
                jid,
                _clean(first["committed_at"])[:19],
                _clean(first["user"]),
                _clean(first["summary"]) or _clean(first["action"]),
                changes,
                bool(_clean(first["undone_by"])),
            )
        )
    return out


class EditorState(Observable):
    """One contact being edited (or created), its problems, duplicates and history."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.contact_id: int | None = None
        self.detail: ContactDetail | None = None
        self.draft: Draft = empty_draft(False)
        self.base: Draft = empty_draft(False)
        self.version: int | None = None
        self.problems: dict[str, list[str]] = {}
        self.duplicates: list[Any] = []
        self.last_change_set: int | None = None
        self.confirm_delete = False
        self.custom_defs: list[CustomFieldDef] = []
        #: the store's levels, types, tag pool and users, read when a contact is opened (a save
        #: opens it again, so a tag it created is offered next), not on every redraw
        self.choices = Choices((), (), (), ())
        self._after_save: list[Callable[[int], None]] = []

    # -- loading -------------------------------------------------------------------------
    def load(self, contact_id: int) -> None:
        """Read a contact into the draft (NotFound shows as a notice)."""

        def run() -> None:
            with one_connection(self.store):
                read()

        def read() -> None:
            self.choices = Choices.read(self.store)
            detail = self.store.contact(int(contact_id))
            self.detail = detail
            self.contact_id = detail.id
            self.version = int(detail.fields["version"])
            self.draft = draft_from(detail)
            self.base = draft_from(detail)
            self.custom_defs = custom_field_defs(self.store.custom_fields(), detail.is_company)
            self.duplicates, self.confirm_delete = [], False
            # values an import kept as written though invalid show as needing a fix
            self.problems = problems_by_field(self.store.kept_values(detail.id))
            self.notice = None

        self.guard(run, notify=False)
        self.changed()

    def new(self, is_company: bool = False) -> None:
        """Start a new person or company."""
        self.detail, self.contact_id, self.version = None, None, None
        self.draft, self.base = empty_draft(is_company), empty_draft(is_company)
        with one_connection(self.store):
            self.choices = Choices.read(self.store)
            self.custom_defs = custom_field_defs(self.store.custom_fields(), is_company)
        self.problems, self.duplicates, self.confirm_delete, self.notice = {}, [], False, None
        self.changed()

    def on_saved(self, callback: Callable[[int], None]) -> None:
        self._after_save.append(callback)

    # -- draft edits (the widgets call these) -------------------------------------------------
    def add_info(self, info_type: InfoType | int, data: str = "", **address: str) -> InfoDraft:
        t = InfoType(info_type)
        live = [r for r in self.draft.info if r.info_type is t and not r.deleted]
        row = InfoDraft(
            t,
            default_category(t),
            data,
            primary=not live,
            address={p: address.get(p, "") for p in ADDRESS_PARTS},
        )
        self.draft.info.append(row)
        self.changed()
        return row

    def delete_info(self, key: int) -> None:
        row = self._row(key)
        row.deleted = True
        if row.primary:
            row.primary = False
            successor = primary_successor(
                [r for r in self.draft.info if r.info_type is row.info_type and not r.deleted])
            if successor is not None:
                successor.primary = True
        self.changed()

    def mark_primary(self, key: int) -> None:
        row = self._row(key)
        for r in self.draft.info:
            if r.info_type is row.info_type:
                r.primary = r.key == key
        self.changed()

    def _row(self, key: int) -> InfoDraft:
        for r in self.draft.info:
            if r.key == key:
                return r
        raise KeyError(key)

    def add_tag(self, tag: str) -> None:
        tag = " ".join(tag.split())
        if tag and tag.lower() not in {t.lower() for t in self.draft.tags}:
            self.draft.tags.append(tag)
            self.changed()

    def remove_tag(self, tag: str) -> None:
        self.draft.tags = [t for t in self.draft.tags if t.lower() != tag.lower()]
        self.changed()

    # -- saving -------------------------------------------------------------------------------
    def changeset(self) -> ChangeSet:
        """The change set that turns the contact as read into the draft."""
        cs = self.store.change()
        d, b = self.draft, self.base
        fields: dict[str, Any] = {k: v for k, v in d.fields.items() if v.strip() != b.fields[k].strip()}
        if d.company_id != b.company_id and not d.is_company:
            fields["company"] = d.company_id
        if d.temperature != b.temperature:
            fields["temperature"] = d.temperature
        if d.contact_type != b.contact_type:
            fields["contact_type"] = d.contact_type
        target: Target
        if self.contact_id is None:
            name = fields.pop("company_name", "") if d.is_company else fields.pop("first_name", "")
            target = (
                cs.create_company(name, **fields)
                if d.is_company
                else cs.create_person(name, fields.pop("last_name", None), **fields)
            )
        else:
            target = self.contact_id
            cs.pin([target], None if self.version is None else [self.version])
            if fields:
                cs.update(target, **fields)
        self._stage_info(cs, target)
        for label in dict.fromkeys([*d.custom, *b.custom]):
            if _custom_text(d.custom.get(label)) != _custom_text(b.custom.get(label)):
                cs.set_custom(target, label, d.custom.get(label))
        added = [t for t in d.tags if t.lower() not in {x.lower() for x in b.tags}]
        removed = [t for t in b.tags if t.lower() not in {x.lower() for x in d.tags}]
        if added:
            cs.add_tags(target, *added)
        if removed:
            cs.remove_tags(target, *removed)
        if d.share_type != b.share_type or sorted(d.managers) != sorted(b.managers):
            cs.set_access(target, d.share_type, list(d.managers))
        return cs

    def _stage_info(self, cs: Any, target: Any) -> None:
        rows = self.draft.info
        for r in rows:
            if r.info_id is not None and r.deleted:
                cs.delete_info(target, r.info_id)
        for r in rows:
            if r.info_id is None or r.deleted or r.original is None:
                continue
            now = r.snapshot()
            if now[:2] != r.original[:2] or now[3] != r.original[3]:
                cs.change_info(target, r.info_id, r.data, category=r.category, **_address(r))
        for r in rows:
            if r.info_id is None and not r.deleted and (r.data.strip() or any(_address(r).values())):
                cs.add_info(
                    target,
                    r.info_type,
                    r.data or None,
                    category=r.category,
                    primary=r.primary or None,
                    **_address(r),
                )
        for r in rows:
            if (
                r.info_id is not None
                and not r.deleted
                and r.primary
                and r.original is not None
                and not r.original[2]
            ):
                cs.set_primary(target, r.info_id)

    def save(self, on_duplicate: OnDuplicate = "ask") -> bool:
        """Commit the draft; True when written. Problems and duplicates are kept, not raised."""
        cs = self.guard(self.changeset)
        if cs is None:
            return False
        if len(cs) == 0:
            self.notice = Notice("info", "Nothing to save: nothing was changed.")
            self.changed()
            return False
        self.problems, self.duplicates = {}, []
        try:
            result = cs.commit(on_duplicate=on_duplicate)
        except ValidationFailed as exc:
            self.problems = problems_by_field(exc.problems)
            self.notice = Notice(
                "error", f"Not saved: {len(exc.problems)} problem(s); see the fields marked in red."
            )
            self.changed()
            return False
        except DuplicatesFound as exc:
            self.duplicates = list(exc.candidates)
            self.notice = Notice(
                "warning",
                "Not saved yet: this looks like an existing contact. Merge instead, or save anyway.",
            )
            self.changed()
            return False
        except Exception as exc:  # noqa: BLE001 - shown as a message
            self.notice = Notice("error", error_text(exc))
            self.changed()
            return False
        cid = self.contact_id if self.contact_id is not None else next(iter(result.created.values()))
        self.last_change_set = result.change_set_id
        self.load(cid)
        self.notice = Notice("success", f"Saved (change set {result.change_set_id}).")
        for callback in list(self._after_save):
            self.guard(lambda cb=callback: cb(cid), notify=False)  # type: ignore[misc]
        self.changed()
        return True

    def save_anyway(self) -> bool:
        return self.save(on_duplicate="save")

    def merge_instead(self) -> bool:
        """Save, then merge this contact into the existing one it duplicates (the existing
        contact survives and keeps its non-empty values; see :mod:`crmdata.merge`)."""
        if not self.duplicates:
            return False
        existing = int(self.duplicates[0].existing_id)
        name = self.duplicates[0].existing_name or f"contact {existing}"
        if not self.save_anyway():
            return False
        merged = self.contact_id
        if merged is None:
            return False

        def run() -> None:
            self.store.merge(self.store.plan_merge([existing, merged], survivor=existing))
            self.load(existing)
            self.notice = Notice("success", f"Merged into {name}.")

        self.guard(run, notify=False)
        self.changed()
        return self.contact_id == existing

    # -- delete, history, undo ----------------------------------------------------------------
    def ask_delete(self) -> None:
        self.confirm_delete = True
        self.changed()

    def cancel_delete(self) -> None:
        self.confirm_delete = False
        self.changed()

    def delete(self) -> bool:
        """Delete the contact; only after :meth:`ask_delete` (the confirmation step)."""
        if self.contact_id is None or not self.confirm_delete:
            return False
        cid = self.contact_id
        report = self.guard(lambda: self.store.delete(cid), notify=False)
        self.confirm_delete = False
        if report is not None:
            self.contact_id, self.detail = None, None
            self.draft = self.base = empty_draft(False)
            self.notice = Notice("success", str(report))
        self.changed()
        return report is not None

    def history(self) -> pd.DataFrame:
        """The contact's journal, one row per changed field (empty for a new contact)."""
        if self.contact_id is None:
            return pd.DataFrame()
        cid = self.contact_id
        frame = self.guard(lambda: self.store.history(cid))
        return frame if frame is not None else pd.DataFrame()

    def undo(self, change_set_id: int) -> bool:
        """Revert a committed change set and reload the contact."""
        done = self.guard(lambda: self.store.undo(int(change_set_id)), notify=False)
        if done is not None and self.contact_id is not None:
            self.load(self.contact_id)
            self.notice = Notice("success", f"Change set {change_set_id} undone.")
        self.changed()
        return done is not None

    # -- photo ----------------------------------------------------------------------------------
    def set_photo(self, data: bytes, source: str = "upload") -> bool:
        if self.contact_id is None:
            self.notice = Notice("info", "Save the contact first, then give it a photo.")
            self.changed()
            return False
        cid = self.contact_id
        info = self.guard(lambda: self.store.set_photo(cid, data, source), notify=False)
        if info is not None:
            self.load(cid)
            self.notice = Notice("success", "Photo saved.")
        self.changed()
        return info is not None

    def remove_photo(self) -> bool:
        if self.contact_id is None:
            return False
        cid = self.contact_id
        removed = self.guard(lambda: self.store.remove_photo(cid), notify=False)
        if removed is not None:
            self.load(cid)
            self.notice = Notice(
                "success",
                "Photo removed; the default image shows again." if removed else "The contact had no photo.",
            )
        self.changed()
        return bool(removed)

    def photo(self, size: str = "big") -> Any:
        if self.contact_id is None:
            from ..photos.store_ops import default_photo

            return default_photo(self.draft.is_company, size)
        cid = self.contact_id
        return self.guard(lambda: self.store.photo(cid, size))

    def suggestions(self, timeout: float = 5.0) -> list[Any]:
        if self.contact_id is None:
            return []
        cid = self.contact_id
        found = self.guard(lambda: self.store.photo_suggestions(cid, timeout=timeout))
        if found is not None and not found:
            self.notice = Notice("info", "No photo suggestions were found (or the network is unreachable).")
            self.changed()
        return found or []


def _address(row: InfoDraft) -> dict[str, str]:
    if row.info_type is not InfoType.ADDRESS:
        return {}
    return {p: (row.address.get(p) or "").strip() for p in ADDRESS_PARTS}


def _custom_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
