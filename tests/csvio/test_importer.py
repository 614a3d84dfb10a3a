"""Importing ONLYOFFICE CSV into real store files: semantics, duplicates, bad input."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest

from crmdata import CrmDataError, ImportFailed, Store
from crmdata.model import CustomFieldType, InfoType

from ..builders import snapshot
from .helpers import HEADERS, IMPORT_TABLES, oo_text, write_oo

ACME = {"Company/Person": "Company", "Company Name": "Acme GmbH", "Contact Temperature Level": "Hot",
        "Contact Type": "Client", "Contact Tag List": "Lead,Customer", "Note": "Big firm"}
ANNA = {"Company/Person": "Person", "First Name": "Anna", "Last Name": "Müller",
        "Company Name": "Acme GmbH", "Position": "CEO", "Note": 'says "hi"',
        "Contact Temperature Level": "Warm", "Contact Tag List": "Staff",
        "Email (work)": "anna@acme.de,a.mueller@gmail.com", "Phone (mobile)": "+49 170 1234567",
        "Address (work) street": "Hauptstr. 5", "Address (work) city": "Berlin",
        "Address (work) zip": "10115", "Address (work) country": "Germany"}
BOB = {"First Name": "Bob", "Last Name": "Smith", "Company Name": "New Co",
       "Contact Temperature Level": "Freezing", "Contact Tag List": "vip",
       "Email (home)": "bob@example.com", "Phone (work)": "030 1234567,030 7654321"}


def test_rows_become_persons_and_companies(store: Store, tmp_path: Path) -> None:
    report = store.import_onlyoffice(write_oo(tmp_path / "a.csv", [ACME, ANNA, BOB]))
    assert report.records == 3 and report.imported == 3 and report.new_companies == 1
    assert report.new_temperatures == ["Freezing"] and report.new_tags == ["vip"]
    frame = store.contacts().set_index("display_name")
    assert frame.loc["Acme GmbH", "kind"] == "company"
    assert frame.loc["Anna Müller", "company_name"] == "Acme GmbH"
    assert frame.loc["Anna Müller", "company_id"] == frame.loc["Acme GmbH", "id"]
    assert frame.loc["Bob Smith", "company_name"] == "New Co"
    assert frame.loc["New Co", "kind"] == "company"  # created on demand
    assert frame.loc["Acme GmbH", "tags"] == "Customer, Lead"
    assert frame.loc["Anna Müller", "email"] == "anna@acme.de"  # first value is primary
    assert frame.loc["Bob Smith", "phone"] == "030 1234567"
    levels = store.temperature_levels().set_index("title")
    assert levels.loc["Freezing", "color"] == "#77cf9a"
    info = store.info()
    anna_id = int(frame.loc["Anna Müller", "id"])
    mine = info[info.contact_id == anna_id]
    emails = mine[mine.info_type == int(InfoType.EMAIL)]
    assert list(emails.data) == ["anna@acme.de", "a.mueller@gmail.com"]
    assert list(emails.is_primary) == [True, False]
    address = mine[mine.info_type == int(InfoType.ADDRESS)].iloc[0]
    assert (address.street, address.city, address.zip, address.country) == (
        "Hauptstr. 5", "Berlin", "10115", "Germany")
    assert address.category == 5 and address.is_primary


def test_import_fills_the_match_keys(store: Store, tmp_path: Path) -> None:
    uk = {"First Name": "Ann", "Last Name": "Lee", "Phone (work)": "020 7946 0958,call reception",
          "Address (work) country": "United Kingdom", "Email (work)": " Ann.Lee@Example.co.uk"}
    store.import_onlyoffice(write_oo(tmp_path / "a.csv", [ANNA, BOB, uk]))
    with store.db.read() as tx:
        phones = dict(tx.rows("SELECT data, e164 FROM contact_info WHERE info_type = 0"))
        emails = dict(tx.rows("SELECT data, email_key FROM contact_info WHERE info_type = 1"))
        newest = tx.scalar("SELECT max(id) FROM contact_info")
        through = tx.scalar("SELECT value FROM meta WHERE key = 'match_keys_through_info_id'")
    assert phones == {"+49 170 1234567": "+491701234567", "030 1234567": "+49301234567",
                      "030 7654321": "+49307654321", "020 7946 0958": "+442079460958",
                      "call reception": ""}  # read in the address country's region; '' unreadable
    assert emails["Ann.Lee@Example.co.uk"] == "ann.lee@example.co.uk"
    assert int(through) == newest  # the write-back check need not look at unkeyed rows


def test_only_last_name_becomes_first_name(store: Store, tmp_path: Path) -> None:
    store.import_onlyoffice(write_oo(tmp_path / "a.csv", [{"Last Name": "Cher"}]))
    row = store.contacts().iloc[0]
    assert (row.first_name, row.last_name, row.display_name) == ("Cher", None, "Cher")


def test_unknown_columns_become_custom_fields_and_types_apply(store: Store, tmp_path: Path) -> None:
    rows = [dict(ANNA, Birthday="01.02.1980", Newsletter="on", Segment="B2B", Nickname="Annie")]
    report = store.import_onlyoffice(
        write_oo(tmp_path / "a.csv", [ACME] + rows, extra=["Birthday", "Newsletter", "Segment", "Nickname"]),
        custom_field_types={"Birthday": (CustomFieldType.DATE, None),
                            "Newsletter": (CustomFieldType.CHECKBOX, None),
                            "Segment": (CustomFieldType.SELECT, ["B2B", "B2C"])},
    )
    assert report.new_custom_fields == ["Birthday", "Newsletter", "Segment", "Nickname"]
    fields = store.custom_fields().set_index("label")
    assert fields.loc["Nickname", "field_type"] == int(CustomFieldType.TEXT)
    anna = store.contacts().set_index("display_name").loc["Anna Müller"]
    assert anna["Birthday"] == "1980-02-01"
    assert anna["Newsletter"] == "true"
    assert anna["Segment"] == "B2B"
    assert anna["Nickname"] == "Annie"


def test_bad_rows_refuse_the_whole_file_and_change_nothing(store: Store, tmp_path: Path) -> None:
    store.import_onlyoffice(write_oo(tmp_path / "first.csv", [ACME]))
    before = snapshot(store, IMPORT_TABLES)
    rows = [ANNA, {"Note": "nobody"}, dict(BOB, **{"Email (home)": "not-an-email"}),
            {"First Name": "X" * 300}, BOB]
    with pytest.raises(ImportFailed) as err:
        store.import_onlyoffice(write_oo(tmp_path / "bad.csv", rows))
    assert snapshot(store, IMPORT_TABLES) == before
    found = {(p.line, p.field) for p in err.value.problems}
    assert found == {(3, None), (4, "Email"), (5, "First Name")}
    text = str(err.value)
    assert "line 3: is neither a person" in text
    assert "line 4, Email: is not a valid email address" in text
    assert "longer than 255 characters (300)" in text


def test_skip_bad_rows_imports_the_good_ones(store: Store, tmp_path: Path) -> None:
    rows = [ACME, {"Note": "nobody"}, ANNA]
    report = store.import_onlyoffice(write_oo(tmp_path / "a.csv", rows), skip_bad_rows=True)
    assert report.imported == 2 and report.skipped_bad_rows == 1
    assert [p.line for p in report.problems] == [3]
    assert report.contact_ids[1] is None and report.contact_ids[0] and report.contact_ids[2]
    assert sorted(store.contacts().display_name) == ["Acme GmbH", "Anna Müller"]


def test_ragged_rows_are_reported_with_their_lines(store: Store, tmp_path: Path) -> None:
    text = oo_text([ACME, ANNA]) + '"Person","Short"\n' + oo_text([BOB]).split("\n", 1)[1]
    text += ",".join(['"x"'] * (len(HEADERS) + 3)) + "\n"
    path = tmp_path / "ragged.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFailed) as err:
        store.import_onlyoffice(path)
    assert [(p.line, p.message) for p in err.value.problems] == [
        (4, f"has 2 fields, the header has {len(HEADERS)}"),
        (6, f"has {len(HEADERS) + 3} fields, the header has {len(HEADERS)}"),
    ]
    assert store.count() == 0


def test_line_numbers_count_quoted_newlines(store: Store, tmp_path: Path) -> None:
    rows = [dict(ACME, Note="line one\nline two\nline three"), {"Note": "nobody"}]
    path = write_oo(tmp_path / "a.csv", rows)
    with pytest.raises(ImportFailed) as err:
        store.import_onlyoffice(path)
    assert [p.line for p in err.value.problems] == [5]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_encodings_are_detected(store: Store, tmp_path: Path, encoding: str) -> None:
    path = write_oo(tmp_path / "enc.csv", [dict(BOB, **{"Last Name": "Müßig"})], encoding=encoding)
    if encoding == "cp1252":
        assert codecs.BOM_UTF8 not in path.read_bytes()
    report = store.import_onlyoffice(path)
    assert report.imported == 1 and report.new_companies == 1
    assert "Bob Müßig" in set(store.contacts().display_name)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a CSV file"),
        (b"", "is empty"),
        (b"just some text without separators\nmore\n", "does not look like a CSV file"),
        (b"Name,E-Mail\nAnn,ann@x.de\n", "matches no known layout"),
        (oo_text([]).encode(), "has a header but no contact rows"),
    ],
)
def test_files_that_are_not_contact_csv(store: Store, tmp_path: Path, content: bytes,
                                        message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(CrmDataError, match=message):
        store.import_onlyoffice(path)
    assert store.count() == 0


def test_missing_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(CrmDataError, match="There is no file"):
        store.import_onlyoffice(tmp_path / "nope.csv")


def test_duplicate_rule_skip_by_email_in_store_and_file(store: Store, tmp_path: Path) -> None:
    store.import_onlyoffice(write_oo(tmp_path / "a.csv", [BOB]))
    again = dict(BOB, **{"Email (home)": "BOB@example.com", "Position": "Boss"})
    twin = {"First Name": "Carla", "Email (work)": "carla@x.de"}
    twin2 = {"First Name": "Carla B.", "Email (home)": "carla@x.de"}
    report = store.import_onlyoffice(write_oo(tmp_path / "b.csv", [again, twin, twin2]))
    bob_id = int(store.contacts().set_index("display_name").loc["Bob Smith", "id"])
    carla_id = report.contact_ids[1]
    assert report.skipped_duplicates == [(2, bob_id), (4, carla_id)]
    assert report.imported == 1
    assert sorted(store.contacts().display_name) == ["Bob Smith", "Carla", "New Co"]


def test_duplicate_rule_update_merges_and_never_deletes(store: Store, tmp_path: Path) -> None:
    store.import_onlyoffice(write_oo(tmp_path / "a.csv", [BOB]))
    again = {"First Name": "Bob", "Last Name": "Smith", "Position": "Boss", "Contact Tag List": "Lead",
             "Email (home)": "bob@example.com", "Email (work)": "bob@work.com"}
    report = store.import_onlyoffice(write_oo(tmp_path / "b.csv", [again]), duplicates="update")
    assert report.updated == 1 and report.imported == 0
    bob = store.contacts().set_index("display_name").loc["Bob Smith"]
    assert bob.position == "Boss" and bob.tags == "Lead, vip" and bob.company_name == "New Co"
    assert bob.version == 2
    emails = store.info([int(bob.id)])
    emails = emails[emails.info_type == int(InfoType.EMAIL)]
    assert sorted(emails.data) == ["bob@example.com", "bob@work.com"]
    assert emails.is_primary.sum() == 1


def test_duplicate_rule_clone_imports_everything(store: Store, tmp_path: Path) -> None:
    store.import_onlyoffice(write_oo(tmp_path / "a.csv", [BOB]))
    report = store.import_onlyoffice(write_oo(tmp_path / "b.csv", [BOB, BOB]), duplicates="clone")
    assert report.imported == 2
    assert list(store.contacts().display_name).count("Bob Smith") == 3


def test_restricted_contacts_are_not_duplicates_for_others(store: Store, tmp_path: Path) -> None:
    store.add_user("eve")
    store.import_onlyoffice(write_oo(tmp_path / "a.csv", [BOB]), share_type=0)
    eve = store.as_user("eve")
    report = eve.import_onlyoffice(write_oo(tmp_path / "b.csv", [BOB]))
    assert report.skipped_duplicates == [] and report.imported == 1
    assert eve.count() == 2  # her Bob and his New Co; the restricted ones stay invisible


def test_managers_share_type_and_tags_options(store: Store, tmp_path: Path) -> None:
    store.add_user("sam")
    store.import_onlyoffice(write_oo(tmp_path / "a.csv", [BOB]), share_type=0, managers=["sam"],
                            tags=["Imported"])
    detail = store.contact(int(store.contacts().set_index("display_name").loc["Bob Smith", "id"]))
    assert detail.managers == ["sam"] and detail.fields["share_type"] == 0
    assert detail.tags == ["Imported", "vip"]
    assert store.as_user("sam").count() == 2
    with pytest.raises(CrmDataError, match="no CRM user 'nobody'"):
        store.import_onlyoffice(write_oo(tmp_path / "b.csv", [ANNA]), managers=["nobody"])


def test_bad_custom_values_are_reported(store: Store, tmp_path: Path) -> None:
    rows = [dict(BOB, Birthday="31.02.1999"), dict(ANNA, Birthday="1999-12-31", Segment="Other")]
    with pytest.raises(ImportFailed) as err:
        store.import_onlyoffice(
            write_oo(tmp_path / "a.csv", rows, extra=["Birthday", "Segment"]),
            custom_field_types={"Birthday": (CustomFieldType.DATE, None),
                                "Segment": (CustomFieldType.SELECT, ["B2B", "B2C"])})
    assert [(p.line, p.field) for p in err.value.problems] == [(2, "Birthday"), (3, "Segment")]
    assert "is not one of the options: B2B, B2C" in str(err.value)


def test_import_is_journalled(store: Store, tmp_path: Path) -> None:
    report = store.import_onlyoffice(write_oo(tmp_path / "a.csv", [ACME, ANNA]))
    with store.db.read() as tx:
        action, summary = tx.one("SELECT action, summary FROM journal WHERE id = ?", [report.journal_id])
    assert action == "import" and "2 contacts imported" in summary


def test_plain_csv_with_a_mapping(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("Vorname;Nachname;E-Mail;Firma\nJürgen;Groß;j.gross@x.de;Groß AG\n", encoding="utf-8")
    from crmdata.csvio.reader import Dialect

    report = store.import_onlyoffice(
        path, dialect=Dialect(delimiter=";"),
        mapping={"Vorname": "firstName", "Nachname": "lastName", "E-Mail": "email", "Firma": "company"})
    assert report.imported == 1 and report.new_companies == 1
    row = store.contacts().set_index("display_name").loc["Jürgen Groß"]
    assert row.email == "j.gross@x.de" and row.company_name == "Groß AG"
    with pytest.raises(CrmDataError, match="does not have: Mail"):
        store.import_onlyoffice(path, dialect=Dialect(delimiter=";"), mapping={"Mail": "email"})
    with pytest.raises(CrmDataError, match="'shoe' is not a column"):
        store.import_onlyoffice(path, dialect=Dialect(delimiter=";"),
                                mapping={"Vorname": "firstName", "Firma": "shoe"})


def test_a_failing_step_reports_its_own_error_and_changes_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error mid-import aborts the transaction: the user sees that error (not a
    follow-up one from clearing the staging tables) and the store is as it was."""
    import duckdb

    from crmdata.csvio import importer

    store.import_onlyoffice(write_oo(tmp_path / "first.csv", [ACME]))
    before = snapshot(store, IMPORT_TABLES)

    def broken_record(tx, *args, **kwargs):  # type: ignore[no-untyped-def]
        tx.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr(importer, "record", broken_record)
    with pytest.raises(duckdb.CatalogException, match="no_such_table"):
        store.import_onlyoffice(write_oo(tmp_path / "a.csv", [ANNA, BOB]))
    assert snapshot(store, IMPORT_TABLES) == before
    monkeypatch.undo()
    report = store.import_onlyoffice(write_oo(tmp_path / "a.csv", [ANNA, BOB]))
    assert report.imported == 2


