"""The one output writer every command uses: table, CSV and JSON alike, and progress bars."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmdata.cli.output import echo_frame, file_format, progress_bar, render

FRAME = pd.DataFrame({
    "id": [1, 2],
    "company_id": [103.0, np.nan],          # an id pandas made a float because one is missing
    "score": [0.25, 1.0],
    "created_at": pd.to_datetime(["2024-05-01 09:30:00", None]),
    "birthday": pd.to_datetime(["1970-01-31", "1980-12-01"]),
    "notes": ["x", None],
    "tags": [["vip", "key"], []],
    "is_company": [True, False],
})


def test_json_has_integers_iso_dates_and_nulls() -> None:
    rows = json.loads(render(FRAME, "json"))
    assert rows == [
        {"id": 1, "company_id": 103, "score": 0.25, "created_at": "2024-05-01T09:30:00",
         "birthday": "1970-01-31", "notes": "x", "tags": "vip, key", "is_company": True},
        {"id": 2, "company_id": None, "score": 1.0, "created_at": None, "birthday": "1980-12-01",
         "notes": None, "tags": "", "is_company": False},
    ]


def test_csv_has_integers_iso_dates_and_empty_cells() -> None:
    text = render(FRAME, "csv")
    assert text.splitlines() == [
        "id,company_id,score,created_at,birthday,notes,tags,is_company",
        "1,103,0.25,2024-05-01T09:30:00,1970-01-31,x,\"vip, key\",True",
        "2,,1.0,,1980-12-01,,,False",
    ]
    assert pd.read_csv(io.StringIO(text))["company_id"].dropna().tolist() == [103]


def test_table_never_prints_none_or_nan() -> None:
    text = render(FRAME, "table")
    assert "None" not in text and "NaN" not in text and "NaT" not in text and "103.0" not in text
    assert "2024-05-01T09:30:00" in text and " 103 " in text
    assert render(FRAME.iloc[0:0], "table") == "(none)\n"


def test_file_format_follows_the_suffix_only_for_the_screen_default(tmp_path: Path) -> None:
    assert file_format(tmp_path / "a.json", "table") == "json"
    assert file_format(tmp_path / "a.csv", "table") == "csv"
    assert file_format(tmp_path / "a.txt", "table") == "table"
    assert file_format(tmp_path / "a.csv", "json") == "json"
    echo_frame(FRAME, "table", tmp_path / "a.json")
    assert json.loads((tmp_path / "a.json").read_text())[0]["company_id"] == 103


def test_progress_bar_is_not_drawn_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_bar(5, "steps", "step") as bar:  # pytest's stderr is not a terminal
        bar.update(4)
    assert capsys.readouterr().err == "" and bar.disable


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_reaches_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    with progress_bar(5, "steps", "step") as bar:
        bar.update(4)  # the last step never reported, as a pipeline's last stage often is
    assert "5/5" in err.getvalue()
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    with progress_bar(5, "steps", "step", enabled=False) as bar:
        bar.update(1)
    assert quiet.getvalue() == ""


def test_dates_in_object_columns_are_iso() -> None:
    frame = pd.DataFrame({"at": [dt.datetime(2024, 1, 2, 3, 4, 5), None], "day": [dt.date(2024, 1, 2), None]})
    assert json.loads(render(frame, "json")) == [{"at": "2024-01-02T03:04:05", "day": "2024-01-02"},
                                                 {"at": None, "day": None}]
