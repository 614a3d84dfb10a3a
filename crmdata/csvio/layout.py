"""Column layouts: which CSV header means which contact attribute.

Internally every column maps to one of ONLYOFFICE's import keys (spec section 8):
``firstName``, ``lastName``, ``title``, ``companyName``, ``contactStage``, ``contactType``,
``notes``, ``tag``, ``contactInfo_{Type}_{category}``, ``contactInfo_Address_{category}_{Part}``,
plus crmdata's ``id`` (``--with-ids``) and ``kind`` (the export's Company/Person column).
Anything else is a custom field named by its header. Pure code, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CrmDataError
from ..model import (
    ADDRESS_PARTS,
    BASE_COLUMNS,
    ID_COLUMN,
    INFO_COLUMNS,
    INFO_TYPE_KEYS,
    CustomFieldType,
    InfoColumn,
    InfoType,
    categories,
)

BASE_KEYS: dict[str, str] = {
    "Company/Person": "kind",
    "First Name": "firstName",
    "Last Name": "lastName",
    "Company Name": "companyName",
    "Position": "title",
    "Note": "notes",
    "Contact Temperature Level": "contactStage",
    "Contact Type": "contactType",
    "Contact Tag List": "tag",
}
assert tuple(BASE_KEYS) == BASE_COLUMNS

#: Keys that are not contact info or custom fields.
SCALAR_KEYS = ("id", "kind", "firstName", "lastName", "companyName", "title", "notes",
               "contactStage", "contactType", "tag")

#: Friendlier spellings accepted in a plain-CSV column mapping.
KEY_ALIASES: dict[str, str] = {
    "first_name": "firstName",
    "last_name": "lastName",
    "company": "companyName",
    "company_name": "companyName",
    "position": "title",
    "job_title": "title",
    "note": "notes",
    "description": "notes",
    "temperature": "contactStage",
    "contact_type": "contactType",
    "tags": "tag",
    "email": "contactInfo_Email_1",
    "phone": "contactInfo_Phone_1",
    "mobile": "contactInfo_Phone_2",
    "website": "contactInfo_Website_1",
}


def info_key(col: InfoColumn) -> str:
    """The import key of one export info column."""
    base = f"contactInfo_{INFO_TYPE_KEYS[col.info_type]}_{col.category}"
    return f"{base}_{col.part.capitalize()}" if col.part else base


@dataclass(frozen=True)
class InfoKey:
    """A parsed ``contactInfo_...`` key."""

    info_type: InfoType
    category: int
    part: str | None


_TYPE_BY_KEY = {v.lower(): k for k, v in INFO_TYPE_KEYS.items()}


def parse_info_key(key: str) -> InfoKey | None:
    """Parse ``contactInfo_Email_1`` / ``contactInfo_Address_5_City``; None if not an info key."""
    pieces = key.split("_")
    if len(pieces) < 3 or pieces[0] != "contactInfo":
        return None
    t = _TYPE_BY_KEY.get(pieces[1].lower())
    if t is None or not pieces[2].isdigit() or int(pieces[2]) not in categories(t):
        return None
    if t is InfoType.ADDRESS:
        if len(pieces) != 4 or pieces[3].lower() not in ADDRESS_PARTS:
            return None
        return InfoKey(t, int(pieces[2]), pieces[3].lower())
    if len(pieces) != 3:
        return None
    return InfoKey(t, int(pieces[2]), None)


EXPORT_KEYS: dict[str, str] = {
    **BASE_KEYS,
    **{col.caption: info_key(col) for col in INFO_COLUMNS},
}


def normalise_key(key: str) -> str:
    """Accept an alias or an import key; raise for anything unknown."""
    if key in SCALAR_KEYS or parse_info_key(key):
        return key
    if key.startswith("customField_") and len(key) > len("customField_"):
        return key
    alias = KEY_ALIASES.get(key.strip().lower())
    if alias:
        return alias
    raise CrmDataError(
        f"'{key}' is not a column crmdata knows.",
        hint="use firstName, lastName, companyName, title, notes, contactStage, contactType, tag, "
        "id, contactInfo_<Type>_<category>, contactInfo_Address_<category>_<Part>, customField_<label>, "
        "or an alias such as email, phone, company",
    )


#: The custom-field types a plain-CSV mapping may ask for: ``customField_Birthday:date``.
#: (A heading holds no value, so no column can feed one.)
FIELD_TYPE_NAMES: dict[str, CustomFieldType] = {
    "text": CustomFieldType.TEXT,
    "textarea": CustomFieldType.TEXTAREA,
    "checkbox": CustomFieldType.CHECKBOX,
    "date": CustomFieldType.DATE,
    "select": CustomFieldType.SELECT,
}


def split_field_types(
    mapping: dict[str, str],
) -> tuple[dict[str, str], dict[str, tuple[CustomFieldType, object]]]:
    """Take the types off typed custom-field keys: ``{header: key}`` and ``{label: (type, mask)}``.

    ``customField_Birthday:date`` maps the column to the custom field "Birthday" and asks for a
    date field, so the value is checked as a date and the duplicate finder can compare it as
    one; ``customField_Size:select(S|M|L)`` asks for a select field with those options.
    Untyped keys pass through unchanged.
    """
    plain: dict[str, str] = {}
    types: dict[str, tuple[CustomFieldType, object]] = {}
    for header, key in mapping.items():
        name, sep, spec = key.partition(":")
        if not sep:
            plain[header] = key
            continue
        label = name.strip()[len("customField_"):] if name.strip().startswith("customField_") else ""
        if not label:
            raise CrmDataError(
                f"The column '{header}' is mapped to '{key}': only a custom field takes a type "
                "(customField_<label>:<type>).")
        spec = spec.strip()
        kind, _, options = spec.partition("(")
        ftype = FIELD_TYPE_NAMES.get(kind.strip().lower())
        if ftype is None or (options and ftype is not CustomFieldType.SELECT):
            raise CrmDataError(
                f"The column '{header}' asks for the field type '{spec}', which crmdata does not know.",
                hint="use text, textarea, checkbox, date or select(option|option|...)")
        mask: object = None
        if ftype is CustomFieldType.SELECT:
            choices = [o.strip() for o in options.removesuffix(")").split("|") if o.strip()]
            if not options.endswith(")") or not choices:
                raise CrmDataError(
                    f"The column '{header}' asks for a select field without its options.",
                    hint="write them in brackets, e.g. customField_Size:select(S|M|L)")
            mask = choices
        if label.lower() in {k.lower() for k in types}:
            raise CrmDataError(f"Two columns are mapped to the custom field '{label}'.")
        plain[header] = f"customField_{label}"
        types[label] = (ftype, mask)
    return plain, types


@dataclass(frozen=True)
class Mapping:
    """Which file column (by position) feeds which key; custom fields are ``customField_<label>``."""

    columns: tuple[tuple[int, str], ...]  # (column index, key)
    unknown_headers: tuple[str, ...] = ()  # headers kept as new text custom fields
    lone_surname_is_first_name: bool = True  # ONLYOFFICE's rule; a plain CSV keeps its last name

    def index_of(self, key: str) -> int | None:
        for idx, k in self.columns:
            if k == key:
                return idx
        return None


def onlyoffice_mapping(headers: list[str]) -> Mapping:
    """The mapping for an ONLYOFFICE export (English captions) or a file headed by import keys.

    Unknown headers become text custom fields; a header that matches no known layout at all
    (no name column) is refused.
    """
    cols: list[tuple[int, str]] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for idx, raw in enumerate(headers):
        header = raw.strip()
        if not header:
            continue
        key = EXPORT_KEYS.get(header)
        if key is None and header == ID_COLUMN:
            key = "id"
        if key is None and (header in SCALAR_KEYS or parse_info_key(header)):
            key = header  # a file headed by ONLYOFFICE's import keys
        if key is None and header.startswith("customField_") and len(header) > 12:
            key = header
        if key is None:
            key = f"customField_{header}"
            unknown.append(header)
        if key in seen:
            raise CrmDataError(f"The header names the column '{header}' twice (column {idx + 1}).")
        seen.add(key)
        cols.append((idx, key))
    keys = {k for _, k in cols}
    if not keys & {"firstName", "lastName", "companyName"}:
        shown = ", ".join(h for h in headers[:6] if h.strip())
        raise CrmDataError(
            "The header matches no known layout: it has none of the columns First Name, "
            f"Last Name or Company Name (it starts: {shown}).",
            hint="for another layout use `crmdata import --map HEADER=KEY ...`",
        )
    return Mapping(tuple(cols), tuple(unknown))


def explicit_mapping(headers: list[str], mapping: dict[str, str]) -> Mapping:
    """A plain-CSV mapping ``{header: key}``; headers not named are ignored."""
    by_header = {h.strip(): i for i, h in enumerate(headers)}
    cols: list[tuple[int, str]] = []
    missing = [h for h in mapping if h.strip() not in by_header]
    if missing:
        raise CrmDataError(
            f"The mapping names columns the file does not have: {', '.join(missing)}.",
            hint=f"the file's columns are: {', '.join(h for h in headers if h.strip())}",
        )
    seen: set[str] = set()
    for header, key in mapping.items():
        k = normalise_key(key)
        if k in seen:
            raise CrmDataError(f"Two columns are mapped to '{k}'.")
        seen.add(k)
        cols.append((by_header[header.strip()], k))
    if not seen & {"firstName", "lastName", "companyName"}:
        raise CrmDataError("The mapping needs a firstName, lastName or companyName column.")
    return Mapping(tuple(sorted(cols)), lone_surname_is_first_name=False)
