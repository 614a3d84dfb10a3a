"""Reading a contacts CSV into a staging table, with explicit dialect settings.

DuckDB's CSV sniffer rejects some valid ONLYOFFICE exports, so nothing is auto-detected:
the header is read here with Python's csv module, the encoding is decided from the bytes
(UTF-8 with or without BOM as is; UTF-16 and cp1252 are transcoded to a temporary UTF-8
copy), and DuckDB reads every column as text with the dialect spelled out. Records whose
field count differs from the header's are set aside with their line numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from charset_normalizer import from_bytes

from ..db import Tx
from ..errors import CrmDataError, Problem

#: Bytes looked at to decide the encoding and whether this is text at all.
_PROBE = 1 << 16


@dataclass(frozen=True)
class Dialect:
    """How the file is written. ONLYOFFICE: comma, double quotes escaped by doubling."""

    delimiter: str = ","
    quote: str = '"'
    encoding: str | None = None  # None: decide from the bytes


@dataclass
class Staged:
    """A file in the staging table ``imp_raw`` (columns ``rec`` and ``c0`` ...)."""

    headers: list[str]
    encoding: str
    records: int  # data records in the file, accepted and rejected
    rejected: list[Problem]


def detect_encoding(path: Path, declared: str | None = None) -> str:
    """The file's encoding: the declared one, a BOM, valid UTF-8, or a confident guess."""
    with path.open("rb") as fh:
        head = fh.read(_PROBE)
    if declared:
        try:
            codecs.lookup(declared)
        except LookupError as exc:
            raise CrmDataError(f"'{declared}' is not an encoding Python knows.") from exc
        return declared
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise CrmDataError(f"{path} is not a CSV file (it contains binary data).")
    if _is_utf8(path):
        return "utf-8"
    best = from_bytes(head).best()
    if best is None:
        raise CrmDataError(
            f"{path} is not a CSV file, or its encoding cannot be recognised.",
            hint="give it with --encoding, e.g. --encoding cp1252",
        )
    return str(best.encoding)


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(1 << 22):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


@contextmanager
def utf8_copy(path: Path, encoding: str) -> Iterator[Path]:
    """The file itself when it is UTF-8, else a temporary UTF-8 copy."""
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig", "ascii"):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="crmdata-") as tmp:
        target = Path(tmp) / "utf8.csv"
        try:
            with path.open("r", encoding=encoding, newline="") as src, target.open(
                "w", encoding="utf-8", newline=""
            ) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except UnicodeDecodeError as exc:
            raise CrmDataError(
                f"{path} is not valid {encoding} text (byte {exc.start} of a block).",
                hint="give the right encoding with --encoding",
            ) from exc
        yield target


def read_header(path: Path, dialect: Dialect) -> list[str]:
    """The header record (the first one), read by Python's csv module."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=dialect.delimiter, quotechar=dialect.quote, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise CrmDataError(f"{path} is empty.") from None
        except csv.Error as exc:
            raise CrmDataError(f"{path}: the header line is not valid CSV ({exc}).") from exc
    if len(header) < 2 and dialect.delimiter not in (header[0] if header else ""):
        raise CrmDataError(
            f"{path} does not look like a CSV file: its first line has no "
            f"'{dialect.delimiter}' separator.",
            hint="is this the right file? for another separator use --delimiter",
        )
    return header


def stage(tx: Tx, path: Path, dialect: Dialect) -> Staged:
    """Load the file into the temporary table ``imp_raw`` (rec = data record number, 1-based)."""
    if not path.exists():
        raise CrmDataError(f"There is no file {path}.")
    if path.is_dir():
        raise CrmDataError(f"{path} is a folder, not a CSV file.")
    encoding = detect_encoding(path, dialect.encoding)
    with utf8_copy(path, encoding) as utf8:
        headers = read_header(utf8, dialect)
        columns = {f"c{i}": "VARCHAR" for i in range(len(headers))}
        tx.execute("DROP TABLE IF EXISTS imp_raw")
        tx.execute(
            "CREATE TEMP TABLE imp_raw AS SELECT row_number() OVER () AS acc, * FROM read_csv(?, "
            "auto_detect = false, header = true, delim = ?, quote = ?, escape = ?, "
            "columns = ?, strict_mode = true, store_rejects = true, "
            "rejects_table = 'imp_rejects', rejects_scan = 'imp_reject_scans', "
            "all_varchar = true, max_line_size = 10000000)",
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
    return Staged(headers, encoding, total, problems)


def _reject_message(error_type: str, csv_line: str, dialect: Dialect, expected: int) -> str:
    try:
        found = len(next(csv.reader(io.StringIO(csv_line), delimiter=dialect.delimiter,
                                    quotechar=dialect.quote)))
    except (csv.Error, StopIteration):
        found = -1
    if "TOO MANY" in error_type:
        return f"has {found} fields, the header has {expected}"
    if "MISSING" in error_type:
        return f"has {found} fields, the header has {expected}"
    if "QUOTE" in error_type:
        return "has an unterminated or misplaced quote"
    return f"cannot be read as CSV ({error_type.lower()})"


def physical_lines(path: Path, encoding: str, dialect: Dialect) -> dict[int, int] | None:
    """Record number -> the file line it starts on, when quoted newlines make them differ.

    None when every record is one line (then the line is the record number + 1).
    """
    with path.open("r", encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=dialect.delimiter, quotechar=dialect.quote)
        starts: dict[int, int] = {}
        previous_end = 0
        for rec, _row in enumerate(reader):
            if rec:
                starts[rec] = previous_end + 1
            previous_end = reader.line_num
    if all(line == rec + 1 for rec, line in starts.items()):
        return None
    return starts
