"""``crmdata sample generate`` and ``crmdata sample load`` on real folders and store files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from crmdata import Store
from crmdata.cli import cli
from crmdata.model import BASE_COLUMNS, INFO_CAPTIONS
from crmdata.sample import CUSTOM_FIELDS, DEFAULT_AS_OF

REPO = Path(__file__).resolve().parents[2]
NAMES = ("sample_contacts.csv", "sample_deals.csv", "sample_history.csv", "sample_dates.csv")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def lines(path: Path) -> int:
    return path.read_text(encoding="utf-8").count("\n") - 1  # without the header


def test_generate_is_deterministic_and_writes_four_files(tmp_path: Path) -> None:
    for out in ("a", "b"):
        code, text = run("sample", "generate", "--rows", "250", "--seed", "4", "--out", str(tmp_path / out))
        assert code == 0, text
        assert "Wrote 250 contacts" in text
    for name in NAMES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert not (tmp_path / "a" / "sample_truth.csv").exists()
    code, _ = run("sample", "generate", "--rows", "250", "--seed", "5", "--out", str(tmp_path / "c"),
                  "--truth")
    assert code == 0 and (tmp_path / "c" / "sample_truth.csv").exists()
    assert (tmp_path / "c" / NAMES[0]).read_bytes() != (tmp_path / "a" / NAMES[0]).read_bytes()


def test_load_round_trip_into_a_store_file(tmp_path: Path) -> None:
    folder = tmp_path / "sample"
    assert run("sample", "generate", "--rows", "300", "--seed", "9", "--out", str(folder))[0] == 0
    db = tmp_path / "crm.duckdb"
    code, text = run("--db", str(db), "sample", "load", str(folder))
    assert code == 0, text
    deals, events = lines(folder / NAMES[1]), lines(folder / NAMES[2])
    assert text.strip() == f"300 contacts, {deals} deals and {events} history events loaded."
    with Store(db) as store:
        assert store.count() == 300
        assert set(store.custom_fields()["label"]) == set(CUSTOM_FIELDS)
        with store.db.read() as tx:
            assert tx.scalar("SELECT count(*) FROM deals") == deals
            assert tx.scalar("SELECT count(*) FROM history_events") == events
            actions = tx.rows("SELECT action FROM journal ORDER BY id")
            assert actions == [("import",), ("deals",), ("history",)]
            stored_events = sorted(tx.rows(
                "SELECT c.display_name, h.category, h.content, strftime(h.event_at, '%Y-%m-%d %H:%M:%S') "
                "FROM history_events h JOIN contacts c ON c.id = h.contact_id"))
            stored_deals = sorted(tx.rows(
                "SELECT c.display_name, d.title, strftime(d.created_at, '%Y-%m-%d %H:%M:%S'), "
                "coalesce((SELECT list(p.display_name ORDER BY p.display_name) FROM deal_participants dp "
                "JOIN contacts p ON p.id = dp.contact_id WHERE dp.deal_id = d.id), []) "
                "FROM deals d JOIN contacts c ON c.id = d.contact_id"))
    # every event and deal sits on the contact of its 1-based row in sample_contacts.csv
    contacts = pd.read_csv(folder / NAMES[0], dtype=str, keep_default_na=False)
    names = [company if kind == "Company" else f"{first} {last}".strip() for kind, first, last, company in
             zip(contacts["Company/Person"], contacts["First Name"], contacts["Last Name"],
                 contacts["Company Name"], strict=True)]
    history = pd.read_csv(folder / NAMES[2], dtype=str, keep_default_na=False)
    assert stored_events == sorted(
        (names[int(r) - 1], cat, content, at) for r, cat, content, at in history.itertuples(index=False))
    deal_file = pd.read_csv(folder / NAMES[1], dtype=str, keep_default_na=False)
    assert stored_deals == sorted(
        (names[int(d.row) - 1], d.title, d.created_at,
         sorted(names[int(p) - 1] for p in d.participant_rows.split(";") if p))
        for d in deal_file.itertuples(index=False))
    code, text = run("--db", str(db), "info")
    assert code == 0 and "300 contacts visible" in text


def test_loaded_contacts_keep_the_samples_dates_so_stale_checks_find_some(tmp_path: Path) -> None:
    folder = tmp_path / "sample"
    assert run("sample", "generate", "--rows", "400", "--seed", "3", "--out", str(folder))[0] == 0
    db = tmp_path / "crm.duckdb"
    assert run("--db", str(db), "sample", "load", str(folder))[0] == 0
    dates = pd.read_csv(folder / "sample_dates.csv", dtype=str)
    with Store(db) as store:
        with store.db.read() as tx:
            stored = tx.rows("SELECT strftime(created_at, '%Y-%m-%d %H:%M:%S'), "
                             "strftime(updated_at, '%Y-%m-%d %H:%M:%S') FROM contacts ORDER BY id")
            years = {int(r[0]) for r in tx.rows("SELECT DISTINCT year(updated_at) FROM contacts")}
        assert stored == list(zip(dates["created_at"], dates["updated_at"], strict=True))
        assert len(years) >= 4  # several years, not "all updated now"
        stale = store.check(["stale"], stale_days=365, as_of=DEFAULT_AS_OF)
        assert 0.05 * 400 < len(stale) < 0.6 * 400
        buckets = store.last_activity(stale_days=365)  # notebook 05's chart
        assert (buckets["contacts"] > 0).sum() >= 3


def test_load_refuses_a_folder_without_the_files(tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    code, text = run("--db", str(db), "sample", "load", str(tmp_path / "nothing"))
    assert code == 1 and "There is no sample_contacts.csv" in text
    assert not db.exists()


def test_load_is_all_or_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "sample"
    assert run("sample", "generate", "--rows", "120", "--seed", "2", "--out", str(folder))[0] == 0
    history = folder / NAMES[2]
    history.write_text(history.read_text(encoding="utf-8") + "1,,no category,2026-01-01 10:00:00\n",
                       encoding="utf-8")
    db = tmp_path / "crm.duckdb"
    code, text = run("--db", str(db), "sample", "load", str(folder))
    assert code == 1 and "the category is empty" in text
    with Store(db) as store:
        assert store.count() == 0  # the contacts import was rolled back with it
        with store.db.read() as tx:
            assert tx.scalar("SELECT count(*) FROM deals") == 0


def test_shipped_sample_is_what_the_generator_makes(tmp_path: Path) -> None:
    shipped = REPO / "data"
    header = (shipped / NAMES[0]).read_text(encoding="utf-8").split("\n", 1)[0]
    assert header == ",".join([*BASE_COLUMNS, *INFO_CAPTIONS, *CUSTOM_FIELDS])
    assert lines(shipped / NAMES[0]) == 3000
    assert run("sample", "generate", "--rows", "3000", "--seed", "1", "--out", str(tmp_path))[0] == 0
    for name in NAMES:
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), f"regenerate data/{name}"


def test_generate_without_out_writes_a_new_folder_never_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    code, text = run("sample", "generate", "--rows", "50", "--seed", "3")
    assert code == 0, text
    assert sorted(p.name for p in (tmp_path / "sample-50-seed3").iterdir()) == sorted(NAMES)
    assert list((tmp_path / "data").iterdir()) == []
    result = CliRunner().invoke(cli, ["sample", "generate", "--rows", "50", "--seed", "3"])
    assert result.exit_code == 1 and "sample-50-seed3 exists already" in result.output
