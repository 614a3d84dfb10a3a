"""Commands that move contacts in and out: import and export (ONLYOFFICE or plain CSV)."""

from __future__ import annotations

from pathlib import Path

import click

from ..csvio.importer import DuplicateRule
from ..csvio.plain import export_plain
from ..csvio.reader import Dialect
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


@click.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--duplicates", type=click.Choice(["skip", "update", "clone"]), default="skip",
              show_default=True,
              help="Rows whose email a contact already has (in the store or earlier in the file): "
              "leave them out, merge them into that contact, or import them anyway.")
@click.option("--skip-bad-rows", is_flag=True,
              help="Import the good rows and report the bad ones (default: refuse the whole file).")
@click.option("--map", "pairs", multiple=True, metavar="HEADER=KEY",
              help="Plain CSV: which column holds what (e.g. 'E-Mail=email', 'Vorname=firstName').")
@click.option("--encoding", help="The file's encoding (default: detected).")
@click.option("--delimiter", default=",", show_default=True, help="Field separator.")
@click.option("--share", type=click.Choice(["public", "read", "restricted"]), default="public",
              show_default=True, help="Access for the new contacts: all users read and write, "
              "all users read, or managers only.")
@click.option("--manager", "managers", multiple=True, help="Make this user a manager (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Add this tag to every imported contact.")
@click.option("--date-format", help="strftime form of dates in custom date fields "
              "(default: dd.mm.yyyy, dd/mm/yyyy or ISO).")
@click.pass_obj
def import_cmd(state: State, source: Path, duplicates: DuplicateRule, skip_bad_rows: bool,
               pairs: tuple[str, ...], encoding: str | None, delimiter: str, share: str,
               managers: tuple[str, ...], tags: tuple[str, ...], date_format: str | None) -> None:
    """Import contacts from an ONLYOFFICE CSV export (or a plain CSV with --map).

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
            report = store.import_onlyoffice(
                source, duplicates=duplicates, skip_bad_rows=skip_bad_rows,
                mapping=_parse_map(pairs), dialect=Dialect(delimiter=delimiter, encoding=encoding),
                share_type=share_type, managers=managers, tags=tags, date_format=date_format,
                progress=step,
            )
        except ImportFailed:
            bar.close()
            raise
    click.echo(report.summary())
    for line, cid in report.skipped_duplicates[:20]:
        click.echo(f"  line {line}: duplicate of contact {cid}, skipped")
    if len(report.skipped_duplicates) > 20:
        click.echo(f"  ... and {len(report.skipped_duplicates) - 20} more duplicates skipped")
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
@click.pass_obj
def export_cmd(state: State, target: Path, with_ids: bool, columns: str | None) -> None:
    """Export the contacts you may see as ONLYOFFICE CSV (or plain CSV with --columns)."""
    store = state.store()
    if columns:
        spec = {}
        for item in columns.split(","):
            key, _, header = item.partition("=")
            spec[key.strip()] = header.strip() or key.strip()
        n = export_plain(store, target, spec)
    else:
        with progress_bar(store.count(), "export", "contact") as bar:
            n = store.export_onlyoffice(target, with_ids=with_ids, progress=bar.update)
    click.echo(f"Exported {n} contacts to {target}.")


COMMANDS = [import_cmd, export_cmd]
