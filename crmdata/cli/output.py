"""How commands print frames: an aligned table for people, CSV or JSON for scripts.

CSV goes through crmdata's one CSV writer, so formula cells are neutralised here too.
"""

from __future__ import annotations

import click
import pandas as pd

from ..csvio.writer import frame_csv_text

FORMATS = ("table", "csv", "json")


def format_option(default: str = "table"):  # type: ignore[no-untyped-def]
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=default,
        show_default=True,
        help="Output as an aligned table, CSV or JSON (one object per row).",
    )


def echo_frame(frame: pd.DataFrame, fmt: str = "table") -> None:
    """Print a frame in the chosen format to standard output."""
    if fmt == "csv":
        click.echo(frame_csv_text(frame), nl=False)
    elif fmt == "json":
        click.echo(frame.to_json(orient="records", date_format="iso", force_ascii=False))
    elif frame.empty:
        click.echo("(none)")
    else:
        click.echo(frame.to_string(index=False, na_rep=""))
