"""Staged edit operations as data: frozen dataclasses a change set lists in order.

A target is either an existing contact id (int) or a :class:`NewContact` reference to a
contact created earlier in the same change set. Nothing here touches the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import InfoType, ShareType


@dataclass(frozen=True)
class NewContact:
    """A contact the change set creates; ``seq`` numbers them within the set."""

    seq: int

    def __str__(self) -> str:
        return f"new contact #{self.seq}"


Target = int | NewContact

#: Contact columns a change set may set directly (names, position, notes, ...).
EDITABLE_FIELDS = (
    "first_name", "last_name", "company_name", "title", "notes", "industry", "currency",
)
#: Fields given by name that the apply step resolves to ids.
RESOLVED_FIELDS = ("temperature", "contact_type", "company")


@dataclass(frozen=True)
class Create:
    ref: NewContact
    is_company: bool
    fields: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Update:
    """Set contact fields: EDITABLE_FIELDS, and temperature / contact_type (title, id or
    None) and company (a company id, a NewContact, or None to unlink)."""

    target: Target
    fields: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class AddInfo:
    target: Target
    info_type: InfoType
    data: str | None  # None for an address, whose parts are given instead
    category: int | str | None = None  # code or name; None: the type's default (Work)
    primary: bool | None = None  # None: primary only when it is the first of its type
    address: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ChangeInfo:
    target: Target
    info_id: int
    data: str | None = None
    category: int | str | None = None
    address: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DeleteInfo:
    target: Target
    info_id: int


@dataclass(frozen=True)
class SetPrimary:
    target: Target
    info_id: int


@dataclass(frozen=True)
class SetCustom:
    """Set (or with an empty value, clear) a custom field given by label or id."""

    target: Target
    field_ref: str | int
    value: Any


@dataclass(frozen=True)
class AddTags:
    target: Target
    tags: tuple[str, ...]


@dataclass(frozen=True)
class RemoveTags:
    target: Target
    tags: tuple[str, ...]


@dataclass(frozen=True)
class SetAccess:
    """Share type and, when given, the whole manager list (logins)."""

    target: Target
    share_type: ShareType | None = None
    managers: tuple[str, ...] | None = None


Operation = Create | Update | AddInfo | ChangeInfo | DeleteInfo | SetPrimary | SetCustom | AddTags | \
    RemoveTags | SetAccess


@dataclass(frozen=True)
class FieldChange:
    """One line of a preview: a field of a contact before and after."""

    contact: str  # the contact's name ("contact 42" when it has none) or "new contact #1"
    contact_id: int | None
    field: str
    before: Any
    after: Any


@dataclass
class Preview:
    """What a commit would do: changes field by field, and what would stop it."""

    changes: list[FieldChange] = field(default_factory=list)
    problems: list[Any] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    duplicates: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.problems or self.conflicts or self.duplicates)

    def frame(self) -> Any:
        """The changes as a DataFrame (contact, contact_id, field, before, after)."""
        import pandas as pd

        return pd.DataFrame(
            [(c.contact, c.contact_id, c.field, c.before, c.after) for c in self.changes],
            columns=["contact", "contact_id", "field", "before", "after"],
        )
