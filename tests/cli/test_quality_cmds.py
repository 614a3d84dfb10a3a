"""``crmdata check`` and ``crmdata clean`` on real store files: output formats and exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from crmdata import Store
from crmdata.cli import cli
from crmdata.cli.quality_cmds import FINDINGS_EXIT

from ..builders import person, snapshot

pytestmark = pytest.mark.slow  # real stores, several commits each: 5-10 s per test here

def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.output


def _store(tmp_path: Path) -> tuple[str, Store]:
    db = str(tmp_path / "crm.duckdb")
    store = Store(db)
    person(store, "LUDWIG", "VAN BEETHOVEN", emails=("Ludwig@Example.com",))
    person(store, "Clean", "Person", emails=("clean@example.com",))
    return db, store


def test_check_formats_and_exit_codes(tmp_path: Path) -> None:
    db, store = _store(tmp_path)
    store.close()
    code, out = run("--db", db, "check", "--no-progress")
    assert code == FINDINGS_EXIT
    assert "name_case" in out and "email_format" in out and "findings on 1 contacts" in out
    code, out = run("--db", db, "check", "--format", "csv", "--rules", "name_case")
    frame = pd.read_csv(io.StringIO(out))
    assert code == FINDINGS_EXIT and set(frame["rule"]) == {"name_case"}
    assert set(frame["fix_value"]) == {"Ludwig", "van Beethoven"}
    code, out = run("--db", db, "check", "--format", "json", "--rules", "email_format")
    assert code == FINDINGS_EXIT and json.loads(out)[0]["fix_value"] == "ludwig@example.com"
    code, out = run("--db", db, "check", "--summary", "--format", "csv")
    assert code == FINDINGS_EXIT and "rule,severity,findings,contacts,fixable" in out
    code, out = run("--db", db, "check", "--out", str(tmp_path / "f.json"))
    assert code == FINDINGS_EXIT and "Wrote" in out
    assert {r["rule"] for r in json.loads((tmp_path / "f.json").read_text())} >= {"name_case"}
    code, out = run("--db", db, "check", "--rules", "company_missing")
    assert code == 0 and "(none)" in out
    code, out = run("--db", db, "check", "--list-rules")
    assert code == 0 and "info_duplicate" in out


def test_check_errors(tmp_path: Path) -> None:
    db, store = _store(tmp_path)
    store.close()
    code, out = run("--db", db, "check", "--region", "XX")
    assert code == 1 and "Error:" in out and "not a phone region" in out
    code, out = run("--db", db, "check", "--rules", "nope")
    assert code == 1 and "no data-quality rule 'nope'" in out
    code, out = run("--db", str(tmp_path / "missing.duckdb"), "check")
    assert code == 1 and "Error:" in out


def test_clean_dry_run_then_yes(tmp_path: Path) -> None:
    db, store = _store(tmp_path)
    before = snapshot(store)
    store.close()
    code, out = run("--db", db, "clean", "--dry-run", "--no-progress")
    assert code == FINDINGS_EXIT
    assert "VAN BEETHOVEN" in out and "van Beethoven" in out and "nothing was changed" in out
    with Store(db) as s:
        assert snapshot(s) == before
    code, out = run("--db", db, "clean", "--dry-run", "--yes")
    assert code == 2
    code, out = run("--db", db, "clean", stdin="n\n")  # asked, declined: nothing written
    assert code == 1 and "Apply 3 fixes on 1 contacts?" in out
    with Store(db) as s:
        assert snapshot(s) == before
    code, out = run("--db", db, "clean", "--yes")
    assert code == 0, out
    assert "Applied 3 fixes on 1 contacts as change set" in out
    jids = out.split("crmdata clean --undo ")[1].split(")")[0]
    code, out = run("--db", db, "clean", "--undo", jids)
    assert code == 0 and "Reverted change set" in out
    with Store(db) as s:
        assert snapshot(s)["contact_info"] == before["contact_info"]
    code, out = run("--db", db, "clean", "--undo", "x")
    assert code == 2
    code, out = run("--db", db, "clean", "--yes")
    assert code == 0
    code, out = run("--db", db, "check", "--rules", "name_case,email_format")
    assert code == 0
    code, out = run("--db", db, "clean", "--yes")
    assert code == 0 and "Nothing to fix." in out
    code, out = run("--db", db, "clean", "--rules", "stale")
    assert code == 2 and "None of the chosen rules is fixable" in out
