"""``crmdata sync pull|push``: bring an ONLYOFFICE portal's contacts in, send the store's changes back.

The password comes from ``CRMDATA_PORTAL_PASSWORD``, else the OS keyring, else a prompt; it is
never written anywhere.
"""

from __future__ import annotations

from typing import Any

import click

from ..onlyoffice.push_plan import PushPlan
from . import State
from .output import echo_frame, format_option


def _portal_options(f: Any) -> Any:
    f = click.option(
        "--timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for each answer."
    )(f)
    f = click.option("--login", required=True, help="The portal account (login or e-mail).")(f)
    return click.option(
        "--portal",
        required=True,
        metavar="URL",
        help="The portal's address, e.g. https://office.example.com.",
    )(f)


def _prompt(text: str) -> str:
    return str(click.prompt(text, hide_input=True, err=True))


@click.group("sync")
def sync() -> None:
    """Pull contacts from an ONLYOFFICE portal and push changes back."""


def _ids(value: str) -> list[int]:
    try:
        return [int(x) for x in value.replace(" ", "").split(",") if x]
    except ValueError as exc:
        raise click.BadParameter(f"'{value}' is not a comma-separated list of contact ids") from exc


@sync.command("pull")
@_portal_options
@click.option(
    "--take-portal",
    "take",
    default="",
    metavar="IDS",
    help="Conflicting contacts (ids, comma-separated) to overwrite with the portal's version.",
)
@click.option(
    "--photos", is_flag=True, help="Pull photos too (one or two more requests a contact)."
)
@click.pass_obj
def pull_cmd(state: State, portal: str, login: str, timeout: float, take: str, photos: bool) -> None:
    """Pull every contact the portal account may see into the store."""
    with state.store(create=True) as store:
        report = store.sync_pull(
            portal=portal, login=login, prompt=_prompt, timeout=timeout, take_portal=_ids(take),
            photos=photos,
        )
    click.echo(str(report))


@sync.command("push")
@_portal_options
@click.option("--dry-run", is_flag=True, help="Print every request the push would make; send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before deletes and merges reach the portal.")
@click.option(
    "--overwrite",
    default="",
    metavar="IDS",
    help="Conflicting contacts (ids, comma-separated) whose version here replaces the portal's.",
)
@format_option()
@click.pass_obj
def push_cmd(
    state: State, portal: str, login: str, timeout: float, dry_run: bool, yes: bool, overwrite: str, fmt: str
) -> None:
    """Send the store's committed changes since the last push to the portal."""

    def confirm(plan: PushPlan) -> bool:
        if yes:
            return True
        click.echo(
            f"{len(plan.deletes)} contact(s) will be deleted and {len(plan.merges)} merged away on "
            f"the portal {portal}; this cannot be undone there.",
            err=True,
        )
        for step in [*plan.merges, *plan.deletes][:20]:
            click.echo(f"  {step.kind}: {step.name} (portal {step.portal_id})", err=True)
        return click.confirm("Go on?", default=False, err=True)

    with state.store() as store:
        report = store.sync_push(
            portal=portal,
            login=login,
            prompt=_prompt,
            timeout=timeout,
            dry_run=dry_run,
            confirm=confirm,
            overwrite=_ids(overwrite),
        )
    if dry_run:
        echo_frame(report.plan.frame(), fmt)
    click.echo(str(report))
    if report.status == "stopped":
        raise click.exceptions.Exit(1)


COMMANDS = [sync]
