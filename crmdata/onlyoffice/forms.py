"""One comparable form of a contact, built from the portal's JSON or from the store's rows.

A form is plain JSON data in parts that the API writes separately: ``core`` (names, position,
notes, company, share type, managers: ``PUT contact/person|company``), ``status`` (the
temperature's title: ``PUT contact/{id}/status``), ``info`` (contact info and addresses:
``PUT contact/{id}/batch``), ``custom`` (values by field label: ``POST .../customfield/{id}``)
and ``tags``. ``extra`` holds what the API shows but cannot write (industry, currency).
The fingerprint of a form is what a pull compares, because the API exposes no modification time.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..model import ADDRESS_PARTS, InfoType

PARTS = ("core", "status", "info", "custom", "tags")
Form = dict[str, Any]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def address_data(parts: dict[str, Any]) -> str:
    """An address as the portal stores it in an info row: JSON of the five parts."""
    return json.dumps({p: _text(parts.get(p)) for p in ADDRESS_PARTS}, sort_keys=True)


def _info_key(row: list[Any]) -> tuple[int, int, str, bool]:
    return int(row[0]), int(row[1]), str(row[2]), bool(row[3])


def from_portal(item: dict[str, Any], tags: list[str] | None = None) -> Form:
    """The form of a contact as the portal's list or single view shows it.

    ``tags`` replaces the item's own (the single view has none: read them separately)."""
    is_company = bool(item.get("isCompany"))
    company = item.get("company") if not is_company else None
    core: dict[str, Any] = {
        "is_company": is_company,
        "first_name": "" if is_company else _text(item.get("firstName")),
        "last_name": "" if is_company else _text(item.get("lastName")),
        "company_name": _text(item.get("companyName")) if is_company else "",
        "title": "" if is_company else _text(item.get("title")),
        "notes": _text(item.get("about")),
        "company": int(company["id"]) if isinstance(company, dict) and company.get("id") else None,
        "share_type": int(item.get("shareType") or 0),
        "managers": sorted(str(e.get("id")) for e in item.get("accessList") or [] if isinstance(e, dict)),
    }
    info = [
        [
            int(r.get("infoType", 0)),
            int(r.get("category", 0) or 0),
            _text(r.get("data")),
            bool(r.get("isPrimary")),
        ]
        for r in item.get("commonData") or []
    ]
    info += [
        [int(InfoType.ADDRESS), int(a.get("category", 0) or 0), address_data(a), bool(a.get("isPrimary"))]
        for a in item.get("addresses") or []
        if isinstance(a, dict) and a
    ]
    custom = {
        str(f.get("label")): _text(f.get("fieldValue"))
        for f in item.get("customFields") or []
        if isinstance(f, dict) and int(f.get("fieldType", 0) or 0) != 4 and _text(f.get("fieldValue"))
    }
    status = item.get("contactStatus")
    currency = item.get("currency")
    return {
        "core": core,
        "status": _text(status.get("title")) or None if isinstance(status, dict) else None,
        "info": sorted(info, key=_info_key),
        "custom": dict(sorted(custom.items())),
        "tags": sorted(
            {t.strip() for t in (item.get("tags") or [] if tags is None else tags)}, key=str.lower
        ),
        "extra": {
            "industry": _text(item.get("industry")),
            "currency": _text(currency.get("abbreviation")) if isinstance(currency, dict) else "",
        },
    }


def fingerprint(form: Form) -> str:
    """sha256 of the form's canonical JSON."""
    return hashlib.sha256(json.dumps(form, sort_keys=True).encode()).hexdigest()


def part_equal(part: str, a: Form, b: Form) -> bool:
    """Whether two forms agree on one part (tags ignoring case, as the portal matches them)."""
    if part == "tags":
        return sorted(t.lower() for t in a["tags"]) == sorted(t.lower() for t in b["tags"])
    return bool(a[part] == b[part])


def changed_parts(a: Form, b: Form) -> list[str]:
    return [p for p in PARTS if not part_equal(p, a, b)]


def display(form: Form) -> str:
    core = form["core"]
    if core["is_company"]:
        return str(core["company_name"])
    return f"{core['first_name']} {core['last_name']}".strip()


def core_payload(form: Form) -> dict[str, Any]:
    """The whole contact for ``POST``/``PUT contact/person|company`` (the update empties what
    is omitted, so everything goes every time)."""
    core = form["core"]
    body: dict[str, Any] = {"about": core["notes"], "shareType": core["share_type"]}
    if core["managers"]:
        body["managerList"] = list(core["managers"])
    if core["is_company"]:
        body["companyName"] = core["company_name"]
    else:
        body.update(
            firstName=core["first_name"],
            lastName=core["last_name"],
            jobTitle=core["title"],
            companyId=int(core["company"] or 0),
        )
    return body


def info_items(form: Form) -> list[dict[str, Any]]:
    """The contact's info rows for ``PUT contact/{id}/batch`` (which replaces them all)."""
    return [{"infoType": t, "category": c, "data": d, "isPrimary": p} for t, c, d, p in form["info"]]
