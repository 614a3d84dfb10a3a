"""Reading a contacts CSV into a staging table, with explicit dialect settings.

DuckDB's CSV sniffer rejects some valid ONLYOFFICE exports, so DuckDB is told the dialect:
the encoding and separator are decided here (``sniff``), the header is read with Python's
csv module, and DuckDB reads every column as text with the dialect spelled out. A file that
is not UTF-8, or whose records end in a mix of LF, CRLF and CR, is read through a temporary
UTF-8 copy whose records all end in LF. Records whose field count differs from the header's
are set aside with their line numbers; every message names the user's file.
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from ..db import Tx
from ..errors import CrmDataError, Problem
from .sniff import DelimiterGuess, EncodingGuess, detect_delimiter, detect_encoding, scan
from .writer import restore, restore_sql

#: The longest record DuckDB is asked to read (a longer one is reported as a problem).
MAX_LINE_BYTES = 10_000_000


@dataclass(frozen=True)
class Dialect:
    """How the file is written. ONLYOFFICE: comma, double quotes escaped by doubling."""

    delimiter: str | None = None  # None: detect among , ; tab |
    quote: str = '"'
    encoding: str | None = None  # None: decide from the bytes


@dataclass
class Staged:
    """A file in the staging table ``imp_raw`` (columns ``rec`` and ``c0`` ...)."""

    headers: list[str]
    encoding: EncodingGuess
    delimiter: DelimiterGuess
    records: int  # data records in the file, accepted and rejected
    rejected: list[Problem]

    @property
    def dialect(self) -> Dialect:
        """The dialect the file was read with (separator and encoding decided)."""
        return Dialect(self.delimiter.delimiter, '"', self.encoding.name)


@contextmanager
def _no_field_limit() -> Iterator[None]:
    """Python's csv module refuses fields over 128 KiB; a long note is still a note."""
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(old)


@contextmanager
def readable_copy(path: Path, encoding: str, newlines_uniform: bool, quote: str) -> Iterator[Path]:
    """The file itself when DuckDB can read it as it is, else a temporary UTF-8 copy.

    The copy is transcoded to UTF-8 and every record ends in LF; line breaks inside quoted
    values are kept as written. Messages always name ``path``, never the copy.
    """
    utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig", "ascii")
    if utf8 and newlines_uniform:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="crmdata-") as tmp:
        target = Path(tmp) / "utf8.csv"
        try:
            with path.open("r", encoding=encoding, newline="") as src, target.open(
                "w", encoding="utf-8", newline=""
            ) as dst:
                if newlines_uniform and not encoding.lower().startswith("utf-16"):
                    shutil.copyfileobj(src, dst, 1 << 20)
                else:
                    _end_records_in_lf(src, dst, quote)
        except UnicodeDecodeError as exc:
            raise CrmDataError(
                f"{path} is not valid {encoding} text (byte {exc.start} of a block).",
                hint="give the right encoding with --encoding",
            ) from exc
        yield target


def _end_records_in_lf(src: TextIO, dst: TextIO, quote: str) -> None:
    """Copy text, ending each record in LF whatever it ended in (LF, CRLF, CR, mixed).

    A line break is a record end when the quotes before it are balanced; inside a quoted
    value it is data and kept as it is. A doubled quote counts twice, so it never unbalances.
    """
    inside = False
    for line in src:  # newline="": lines end in LF, CRLF or CR, untranslated
        body = line.rstrip("\r\n")
        if body.count(quote) % 2:
            inside = not inside
        dst.write(line if inside else body + "\n")


