"""``crmdata search`` on a real store file: query, filters, sort, page, and the three formats."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from crmdata import Store
from crmdata.cli import cli
from tests.search.data import add_contacts


def run(db: Path, *args: str, user: str = "admin") -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), "--user", user, "search", *args])
    return result.exit_code, result.output


def make(path: Path) -> list[int]:
    with Store(path) as store:
        store.add_user("anna")
        ids = add_contacts(store, [
            {"first": "Anna", "last": "Smith", "tags": ["Lead"], "email": "anna@smith.example"},
            {"first": "Ben", "last": "Smyth", "tags": ["Lead", "Customer"]},
            {"first": "Cleo", "last": "Smithers", "share": 0},
            {"company": "Müller GmbH"},
            {"first": "Dora", "last": "Worker", "company_of": 4},
        ])
    return ids


def test_json_csv_and_table(tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    smith, smyth, smithers, muller, worker = make(db)
    code, out = run(db, "Sm?th", "--format", "json")
    assert code == 0
    assert {r["id"] for r in json.loads(out)} == {smith, smyth}
    code, out = run(db, "smi", "--format", "csv", "--sort", "last_name", "--desc")
    assert code == 0
    assert list(pd.read_csv(io.StringIO(out))["last_name"]) == ["Smithers", "Smith"]
    code, out = run(db, "mueller")
    assert code == 0
    assert out.splitlines()[0].startswith("2 contacts matching a word starting with 'mueller'")
    assert "Dora Worker" in out and "Müller GmbH" in out
    code, out = run(db, "mueller", "--no-company-persons", "--format", "json")
    assert [r["id"] for r in json.loads(out)] == [muller]


def test_filters_paging_and_access(tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    smith, smyth, smithers, muller, worker = make(db)
    code, out = run(db, "--tag", "lead", "--tag", "Customer", "--format", "json")
    assert [r["id"] for r in json.loads(out)] == [smyth]
    code, out = run(db, "--show", "companies", "--format", "json")
    assert [r["id"] for r in json.loads(out)] == [muller]
    code, out = run(db, "--page-size", "2", "--page", "3", "--format", "json")
    assert len(json.loads(out)) == 1
    code, out = run(db, "smi", "--format", "json", user="anna")
    assert [r["id"] for r in json.loads(out)] == [smith]
    code, out = run(db, "--access", "restricted", "--format", "json", user="anna")
    assert json.loads(out) == []


def test_errors(tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    make(db)
    code, out = run(db, '"smith')
    assert code == 1 and "position 1" in out and "never closed" in out
    code, out = run(db, "--temperature", "Lukewarm")
    assert code == 1 and "no temperature level 'Lukewarm'" in out
    code, out = run(db, "--custom", "novalue")
    assert code == 2 and "FIELD=VALUE" in out
    code, out = run(db, "--created-from", "yesterday")
    assert code == 1 and "YYYY-MM-DD" in out
