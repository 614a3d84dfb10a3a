"""Editing commands: ``edit``, ``tag``, ``delete``, ``history``, ``undo``, ``fill-keys``.

Each is one library call (a change set, a delete, an undo) with ``--dry-run`` where it
writes: a dry run prints what would change and writes nothing.
"""

from __future__ import annotations

from typing import Any

import click

from .. import matchkeys
from ..edit import ChangeSet, CommitResult, DuplicatesFound, NewContact, check_undo
from ..model import DEFAULT_PHONE_REGION, ShareType
from . import State
from .output import echo_frame, format_option

_SHARE = {"none": ShareType.NONE, "readwrite": ShareType.READ_WRITE, "read": ShareType.READ}


def _pairs(items: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    out = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint=option)
        out.append((name.strip(), value))
    return out


def _finish(cs: ChangeSet, dry_run: bool, save_duplicates: bool, fmt: str) -> CommitResult | None:
    """Preview (dry run) or commit a change set, printing what happened."""
    if dry_run:
        pv = cs.preview()
        echo_frame(pv.frame(), fmt)
        for problem in pv.problems:
            click.echo(f"Problem: {problem}", err=True)
        for conflict in pv.conflicts:
            click.echo(f"Conflict: {conflict}", err=True)
        for dup in pv.duplicates:
            click.echo(f"Likely duplicate: {dup}", err=True)
        click.echo("Dry run: nothing was written.", err=True)
        return None
    try:
        result = cs.commit(on_duplicate="save" if save_duplicates else "ask")
    except DuplicatesFound as exc:
        raise click.ClickException(
            exc.message + "\n(merge into the existing contact with `crmdata merge`, write anyway with "
            "--save-duplicates, or leave it)") from exc
    if result.status == "nothing to do":
        click.echo("Nothing to change.")
        return result
    created = ", ".join(str(i) for i in result.created.values())
    click.echo(f"Committed change set {result.change_set_id}"
               + (f"; created contact {created}" if created else "")
               + (f"; updated {len(result.updated)} contact(s)" if result.updated else "") + ".")
    return result


@click.command("edit")
@click.argument("target")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE",
              help="first_name, last_name, company_name, title, notes, industry, currency, "
                   "temperature, contact_type or company (an id; empty unlinks). Repeatable.")
@click.option("--add", "adds", multiple=True, metavar="TYPE=VALUE",
              help="Add contact info, e.g. email=a@b.de, phone=+49 30 1, website=example.com.")
@click.option("--address", "addresses", multiple=True, metavar="PART=VALUE",
              help="Parts of one address to add: street=..., city=..., state=..., zip=..., country=...")
@click.option("--change", "changes", multiple=True, metavar="INFO_ID=VALUE", help="Change an info value.")
@click.option("--remove", "removes", multiple=True, type=int, metavar="INFO_ID", help="Delete an info row.")
@click.option("--primary", "primaries", multiple=True, type=int, metavar="INFO_ID",
              help="Make an info row the primary one of its type.")
@click.option("--custom", "customs", multiple=True, metavar="LABEL=VALUE",
              help="Set a custom field (empty value clears it).")
@click.option("--share", type=click.Choice(sorted(_SHARE)), help="Who besides managers may see/edit.")
@click.option("--managers", help="Comma-separated logins of the managers (replaces the list).")
@click.option("--version", "version", type=int, help="The version you read; refuse if it changed since.")
@click.option("--region", default=DEFAULT_PHONE_REGION, show_default=True,
              help="Region for phone numbers written without a country code.")
