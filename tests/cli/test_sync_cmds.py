"""``crmdata sync pull|push`` through click's CliRunner against the local portal double."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from crmdata import Store
from crmdata.cli import cli
from tests.onlyoffice_double import Portal


@pytest.fixture
def double() -> Iterator[Portal]:
    portal = Portal()
    portal.serve()
    yield portal
    portal.stop()


def _args(double: Portal) -> list[str]:
    assert double.server is not None
    return ["--portal", f"http://127.0.0.1:{double.server.server_address[1]}", "--login", double.login]


def test_pull_merge_dry_run_and_push(double: Portal, tmp_path: Path) -> None:
    a = double.add(False, first_name="Lore", last_name="Cli")
    b = double.add(False, first_name="Lore", last_name="Cli")
    db = str(tmp_path / "crm.duckdb")
    run = CliRunner().invoke
    env = {"CRMDATA_PORTAL_PASSWORD": double.password}
    pulled = run(cli, ["--db", db, "sync", "pull", *_args(double)], env=env)
    assert pulled.exit_code == 0, pulled.output
    assert "2 new" in pulled.output and double.password not in pulled.output
    with Store(db) as store:
        ids = sorted(int(i) for i in store.contacts()["id"])
        store.merge(store.plan_merge(ids, survivor=ids[0]))
    dry = run(cli, ["--db", db, "sync", "push", *_args(double), "--dry-run"], env=env)
    assert dry.exit_code == 0 and "crm/contact/merge" in dry.output and "Would push" in dry.output
    declined = run(cli, ["--db", db, "sync", "push", *_args(double)], env=env, input="n\n")
    assert "merged away" in declined.output and "needs confirmation" in declined.output
    assert b in double.contacts
    pushed = run(cli, ["--db", db, "sync", "push", *_args(double), "--yes"], env=env)
    assert pushed.exit_code == 0, pushed.output
    assert b not in double.contacts and a in double.contacts


def test_the_password_is_prompted_for_when_not_in_the_environment(
    double: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRMDATA_PORTAL_PASSWORD", raising=False)
    monkeypatch.setattr("crmdata.onlyoffice.credentials.from_keyring", lambda url, login: None)
    db = str(tmp_path / "crm.duckdb")
    ok = CliRunner().invoke(cli, ["--db", db, "sync", "pull", *_args(double)], input=f"{double.password}\n")
    assert ok.exit_code == 0 and "Pulled 0 contact(s)" in ok.output
    bad = CliRunner().invoke(cli, ["--db", db, "sync", "pull", *_args(double)], input="nope\n")
    assert bad.exit_code == 1 and bad.output.splitlines()[-1].startswith("Error: The portal")
    assert "Traceback" not in bad.output


def test_pull_with_photos(double: Portal, tmp_path: Path) -> None:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 60), (200, 30, 30)).save(out, "PNG")
    with_photo = double.add(False, first_name="Lore", last_name="Foto")
    double.add(False, first_name="Anna", last_name="Ohnefoto")
    double.put_photo(with_photo, out.getvalue())
    db = str(tmp_path / "crm.duckdb")
    env = {"CRMDATA_PORTAL_PASSWORD": double.password}
    plain = CliRunner().invoke(cli, ["--db", db, "sync", "pull", *_args(double)], env=env)
    assert plain.exit_code == 0 and "photo" not in plain.output
    pulled = CliRunner().invoke(cli, ["--db", db, "sync", "pull", *_args(double), "--photos"], env=env)
    assert pulled.exit_code == 0, pulled.output
    assert "1 photo(s) changed" in pulled.output
    with Store(db) as store:
        ids = sorted(int(i) for i in store.contacts()["id"])
        assert [store.photo(i).is_default for i in ids] == [False, True]
