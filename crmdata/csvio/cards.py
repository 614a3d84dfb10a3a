"""Contacts as cards: the one shape vCard, Google Contacts CSV and Outlook CSV are read into
and written from.

Import: a format's reader turns each entry into a :class:`Card`; :func:`import_cards`
writes the cards as a CSV headed by ONLYOFFICE's import keys into a temporary file and runs
the ONLYOFFICE importer on it, so every rule of the import applies unchanged (person or
company, companies created on demand, duplicates by email with skip/update/clone, all or
nothing, problems by line, journal). Problems name the user's file and the line its entry
starts on. Birthdays go to a date custom field ``Birthday``; photos are stored afterwards
through the store, one per contact, and a photo that cannot be read is reported, not fatal.

Export: :func:`load_cards` reads every contact the user may view, with its contact info
(primary first), tags, birthday and (on request) photo.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CrmDataError, ImportFailed, Problem
from ..model import (
    ADDRESS_PARTS,
    INFO_TYPE_KEYS,
    CustomFieldType,
    InfoType,
    categories,
    default_category,
)
from ..photos.store_ops import photo, set_photo
from ..queries import visible_ids

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database
    from .importer import ImportReport

#: The custom field a card's birthday is kept in.
BIRTHDAY_FIELD = "Birthday"


@dataclass(frozen=True)
class Info:
    """One contact-info value: its type, ONLYOFFICE category and value (addresses by part)."""

    info_type: InfoType
    category: int
    data: str = ""
    address: tuple[str, str, str, str, str] | None = None  # street, city, state, zip, country
    primary: bool = False


@dataclass
class Card:
    """One contact as the exchange formats carry it."""

    first_name: str = ""
    last_name: str = ""
    company: str = ""
    title: str = ""
    notes: str = ""
    is_company: bool = False
    tags: list[str] = field(default_factory=list)
    info: list[Info] = field(default_factory=list)
    birthday: str = ""  # ISO yyyy-mm-dd, or --mm-dd without a year
    photo: bytes | None = None
    photo_uri: str = ""
    line: int = 0  # where the entry starts in its file
    contact_id: int | None = None  # on export


def _import_key(info: Info, part: str | None = None) -> str:
    key = f"contactInfo_{INFO_TYPE_KEYS[info.info_type]}_{info.category}"
    return f"{key}_{part.capitalize()}" if part else key


def card_rows(cards: list[Card]) -> tuple[list[str], list[dict[str, str]]]:
    """The cards as rows keyed by ONLYOFFICE import keys (several values of a key joined by ``,``)."""
    rows: list[dict[str, str]] = []
    keys: list[str] = ["firstName", "lastName", "companyName", "title", "notes", "tag"]
    for card in cards:
        row: dict[str, list[str]] = {}
        if card.is_company:
            row["companyName"] = [card.company or card.first_name or card.last_name]
        else:
            row["firstName"], row["lastName"] = [card.first_name], [card.last_name]
            row["companyName"] = [card.company]
        row["title"], row["notes"] = [card.title], [card.notes]
        row["tag"] = [",".join(t.replace(",", " ") for t in card.tags)]
        ordered = sorted(card.info, key=lambda i: not i.primary)  # the first value is primary
        for info in ordered:
            if info.info_type is InfoType.ADDRESS:
                parts = info.address or ("", "", "", "", "")
                for part, value in zip(ADDRESS_PARTS, parts, strict=True):
                    row.setdefault(_import_key(info, part), []).append(value)
            else:
                row.setdefault(_import_key(info), []).append(info.data)
        if card.birthday:
            row[f"customField_{BIRTHDAY_FIELD}"] = [card.birthday]
        for key in row:
            if key not in keys:
                keys.append(key)
        rows.append({k: ",".join(v) for k, v in row.items()})
    return keys, rows


def import_cards(
    db: Database, user: User, cards: list[Card], source: Path, encoding: str, notes: list[str],
    **options: Any
) -> ImportReport:
    """Import the cards with the ONLYOFFICE importer; report and problems name ``source``."""
    from .importer import import_onlyoffice

    if not cards:
        raise CrmDataError(f"{source} holds no contacts.")
    keys, rows = card_rows(cards)
    types = dict(options.pop("custom_field_types", None) or {})
    options.pop("date_format", None)  # card birthdays are ISO dates by now
    if any(c.birthday for c in cards):
        types.setdefault(BIRTHDAY_FIELD, (CustomFieldType.DATE, None))
    lines = [c.line for c in cards]
    with tempfile.TemporaryDirectory(prefix="crmdata-") as tmp:
        staged = Path(tmp) / "cards.csv"
        with staged.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=keys, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        try:
            report = import_onlyoffice(db, user, staged, mapping=None, custom_field_types=types,
                                       date_format="%Y-%m-%d", **options)
        except ImportFailed as exc:
            problems = [_at_line(p, lines) for p in exc.problems]
            message = str(exc.message).replace(str(staged), str(source))
            raise ImportFailed(message, problems, hint=exc.hint) from None
    report.source = str(source)
    report.encoding = encoding
    report.notes = notes
    report.problems = [_at_line(p, lines) for p in report.problems]
    if report.kept_values:  # the flags name the user's file and the line of the entry
        pairs = sorted({(p.line, _at_line(p, lines).line) for p in report.kept_values})
        values = ", ".join("(?, ?)" for _ in pairs)
        with db.transaction() as tx:  # one statement: every flag moves from its old line
            tx.execute(f"UPDATE import_flags SET source = ?, line = m.new FROM (VALUES {values}) "
                       "m(old, new) WHERE import_flags.journal_id = ? AND import_flags.line = m.old",
                       [str(source), *(x for pair in pairs for x in pair), report.journal_id])
        report.kept_values = [_at_line(p, lines) for p in report.kept_values]
    report.skipped_duplicates = [(lines[rec - 2] if 0 <= rec - 2 < len(lines) else rec, cid)
                                 for rec, cid in report.skipped_duplicates]
    _store_photos(db, user, cards, report)
    return report


def _at_line(problem: Problem, lines: list[int]) -> Problem:
    rec = (problem.line or 0) - 1  # the staged file: header, then one line per card
    line = lines[rec - 1] if 1 <= rec <= len(lines) else problem.line
    return replace(problem, line=line)


def _store_photos(db: Database, user: User, cards: list[Card], report: ImportReport) -> None:
    for card, cid in zip(cards, report.contact_ids, strict=False):
        if cid is None or (card.photo is None and not card.photo_uri):
            continue
        try:
            data = card.photo if card.photo is not None else _fetch(card.photo_uri)
            set_photo(db, user, cid, data, source=card.photo_uri or "upload")
        except CrmDataError as exc:
            report.problems.append(Problem(f"the photo was not stored: {exc}", line=card.line,
                                           field="PHOTO", contact_id=cid))


def _fetch(uri: str) -> bytes:
    """The bytes a photo URI names (data:, http:, https:), at most 1 MiB and 10 seconds."""
    import base64
    import urllib.error
    import urllib.request

    if uri.startswith("data:"):
        meta, _, payload = uri.partition(",")
        try:
            return base64.b64decode(payload) if meta.endswith(";base64") else payload.encode()
        except ValueError as exc:
            raise CrmDataError("its data: URI is not valid base64") from exc
    if not uri.startswith(("http://", "https://")):
        raise CrmDataError(f"'{uri[:60]}' is not a data:, http: or https: address")
    try:
        with urllib.request.urlopen(uri, timeout=10) as response:  # noqa: S310 (scheme checked)
            return bytes(response.read(1 << 20 | 1))
    except (urllib.error.URLError, OSError) as exc:
        raise CrmDataError(f"{uri} could not be fetched ({exc})") from exc


def load_cards(db: Database, user: User, *, photos: bool = False) -> list[Card]:
    """Every contact the store's user may view, as cards in id order."""
    vis_sql, params = visible_ids(user)
    with db.read() as tx:
        contacts = tx.rows(
            f"""SELECT c.id, c.is_company, coalesce(c.first_name, ''), coalesce(c.last_name, ''),
                   coalesce(CASE WHEN c.is_company THEN c.company_name ELSE co.company_name END, ''),
                   coalesce(c.title, ''), coalesce(c.notes, '')
            FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id
                AND co.id IN ({vis_sql})
            WHERE c.id IN ({vis_sql}) ORDER BY c.id""",
            [*params, *params],
        )
        info = tx.rows(
            f"""SELECT contact_id, info_type, category, data, is_primary,
                   street, city, state, zip, country
            FROM contact_info WHERE contact_id IN ({vis_sql})
            ORDER BY contact_id, info_type, is_primary DESC, id""",
            params,
        )
        tags = tx.rows(
            f"""SELECT ct.contact_id, t.title FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
            WHERE ct.contact_id IN ({vis_sql}) ORDER BY ct.contact_id, lower(t.title), t.title""",
            params,
        )
        birthdays = dict(tx.rows(
            f"""SELECT v.contact_id, v.value FROM custom_values v JOIN custom_fields f
                ON f.id = v.field_id WHERE lower(f.label) = lower(?) AND v.contact_id IN ({vis_sql})""",
            [BIRTHDAY_FIELD, *params],
        ))
        with_photo = {int(r[0]) for r in tx.rows(
            f"SELECT contact_id FROM photos WHERE contact_id IN ({vis_sql})", params)} if photos else set()
    cards: dict[int, Card] = {}
    for cid, is_company, first, last, company, title, notes in contacts:
        cards[int(cid)] = Card(first, last, company, title, notes, bool(is_company),
                               birthday=str(birthdays.get(cid, "") or ""), contact_id=int(cid))
    for cid, itype, cat, data, primary, *parts in info:
        t = InfoType(int(itype))
        address = tuple(str(p or "") for p in parts) if t is InfoType.ADDRESS else None
        cards[int(cid)].info.append(Info(t, int(cat), str(data), address, bool(primary)))  # type: ignore[arg-type]
    for cid, title in tags:
        cards[int(cid)].tags.append(str(title))
    for cid in with_photo:
        cards[cid].photo = photo(db, user, cid).data
    return list(cards.values())


