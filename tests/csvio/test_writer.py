"""The one CSV writer: formula cells neutralised and restored, separators, encodings."""

from __future__ import annotations

import io

import duckdb
import pandas as pd
import pytest

from crmdata import CrmDataError
from crmdata.csvio.writer import (
    CsvOptions,
    frame_csv_text,
    neutralise,
    restore,
    restore_sql,
    write_frame_csv,
)

# value as stored -> cell as written
CELLS = [
    ("=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK(\"http://evil.example\",\"x\")"),
    ("+49 30 1234567", "'+49 30 1234567"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("'=1+1", "''=1+1"),  # a user's own apostrophe survives the round trip
    ("'hello", "'hello"),
    ("-5", "-5"),
    ("+1.5e3", "+1.5e3"),
    ("Anna", "Anna"),
    ("a=b", "a=b"),
    ("", ""),
]


@pytest.mark.parametrize(("stored", "written"), CELLS)
def test_neutralise_and_restore(stored: str, written: str) -> None:
    assert neutralise(stored) == written
    assert restore(written) == stored


def test_restore_sql_agrees_with_restore() -> None:
    con = duckdb.connect()
    for stored, written in CELLS:
        sql = f"SELECT {restore_sql('v')} FROM (SELECT ?::VARCHAR AS v)"
        assert con.execute(sql, [written]).fetchone() == (stored,)


def test_frames_are_written_neutralised_unless_raw() -> None:
    frame = pd.DataFrame({"name": ["=1+1", "Anna"], "score": [-0.5, 1.0], "note": [None, "a;b"]})
    assert frame_csv_text(frame) == "name,score,note\n'=1+1,-0.5,\nAnna,1.0,a;b\n"
    assert frame_csv_text(frame, CsvOptions(raw=True)).splitlines()[1] == "=1+1,-0.5,"
    excel = "name;score;note\r\n'=1+1;-0.5;\r\nAnna;1.0;\"a;b\"\r\n"
    assert frame_csv_text(frame, CsvOptions.excel()) == excel


def test_header_cells_are_guarded_too() -> None:
    assert frame_csv_text(pd.DataFrame({"=cmd": ["x"]})).splitlines()[0] == "'=cmd"


def test_encodings_and_a_character_cp1252_cannot_hold() -> None:
    frame = pd.DataFrame({"First Name": ["Jürgen", "Łucja"]})
    buf = io.BytesIO()
    write_frame_csv(frame.head(1), buf, CsvOptions(encoding="cp1252"))
    assert buf.getvalue() == b"First Name\nJ\xfcrgen\n"
    buf = io.BytesIO()
    write_frame_csv(frame.head(1), buf, CsvOptions(encoding="utf-8-sig"))
    assert buf.getvalue() == b"\xef\xbb\xbfFirst Name\nJ\xc3\xbcrgen\n"
    with pytest.raises(CrmDataError, match=r"Row 2, column 'First Name' \('Łucja'\) holds 'Ł' \(U\+0141\)"):
        write_frame_csv(frame, io.BytesIO(), CsvOptions(encoding="cp1252"))


def test_a_failed_write_leaves_no_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.csv"
    with pytest.raises(CrmDataError):
        write_frame_csv(pd.DataFrame({"n": ["Łucja"]}), target, CsvOptions(encoding="cp1252"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("options", "message"), [
    ({"delimiter": "::"}, "not a separator"), ({"encoding": "latin-9"}, "not an encoding")])
def test_options_are_checked(options: dict[str, str], message: str) -> None:
    with pytest.raises(CrmDataError, match=message):
        CsvOptions(**options)  # type: ignore[arg-type]
