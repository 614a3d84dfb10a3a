"""``crmdata sample generate`` and ``crmdata sample load``: demo and test data on disk and in a store."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..errors import CrmDataError
from ..sample import generate, load_sample, write_sample
from ..sample.files import check_folder
from . import State


@click.group("sample")
def sample() -> None:
    """Generate a seeded sample contact base, or load one into the store."""


@sample.command("generate")
@click.option("--rows", type=click.IntRange(min=1), default=3000, show_default=True,
              help="How many contact rows (duplicates included).")
@click.option("--seed", type=int, default=1, show_default=True,
              help="The same rows and seed always give the same files.")
@click.option("--dup-rate", type=click.FloatRange(0, 0.5), default=0.1, show_default=True,
              help="Share of rows that duplicate another row (typos, nicknames, moves, ...).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the CSV files (default: a new folder sample-ROWS-seedSEED here).")
@click.option("--truth", is_flag=True, help="Also write sample_truth.csv (row, entity_id).")
def generate_cmd(rows: int, seed: int, dup_rate: float, out: Path | None, truth: bool) -> None:
    """Write sample_contacts.csv (ONLYOFFICE layout), sample_deals.csv and sample_history.csv and
    sample_dates.csv (when each contact was created and last updated).

    Without --out the files go to a new folder, never over the shipped sample in data/.
    """
    if out is None:
        out = Path(f"sample-{rows}-seed{seed}")
        if out.exists():
            raise CrmDataError(f"The folder {out} exists already.",
                               hint="give another one with --out")
    started = time.perf_counter()
    made = generate(rows, seed=seed, dup_rate=dup_rate)
    paths = write_sample(made, out, truth=truth)
    clusters = int((made.truth.groupby("entity_id").size() > 1).sum())
    click.echo(f"Wrote {len(made.contacts)} contacts ({clusters} duplicate clusters), "
               f"{len(made.deals)} deals and {len(made.history)} history events "
               f"in {time.perf_counter() - started:.1f} s:")
    for path in paths:
        click.echo(f"  {path}")


@sample.command("load")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=Path("data"))
@click.pass_obj
def load_cmd(state: State, directory: Path) -> None:
    """Load a sample folder (contacts, deals, history) into the store, all or nothing."""
    check_folder(directory)  # a folder without the sample files fails before a store is created
    store = state.store(create=True)
    report = load_sample(store.db, store.user, directory)
    click.echo(report.summary())


COMMANDS = [sample]