def read_header(path: Path, dialect: Dialect, display: Path) -> list[str]:
    """The header record (the first one), read by Python's csv module."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh, _no_field_limit():
        reader = csv.reader(fh, delimiter=dialect.delimiter or ",", quotechar=dialect.quote,
                            strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise CrmDataError(f"{display} is empty.") from None
        except csv.Error as exc:
            raise CrmDataError(f"{display}: the header line is not valid CSV ({exc}).") from exc
    header = [restore(h) for h in header]  # a caption crmdata guarded against formulas
    if len(header) < 2 and (dialect.delimiter or ",") not in (header[0] if header else ""):
        raise CrmDataError(
            f"{display} does not look like a CSV file: its first line has no "
            f"'{dialect.delimiter}' separator.",
            hint="is this the right file? for another separator use --delimiter",
        )
    return header


def _sample(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        return fh.read(1 << 14)


def stage(tx: Tx, path: Path, dialect: Dialect) -> Staged:
    """Load the file into the temporary table ``imp_raw`` (rec = data record number, 1-based)."""
    if not path.exists():
        raise CrmDataError(f"There is no file {path}.")
    if path.is_dir():
        raise CrmDataError(f"{path} is a folder, not a CSV file.")
    if dialect.delimiter is not None and len(dialect.delimiter) != 1:
        raise CrmDataError(f"The separator must be one character, not '{dialect.delimiter}'.")
    scanned = scan(path)
    encoding = detect_encoding(path, dialect.encoding, scanned.utf8)
    with readable_copy(path, encoding.name, scanned.uniform_newlines, dialect.quote) as utf8:
        if dialect.delimiter:
            delimiter = DelimiterGuess(dialect.delimiter, "given with --delimiter")
        else:
            sample = _sample(utf8)
            if not sample.strip():
                raise CrmDataError(f"{path} is empty.")
            delimiter = detect_delimiter(sample, path)
        dialect = replace(dialect, delimiter=delimiter.delimiter)
        headers = read_header(utf8, dialect, path)
        columns = {f"c{i}": "VARCHAR" for i in range(len(headers))}
        tx.execute("DROP TABLE IF EXISTS imp_raw")
        tx.execute(
            "CREATE TEMP TABLE imp_raw AS SELECT row_number() OVER () AS acc, "
            + ", ".join(f"{restore_sql(c)} AS {c}" for c in columns) + " FROM read_csv(?, "
            "auto_detect = false, header = true, delim = ?, quote = ?, escape = ?, "
            "columns = ?, strict_mode = true, store_rejects = true, "
            "rejects_table = 'imp_rejects', rejects_scan = 'imp_reject_scans', "
            f"all_varchar = true, max_line_size = {MAX_LINE_BYTES})",
            [str(utf8), dialect.delimiter, dialect.quote, dialect.quote, columns],
        )
    rejects = tx.df(
        "SELECT line, any_value(error_type) AS error_type, any_value(csv_line) AS csv_line "
        "FROM imp_rejects GROUP BY line ORDER BY line"
    )
    tx.execute("DROP TABLE IF EXISTS imp_rejects")
    tx.execute("DROP TABLE IF EXISTS imp_reject_scans")
    accepted = int(tx.scalar("SELECT count(*) FROM imp_raw"))
    total = accepted + len(rejects)
    # DuckDB numbers records as lines (header = 1); map accepted rows to record numbers
    rejected_recs = rejects["line"].to_numpy(dtype=np.int64) - 1
    all_recs = np.arange(1, total + 1, dtype=np.int64)
    accepted_recs = np.setdiff1d(all_recs, rejected_recs, assume_unique=True)
    if len(rejects) == 0:  # every record accepted: its number is its position
        tx.execute("ALTER TABLE imp_raw RENAME COLUMN acc TO rec")
    else:
        recmap = pd.DataFrame({"acc": np.arange(1, accepted + 1), "rec": accepted_recs})
        tx.register("imp_recmap", recmap)
        cols = ", ".join(columns)
        tx.execute(
            f"CREATE OR REPLACE TEMP TABLE imp_raw AS SELECT m.rec, {cols} "
            "FROM imp_raw r JOIN imp_recmap m USING (acc) ORDER BY m.rec"
        )
        tx.unregister("imp_recmap")
    problems = [
        Problem(_reject_message(str(kind), str(text), dialect, len(headers)), line=int(line))
        for line, kind, text in zip(rejects["line"], rejects["error_type"], rejects["csv_line"],
                                    strict=True)
    ]
    return Staged(headers, encoding, delimiter, total, problems)


def _reject_message(error_type: str, csv_line: str, dialect: Dialect, expected: int) -> str:
    try:
        found = len(next(csv.reader(io.StringIO(csv_line), delimiter=dialect.delimiter or ",",
                                    quotechar=dialect.quote)))
    except (csv.Error, StopIteration):
        found = -1
    if "TOO MANY" in error_type:
        return f"has {found} fields, the header has {expected}"
    if "MISSING" in error_type:
        return f"has {found} fields, the header has {expected}"
    if "QUOTE" in error_type:
        return ("has a quote that is never closed, or a stray quote inside an unquoted value "
                "(a quote in a value must be doubled and the value quoted)")
    if "LINE SIZE" in error_type:
        return f"is longer than {MAX_LINE_BYTES:,} bytes, the longest record crmdata reads"
    return f"cannot be read as CSV ({error_type.lower()})"


def physical_lines(path: Path, encoding: str, dialect: Dialect) -> dict[int, int] | None:
    """Record number -> the file line it starts on, when quoted newlines make them differ.

    None when every record is one line (then the line is the record number + 1).
    """
    with path.open("r", encoding=encoding, newline="") as fh, _no_field_limit():
        reader = csv.reader(fh, delimiter=dialect.delimiter or ",", quotechar=dialect.quote)
        starts: dict[int, int] = {}
        previous_end = 0
        for rec, _row in enumerate(reader):
            if rec:
                starts[rec] = previous_end + 1
            previous_end = reader.line_num
    if all(line == rec + 1 for rec, line in starts.items()):
        return None
    return starts
