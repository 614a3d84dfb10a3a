"""The CLI over import, export and info, on real store files."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from crmdata.cli import cli

from ..csvio.helpers import write_oo

BOB = {"First Name": "Bob", "Last Name": "Smith", "Email (home)": "bob@example.com"}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_import_export_info(tmp_path: Path) -> None:
    db = str(tmp_path / "crm.duckdb")
    src = write_oo(tmp_path / "in.csv", [BOB, dict(BOB, **{"First Name": "Rob"})])
    code, out = run("--db", db, "import", str(src))
    assert code == 0, out
    assert "1 contacts imported" in out and "line 3: duplicate of contact 1, skipped" in out
    code, out = run("--db", db, "export", str(tmp_path / "out.csv"))
    assert code == 0 and "Exported 1 contacts" in out
    assert '"Bob","Smith"' in (tmp_path / "out.csv").read_text(encoding="utf-8")
    code, out = run("--db", db, "info")
    assert code == 0 and "1 contacts visible to admin" in out and "person" in out
    code, out = run("--db", db, "export", str(tmp_path / "plain.csv"),
                    "--columns", "display_name=Name,email")
    assert code == 0
    assert (tmp_path / "plain.csv").read_text().splitlines() == ["Name,email", "Bob Smith,bob@example.com"]


def test_errors_are_one_line_and_exit_non_zero(tmp_path: Path) -> None:
    db = str(tmp_path / "crm.duckdb")
    code, out = run("--db", db, "import", str(tmp_path / "missing.csv"))
    assert code == 1 and out.startswith("Error: There is no file") and "Traceback" not in out
    bad = write_oo(tmp_path / "bad.csv", [{"Note": "nobody"}, BOB])
    code, out = run("--db", db, "import", str(bad))
    assert code == 1 and "Error:" in out and "line 2: is neither a person" in out
    code, out = run("--db", db, "import", str(bad), "--skip-bad-rows")
    assert code == 0 and "1 bad rows skipped" in out
    code, out = run("--db", str(tmp_path / "none.duckdb"), "info")
    assert code == 1 and out == f"Error: There is no store at {tmp_path / 'none.duckdb'}.\n"
    code, out = run("--db", db, "--user", "mallory", "info")
    assert code == 1 and "There is no CRM user 'mallory'" in out
    code, out = run("--db", db, "import", str(bad), "--map", "oops")
    assert code == 1 and "--map takes HEADER=KEY" in out


def test_import_takes_a_memory_limit(tmp_path: Path) -> None:
    from crmdata import Store

    db = str(tmp_path / "crm.duckdb")
    src = write_oo(tmp_path / "in.csv", [BOB])
    code, out = run("--db", db, "import", str(src), "--memory-limit", "lots")
    assert code == 1 and out.startswith("Error: A memory limit looks like '2GB'"), out
    code, out = run("--db", db, "import", str(src), "--memory-limit", "32MB")
    assert code == 1 and "too small (at least 64MB)" in out, out
    with Store(db).db.read() as tx:
        assert tx.scalar("SELECT count(*) FROM contacts") == 0
    code, out = run("--db", db, "import", str(src), "--memory-limit", "512MB")
    assert code == 0 and "1 contacts imported" in out, out


def test_users(tmp_path: Path) -> None:
    db = str(tmp_path / "crm.duckdb")
    write_oo(tmp_path / "in.csv", [BOB])
    run("--db", db, "import", str(tmp_path / "in.csv"))
    code, out = run("--db", db, "add-user", "sam", "--name", "Sam Lee")
    assert code == 0 and "Created user sam" in out
    code, out = run("--db", db, "--user", "sam", "add-user", "eve")
    assert code == 1 and "Only CRM administrators may add users" in out
    code, out = run("--db", db, "users", "--format", "csv")
    assert out.splitlines()[1:] == ["1,admin,Administrator,True", "2,sam,Sam Lee,False"]


def test_checkpoint_leaves_a_file_that_is_complete_alone(tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    run("--db", str(db), "import", str(write_oo(tmp_path / "in.csv", [BOB])))
    run("--db", str(db), "add-user", "sam")  # a small commit: it stays in the log
    wal = Path(f"{db}.wal")
    assert wal.exists() and wal.stat().st_size > 0
    code, out = run("--db", str(db), "checkpoint")
    assert code == 0 and "the file alone now holds every commit" in out
    assert not wal.exists() or wal.stat().st_size == 0
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db, copy)
    code, out = run("--db", str(copy), "users", "--format", "csv")
    assert code == 0 and "2,sam,sam,False" in out


def test_import_german_excel_reports_encoding_and_separator(tmp_path: Path) -> None:
    db = str(tmp_path / "crm.duckdb")
    src = tmp_path / "kunden.csv"
    src.write_bytes(b"Vorname;Nachname;E-Mail\r\nJ\xfcrgen;B\xe4cker;jb@example.de\r\n")
    code, out = run("--db", db, "import", str(src), "--map", "Vorname=firstName",
                    "--map", "Nachname=lastName", "--map", "E-Mail=email")
    assert code == 0, out
    assert "read as cp1252" in out and "weak guess" in out and "separator ';' (detected)" in out
    tabbed = tmp_path / "tabs.csv"
    tabbed.write_text("First Name\tLast Name\nAnna\tMeyer, Jr\n", encoding="utf-8")
    code, out = run("--db", db, "import", str(tabbed), "--delimiter", "tab")
    assert code == 0 and "separator tab (given with --delimiter)" in out, out


FORMULA = '=HYPERLINK("http://evil.example","click")'


def _formula_store(tmp_path: Path) -> str:
    db = str(tmp_path / "crm.duckdb")
    rows = [{"First Name": FORMULA, "Last Name": "Smith", "Email (home)": "evil@example.com",
             "Phone (home)": "=2+5"},
            {"First Name": "Bob", "Last Name": "Smith", "Email (home)": "bob@example.com",
             "Phone (work)": "+49 30 1234567"},
            {"First Name": "Rob", "Last Name": "Smith", "Email (home)": "bob@example.com"}]
    code, out = run("--db", db, "import", str(write_oo(tmp_path / "in.csv", rows)), "--duplicates", "clone")
    assert code == 0, out
    return db


def test_export_options_for_excel_and_against_formulas(tmp_path: Path) -> None:
    db = _formula_store(tmp_path)
    code, out = run("--db", db, "export", str(tmp_path / "x.csv"), "--excel")
    assert code == 0, out
    raw = (tmp_path / "x.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfCompany/Person;First Name;") and b"\r\n" in raw
    assert b'"\'=HYPERLINK(""http://evil.example"",""click"")";"Smith"' in raw
    code, out = run("--db", db, "export", str(tmp_path / "r.csv"), "--raw", "--delimiter", "tab")
    assert code == 0 and '"=HYPERLINK(""http://evil.example"",""click"")"\t"Smith"' in (
        tmp_path / "r.csv").read_text("utf-8")
    code, out = run("--db", db, "export", str(tmp_path / "p.csv"), "--columns", "display_name=Name,phone",
                    "--encoding", "cp1252", "--delimiter", ";")
    assert code == 0, out
    assert (tmp_path / "p.csv").read_bytes().splitlines()[1:] == [
        b'"\'=HYPERLINK(""http://evil.example"",""click"") Smith";\'=2+5', b"Bob Smith;'+49 30 1234567",
        b"Rob Smith;"]


def test_cp1252_export_names_the_character_it_cannot_hold(tmp_path: Path) -> None:
    db = str(tmp_path / "crm.duckdb")
    src = write_oo(tmp_path / "in.csv", [{"First Name": "Łucja", "Last Name": "Wąs"}])
    run("--db", db, "import", str(src))
    result = CliRunner().invoke(cli, ["--db", db, "export", str(tmp_path / "o.csv"), "--encoding", "cp1252"])
    assert result.exit_code == 1
    assert "column 'First Name' ('Łucja') holds 'Ł' (U+0141), which cp1252 cannot hold" in result.output
    assert not (tmp_path / "o.csv").exists()


def test_search_check_and_duplicates_csv_are_neutralised(tmp_path: Path) -> None:
    db = _formula_store(tmp_path)
    code, out = run("--db", db, "search", "smith", "--format", "csv")
    assert code == 0 and "'=HYPERLINK(" in out and "\n=HYPERLINK(" not in out and ",=HYPERLINK" not in out
    result = CliRunner().invoke(cli, ["--db", db, "check", "--out", str(tmp_path / "f.csv")])
    findings = (tmp_path / "f.csv").read_text("utf-8")
    assert result.exit_code == 3 and ",'=2+5," in findings and ",=2+5" not in findings
    code, out = run("--db", db, "duplicates", "--no-progress", "--output", str(tmp_path / "d.csv"))
    assert code == 0, out
    pairs = (tmp_path / "d.csv").read_text("utf-8")
    assert pairs.splitlines()[1].startswith("2,3,") and "'+" not in pairs  # plain numbers stay


def test_import_and_export_vcard_google_outlook(tmp_path: Path) -> None:
    db = str(tmp_path / "crm.duckdb")
    card = tmp_path / "contact.txt"  # recognised by its content, not its name
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nN:Eberth;René;;;\nEMAIL;TYPE=work:rené.eberth@yahoo.de\n"
                    "TEL;TYPE=cell:+49 170 1234567\nEND:VCARD\n", encoding="utf-8")
    code, out = run("--db", db, "import", str(card))
    assert code == 0 and "1 contacts imported" in out and "vCard" in out, out
    code, out = run("--db", db, "export", str(tmp_path / "all.vcf"), "--vcard-version", "4.0")
    assert code == 0 and "VERSION:4.0" in (tmp_path / "all.vcf").read_text("utf-8")
    code, out = run("--db", db, "export", str(tmp_path / "g.csv"), "--format", "google")
    assert code == 0 and "E-mail 1 - Value" in (tmp_path / "g.csv").read_text("utf-8")
    code, out = run("--db", db, "export", str(tmp_path / "o.csv"), "--format", "outlook", "--excel")
    assert code == 0 and "'+49 170 1234567" in (tmp_path / "o.csv").read_text("utf-8-sig")
    code, out = run("--db", str(tmp_path / "two.duckdb"), "import", str(tmp_path / "o.csv"))
    assert code == 0 and "Outlook CSV" in out and "1 contacts imported" in out, out
