"""Every CSV crmdata writes goes through :func:`write_csv`: one place for the separator, the
encoding, the line ends and the guard against CSV injection.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) as a formula, so a contact named ``=HYPERLINK("http://...")`` would become
a live link in the administrator's Excel (OWASP "CSV injection"). Unless ``raw`` is asked for,
such a cell is written with a leading ``'``, which spreadsheets show as text (a plain number
such as ``-5`` is left alone). Values that
already begin with apostrophes before such a character get one more, so the import can take
exactly one off (:func:`restore`, :func:`restore_sql`) and export, import, export gives the
same file. Batches are Arrow record batches, so a million contacts are neutralised and
written column by column, never cell by cell in Python.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import CrmDataError
from ..quoting import sql_literal

#: A value that needs the guard: any apostrophes, then a character a spreadsheet starts a formula with
#: (RE2 syntax, shared by Python, Arrow and DuckDB)...
NEEDS_GUARD = r"^'*[=+\-@\t\r]"
#: ... unless it is a plain number such as ``-5`` or ``+1.5e3``, which no spreadsheet runs.
PLAIN_NUMBER = r"^'*[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$"
_NEEDS_GUARD = re.compile(NEEDS_GUARD)
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER)
#: Encodings an export may be written in.
EXPORT_ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
#: Separators an export may use.
EXPORT_DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class CsvOptions:
    """How a CSV file is written."""

    delimiter: str = ","
    encoding: str = "utf-8"
    newline: str = "\n"
    raw: bool = False  # True: cells exactly as stored, formulas not neutralised
    quote_all: bool = False  # True: every value quoted (ONLYOFFICE's export); else when needed

    def __post_init__(self) -> None:
        if self.delimiter not in EXPORT_DELIMITERS:
            raise CrmDataError(
                f"'{self.delimiter}' is not a separator crmdata writes.",
                hint="use , ; tab or |",
            )
        if self.encoding.lower() not in EXPORT_ENCODINGS:
            raise CrmDataError(
                f"'{self.encoding}' is not an encoding crmdata exports in.",
                hint="use utf-8, utf-8-sig (what Excel recognises) or cp1252",
            )

    @classmethod
    def excel(cls, *, raw: bool = False, quote_all: bool = False) -> CsvOptions:
        """What German (and most European) Excel opens by double-click: ``;``, UTF-8 with BOM, CRLF."""
        return cls(";", "utf-8-sig", "\r\n", raw=raw, quote_all=quote_all)


def needs_guard(value: str) -> bool:
    """True when a spreadsheet would run the value as a formula."""
    return bool(_NEEDS_GUARD.match(value)) and not _PLAIN_NUMBER.match(value)


def neutralise(value: str) -> str:
    """The cell as written: a leading ``'`` when a spreadsheet would run it as a formula."""
    return "'" + value if needs_guard(value) else value


def restore(value: str) -> str:
    """The value an imported cell stands for: the guard :func:`neutralise` added, taken off."""
    return value[1:] if value.startswith("'") and needs_guard(value[1:]) else value


def restore_sql(expr: str) -> str:
    """SQL for :func:`restore` of a text expression (DuckDB's regular expressions are RE2)."""
    guarded = sql_literal("^'" + NEEDS_GUARD[1:])
    number = sql_literal("^'" + PLAIN_NUMBER[1:])
    return (f"CASE WHEN starts_with({expr}, chr(39)) AND regexp_matches({expr}, {guarded}) "
            f"AND NOT regexp_matches({expr}, {number}) THEN substr({expr}, 2) ELSE {expr} END")


