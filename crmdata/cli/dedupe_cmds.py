"""``crmdata duplicates``: batch duplicate report (table/CSV/JSON) and review decisions.

Read-only unless ``--save-model``: the report fits a model on the fly and keeps it only when
asked (the write-back check then scores new contacts with it).
"""

from __future__ import annotations

from pathlib import Path

import click

from ..dedupe import DEFAULT_THRESHOLD
from ..model import DEFAULT_PHONE_REGION
from . import State
from .output import echo_frame, format_option, progress_bar

#: The pipeline's steps, as ``find_duplicates`` reports them (for the progress bar).
STEPS = ("match keys", "blocking", "comparison vectors", "classification", "clusters")


@click.group("duplicates", invoke_without_command=True)
@format_option()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output (in --format; CSV, or JSON "
              "for a .json file, when no format is given; Parquet for a .parquet file).")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=DEFAULT_THRESHOLD,
              show_default=True, help="Report pairs whose calibrated match probability is at least this.")
@click.option("--memory-limit", default=None, metavar="SIZE",
              help="Hold DuckDB's memory to this (e.g. 2GB); beyond it the run spills to disk.")
@click.option("--temp-directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where DuckDB spills (default: the system's temporary folder).")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="Where blocking, comparisons, scoring and clustering run: DuckDB, or Apache Spark "
              "(needs `pip install 'crmdata[spark]'` and Java 17); both give the same pairs.")
@click.option("--spark-master", default=None, metavar="URL",
              help="The Spark master for --engine spark: local[N] (default local[*]), spark://HOST:PORT, "
              "yarn or k8s://https://HOST:PORT.")
@click.option("--input", "source", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Find the duplicates of the contacts in this Parquet file instead of the store's "
              "(columns id, is_company, first_name, last_name, company_name; optionally company_id, "
              "street, zip, city, country, birthday, custom, email, phone, website).")
@click.option("--region", default=DEFAULT_PHONE_REGION, show_default=True,
              help="Phone region for numbers without a country code (when the address has no country).")
@click.option("--blocking", "show_blocking", is_flag=True,
              help="Also print what each blocking rule contributed (to standard error).")
@click.option("--save-model", is_flag=True,
              help="Keep the fitted model in the store, so the write-back duplicate check scores "
              "new contacts with it (without this flag the command changes nothing).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on standard error (default: when it is a terminal; never otherwise).")
@click.pass_context
def duplicates(ctx: click.Context, fmt: str, output: Path | None, threshold: float, memory_limit: str | None,
               temp_directory: Path | None, engine: str, spark_master: str | None, source: Path | None,
               region: str, show_blocking: bool, save_model: bool, progress: bool | None) -> None:
    """Find likely duplicate contacts: contact_id_1, contact_id_2, cluster_id, score, reasons, ...

    Pairs come most probable first; score is the calibrated match probability, match_weight
    its Fellegi-Sunter weight in bits, waterfall each comparison's part of it (JSON).

    Only contacts you may view take part. Pairs decided "not duplicate" never come back
    (see `crmdata duplicates decide`). Use `crmdata merge` to merge what you confirm.
    """
    if ctx.invoked_subcommand is not None:
        return
    if source is not None and save_model:
        raise click.UsageError("--save-model keeps a model in a store; a --input file has none.")
    state: State = ctx.obj
    with progress_bar(len(STEPS), "duplicates", "step", enabled=progress) as bar:
        def step(name: str) -> None:
            bar.set_description(name)
            if name != STEPS[0]:
                bar.update(1)

        if source is not None:  # a base outside any store: the store is never opened
            from ..dedupe.batch import find_duplicates_in

            report = find_duplicates_in(source, threshold=threshold,
                                        default_region=region, memory_limit=memory_limit,
                                        temp_directory=temp_directory, engine=engine,
                                        spark_master=spark_master, progress=step)
        else:
            report = state.store().find_duplicates(
                threshold=threshold, default_region=region, keep_model=save_model, progress=step,
                memory_limit=memory_limit, temp_directory=temp_directory, engine=engine,
                spark_master=spark_master)
    if show_blocking:
        click.echo(report.blocking.to_string(index=False), err=True)
    click.echo(f"{report.contacts:,} contacts, {report.candidates:,} candidate pairs, "
               f"{len(report.pairs):,} likely duplicate pairs in "
               f"{report.pairs['cluster_id'].nunique():,} clusters.", err=True)
    if output is not None and output.suffix.lower() == ".parquet":
        report.pairs.to_parquet(output, index=False)
    else:
        echo_frame(report.pairs, fmt, output)
    if output is not None:
        click.echo(f"Wrote {len(report.pairs):,} pairs to {output}.", err=True)


@duplicates.command("decide")
@click.argument("id1", type=int)
@click.argument("id2", type=int)
@click.argument("decision", type=click.Choice(["duplicate", "not_duplicate"]))
@click.pass_obj
def decide(state: State, id1: int, id2: int, decision: str) -> None:
    """Record a review decision on contacts ID1 and ID2; "not_duplicate" is never suggested again."""
    a, b = state.store().decide(id1, id2, decision)
    click.echo(f"Recorded: contacts {a} and {b} are {decision.replace('_', ' ')}.")


@duplicates.command("settings")
@click.option("--date-field", "date_fields", multiple=True, metavar="LABEL",
              help="A date custom field read as the date of birth (repeat for several; the first a "
                   "contact has counts).")
@click.option("--text-field", "text_fields", multiple=True, metavar="LABEL",
              help="A custom field compared as one more identifier, e.g. a customer number (repeat "
                   "for several).")
@click.option("--reset", is_flag=True, help="Back to the defaults (a date field named Birthday).")
@click.pass_obj
def settings(state: State, date_fields: tuple[str, ...], text_fields: tuple[str, ...], reset: bool) -> None:
    """Show, or set (admins), which custom fields duplicate matching reads."""
    from ..dedupe.settings import MatchSettings

    store = state.store()
    if reset or date_fields or text_fields:
        current = MatchSettings() if reset else store.match_settings()
        chosen = MatchSettings(date_fields or current.date_fields, text_fields or current.text_fields)
        store.set_match_settings(chosen)
    shown = store.match_settings()
    click.echo(f"Date of birth from: {', '.join(shown.date_fields) or '(none)'}")
    click.echo(f"Compared as identifiers: {', '.join(shown.text_fields) or '(none)'}")


COMMANDS = [duplicates]