def category_by_name(info_type: InfoType, names: list[str]) -> int:
    """The ONLYOFFICE category a list of type labels (``home``, ``work``, ``cell`` ...) means."""
    wanted = {n.strip().lower().lstrip("* ").removeprefix("x-") for n in names}
    aliases = {"cell": "mobile", "mobile": "mobile", "fax": "fax", "home": "home", "work": "work",
               "business": "work", "other": "other", "postal": "postal", "office": "office",
               "billing": "billing", "direct": "direct", "personal": "home", "main": "work"}
    spelled = {aliases.get(n, n) for n in wanted}
    if info_type is InfoType.PHONE and "fax" in spelled:
        spelled = {"fax"}
    for code, name in categories(info_type).items():
        if name.lower() in spelled:
            return code
    return default_category(info_type) if not spelled - {"pref", "internet", "voice"} else \
        _other(info_type)


def _other(info_type: InfoType) -> int:
    return next(c for c, n in categories(info_type).items() if n == "Other")


def category_name(info_type: InfoType, category: int) -> str:
    """The type label a format writes for an ONLYOFFICE category (``cell`` for a mobile phone)."""
    name = categories(info_type).get(category, "Other").lower()
    return "cell" if name == "mobile" else name


__all__ = ["BIRTHDAY_FIELD", "Card", "Info", "card_rows", "category_by_name",
           "category_name", "import_cards", "load_cards"]
