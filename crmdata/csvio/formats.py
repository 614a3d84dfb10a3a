"""Contacts in from any supported format, out to any: the one entry point the CLI and the store use.

In: ONLYOFFICE CSV (or a plain CSV with a column mapping), Google Contacts CSV and Outlook CSV
(recognised by their headers), vCard 3.0 / 4.0 (``.vcf``, or a file starting ``BEGIN:VCARD``).
Out: ONLYOFFICE CSV, Google CSV, Outlook CSV, vCard (one file, or one per contact).
Every import goes through the ONLYOFFICE importer's rules; every CSV through the one writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CrmDataError
from .cards import import_cards, load_cards
from .foreign import read_foreign, write_foreign
from .reader import Dialect
from .vcard import read_vcards, write_vcards
from .writer import CsvOptions

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database
    from .importer import ImportReport

IMPORT_FORMATS = ("auto", "onlyoffice", "google", "outlook", "vcard")
EXPORT_FORMATS = ("onlyoffice", "google", "outlook", "vcard")


def sniff_format(path: Path) -> str:
    """``vcard`` for a vCard file, else ``csv`` (which CSV layout is decided by its header)."""
    if path.suffix.lower() in (".vcf", ".vcard"):
        return "vcard"
    if path.is_file():
        with path.open("rb") as fh:
            head = fh.read(64).lstrip(b"\xef\xbb\xbf \r\n\t").upper()
        if head.startswith(b"BEGIN:VCARD"):
            return "vcard"
    return "csv"


def import_contacts(db: Database, user: User, source: str | Path, *, fmt: str = "auto",
                    dialect: Dialect | None = None, mapping: dict[str, str] | None = None,
                    **options: Any) -> ImportReport:
    """Import a contacts file of any supported format; returns the importer's report."""
    from .importer import import_onlyoffice

    path = Path(source)
    dialect = dialect or Dialect()
    if fmt not in IMPORT_FORMATS:
        raise CrmDataError(f"'{fmt}' is not an import format; use {', '.join(IMPORT_FORMATS)}.")
    if not path.exists():
        raise CrmDataError(f"There is no file {path}.")
    if path.is_dir():
        raise CrmDataError(f"{path} is a folder, not a contacts file.")
    kind = sniff_format(path) if fmt == "auto" else fmt
    if kind == "vcard":
        cards, encoding = read_vcards(path, dialect.encoding)
        notes = ["vCard", encoding.note()]
        return import_cards(db, user, cards, path, encoding.name, notes, **options)
    if mapping is None and kind != "onlyoffice":
        layout, cards, notes, encoding_name = read_foreign(path, dialect)
        if layout is None and kind in ("google", "outlook"):
            raise CrmDataError(f"{path} does not have the header of a {kind.capitalize()} CSV export.")
        if layout is not None:
            return import_cards(db, user, cards, path, encoding_name, notes, **options)
    return import_onlyoffice(db, user, path, dialect=dialect, mapping=mapping, **options)


def export_contacts(db: Database, user: User, target: str | Path, *, fmt: str = "onlyoffice",
                    options: CsvOptions | None = None, vcard_version: str = "3.0",
                    one_per_contact: bool = False, with_ids: bool = False,
                    progress: Any = None) -> int:
    """Export the contacts the user may view; returns how many were written."""
    from .exporter import export_onlyoffice

    path = Path(target)
    if fmt not in EXPORT_FORMATS:
        raise CrmDataError(f"'{fmt}' is not an export format; use {', '.join(EXPORT_FORMATS)}.")
    if fmt == "onlyoffice":
        return export_onlyoffice(db, user, path, with_ids=with_ids, options=options, progress=progress)
    if fmt == "vcard":
        if one_per_contact and path.exists() and not path.is_dir():
            raise CrmDataError(f"{path} is a file; one vCard per contact needs a folder.")
        cards = load_cards(db, user, photos=True)
        write_vcards(cards, path, version=vcard_version, one_per_contact=one_per_contact)
        return len(cards)
    cards = load_cards(db, user)
    return write_foreign(cards, path, fmt, options)


def export_format_for(path: Path) -> str:
    """The export format a file name suggests (``.vcf`` means vCard), else ONLYOFFICE CSV."""
    return "vcard" if path.suffix.lower() in (".vcf", ".vcard") else "onlyoffice"