@click.option("--save-duplicates", is_flag=True, help="Write even when likely duplicates exist.")
@click.option("--dry-run", is_flag=True, help="Show the changes field by field; write nothing.")
@format_option()
@click.pass_obj
def edit(state: State, target: str, sets: tuple[str, ...], adds: tuple[str, ...],
         addresses: tuple[str, ...], changes: tuple[str, ...], removes: tuple[int, ...],
         primaries: tuple[int, ...], customs: tuple[str, ...], share: str | None, managers: str | None,
         version: int | None, region: str, save_duplicates: bool, dry_run: bool, fmt: str) -> None:
    """Edit contact TARGET (an id), or create one (TARGET "person" or "company").

    Example: crmdata edit 42 --set title=CTO --add email=lore@example.com --custom Size=M
    """
    store = state.store()
    cs = store.change(region=region)
    fields: dict[str, Any] = dict(_pairs(sets, "--set"))
    if "company" in fields:
        company = fields["company"].strip()
        fields["company"] = int(company) if company.isdigit() else None
    ref: int | NewContact
    if target in ("person", "company"):
        if target == "person":
            ref = cs.create_person(fields.pop("first_name", ""), fields.pop("last_name", None))
        else:
            ref = cs.create_company(fields.pop("company_name", ""))
    elif target.isdigit():
        ref = int(target)
        if version is not None:
            cs.pin([ref], [version])
    else:
        raise click.BadParameter("give a contact id, 'person' or 'company'", param_hint="TARGET")
    if fields:
        cs.update(ref, **fields)
    for kind, value in _pairs(adds, "--add"):
        cs.add_info(ref, kind, value)
    if addresses:
        parts: dict[str, Any] = dict(_pairs(addresses, "--address"))
        cs.add_info(ref, "address", **parts)
    for row_id, value in _pairs(changes, "--change"):
        if not row_id.isdigit():
            raise click.BadParameter(f"'{row_id}' is not an info row id", param_hint="--change")
        cs.change_info(ref, int(row_id), value)
    for info_id in removes:
        cs.delete_info(ref, info_id)
    for info_id in primaries:
        cs.set_primary(ref, info_id)
    for label, value in _pairs(customs, "--custom"):
        cs.set_custom(ref, label, value)
    if share is not None or managers is not None:
        logins = None if managers is None else [m.strip() for m in managers.split(",") if m.strip()]
        cs.set_access(ref, _SHARE[share] if share else None, logins)
    _finish(cs, dry_run, save_duplicates, fmt)


@click.command("tag")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--add", "add", multiple=True, help="Tag to add (created when new). Repeatable.")
@click.option("--remove", "remove", multiple=True, help="Tag to remove (the tag itself stays). Repeatable.")
@click.option("--dry-run", is_flag=True, help="Show the changes; write nothing.")
@format_option()
@click.pass_obj
def tag(state: State, ids: tuple[int, ...], add: tuple[str, ...], remove: tuple[str, ...], dry_run: bool,
        fmt: str) -> None:
    """Add or remove tags on contacts IDS, all in one change set."""
    if not add and not remove:
        raise click.UsageError("give --add TAG and/or --remove TAG")
    cs = state.store().change()
    cs.pin(ids)
    for cid in ids:
        if add:
            cs.add_tags(cid, *add)
        if remove:
            cs.remove_tags(cid, *remove)
    _finish(cs, dry_run, True, fmt)


@click.command("delete")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Say what would be removed; delete nothing.")
@click.pass_obj
def delete(state: State, ids: tuple[int, ...], yes: bool, dry_run: bool) -> None:
    """Delete contacts IDS for good, with their info, tags, custom values, history, photo and
    access entries; deals and a company's persons are kept and unlinked. Cannot be undone."""
    store = state.store()
    preview = store.delete(list(ids), dry_run=True)
    click.echo(str(preview))
    if dry_run:
        return
    if not yes:
        click.confirm("This cannot be undone. Delete?", abort=True)
    click.echo(str(store.delete(list(ids))))


@click.command("history")
@click.argument("contact_id", type=int)
@format_option()
@click.pass_obj
def history(state: State, contact_id: int, fmt: str) -> None:
    """Every journalled change of a contact: who, when, each field before and after."""
    frame = state.store().history(contact_id)
    echo_frame(frame.drop(columns=["summary"]) if fmt == "table" else frame, fmt)


@click.command("undo")
@click.argument("change_set_id", type=int)
@click.option("--dry-run", is_flag=True, help="Check that it can be undone; write nothing.")
@click.pass_obj
def undo(state: State, change_set_id: int, dry_run: bool) -> None:
    """Revert a committed change set, if its contacts were not changed since."""
    store = state.store()
    if dry_run:
        rows = check_undo(store.db, store.user, change_set_id)
        click.echo(f"Change set {change_set_id} can be undone ({rows} row(s) would change); "
                   "dry run, nothing was written.")
        return
    undo_id, = store.undo(change_set_id)
    click.echo(f"Undid change set {change_set_id} (as change set {undo_id}).")


@click.command("fill-keys")
@click.option("--region", default=DEFAULT_PHONE_REGION, show_default=True,
              help="Region for phone numbers written without a country code.")
@click.pass_obj
def fill_keys(state: State, region: str) -> None:
    """Compute missing E.164 phone and email matching keys (stores imported by older versions)."""
    done = matchkeys.fill_keys(state.store().db, region)
    click.echo(f"Filled keys for {done['emails']} email(s) and {done['phones']} phone(s).")


COMMANDS = [edit, tag, delete, history, undo, fill_keys]
