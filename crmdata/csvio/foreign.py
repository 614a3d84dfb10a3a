"""Google Contacts CSV and Outlook CSV: recognised by their headers, read into cards, written
from cards, with the field mapping those tools document.

Google Contacts ("Export > Google CSV"; Google's help "Create or edit a CSV file to import
into Google Contacts"): ``First Name``, ``Middle Name``, ``Last Name``, ``Organization Name``,
``Organization Title``, ``Birthday``, ``Notes``, ``Labels`` (``" ::: "``-separated, ``*
myContacts`` is Google's own), and numbered groups ``E-mail N - Label`` / ``- Value``,
``Phone N - ...``, ``Website N - ...``, ``Address N - Label / Formatted / Street / City /
PO Box / Region / Postal Code / Country / Extended Address``. A cell may hold several values
joined by ``" ::: "``; a label starting with ``*`` marks the primary value. The older export
(``Given Name``, ``Family Name``, ``E-mail 1 - Type``, ``Organization 1 - Name``,
``Group Membership``) is read too.

Outlook ("File > Open & Export > Export to a file > Comma Separated Values"; Microsoft's
"Import contacts to Outlook" CSV template): fixed columns ``E-mail Address``, ``E-mail 2
Address``, ``Business Phone``, ``Mobile Phone``, ``Home Street`` ... ``Categories``
(``;``-separated), ``Job Title``, ``Company``, ``Birthday`` (m/d/yyyy, ``0/0/00`` for none).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pandas as pd

from ..errors import CrmDataError
from ..model import InfoType, categories
from .cards import Card, Info, category_by_name
from .reader import Dialect
from .sniff import DelimiterGuess, EncodingGuess, detect_delimiter, detect_encoding, scan
from .writer import CsvOptions, restore, write_frame_csv

GOOGLE_SEP = " ::: "


def detect_layout(headers: list[str]) -> str | None:
    """``google``, ``outlook`` or None (ONLYOFFICE or a plain CSV), from the header alone."""
    names = {h.strip() for h in headers}
    if any(re.fullmatch(r"(E-mail|Phone) \d+ - (Value|Label|Type)", h) for h in names) or (
            {"Given Name", "Family Name"} <= names) or "Group Membership" in names or (
            {"First Name", "Labels", "Organization Name"} <= names):
        return "google"
    if "E-mail Address" in names and names & {"Business Phone", "Home Phone", "Mobile Phone",
                                              "Job Title", "Business Street", "E-mail 2 Address"}:
        return "outlook"
    return None


def read_table(path: Path, dialect: Dialect) -> tuple[list[str], list[tuple[int, list[str]]],
                                                      EncodingGuess, DelimiterGuess]:
    """Header and records (with the line each starts on) of a CSV file, sniffed as the import does."""
    if not path.is_file():
        raise CrmDataError(f"There is no file {path}.")
    encoding = detect_encoding(path, dialect.encoding, scan(path).utf8)
    with path.open("r", encoding=encoding.name, newline="") as fh:
        sample = fh.read(1 << 14).lstrip("\ufeff")
        if dialect.delimiter:
            delimiter = DelimiterGuess(dialect.delimiter, "given with --delimiter")
        else:
            delimiter = detect_delimiter(sample, path)
        fh.seek(0)
        if encoding.name.startswith("utf-8"):
            fh.reconfigure(encoding="utf-8-sig")
        reader = csv.reader(fh, delimiter=delimiter.delimiter, quotechar=dialect.quote)
        try:
            headers = [restore(h) for h in next(reader)]
        except StopIteration:
            raise CrmDataError(f"{path} is empty.") from None
        rows: list[tuple[int, list[str]]] = []
        start = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append((start, [restore(c) for c in record]))
            start = reader.line_num + 1
    return headers, rows, encoding, delimiter


def _cell(row: dict[str, str], name: str) -> str:
    return (row.get(name) or "").strip()


# -- Google ------------------------------------------------------------------------------------

_GOOGLE_ADDRESS = ("Street", "City", "Region", "Postal Code", "Country")
_GOOGLE_GROUPS = (("E-mail", InfoType.EMAIL), ("Phone", InfoType.PHONE),
                  ("Website", InfoType.WEBSITE), ("Address", InfoType.ADDRESS))


def google_card(row: dict[str, str]) -> Card:
    """One Google Contacts CSV record as a card."""
    card = Card()
    card.first_name = " ".join(x for x in (_cell(row, "First Name") or _cell(row, "Given Name"),
                                           _cell(row, "Middle Name") or _cell(row, "Additional Name"))
                               if x)
    card.last_name = _cell(row, "Last Name") or _cell(row, "Family Name")
    card.company = _cell(row, "Organization Name") or _cell(row, "Organization 1 - Name")
    card.title = _cell(row, "Organization Title") or _cell(row, "Organization 1 - Title")
    card.notes = _cell(row, "Notes")
    card.is_company = not card.first_name and not card.last_name and bool(card.company)
    labels = _cell(row, "Labels") or _cell(row, "Group Membership")
    card.tags = [t.strip() for t in labels.split(GOOGLE_SEP)
                 if t.strip() and not t.strip().startswith("* ")]
    card.birthday = _cell(row, "Birthday")
    for prefix, info_type in _GOOGLE_GROUPS:
        n = 1
        while any(f"{prefix} {n} - {part}" in row for part in ("Value", "Label", "Type", "Street",
                                                                 "Formatted", "City")):
            label = _cell(row, f"{prefix} {n} - Label") or _cell(row, f"{prefix} {n} - Type")
            primary = label.startswith("*")
            category = category_by_name(info_type, [label.lstrip("* ")]) if label else \
                category_by_name(info_type, [])
            if info_type is InfoType.ADDRESS:
                parts = [_cell(row, f"{prefix} {n} - {p}").split(GOOGLE_SEP)[0] for p in _GOOGLE_ADDRESS]
                extra = " ".join(x for x in (_cell(row, f"{prefix} {n} - PO Box"),
                                             _cell(row, f"{prefix} {n} - Extended Address")) if x)
                if extra:
                    parts[0] = " ".join(x for x in (parts[0], extra) if x)  # no comma: see card_rows
                if not any(parts) and _cell(row, f"{prefix} {n} - Formatted"):
                    parts[0] = " ".join(_cell(row, f"{prefix} {n} - Formatted").split())
                if any(parts):
                    card.info.append(Info(info_type, category, ", ".join(p for p in parts if p),
                                          tuple(parts), primary))  # type: ignore[arg-type]
            else:
                for value in _cell(row, f"{prefix} {n} - Value").split(GOOGLE_SEP):
                    if value.strip():
                        card.info.append(Info(info_type, category, value.strip(), primary=primary))
                        primary = False
            n += 1
    return card




def google_frame(cards: list[Card]) -> pd.DataFrame:
    """Cards in Google Contacts CSV columns (as many numbered groups as the busiest contact needs)."""
    records = []
    counts = {t: max([sum(1 for i in c.info if i.info_type is t) for c in cards] + [1])
              for _, t in _GOOGLE_GROUPS}
    for card in cards:
        rec: dict[str, str] = {
            "First Name": "" if card.is_company else card.first_name, "Middle Name": "",
            "Last Name": "" if card.is_company else card.last_name,
            "Organization Name": card.company, "Organization Title": card.title,
            "Birthday": card.birthday, "Notes": card.notes,
            "Labels": GOOGLE_SEP.join(["* myContacts", *card.tags]),
        }
        for prefix, info_type in _GOOGLE_GROUPS:
            values = [i for i in card.info if i.info_type is info_type]
            for n in range(1, counts[info_type] + 1):
                info = values[n - 1] if n <= len(values) else None
                label = "" if info is None else categories(info_type).get(info.category, "Other")
                if info is not None and info.primary:
                    label = "* " + label
                rec[f"{prefix} {n} - Label"] = label
                if info_type is InfoType.ADDRESS:
                    parts = (info.address if info and info.address else ("",) * 5)
                    rec[f"{prefix} {n} - Formatted"] = info.data if info else ""
                    for name, value in zip(_GOOGLE_ADDRESS, parts, strict=True):
                        rec[f"{prefix} {n} - {name}"] = value
                else:
                    rec[f"{prefix} {n} - Value"] = info.data if info else ""
        records.append(rec)
    return pd.DataFrame.from_records(records)


# -- Outlook -----------------------------------------------------------------------------------

OUTLOOK_EMAILS = ("E-mail Address", "E-mail 2 Address", "E-mail 3 Address")
#: Outlook phone columns and the ONLYOFFICE phone category each means (Home 0, Work 1, Mobile 2,
#: Fax 3, Direct 4, Other 5); on export a category goes to its first column with room.
OUTLOOK_PHONES = (("Business Phone", 1), ("Business Phone 2", 1), ("Company Main Phone", 1),
                  ("Home Phone", 0), ("Home Phone 2", 0), ("Mobile Phone", 2),
                  ("Business Fax", 3), ("Home Fax", 3), ("Other Fax", 3), ("Assistant's Phone", 4),
                  ("Other Phone", 5), ("Primary Phone", 5))
#: Outlook address blocks and the ONLYOFFICE address category (Home 0, Other 4, Work 5).
OUTLOOK_ADDRESSES = (("Business", 5), ("Home", 0), ("Other", 4))
OUTLOOK_COLUMNS = ("First Name", "Middle Name", "Last Name", "Title", "Suffix", "Job Title",
                   "Company", "Department", "Notes", "Categories", "Birthday", "Web Page",
                   "Personal Web Page", *OUTLOOK_EMAILS, *(p for p, _ in OUTLOOK_PHONES),
                   *(f"{block} {part}" for block, _ in OUTLOOK_ADDRESSES for part in
                     ("Street", "City", "State", "Postal Code", "Country/Region")))


def outlook_card(row: dict[str, str]) -> Card:
    """One Outlook CSV record as a card."""
    card = Card()
    card.first_name = " ".join(x for x in (_cell(row, "First Name"), _cell(row, "Middle Name")) if x)
    card.last_name = _cell(row, "Last Name")
    card.company, card.title = _cell(row, "Company"), _cell(row, "Job Title")
    card.notes = _cell(row, "Notes")
    card.is_company = not card.first_name and not card.last_name and bool(card.company)
    card.tags = [t.strip() for t in _cell(row, "Categories").split(";") if t.strip()]
    card.birthday = _outlook_birthday(_cell(row, "Birthday"))
    for column in OUTLOOK_EMAILS:
        if value := _cell(row, column):
            card.info.append(Info(InfoType.EMAIL, 1, value))
    for column, category in OUTLOOK_PHONES:
        if value := _cell(row, column):
            card.info.append(Info(InfoType.PHONE, category, value))
    for block, category in OUTLOOK_ADDRESSES:
        street = " ".join(x for x in (_cell(row, f"{block} Street"), _cell(row, f"{block} Street 2"),
                                       _cell(row, f"{block} Street 3")) if x)
        parts = (street, _cell(row, f"{block} City"), _cell(row, f"{block} State"),
                 _cell(row, f"{block} Postal Code"), _cell(row, f"{block} Country/Region")
                 or _cell(row, f"{block} Country"))
        if any(parts):
            card.info.append(Info(InfoType.ADDRESS, category, ", ".join(p for p in parts if p), parts))
    for column, category in (("Web Page", 1), ("Personal Web Page", 0)):
        if value := _cell(row, column):
            card.info.append(Info(InfoType.WEBSITE, category, value))
    return card


def _outlook_birthday(text: str) -> str:
    if not text or text in ("0/0/00", "0/0/0000", "00.00.00"):
        return ""
    for fmt in ("%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text  # reported by the import's date check, with its line


def outlook_frame(cards: list[Card]) -> pd.DataFrame:
    """Cards in Outlook's CSV columns."""
    records = []
    for card in cards:
        rec = dict.fromkeys(OUTLOOK_COLUMNS, "")
        rec.update({"First Name": "" if card.is_company else card.first_name,
                    "Last Name": "" if card.is_company else card.last_name,
                    "Job Title": card.title, "Company": card.company, "Notes": card.notes,
                    "Categories": ";".join(card.tags)})
        if card.birthday and re.fullmatch(r"\d{4}-\d{2}-\d{2}", card.birthday):
            d = dt.date.fromisoformat(card.birthday)
            rec["Birthday"] = f"{d.month}/{d.day}/{d.year}"
        emails = [i.data for i in card.info if i.info_type is InfoType.EMAIL]
        for column, value in zip(OUTLOOK_EMAILS, emails, strict=False):
            rec[column] = value
        for info in (i for i in card.info if i.info_type is InfoType.PHONE):
            free = [c for c, cat in OUTLOOK_PHONES if cat == info.category and not rec[c]]
            if free:
                rec[free[0]] = info.data
        for info in (i for i in card.info if i.info_type is InfoType.ADDRESS):
            block = {5: "Business", 2: "Business", 0: "Home"}.get(info.category, "Other")
            if not rec[f"{block} Street"] and not rec[f"{block} City"]:
                parts = info.address or ("",) * 5
                for part, value in zip(("Street", "City", "State", "Postal Code", "Country/Region"),
                                       parts, strict=True):
                    rec[f"{block} {part}"] = value
        for info in (i for i in card.info if i.info_type is InfoType.WEBSITE):
            column = "Personal Web Page" if info.category == 0 else "Web Page"
            rec[column] = rec[column] or info.data
        records.append(rec)
    return pd.DataFrame.from_records(records, columns=list(OUTLOOK_COLUMNS))


def read_foreign(path: Path, dialect: Dialect) -> tuple[str | None, list[Card], list[str], str]:
    """(layout, cards, notes, encoding) of a Google or Outlook CSV; layout None for anything else."""
    headers, rows, encoding, delimiter = read_table(path, dialect)
    layout = detect_layout(headers)
    if layout is None:
        return None, [], [], encoding.name
    convert = google_card if layout == "google" else outlook_card
    cards = []
    for line, record in rows:
        card = convert(dict(zip(headers, record, strict=False)))
        card.line = line
        cards.append(card)
    notes = [f"{'Google Contacts' if layout == 'google' else 'Outlook'} CSV (recognised by its header)",
             encoding.note(), delimiter.note()]
    return layout, cards, notes, encoding.name


def write_foreign(cards: list[Card], target: Path, layout: str, options: CsvOptions | None = None) -> int:
    """Write cards as Google Contacts CSV or Outlook CSV through crmdata's CSV writer."""
    frame = google_frame(cards) if layout == "google" else outlook_frame(cards)
    return write_frame_csv(frame, target, options)
