"""Commands that move contacts in and out: import and export (ONLYOFFICE, Google, Outlook CSV, vCard)."""

from __future__ import annotations

from pathlib import Path

import click

from ..csvio.formats import EXPORT_FORMATS, IMPORT_FORMATS, export_format_for
from ..csvio.importer import DuplicateRule
from ..csvio.plain import export_plain
from ..csvio.reader import Dialect
from ..csvio.writer import EXPORT_ENCODINGS, CsvOptions
from ..errors import CrmDataError, ImportFailed
from ..model import ShareType
from . import State
from .output import progress_bar


def _parse_map(pairs: tuple[str, ...]) -> dict[str, str] | None:
    if not pairs:
        return None
    mapping = {}
    for pair in pairs:
        header, sep, key = pair.partition("=")
        if not sep or not header.strip() or not key.strip():
            raise CrmDataError(f"--map takes HEADER=KEY, not '{pair}'.")
        mapping[header.strip()] = key.strip()
    return mapping


def _separator(value: str | None) -> str | None:
    """``tab`` and ``\\t`` stand for a tab, which is hard to type on a command line."""
    return "\t" if value in ("tab", "\\t") else value


@click.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--duplicates", type=click.Choice(["skip", "update", "clone"]), default="skip",
              show_default=True,
              help="Rows whose email a contact already has (in the store or earlier in the file): "
              "leave them out, merge them into that contact, or import them anyway.")
@click.option("--skip-bad-rows", is_flag=True,
              help="Import the good rows and report the bad ones (default: refuse the whole file).")
@click.option("--keep-bad-values", is_flag=True,
              help="A value that fails validation (an email, a custom value) does not cost its row: "
              "it is stored as written and flagged (crmdata check --rules import_kept).")
@click.option("--map", "pairs", multiple=True, metavar="HEADER=KEY",
              help="Plain CSV: which column holds what (e.g. 'E-Mail=email', 'Vorname=firstName'). "
              "A custom field may take a type: 'dob=customField_Birthday:date' (also text, textarea, "
              "checkbox, select(A|B|C)); a date field is checked as a date and used by the "
              "duplicate finder.")
@click.option("--encoding", help="The file's encoding (default: detected among UTF-8, UTF-16, "
              "cp1252 / latin-1 and mac_roman, and named in the summary).")
@click.option("--delimiter", help="Field separator, 'tab' for a tab (default: detected among , ; tab and |).")
@click.option("--share", type=click.Choice(["public", "read", "restricted"]), default="public",
              show_default=True, help="Access for the new contacts: all users read and write, "
              "all users read, or managers only.")
@click.option("--manager", "managers", multiple=True, help="Make this user a manager (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Add this tag to every imported contact.")
@click.option("--date-format", help="strftime form of dates in custom date fields "
              "(default: dd.mm.yyyy, dd/mm/yyyy or ISO).")
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS), default="auto", show_default=True,
              help="auto: vCard by its content or .vcf name, Google and Outlook CSV by their header, "
              "else ONLYOFFICE CSV.")
@click.option("--memory-limit", default=None, metavar="SIZE",
              help="DuckDB's memory for the import (default 3GB). The file is imported in one "
              "transaction; a file of millions of contacts may need more.")