def _guard(array: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    text = pc.cast(array, pa.string())
    hit = pc.and_(pc.fill_null(pc.match_substring_regex(text, NEEDS_GUARD), False),
                  pc.invert(pc.fill_null(pc.match_substring_regex(text, PLAIN_NUMBER), False)))
    return pc.if_else(hit, pc.binary_join_element_wise("'", text, ""), text)


def _text_batch(batch: pa.RecordBatch, raw: bool) -> pa.RecordBatch:
    columns = [pc.cast(c, pa.string()) if raw else _guard(c) for c in batch.columns]
    return pa.RecordBatch.from_arrays(columns, names=[f"c{i}" for i in range(len(columns))])


def header_text(header: list[str], options: CsvOptions) -> str:
    """The header line, each caption quoted only when it must be (ONLYOFFICE writes it unquoted)."""
    buf = io.StringIO()
    cells = header if options.raw else [neutralise(h) for h in header]
    csv.writer(buf, delimiter=options.delimiter, lineterminator=options.newline).writerow(cells)
    return buf.getvalue()


def write_csv(
    target: str | Path | BinaryIO,
    header: list[str],
    batches: Iterable[pa.RecordBatch],
    options: CsvOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write a header and record batches (one column per header cell); returns the rows written.

    A file target is written beside itself and moved into place at the end, so a failed
    export (a character the encoding cannot hold) leaves no half-written file.
    """
    options = options or CsvOptions()
    if isinstance(target, str | Path):
        path = Path(target)
        if path.is_dir():
            raise CrmDataError(f"{path} is a folder; give a file name to export to.")
        if not path.parent.exists():
            raise CrmDataError(f"The folder {path.parent} does not exist.")
        tmp = path.with_name(path.name + ".part")
        try:
            with tmp.open("wb") as fh:
                written = _write(fh, header, batches, options, progress)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        tmp.replace(path)
        return written
    return _write(target, header, batches, options, progress)


def _write(fh: BinaryIO, header: list[str], batches: Iterable[pa.RecordBatch],
           options: CsvOptions, progress: Callable[[int], None] | None) -> int:
    encoding = options.encoding.lower()
    if encoding == "utf-8-sig":
        fh.write(b"\xef\xbb\xbf")
    fh.write(_encode(header_text(header, options), encoding, header, None, 0))
    write_options = pacsv.WriteOptions(
        include_header=False, delimiter=options.delimiter, eol=options.newline,
        quoting_style="all_valid",
    )
    written = 0
    for batch in batches:
        if batch.num_columns != len(header):
            raise ValueError(f"a batch has {batch.num_columns} columns, the header {len(header)}")
        text_batch = _text_batch(batch, options.raw)
        if options.quote_all:  # Arrow's writer: fast, and quotes every value
            buf = io.BytesIO()
            pacsv.write_csv(text_batch, buf, write_options)
            chunk = buf.getvalue()
        else:  # quoted only where needed: Python's csv module
            text = io.StringIO()
            rows = zip(*(c.to_pylist() for c in text_batch.columns), strict=True)
            csv.writer(text, delimiter=options.delimiter, lineterminator=options.newline).writerows(rows)
            chunk = text.getvalue().encode("utf-8")
        if encoding in ("utf-8", "utf-8-sig"):
            fh.write(chunk)
        else:
            fh.write(_encode(chunk.decode("utf-8"), encoding, header, text_batch, written))
        written += batch.num_rows
        if progress:
            progress(batch.num_rows)
    return written


def _encode(text: str, encoding: str, header: list[str], batch: pa.RecordBatch | None,
            before: int) -> bytes:
    try:
        return text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    except UnicodeEncodeError as exc:
        char = exc.object[exc.start]
        where = "the header"
        if batch is not None:
            where = _locate(batch, header, char, before)
        raise CrmDataError(
            f"{where} holds '{char}' (U+{ord(char):04X}), which {encoding} cannot hold; "
            "nothing was exported.",
            hint="export as utf-8-sig (Excel reads it) or utf-8",
        ) from exc


def _locate(batch: pa.RecordBatch, header: list[str], char: str, before: int) -> str:
    for col, name in enumerate(header):
        for row, value in enumerate(batch.column(col).to_pylist()):
            if value is not None and char in value:
                return f"Row {before + row + 1}, column '{name}' ('{value[:40]}')"
    return "A value"


def frame_batches(frame: pd.DataFrame) -> list[pa.RecordBatch]:
    """A frame as one record batch of text columns (missing values written empty)."""
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    text.columns = [f"c{i}" for i in range(text.shape[1])]
    return [pa.RecordBatch.from_pandas(text, preserve_index=False)]


def write_frame_csv(frame: pd.DataFrame, target: str | Path | BinaryIO,
                    options: CsvOptions | None = None) -> int:
    """Write a DataFrame (its column names as the header) with :func:`write_csv`."""
    return write_csv(target, [str(c) for c in frame.columns], frame_batches(frame), options)


def frame_csv_text(frame: pd.DataFrame, options: CsvOptions | None = None) -> str:
    """A DataFrame as CSV text (for standard output), through :func:`write_csv`."""
    options = options or CsvOptions()
    buf = io.BytesIO()
    write_frame_csv(frame, buf, options)
    return buf.getvalue().decode("utf-8-sig" if options.encoding == "utf-8-sig" else options.encoding)


__all__ = ["CsvOptions", "EXPORT_ENCODINGS", "frame_csv_text", "needs_guard", "neutralise", "restore",
           "restore_sql", "write_csv", "write_frame_csv"]
