"""``crmdata values cluster``: spellings of one field's values, grouped; optionally made one."""

from __future__ import annotations

import click
import pandas as pd

from ..edit.clusters import DEFAULT_RADIUS, FIELDS, cluster_values, merge_values
from . import State
from .output import echo_frame, format_option


@click.group("values")
def values() -> None:
    """Look at and clean up the values of one field across all contacts."""


@values.command("cluster")
@click.option("--field", required=True,
              help=f"One of {', '.join(FIELDS)}, or custom:<label> for a custom field.")
@click.option("--method", type=click.Choice(["key", "nearest"]), default="key", show_default=True,
              help="key: same fingerprint (OpenRefine's key collision); nearest: similar fingerprints.")
@click.option("--radius", type=click.FloatRange(1, 100), default=DEFAULT_RADIUS, show_default=True,
              help="How similar (0-100) fingerprints must be for --method nearest.")
@click.option("--apply", "apply_", is_flag=True,
              help="Write each cluster's most used spelling on every contact of the cluster, "
                   "as one change set (undo it with crmdata undo).")
@click.option("--yes", is_flag=True, help="Do not ask before --apply writes.")
@format_option()
@click.pass_obj
def cluster(state: State, field: str, method: str, radius: float, apply_: bool, yes: bool, fmt: str) -> None:
    """Group the spellings of FIELD's values ("Weber & Suess G.m.b.H.", "Weber und Suess GmbH")
    with how many contacts use each; the first of a cluster is the suggested value."""
    store = state.store()
    clusters = cluster_values(store.db, store.user, field, method=method, radius=radius)  # type: ignore[arg-type]
    rows = [(n, c.suggested, value, count) for n, c in enumerate(clusters, 1) for value, count in c.values]
    echo_frame(pd.DataFrame(rows, columns=["cluster", "keep", "value", "contacts"]), fmt)
    if not clusters:
        click.echo(f"No two spellings of {field} cluster.", err=fmt != "table")
        return
    if not apply_:
        return
    choices = {value: c.suggested for c in clusters for value, _n in c.values[1:]}
    contacts = sum(n for c in clusters for _v, n in c.values[1:])
    if not yes:
        click.confirm(f"Replace {len(choices):,} spellings on {contacts:,} contacts?", abort=True)
    jid = merge_values(store.change(), field, choices)
    click.echo(f"Made {len(clusters):,} clusters one value each as change set {jid} "
               f"(undo: crmdata undo {jid}).")


COMMANDS = [values]