@click.pass_obj
def import_cmd(state: State, source: Path, duplicates: DuplicateRule, skip_bad_rows: bool,
               keep_bad_values: bool, pairs: tuple[str, ...], encoding: str | None,
               delimiter: str | None, share: str, managers: tuple[str, ...], tags: tuple[str, ...],
               date_format: str | None, fmt: str, memory_limit: str | None) -> None:
    """Import contacts: ONLYOFFICE CSV (or a plain CSV with --map), Google Contacts CSV,
    Outlook CSV or vCard 3.0 / 4.0.

    All or nothing: a file with bad rows changes nothing unless --skip-bad-rows is given.
    """
    store = state.store(create=True)
    share_type = {"public": ShareType.READ_WRITE, "read": ShareType.READ,
                  "restricted": ShareType.NONE}[share]
    with progress_bar(3, "import", "step") as bar:
        def step(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update(0 if name == "reading" else 1)

        try:
            report = store.import_contacts(
                source, fmt=fmt, duplicates=duplicates, skip_bad_rows=skip_bad_rows,
                keep_bad_values=keep_bad_values,
                mapping=_parse_map(pairs),
                dialect=Dialect(delimiter=_separator(delimiter), encoding=encoding),
                share_type=share_type, managers=managers, tags=tags, date_format=date_format,
                progress=step, memory_limit=memory_limit,
            )
        except ImportFailed:
            bar.close()
            raise
    click.echo(report.summary())
    if report.journal_id is not None:
        click.echo(f"Change set {report.journal_id}: see `crmdata history ID`, "
                   f"revert with `crmdata undo {report.journal_id}`.")
    for line, cid in report.skipped_duplicates[:20]:
        click.echo(f"  line {line}: duplicate of contact {cid}, skipped")
    if len(report.skipped_duplicates) > 20:
        click.echo(f"  ... and {len(report.skipped_duplicates) - 20} more duplicates skipped")
    for problem in report.kept_values[:50]:
        click.echo(f"  flagged {problem}", err=True)
    for problem in report.problems[:50]:
        click.echo(f"  skipped {problem}", err=True)
    if len(report.problems) > 50:
        click.echo(f"  ... and {len(report.problems) - 50} more problems", err=True)


@click.command("export")
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--with-ids", is_flag=True,
              help="Add crmdata's contact id as the first column; re-importing such a file "
              "updates those contacts.")
@click.option("--columns", metavar="KEY[=HEADER],...",
              help="Plain CSV of chosen columns of the contacts table instead of the ONLYOFFICE "
              "layout, e.g. 'display_name=Name,email=E-Mail,phone'.")
@click.option("--delimiter", help="Field separator: , ; | or 'tab' (default: ,).")
@click.option("--encoding", type=click.Choice(EXPORT_ENCODINGS, case_sensitive=False),
              help="utf-8 (default), utf-8-sig (UTF-8 that Excel recognises) or cp1252 (Western "
              "Windows; a character it cannot hold stops the export).")
@click.option("--excel", is_flag=True,
              help="For Excel as set up in Germany and most of Europe: ';', utf-8-sig, CRLF line ends.")
@click.option("--raw", is_flag=True,
              help="Write cells exactly as stored. By default a cell beginning with = + - @, tab or CR "
              "(a formula to a spreadsheet) gets a leading ', which crmdata's import takes off again.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS),
              help="onlyoffice, google (Google Contacts CSV), outlook (Outlook CSV) or vcard "
              "(default: vcard for a .vcf name, else onlyoffice).")
@click.option("--vcard-version", type=click.Choice(["3.0", "4.0"]), default="3.0", show_default=True)
@click.option("--one-per-contact", is_flag=True,
              help="vCard: write one ID.vcf per contact into the folder TARGET.")
@click.pass_obj
def export_cmd(state: State, target: Path, with_ids: bool, columns: str | None,
               delimiter: str | None, encoding: str | None, excel: bool, raw: bool, fmt: str | None,
               vcard_version: str, one_per_contact: bool) -> None:
    """Export the contacts you may see: ONLYOFFICE CSV (or plain CSV with --columns), Google or
    Outlook CSV, or vCard."""
    store = state.store()
    base = CsvOptions.excel() if excel else CsvOptions()
    options = CsvOptions(_separator(delimiter) or base.delimiter, (encoding or base.encoding).lower(),
                         base.newline, raw=raw)
    fmt = fmt or ("vcard" if one_per_contact else export_format_for(target))
    if fmt != "onlyoffice" and not columns:
        n = store.export_contacts(target, fmt=fmt, options=options, vcard_version=vcard_version,
                                  one_per_contact=one_per_contact)
        click.echo(f"Exported {n} contacts to {target}.")
        return
    if columns:
        spec = {}
        for item in columns.split(","):
            key, _, header = item.partition("=")
            spec[key.strip()] = header.strip() or key.strip()
        n = export_plain(store.contacts(), target, spec, options)
    else:
        with progress_bar(store.count(), "export", "contact") as bar:
            n = store.export_onlyoffice(target, with_ids=with_ids, options=options,
                                        progress=bar.update)
    click.echo(f"Exported {n} contacts to {target}.")


COMMANDS = [import_cmd, export_cmd]
