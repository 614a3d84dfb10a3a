"""Names a person reads for what a journalled change touched: "phone (work)", "position".

The journal stores rows as the tables hold them (``contact_info.data``, ``contacts.title``,
``contacts.status_id``). :func:`change_label` turns a table and column into the words the
editor's form and ONLYOFFICE use, and :func:`change_value` turns stored codes (a temperature
id, an access code) into their titles. Pure: the lookups are handed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import INFO_TYPE_LABELS, InfoType, ShareType, categories

#: Contact columns as the form labels them.
CONTACT_FIELD_LABELS: dict[str, str] = {
    "first_name": "first name",
    "last_name": "last name",
    "company_name": "company name",
    "title": "position",
    "company_id": "company",
    "notes": "description",
    "industry": "industry",
    "currency": "currency",
    "status_id": "temperature",
    "contact_type_id": "type",
    "share_type": "access",
    "is_company": "kind",
}

#: Access codes as the form names them.
ACCESS_LABELS: dict[int, str] = {
    int(ShareType.READ_WRITE): "public",
    int(ShareType.READ): "public (read only)",
    int(ShareType.NONE): "restricted",
}


#: Columns a new row's label already says ("phone (work)" is the type and category): a created
#: row does not list them again.
SAID_BY_LABEL = {("contact_info", "info_type"), ("contact_info", "category")}


@dataclass(frozen=True)
class Lookups:
    """Titles the labels need: list items (temperatures, types) and custom field labels by id."""

    list_items: dict[int, str] = field(default_factory=dict)
    custom_fields: dict[int, str] = field(default_factory=dict)
    companies: dict[int, str] = field(default_factory=dict)


def info_label(row: dict[str, Any]) -> str:
    """``"phone (work)"``, ``"email (home)"``: an info row's type and category in words."""
    try:
        kind = InfoType(int(row["info_type"]))
    except (KeyError, TypeError, ValueError):
        return "contact information"
    name = INFO_TYPE_LABELS[kind].lower() if kind != InfoType.TWITTER else "X (Twitter)"
    category = categories(kind).get(int(row.get("category") or 0))
    return f"{name} ({category.lower()})" if category else name


def change_label(
    table: str, column: str, before: dict[str, Any], after: dict[str, Any], lookups: Lookups
) -> str:
    """What one journalled column change is, in the form's words."""
    if table == "contacts":
        return CONTACT_FIELD_LABELS.get(column, column.replace("_", " "))
    if table == "contact_info":
        label = info_label(after or before)
        if column == "data":
            return label
        if column == "is_primary":
            return f"{label}: primary"
        return f"{label}: {column.replace('_', ' ')}"
    if table == "custom_values":
        fid = (after or before).get("field_id")
        name = lookups.custom_fields.get(int(fid)) if fid is not None else None
        return name or "custom field"
    return column.replace("_", " ")


def change_value(table: str, column: str, value: Any, lookups: Lookups) -> Any:
    """A stored value as a person reads it: codes and ids become titles; others unchanged."""
    if value is None or table != "contacts":
        return value
    if isinstance(value, bool):
        value = int(value)
    try:
        code = int(value)
    except (TypeError, ValueError):
        return value
    if column in ("status_id", "contact_type_id"):
        return lookups.list_items.get(code, value)
    if column == "share_type":
        return ACCESS_LABELS.get(code, value)
    if column == "company_id":
        return lookups.companies.get(code, value)
    if column == "is_company":
        return "company" if code else "person"
    return value
