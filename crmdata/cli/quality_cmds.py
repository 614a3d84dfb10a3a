"""``crmdata check`` and ``crmdata clean``: the data-quality check and batch cleanup for cron.

Exit codes (documented in ``--help``): 0 when no findings are (or remain, after a cleanup),
:data:`FINDINGS_EXIT` when findings exist, 1 for an error (``Error: ...``). Progress bars go
to standard error and show only when it is a terminal (or with ``--progress``).
"""

from __future__ import annotations

import datetime as dt
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict

import click
import pandas as pd

from ..model import DEFAULT_PHONE_REGION
from ..quality import rules as quality_rules
from ..quality import summary
from ..quality.clean import before_after
from . import State
from .output import echo_frame, format_option

#: Exit code meaning "the check found something" (distinct from 1, an error).
FINDINGS_EXIT = 3
_EXIT_HELP = (f"Exit code 0: no findings; {FINDINGS_EXIT}: findings exist (remain); "
              "1: error.")
#: Columns of the table shown on a terminal (CSV and JSON carry every column).
_TABLE_COLUMNS = ["contact_id", "name", "field", "severity", "rule", "message", "suggestion"]


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by check and clean."""
    options = [
        click.option("--rules", "rules", default=None, metavar="NAMES",
                     help="Comma-separated rules to run (default: all; see --list-rules)."),
        click.option("--stale-days", type=int, default=365, show_default=True,
                     help="Days without update or activity after which a contact is stale."),
        click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
                     help="Judge staleness as of this day (default: today)."),
        click.option("--region", default=DEFAULT_PHONE_REGION, show_default=True,
                     help="Phone region for contacts nothing else places (address, company address, other "
                          "international phones); such numbers are listed for review, never fixed."),
        click.option("--progress/--no-progress", default=None,
                     help="Progress bars on standard error (default: when it is a terminal)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _show_progress(flag: bool | None) -> bool:
    return sys.stderr.isatty() if flag is None else flag


class _Options(TypedDict):
    """What check and clean share: staleness and the phone region."""

    stale_days: int
    as_of: dt.date | None
    default_region: str


def _options(stale_days: int, as_of: dt.datetime | None, region: str) -> _Options:
    return {"stale_days": stale_days, "as_of": as_of.date() if as_of else None, "default_region": region}


@click.command("check")
@_common
@format_option()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the findings to this file (in --format; CSV, or JSON for a .json file, "
              "when no format is given) and print the summary.")
@click.option("--summary", "summary_only", is_flag=True, help="Print only the counts by rule and severity.")
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@click.pass_obj
@click.pass_context
def check_cmd(ctx: click.Context, state: State, rules: str | None, stale_days: int, as_of: dt.datetime | None,
              region: str, progress: bool | None, fmt: str, out: Path | None, summary_only: bool,
              list_rules: bool) -> None:
    """Find outdated, invalid and inconsistent contact data (only contacts you may view).

    One row per finding: contact, field, rule, severity, message and suggested fix.
    """
    if list_rules:
        echo_frame(pd.DataFrame(quality_rules.table()), fmt)
        return
    store = state.store()
    found = store.check(rules, progress=_show_progress(progress), **_options(stale_days, as_of, region))
    if out is not None:
        echo_frame(found, fmt, out)
        click.echo(summary.text(found))
        click.echo(f"Wrote {len(found):,} findings to {out}.")
    elif summary_only:
        if fmt == "table":
            click.echo(summary.text(found))
        else:
            echo_frame(summary.counts(found), fmt)
    else:
        echo_frame(found[_TABLE_COLUMNS] if fmt == "table" else found, fmt)
        if fmt == "table" and not found.empty:
            click.echo("\n" + summary.text(found))
    ctx.exit(FINDINGS_EXIT if len(found) else 0)


check_cmd.help = inspect.cleandoc(check_cmd.help or "") + "\n\n" + _EXIT_HELP


@click.command("clean")
@_common
@format_option()
@click.option("--dry-run", is_flag=True, help="Show the before/after table and change nothing.")
@click.option("--yes", is_flag=True, help="Apply without asking (for cron).")
@click.option("--undo", "undo_ids", default=None, metavar="IDS",
              help="Revert an earlier cleanup: the comma-separated change set ids it printed.")
@click.pass_obj
@click.pass_context
def clean_cmd(ctx: click.Context, state: State, rules: str | None, stale_days: int, as_of: dt.datetime | None,
              region: str, progress: bool | None, fmt: str, dry_run: bool, yes: bool,
              undo_ids: str | None) -> None:
    """Fix what can be fixed safely, as one change set: phones to international format, emails
    lower case and trimmed, names re-cased, spaces, primaries, repeated info rows.

    The fixes are committed atomically (one transaction, journalled in change sets of 500
    contacts) and can be undone with ``--undo IDS``. Contacts you may not edit, and fixes the
    editor would refuse, are skipped and listed.
    """
    if dry_run and yes:
        raise click.UsageError("Choose --dry-run or --yes, not both.")
    store = state.store()
    if undo_ids is not None:
        try:
            ids = [int(x) for x in undo_ids.split(",") if x.strip()]
        except ValueError:
            raise click.UsageError(f"--undo takes change set ids such as 12,13, not {undo_ids!r}.") from None
        done = store.undo(ids)
        click.echo(f"Reverted change set(s) {', '.join(map(str, ids))} "
                   f"(undo entries {', '.join(map(str, done))}).")
        return
    options = _options(stale_days, as_of, region)
    chosen = [r.name for r in quality_rules.select(rules, fixable_only=True)]
    if not chosen:
        raise click.UsageError("None of the chosen rules is fixable; see `crmdata check --list-rules`.")
    cs = store.clean(chosen, progress=_show_progress(progress), **options)
    if len(cs.skipped):
        click.echo(f"Skipped {len(cs.skipped):,} findings:", err=True)
        for r in cs.skipped.head(20).itertuples():
            click.echo(f"  contact {r.contact_id} {r.field} ({r.rule}): {r.reason}", err=True)
    if cs.fixes.empty:
        click.echo("Nothing to fix.")
        ctx.exit(FINDINGS_EXIT if len(cs.skipped) else 0)
    contacts = cs.fixes["contact_id"].nunique()
    what = f"{len(cs.fixes):,} fixes on {contacts:,} contacts"
    if dry_run or not yes:
        table = before_after(cs.preview())
        echo_frame(table, fmt)
        if dry_run:
            click.echo(f"Dry run: {what} would be applied; nothing was changed.", err=fmt != "table")
            ctx.exit(FINDINGS_EXIT)
        click.confirm(f"Apply {what}?", abort=True)
    result = cs.commit()
    jids = ",".join(map(str, result.change_set_ids))
    click.echo(f"Applied {what} as change set(s) {jids} (undo: crmdata clean --undo {jids}).")
    left = store.check(chosen, **options)
    if len(left):
        click.echo(f"{len(left):,} findings remain.")
    ctx.exit(FINDINGS_EXIT if len(left) else 0)


clean_cmd.help = inspect.cleandoc(clean_cmd.help or "") + "\n\n" + _EXIT_HELP

COMMANDS = [check_cmd, clean_cmd]
