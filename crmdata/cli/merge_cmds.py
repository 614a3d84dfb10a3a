"""``crmdata merge``: merge one cluster of duplicates, or every high-scoring cluster in a batch."""

from __future__ import annotations

import click
import pandas as pd
from tqdm import tqdm

from ..merge.batch import merge_clusters, qualifying_clusters
from ..store import Store
from . import State
from .output import echo_frame, format_option


def _parse_keep(items: tuple[str, ...]) -> dict[str, int]:
    out = {}
    for item in items:
        name, sep, cid = item.rpartition("=")
        if not sep or not name.strip() or not cid.strip().isdigit():
            raise click.BadParameter(f"'{item}' is not FIELD=CONTACT_ID", param_hint="--keep")
        out[name.strip()] = int(cid)
    return out


def _pairs(store: Store, bar: tqdm) -> pd.DataFrame:
    """The duplicate pairs (with cluster ids) among the contacts the user may see."""
    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(1)

    return store.find_duplicates(progress=step).pairs


@click.command("merge")
@click.argument("ids", nargs=-1, type=int)
@click.option("--keep", "keep", multiple=True, metavar="FIELD=ID",
              help="Take FIELD from contact ID (repeatable), e.g. notes=12 or custom:Size=12.")
@click.option("--survivor", type=int, help="Keep this contact (default: the survivorship rule).")
@click.option("--auto", is_flag=True, help="Merge every duplicate cluster whose pairs all score "
              "at least --min-score.")
@click.option("--min-score", type=click.FloatRange(0, 1), default=0.9, show_default=True,
              help="With --auto: the lowest pair score a cluster may have.")
@click.option("--dry-run", is_flag=True, help="Show the plan (or the clusters) and change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@format_option()
@click.pass_obj
def merge_cmd(state: State, ids: tuple[int, ...], keep: tuple[str, ...], survivor: int | None,
              auto: bool, min_score: float, dry_run: bool, yes: bool, fmt: str) -> None:
    """Merge duplicate contacts IDS into one (or, with --auto, every high-scoring cluster).

    The survivor keeps its non-empty fields, empty ones are filled from the others; info rows,
    tags, custom values, deals and history are unioned onto it; the others are removed. The
    merge is journalled: `crmdata undo CHANGE_SET_ID` (the id it prints) reverts it.
    """
    if auto:
        if ids or keep or survivor is not None:
            raise click.UsageError("--auto takes no contact ids, --keep or --survivor.")
        _auto(state, min_score, dry_run, yes, fmt)
        return
    if len(ids) < 2:
        raise click.UsageError("Give at least two contact ids, or --auto.")
    store = state.store()
    plan = store.plan_merge(list(ids), survivor=survivor, keep=_parse_keep(keep))
    table = plan.table()
    echo_frame(table.astype(object).where(table.notna(), "") if fmt == "table" else table, fmt)
    info = pd.DataFrame([(o.info_id, o.contact_id, o.info_type, o.data, o.action, o.is_primary, o.note)
                         for o in plan.info],
                        columns=["info_id", "contact_id", "type", "data", "action", "primary", "note"])
    if fmt == "table":
        click.echo("")
        echo_frame(info, fmt)
    click.echo(plan.summary(), err=fmt != "table")
    if dry_run:
        click.echo("Dry run: nothing was changed.", err=fmt != "table")
        return
    if not yes and not click.confirm("Merge these contacts?", err=True):
        raise click.ClickException("Nothing was merged.")
    result = store.merge(plan)
    click.echo(str(result), err=fmt != "table")


def _auto(state: State, min_score: float, dry_run: bool, yes: bool, fmt: str) -> None:
    store = state.store()
    with tqdm(total=5, desc="finding duplicates", unit="step", disable=None, leave=False) as bar:
        pairs = _pairs(store, bar)
    clusters = qualifying_clusters(pairs, min_score)
    if not clusters:
        click.echo(f"No duplicate cluster has every pair scoring at least {min_score}.", err=fmt != "table")
        return
    if not dry_run and not yes and not click.confirm(
            f"Merge {len(clusters)} cluster(s) ({sum(len(c.ids) for c in clusters)} contacts)?", err=True):
        raise click.ClickException("Nothing was merged.")
    with tqdm(total=len(clusters), desc="merging" if not dry_run else "planning", unit="cluster",
              disable=None, leave=False) as bar:
        report = merge_clusters(store.db, store.user, clusters, dry_run=dry_run,
                                tick=lambda _c: bar.update(1))
    echo_frame(report, fmt)
    merged = int((report["status"] == "merged").sum())
    skipped = int(report["status"].str.startswith("skipped").sum())
    head = (f"Dry run: {len(report) - skipped} cluster(s) would merge" if dry_run
            else f"Merged {merged} cluster(s)")
    click.echo(f"{head}, {skipped} skipped.", err=fmt != "table")


COMMANDS = [merge_cmd]
