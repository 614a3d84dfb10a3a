"""Issue 17, items 1, 2 and 6 through the real CLI, on the generated sample store (2,000 rows)
with the users admin, alice and bob: an import never writes to a contact its user may not
edit, and an import is a change set (journalled, in ``history``, undoable)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from crmdata import Store
from crmdata.cli import cli

from .. import test_access as matrix
from ..builders import TABLES, snapshot
from ..csvio.helpers import write_oo


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    return result.exit_code, result.output


def _companies(db: Path, n: int) -> list[tuple[int, str]]:
    """The first ``n`` companies of the sample without persons (the issue's company 1250)."""
    with Store(db) as s, s.db.read() as tx:
        return [(int(r[0]), str(r[1])) for r in tx.rows(
            "SELECT id, display_name FROM contacts c WHERE is_company AND share_type = 1 "
            "AND NOT EXISTS (SELECT 1 FROM contact_managers m WHERE m.contact_id = c.id) "
            "AND NOT EXISTS (SELECT 1 FROM contacts p WHERE p.company_id = c.id) "
            "ORDER BY id LIMIT ?", [n])]


def _state(db: Path, cid: int) -> tuple[list[str], list[str], int, str | None]:
    with Store(db) as s:
        d = s.contact(cid)
        return d.managers, d.tags, int(d.fields["share_type"]), d.fields["notes"]


def test_import_manager_and_tag_do_not_reach_an_existing_company(probe_store_copy: Path,
                                                                  tmp_path: Path) -> None:
    """Items 1 and 2: bob may only read company C; his import of one person whose Company
    Name is C's name, with ``--manager bob --tag``, links the person and leaves C alone."""
    db = probe_store_copy
    (cid, name), = _companies(db, 1)
    code, out = run(db, "edit", str(cid), "--share", "read", "--managers", "alice")
    assert code == 0, out
    before = _state(db, cid)
    assert before[0] == ["alice"] and before[2] == 2 and "bobs" not in before[1]
    src = write_oo(tmp_path / "p.csv", [{"First Name": "Ben", "Last Name": "Probe", "Company Name": name}])
    code, out = run(db, "--user", "bob", "import", str(src), "--manager", "bob", "--tag", "bobs")
    assert code == 0 and "1 contacts imported" in out, out
    assert _state(db, cid) == before  # no bob among the managers, no bob tag
    with Store(db) as s:
        ben = s.search("Probe").iloc[0]
        assert ben.company_id == cid and ben.tags == "bobs"
        assert s.contact(int(ben.id)).managers == ["bob"]
    for args, message in (
        (("edit", str(cid), "--set", "notes=mine now"), "may view but not edit"),
        (("edit", str(cid), "--share", "none", "--managers", "bob"), "may view but not edit"),
        (("delete", str(cid), "--yes"), "may not delete"),
        (("tag", str(cid), "--add", "bobs"), "may view but not edit"),
    ):
        code, out = run(db, "--user", "bob", *args)
        assert code == 1 and out.startswith("Error: ") and message in out, (args, out)
    assert _state(db, cid) == before
    code, out = run(db, "history", str(cid))
    assert code == 0 and " bob " not in out  # bob changed nothing of it


def test_an_admin_import_does_not_make_a_manager_of_existing_companies(probe_store_copy: Path,
                                                                       tmp_path: Path) -> None:
    """Item 1, second half: ``--manager alice`` by admin makes alice a manager of what the
    import creates (the person, a new company), not of the existing company it links to."""
    db = probe_store_copy
    (cid, name), = _companies(db, 1)
    src = write_oo(tmp_path / "p.csv", [
        {"First Name": "Ada", "Last Name": "Probe", "Company Name": name},
        {"First Name": "Eve", "Last Name": "Probe", "Company Name": "Probe New Company GmbH"},
    ])
    code, out = run(db, "import", str(src), "--manager", "alice", "--share", "restricted", "--tag", "t17")
    assert code == 0 and "1 companies created" in out, out
    assert _state(db, cid)[0] == [] and "t17" not in _state(db, cid)[1]
    with Store(db, user="alice") as alice:
        found = alice.search("Probe").set_index("display_name")
        assert sorted(found.index) == ["Ada Probe", "Eve Probe", "Probe New Company GmbH"]
        assert all(alice.contact(int(i)).managers == ["alice"] for i in found.id)
        assert alice.contact(int(found.loc["Probe New Company GmbH"].id)).tags == ["t17"]


def test_an_import_is_a_change_set_history_and_undo(probe_store_copy: Path, tmp_path: Path) -> None:
    """Item 6: an import that creates persons, a company, a tag and a custom field and updates an
    existing contact (``--duplicates update``) shows in ``history`` and ``undo`` puts every
    table back as it was."""
    db = probe_store_copy
    tables = [t for t in TABLES if not t.startswith("journal")] + ["list_items", "custom_fields"]
    bumped = {"contacts": ["version", "updated_by", "updated_at"]}  # an undo gives a new version
    with Store(db) as s:
        before = snapshot(s, tables, drop=bumped)
        versions = snapshot(s, ["contacts"])["contacts"]
        target = s.contacts().dropna(subset=["email"]).query("kind == 'person'").iloc[0]
    src = write_oo(tmp_path / "p.csv", [
        {"First Name": "Ben", "Last Name": "Probe", "Company Name": "Probe Undo AG",
         "Email (work)": "ben@probe-undo.example", "Contact Tag List": "probe-tag"},
        {"First Name": str(target.first_name), "Last Name": str(target.last_name),
         "Email (work)": str(target.email), "Position": "Chief Prober", "Phone (work)": "+49 30 1234567"},
    ], extra=["Probe Field"])
    code, out = run(db, "--user", "alice", "import", str(src), "--duplicates", "update")
    assert code == 0 and "1 contacts imported, 1 updated" in out, out
    jid = int(out.split("Change set ")[1].split(":")[0])
    code, out = run(db, "history", str(int(target.id)))
    assert code == 0 and f"{jid}" in out and "import" in out and "Chief Prober" in out, out
    with Store(db) as s:
        ben = int(s.search("Probe").query("display_name == 'Ben Probe'").id.iloc[0])
    code, out = run(db, "history", str(ben))
    assert code == 0 and "Ben" in out and "probe-tag" in out and "alice" in out
    code, out = run(db, "--user", "alice", "undo", str(jid))
    assert code == 0 and f"Undid change set {jid}" in out, out
    with Store(db) as s:
        assert snapshot(s, tables, drop=bumped) == before
        changed = set(snapshot(s, ["contacts"])["contacts"]) ^ set(versions)
    assert {row[0] for row in changed} == {int(target.id)}  # only its version moved on
    code, out = run(db, "history", str(int(target.id)))
    assert "Chief Prober" in out  # the import and its undo both stay in the history


@pytest.mark.parametrize("later", ["edit", "history event", "person linked"])
def test_an_import_is_not_undone_once_its_contacts_changed(probe_store_copy: Path, tmp_path: Path,
                                                           later: str) -> None:
    db = probe_store_copy
    src = write_oo(tmp_path / "p.csv", [{"Company Name": "Probe Later AG"},
                                        {"First Name": "Ben", "Last Name": "Probe"}])
    code, out = run(db, "import", str(src))
    assert code == 0, out
    jid = int(out.split("Change set ")[1].split(":")[0])
    with Store(db) as s:
        found = s.search("Probe").set_index("display_name").id
        company, ben = int(found["Probe Later AG"]), int(found["Ben Probe"])
        if later == "edit":
            cs = s.change()
            cs.update(ben, title="Changed since")
            cs.commit()
        elif later == "history event":
            import pandas as pd

            from crmdata.activity import add_history

            add_history(s.db, s.user,
                        pd.DataFrame({"contact_id": [ben], "category": ["Call"], "content": ["hi"]}))
        else:
            other = int(s.search("").query("kind == 'person'").id.iloc[0])
            cs = s.change()
            cs.link_company(other, company)
            cs.commit()
        kept = snapshot(s)
    code, out = run(db, "undo", str(jid))
    assert code == 1 and f"Error: Change set {jid} cannot be undone" in out and "changed since" in out, out
    with Store(db) as s:
        assert snapshot(s) == kept


def _csv(out: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(out), dtype=str)


def test_a_restricted_companys_name_and_deals_do_not_reach_bob(probe_store_copy: Path,
                                                                 tmp_path: Path) -> None:
    """Items 3 and 4 with the sample's own data: admin restricts a company with persons and a
    deal's main contact to alice; bob's ``search`` and ``export`` show the public persons
    without the company's name, and the deal's public participant no longer counts as "with
    opportunities" for bob (it still does for alice)."""
    db = probe_store_copy
    with Store(db) as s, s.db.read() as tx:
        company, name, person = tx.one(
            "SELECT co.id, co.display_name, min(p.id) FROM contacts co "
            "JOIN contacts p ON p.company_id = co.id "
            "WHERE co.is_company AND p.share_type = 1 GROUP BY co.id, co.display_name ORDER BY co.id LIMIT 1")
        main, participant = tx.one(
            "SELECT d.contact_id, dp.contact_id FROM deals d JOIN deal_participants dp ON dp.deal_id = d.id "
            "WHERE d.contact_id <> dp.contact_id AND d.contact_id <> ? "
            "AND (SELECT count(*) FROM deal_participants x WHERE x.contact_id = dp.contact_id) = 1 "
            "AND NOT EXISTS (SELECT 1 FROM deals y WHERE y.contact_id = dp.contact_id) "
            "ORDER BY d.id LIMIT 1", [company])
    for cid in (company, main):
        code, out = run(db, "edit", str(cid), "--share", "none", "--managers", "alice")
        assert code == 0, out
    for user, sees in (("bob", False), ("alice", True)):
        code, out = run(db, "--user", user, "search", "--format", "csv", "--page-size", "5000")
        assert code == 0, out
        rows = _csv(out).set_index("id")
        assert (name in set(rows["company_name"].dropna())) is sees
        assert (company in {int(float(x)) for x in rows["company_id"].dropna()}) is sees
        shown = rows.loc[str(person), "company_name"]
        assert shown == name if sees else pd_isna(shown)
        code, out = run(db, "--user", user, "search", "--show", "with-opportunities", "--format", "csv",
                        "--page-size", "5000")
        assert code == 0 and (str(participant) in set(_csv(out)["id"])) is sees
        code, out = run(db, "--user", user, "export", str(tmp_path / f"{user}.csv"))
        assert code == 0 and (name in (tmp_path / f"{user}.csv").read_text(encoding="utf-8-sig")) is sees


def pd_isna(value: object) -> bool:
    return bool(pd.isna(value))


# -- the access matrix through the CLI: every command, run as bob --------------------------------
#: The world of the library's access matrix (tests/test_access.py), shared as fixtures.
built_world = matrix.built_world
world = matrix.world
World, _png, _rows_of = matrix.World, matrix._png, matrix._rows_of


def _cli_reads(w: World, tmp: Path) -> dict[str, list[str]]:
    photo = tmp / "logo.png"
    photo.write_bytes(_png())
    return {
        "search": ["search", "--format", "csv", "--page-size", "5000"],
        "search(company)": ["search", "Zyxwv", "--format", "csv"],
        "search(with-opportunities)": ["search", "--show", "with-opportunities", "--format", "csv",
                                       "--page-size", "5000"],
        "export": ["export", str(tmp / "bob.csv")],
        "export(columns)": ["export", str(tmp / "bob-plain.csv"), "--columns", "display_name,company_name"],
        "duplicates": ["duplicates", "--format", "csv", "--no-progress"],
        "history": ["history", str(w.public_person), "--format", "csv"],
        "info": ["info"],
        "users": ["users"],
        "check": ["check", "--format", "csv"],
        "clean": ["clean", "--dry-run"],
        "merge(dry run)": ["merge", str(w.hidden_twin), str(w.public_person), "--dry-run"],
        "photo get": ["photo", "get", str(w.public_person), "--out", str(tmp / "p.png")],
        "photo suggest": ["photo", "suggest", str(w.public_person)],
        "values cluster": ["values", "cluster", "--field", "company_name", "--method", "nearest"],
    }


def _cli_refusals(w: World, tmp: Path) -> dict[str, list[str]]:
    """Commands naming a hidden (H) or read-only (R) contact: each must refuse, or leave both alone."""
    photo = tmp / "logo.png"
    photo.write_bytes(_png())
    src = write_oo(tmp / "bob-in.csv", [
        {"First Name": "Ben", "Last Name": "Probe", "Company Name": "Readonly Probe  GmbH"},
        {"Company Name": "Readonly Probe  GmbH", "Email (work)": w.readonly_email, "Note": "bob"}])
    h, r = str(w.hidden), str(w.readonly)
    return {
        "edit": ["edit", r, "--set", "notes=bob"], "edit(H)": ["edit", h, "--set", "notes=bob"],
        "edit --share": ["edit", r, "--share", "none", "--managers", "bob"],
        "tag": ["tag", r, "--add", "bobs"], "tag(H)": ["tag", h, "--add", "bobs"],
        "delete": ["delete", r, "--yes"], "delete(H)": ["delete", h, "--yes"],
        "import": ["import", str(src), "--duplicates", "update", "--manager", "bob", "--tag", "bobs",
                   "--skip-bad-rows"],
        "merge": ["merge", str(w.hidden_twin), r, "--yes"],
        "merge(H)": ["merge", str(w.hidden_twin), h, "--yes"],
        "clean": ["clean", "--yes"],
        "photo set": ["photo", "set", r, str(photo)], "photo set(H)": ["photo", "set", h, str(photo)],
        "photo remove(H)": ["photo", "remove", h, "--yes"], "photo get(H)": ["photo", "get", h],
        "photo suggest(H)": ["photo", "suggest", h],
        "history(H)": ["history", h], "undo": ["undo", str(w.admin_change)],
        "duplicates decide(H)": ["duplicates", "decide", str(w.hidden_twin), h, "duplicate"],
        "add-user": ["add-user", "mallory"],
        "fill-keys": ["fill-keys"],
        "values cluster --apply": ["values", "cluster", "--field", "company_name", "--method", "nearest",
                                   "--apply", "--yes"],
        "duplicates settings(H)": ["duplicates", "settings", "--text-field", "Segment"],
        "sync pull(H)": ["sync", "pull", "--portal", "http://127.0.0.1:9", "--login", "bob"],
        "sync push(H)": ["sync", "push", "--portal", "http://127.0.0.1:9", "--login", "bob", "--yes"],
    }


#: Commands that touch no contact data: the app server, the sample, the file.
_NOT_CONTACT_COMMANDS = {"app", "sample", "checkpoint"}


def test_every_cli_command_is_in_the_matrix(built_world: World, tmp_path: Path) -> None:
    names = {" ".join(a[:2]) if a[0] in ("photo", "duplicates", "values", "sync")
             and a[1] in ("get", "set", "remove", "suggest", "decide", "settings", "cluster", "pull", "push")
             else a[0]
             for table in (_cli_reads(built_world, tmp_path), _cli_refusals(built_world, tmp_path))
             for a in table.values()}
    import click

    commands = {f"{n} {s}" if isinstance(c, click.Group) else n
                for n, c in cli.commands.items() if n not in _NOT_CONTACT_COMMANDS
                for s in (sorted(c.commands) if isinstance(c, click.Group) else [""])}
    commands = {c.strip() for c in commands} - {"duplicates"}  # the group runs as `duplicates` too
    assert sorted(commands - names - {"duplicates"}) == []


@pytest.mark.parametrize("name", ["search", "search(company)", "search(with-opportunities)", "export",
                                  "export(columns)", "duplicates", "history", "info", "users", "check",
                                  "clean", "merge(dry run)", "photo get", "photo suggest",
                                  "values cluster"])
def test_bob_sees_nothing_hidden_through_the_cli(built_world: World, tmp_path: Path, name: str) -> None:
    w = built_world
    args = _cli_reads(w, tmp_path)[name]
    code, out = run(w.path, "--user", "bob", *args)
    files = "".join(p.read_text(encoding="utf-8-sig", errors="replace") for p in tmp_path.glob("bob*.csv"))
    assert "Traceback" not in out
    assert "Zyxwv" not in out + files and "zyxwv" not in out + files, (name, out[:1000])


def test_bob_changes_nothing_he_may_not_through_the_cli(world: World, tmp_path: Path) -> None:
    guarded = {world.readonly, world.hidden, world.secret}
    before = _rows_of(world.path, guarded)
    for name, args in _cli_refusals(world, tmp_path).items():
        code, out = run(world.path, "--user", "bob", *args)
        assert "Traceback" not in out and "Zyxwv" not in out and "Hiddenmann" not in out, (name, out)
        if name.endswith("(H)") or name in ("undo", "add-user"):
            assert code == 1 and out.startswith("Error: "), (name, out)
        after = _rows_of(world.path, guarded)
        for table, frame in before.items():
            pd.testing.assert_frame_equal(after[table], frame, obj=f"{name}: {table}")