def test_an_import_journals_every_new_row_once_in_order(store: Store, tmp_path: Path) -> None:
    report = store.import_onlyoffice(write_oo(tmp_path / "a.csv", [ACME, ANNA, BOB]))
    with store.db.read() as tx:
        rows = tx.rows("SELECT seq, table_name, row_key, before, after FROM journal_rows "
                       "WHERE journal_id = ? ORDER BY seq", [report.journal_id])
        contacts = tx.scalar("SELECT count(*) FROM contacts")
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert all(r[3] is None and r[4] is not None for r in rows)  # every row is new
    assert len({(r[1], r[2]) for r in rows}) == len(rows)
    assert sum(r[1] == "contacts" for r in rows) == contacts


#: Run in a child process: the failing import spills, and DuckDB cannot move a process's spill
#: folder once it has spilled into it, which another test of the same worker would then meet.
_BEYOND_MEMORY = """
import json, sys
from pathlib import Path
from crmdata import CrmDataError, Store
from tests.builders import snapshot
from tests.csvio.helpers import IMPORT_TABLES
folder, keep_open = Path(sys.argv[1]), sys.argv[2] == "1"
store = Store(folder / "crm.duckdb", keep_open=keep_open)
store.import_onlyoffice(folder / "first.csv")
before = snapshot(store, IMPORT_TABLES)
try:
    store.import_onlyoffice(folder / "big.csv", duplicates="clone", memory_limit="100MB")
    error = ""
except CrmDataError as exc:
    error = str(exc)
unchanged = snapshot(store, IMPORT_TABLES) == before
report = store.import_onlyoffice(folder / "next.csv")
store.close()
print(json.dumps({"error": error, "unchanged": unchanged, "imported": report.imported}))
"""


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export of 100,000 generated contacts, written once for the tests that copy it."""
    from crmdata.csvio.exporter import write_frame
    from crmdata.sample import generate

    path = tmp_path_factory.mktemp("big") / "big.csv"
    write_frame(generate(100_000, seed=2).contacts, path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("keep_open", [False, True])
def test_an_import_beyond_its_memory_limit_changes_nothing_and_the_store_goes_on(
    tmp_path: Path, keep_open: bool, big_csv: Path
) -> None:
    """Out of memory at any step, the commit included (where DuckDB may invalidate its whole
    instance): a clear error, nothing imported, and the same Store imports the next file."""
    import json
    import shutil
    import subprocess
    import sys

    shutil.copyfile(big_csv, tmp_path / "big.csv")
    write_oo(tmp_path / "first.csv", [ACME])
    write_oo(tmp_path / "next.csv", [ANNA, BOB])
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", _BEYOND_MEMORY, str(tmp_path), "1" if keep_open else "0"],
                          capture_output=True, text=True, cwd=root, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert re.search(r"memory limit of 0\.0931 GiB.*Nothing was imported.*--memory-limit, e\.g\. 1GB",
                     got["error"]), got["error"]
    assert got["unchanged"] and got["imported"] == 2
