"""The user-editable lists, with ONLYOFFICE's rules (spec sections 3-5); admins only.

Temperature levels and contact types: adding an existing title returns the existing item;
a level needs a colour; title changes and deletes are refused while any contact uses the
item; the last item of a list cannot be deleted; the colour may always change; reordering
is by title. Tags: one pool, trimmed, unique ignoring case; deleting a tag unlinks it
everywhere. Custom fields: the type is fixed while values exist, a drop-down's options only
grow while values exist, masks stay within ONLYOFFICE's ranges, deleting a field deletes
its values. Every change is journalled; changes that reach contacts bump their version
and refresh derived data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .. import journal, numbering
from ..access import User, require_admin
from ..contact_rows import IDS_SQL
from ..db import Database, Tx
from ..derived import contacts_changed
from ..errors import Conflict, NotFound, Problem, ValidationFailed
from ..model import CustomFieldType, FieldScope, ListType
from . import validate

_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_COLUMN = {ListType.TEMPERATURE: "status_id", ListType.CONTACT_TYPE: "contact_type_id"}
_NAME = {ListType.TEMPERATURE: "temperature level", ListType.CONTACT_TYPE: "contact type"}


def _title(what: str, title: str) -> str:
    clean = " ".join(str(title).split())
    problems = validate.check_name(what, clean, required=True)
    if problems:
        raise ValidationFailed(f"The {what} cannot be saved.", [Problem(p, value=clean) for p in problems])
    return clean


def _journalled(tx: Tx, user: User, table: str, where: str, params: list[Any], action: str,
                summary: str, change: Any) -> None:
    """Run ``change(tx)`` and journal the rows of ``table`` matching ``where`` before/after."""
    before = journal.capture(tx, table, ("id",), where, params)
    change(tx)
    after = journal.capture(tx, table, ("id",), where, params)
    journal.record(tx, user, action, summary, journal.diff(table, ("id",), before, after, None))


class ListEditor:
    """Temperature levels or contact types of a store, changed by a user
    (``ListEditor(db, user, ListType.TEMPERATURE)``)."""

    def __init__(self, db: Database, user: User, list_type: ListType) -> None:
        self.db = db
        self.user = user
        self.list_type = ListType(list_type)
        self.what = _NAME[self.list_type]

    def _item(self, tx: Tx, title: str) -> tuple[int, str]:
        row = tx.one("SELECT id, title FROM list_items WHERE list_type = ? AND lower(title) = lower(?)",
                     [int(self.list_type), title.strip()])
        if row is None:
            raise NotFound(f"There is no {self.what} '{title}'.")
        return int(row[0]), str(row[1])

    def _in_use(self, tx: Tx, item_id: int) -> int:
        return int(tx.scalar(f"SELECT count(*) FROM contacts WHERE {_COLUMN[self.list_type]} = ?", [item_id]))

    def add(self, title: str, color: str | None = None) -> int:
        """Add an item at the end; an existing title (any case) returns the existing id."""
        require_admin(self.user, f"change the {self.what}s")
        clean = _title(self.what, title)
        if self.list_type is ListType.TEMPERATURE and not _COLOR_RE.match(color or ""):
            raise ValidationFailed(f"A {self.what} needs a colour.",
                                   [Problem(f"colour '{color}' is not #rrggbb", field="color")])
        with self.db.transaction() as tx:
            found = tx.one("SELECT id FROM list_items WHERE list_type = ? AND lower(title) = lower(?)",
                           [int(self.list_type), clean])
            if found:
                return int(found[0])
            new_id = numbering.next_id(tx, "list_items")
            order = int(tx.scalar(
                "SELECT coalesce(max(sort_order), 0) + 1 FROM list_items WHERE list_type = ?",
                [int(self.list_type)]))
            _journalled(tx, self.user, "list_items", "id = ?", [new_id], "lists", f"add {self.what} {clean}",
                        lambda t: t.execute("INSERT INTO list_items VALUES (?, ?, ?, ?, ?)",
                                            [new_id, int(self.list_type), clean, color, order]))
        return new_id

    def rename(self, title: str, new_title: str) -> None:
        """Refused while any contact uses the item (ONLYOFFICE: "There are some related contacts")."""
        require_admin(self.user, f"change the {self.what}s")
        clean = _title(self.what, new_title)
        with self.db.transaction() as tx:
            item_id, old = self._item(tx, title)
            used = self._in_use(tx, item_id)
            if used:
                raise Conflict(f"The {self.what} '{old}' cannot be renamed: {used} contact(s) use it.")
            clash = tx.one("SELECT id FROM list_items WHERE list_type = ? AND lower(title) = lower(?) "
                           "AND id <> ?", [int(self.list_type), clean, item_id])
            if clash:
                raise Conflict(f"There is already a {self.what} '{clean}'.")
            _journalled(tx, self.user, "list_items", "id = ?", [item_id], "lists",
                        f"rename {self.what} {old} to {clean}",
                        lambda t: t.execute("UPDATE list_items SET title = ? WHERE id = ?", [clean, item_id]))

    def set_color(self, title: str, color: str | None) -> None:
        """The colour may always change (a temperature level keeps one)."""
        require_admin(self.user, f"change the {self.what}s")
        if (self.list_type is ListType.TEMPERATURE or color is not None) and not _COLOR_RE.match(color or ""):
            raise ValidationFailed(f"The {self.what} colour cannot be saved.",
                                   [Problem(f"colour '{color}' is not #rrggbb", field="color")])
        with self.db.transaction() as tx:
            item_id, old = self._item(tx, title)
            _journalled(tx, self.user, "list_items", "id = ?", [item_id], "lists", f"colour of {old}",
                        lambda t: t.execute("UPDATE list_items SET color = ? WHERE id = ?", [color, item_id]))

    def delete(self, title: str) -> None:
        """Refused while in use, and for the last item of the list."""
        require_admin(self.user, f"change the {self.what}s")
        with self.db.transaction() as tx:
            item_id, old = self._item(tx, title)
            used = self._in_use(tx, item_id)
            if used:
                raise Conflict(f"The {self.what} '{old}' cannot be deleted: {used} contact(s) use it.")
            count_sql = "SELECT count(*) FROM list_items WHERE list_type = ?"
            left = int(tx.scalar(count_sql, [int(self.list_type)]))
            if left <= 1:
                raise Conflict(f"The {self.what} '{old}' is the last one and cannot be deleted.")
            _journalled(tx, self.user, "list_items", "id = ?", [item_id], "lists",
                        f"delete {self.what} {old}",
                        lambda t: t.execute("DELETE FROM list_items WHERE id = ?", [item_id]))

    def reorder(self, titles: Sequence[str]) -> None:
        """Put the items in this order (every title exactly once)."""
        require_admin(self.user, f"change the {self.what}s")
        with self.db.transaction() as tx:
            items = {str(t).lower(): int(i) for i, t in tx.rows(
                "SELECT id, title FROM list_items WHERE list_type = ?", [int(self.list_type)])}
            wanted = [t.strip().lower() for t in titles]
            if sorted(wanted) != sorted(items):
                raise ValidationFailed(f"Reordering needs every {self.what} exactly once.",
                                       [Problem(f"got {list(titles)}; the list has {len(items)} items")])
            ids = [items[t] for t in wanted]

            def change(t: Tx) -> None:
                for order, item_id in enumerate(ids, 1):
                    t.execute("UPDATE list_items SET sort_order = ? WHERE id = ?", [order, item_id])
            _journalled(tx, self.user, "list_items", "list_type = ?", [int(self.list_type)], "lists",
                        f"reorder {self.what}s", change)


def _touch_contacts(tx: Tx, user: User, ids: list[int]) -> None:
    if ids:
        tx.execute(f"UPDATE contacts SET version = version + 1, updated_by = ?, updated_at = ? "
                   f"WHERE id IN ({IDS_SQL})", [user.id, datetime.now(UTC).replace(tzinfo=None), ids])
        contacts_changed(tx, IDS_SQL, [ids])


def create_tag(db: Database, user: User, title: str) -> int:
    """Add a tag to the pool; refused when it exists ignoring case ("TagNameBusy")."""
    clean = _title("tag", title.replace("\r", " ").replace("\n", " "))
    with db.transaction() as tx:
        if tx.scalar("SELECT count(*) FROM tags WHERE title_key = ?", [clean.lower()]):
            raise Conflict(f"Tag '{clean}' already exists.")
        tag_id = numbering.next_id(tx, "tags")
        _journalled(tx, user, "tags", "id = ?", [tag_id], "lists", f"add tag {clean}",
                    lambda t: t.execute("INSERT INTO tags VALUES (?, ?, ?)", [tag_id, clean, clean.lower()]))
    return tag_id


def delete_tag(db: Database, user: User, title: str) -> int:
    """Delete a tag everywhere (admins only); returns how many contacts lost it."""
    require_admin(user, "delete tags")
    with db.transaction() as tx:
        row = tx.one("SELECT id, title FROM tags WHERE title_key = ?", [" ".join(title.split()).lower()])
        if row is None:
            raise NotFound(f"There is no tag '{title}'.")
        tag_id = int(row[0])
        ids = [int(r[0]) for r in tx.rows("SELECT contact_id FROM contact_tags WHERE tag_id = ?", [tag_id])]
        links = journal.capture(tx, "contact_tags", ("contact_id", "tag_id"), "tag_id = ?", [tag_id])
        tag = journal.capture(tx, "tags", ("id",), "id = ?", [tag_id])
        tx.execute("DELETE FROM contact_tags WHERE tag_id = ?", [tag_id])
        tx.execute("DELETE FROM tags WHERE id = ?", [tag_id])
        _touch_contacts(tx, user, ids)
        changes = journal.diff("contact_tags", ("contact_id", "tag_id"), links, {}) + journal.diff(
            "tags", ("id",), tag, {}, None)
        journal.record(tx, user, "lists", f"delete tag {row[1]} from {len(ids)} contact(s)", changes)
    return len(ids)


def delete_unused_tags(db: Database, user: User) -> int:
    """Delete every tag no contact carries (admins only); returns how many."""
    require_admin(user, "delete tags")
    where = "id NOT IN (SELECT tag_id FROM contact_tags)"
    with db.transaction() as tx:
        before = journal.capture(tx, "tags", ("id",), where)
        tx.execute(f"DELETE FROM tags WHERE {where}")
        journal.record(tx, user, "lists", f"delete {len(before)} unused tag(s)",
                       journal.diff("tags", ("id",), before, {}, None))
    return len(before)


def add_custom_field(db: Database, user: User, label: str, field_type: CustomFieldType | int,
                     scope: FieldScope | int = FieldScope.CONTACT, mask: Any = None) -> int:
    """Define a custom field (admins only), at the end of the list."""
    require_admin(user, "define custom fields")
    ftype, fscope = CustomFieldType(field_type), FieldScope(scope)
    clean = _title("field label", label)
    text, problems = validate.check_mask(ftype, mask)
    if problems:
        raise ValidationFailed(f"The custom field '{clean}' cannot be saved.", [Problem(p) for p in problems])
    with db.transaction() as tx:
        fid = numbering.next_id(tx, "custom_fields")
        order = int(tx.scalar("SELECT coalesce(max(sort_order), -1) + 1 FROM custom_fields"))
        _journalled(tx, user, "custom_fields", "id = ?", [fid], "lists", f"add custom field {clean}",
                    lambda t: t.execute("INSERT INTO custom_fields VALUES (?, ?, ?, ?, ?, ?)",
                                        [fid, clean, int(ftype), int(fscope), order, text]))
    return fid


def edit_custom_field(db: Database, user: User, field_id: int, *, label: str | None = None, mask: Any = None,
                      field_type: CustomFieldType | int | None = None) -> None:
    """Change label, mask or type; while values exist the type is fixed and a drop-down's
    options may only grow."""
    require_admin(user, "change custom fields")
    with db.transaction() as tx:
        row = tx.one("SELECT label, field_type, mask FROM custom_fields WHERE id = ?", [int(field_id)])
        if row is None:
            raise NotFound(f"There is no custom field {field_id}.")
        old_label, old_type, old_mask = str(row[0]), CustomFieldType(row[1]), row[2]
        ftype = CustomFieldType(field_type) if field_type is not None else old_type
        used = int(tx.scalar("SELECT count(*) FROM custom_values WHERE field_id = ?", [int(field_id)]))
        problems = []
        if used and ftype is not old_type:
            problems.append(f"the type cannot change while {used} value(s) exist")
        new_mask = old_mask
        if mask is not None or ftype is not old_type:
            new_mask, mask_problems = validate.check_mask(ftype, mask if mask is not None else
                                                   (json.loads(old_mask) if old_mask else None))
            problems += mask_problems
            if used and ftype is CustomFieldType.SELECT and not mask_problems:
                kept = validate.select_options(new_mask)
                lost = [o for o in validate.select_options(old_mask) if o not in kept]
                if lost:
                    problems.append(f"options {lost} are in use or may be; options can only be added")
        clean = _title("field label", label) if label is not None else old_label
        if problems:
            raise ValidationFailed(f"The custom field '{old_label}' cannot be changed.",
                                   [Problem(p) for p in problems])
        _journalled(tx, user, "custom_fields", "id = ?", [int(field_id)], "lists",
                    f"edit custom field {old_label}",
                    lambda t: t.execute(
                        "UPDATE custom_fields SET label = ?, field_type = ?, mask = ? WHERE id = ?",
                        [clean, int(ftype), new_mask, int(field_id)]))


def delete_custom_field(db: Database, user: User, field_id: int) -> int:
    """Delete a field definition and all its values (allowed while in use); returns values removed."""
    require_admin(user, "delete custom fields")
    with db.transaction() as tx:
        label = tx.scalar("SELECT label FROM custom_fields WHERE id = ?", [int(field_id)])
        if label is None:
            raise NotFound(f"There is no custom field {field_id}.")
        values = journal.capture(tx, "custom_values", ("contact_id", "field_id"), "field_id = ?",
                                 [int(field_id)])
        definition = journal.capture(tx, "custom_fields", ("id",), "id = ?", [int(field_id)])
        ids = sorted({int(r["contact_id"]) for r in values.values()})
        tx.execute("DELETE FROM custom_values WHERE field_id = ?", [int(field_id)])
        tx.execute("DELETE FROM custom_fields WHERE id = ?", [int(field_id)])
        _touch_contacts(tx, user, ids)
        changes = journal.diff("custom_values", ("contact_id", "field_id"), values, {}) + journal.diff(
            "custom_fields", ("id",), definition, {}, None)
        summary = f"delete custom field {label} ({len(values)} value(s))"
        journal.record(tx, user, "lists", summary, changes)
    return len(values)

