"""How every command prints a frame, and its progress: one writer for people and scripts.

Three formats, the same rules in each: ``table`` (aligned, for people; the default of every
command), ``csv`` and ``json`` (one object per row). Dates and times are ISO 8601
(``2024-05-01``, ``2024-05-01T09:30:00``), whole-number columns are integers even where pandas
made them floats because a value is missing (ids such as ``company_id`` or ``undone_by``),
and an empty cell is empty: blank in a table and in CSV, ``null`` in JSON.

Progress bars go to standard error, and only when it is a terminal (a cron log gets none);
each one is drawn full before it goes.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pandas as pd
from tqdm import tqdm

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


def _is_empty(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _iso(value: Any) -> Any:
    """Dates and times as ISO 8601 text; a time of midnight exactly in a date column is a date."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _column(series: pd.Series) -> list[Any]:
    """One column's cells as plain Python values (None for empty) by the module's rules."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series
        dates_only = bool(((stamps.dropna().dt.normalize() == stamps.dropna())).all())
        return [None if _is_empty(v) else (v.date().isoformat() if dates_only else v.isoformat())
                for v in stamps]
    if pd.api.types.is_bool_dtype(series.dtype):
        return [None if _is_empty(v) else bool(v) for v in series]
    if pd.api.types.is_integer_dtype(series.dtype):
        return [None if _is_empty(v) else int(v) for v in series]
    if pd.api.types.is_float_dtype(series.dtype):
        present = series.dropna()
        whole = bool(len(present)) and bool((present == present.round()).all()) and \
            bool((present.abs() < 2**53).all())
        return [None if _is_empty(v) else (int(v) if whole else float(v)) for v in series]
    out: list[Any] = []
    for v in series:
        if isinstance(v, (list, tuple)):
            out.append(", ".join(str(x) for x in v))
        elif hasattr(v, "item") and not isinstance(v, (str, bytes)):
            out.append(v.item())  # numpy scalars
        else:
            out.append(None if _is_empty(v) else _iso(v))
    return out


def records(frame: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """The frame's column names and rows as plain Python values (what every format writes)."""
    columns = [str(c) for c in frame.columns]
    cells = [_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    if not cells:
        return columns, [[] for _ in range(len(frame))]
    return columns, [list(row) for row in zip(*cells, strict=True)]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"  # as pandas writes and reads them
    return str(value)


def render(frame: pd.DataFrame, fmt: str = "table") -> str:
    """The frame as text in ``fmt`` (``table``, ``csv`` or ``json``), ending in a newline."""
    columns, rows = records(frame)
    if fmt == "json":
        return json.dumps([dict(zip(columns, row, strict=True)) for row in rows], ensure_ascii=False) + "\n"
    if fmt == "csv":
        plain = pd.DataFrame([[_text(v) for v in row] for row in rows], columns=columns, dtype=object)
        return plain.to_csv(index=False)
    if fmt != "table":
        raise ValueError(f"unknown output format {fmt!r}")
    if not rows:
        return "(none)\n"
    plain = pd.DataFrame([[_text(v) for v in row] for row in rows], columns=columns, dtype=object)
    return plain.to_string(index=False) + "\n"


def file_format(path: Path, fmt: str) -> str:
    """The format a frame is written to a file in: ``fmt``, except that the screen default
    (``table``) becomes JSON for a ``.json`` file, a table for ``.txt``, and CSV otherwise."""
    if fmt != "table":
        return fmt
    return {".json": "json", ".txt": "table"}.get(path.suffix.lower(), "csv")


def echo_frame(frame: pd.DataFrame, fmt: str = "table", output: Path | None = None) -> None:
    """Print a frame in the chosen format to standard output, or write it to the file
    ``output`` (in :func:`file_format`)."""
    if output is None:
        click.echo(render(frame, fmt), nl=False)
    else:
        output.write_text(render(frame, file_format(output, fmt)), encoding="utf-8")


@contextmanager
def progress_bar(total: int, desc: str, unit: str, *, enabled: bool | None = None) -> Iterator[tqdm]:
    """A progress bar on standard error, shown only when that is a terminal (and ``enabled`` is
    not False); drawn full when the block ends without an error."""
    bar = tqdm(total=total, desc=desc, unit=unit, leave=False,
               disable=None if enabled is None or enabled else True)
    try:
        yield bar
        if bar.total is not None and bar.n < bar.total:
            bar.update(bar.total - bar.n)
        bar.refresh()
    finally:
        bar.close()
