"""Reading real-world contact files: line endings, encodings, separators, huge fields.

Each test writes the literal bytes a tool produced (Excel on German Windows, a Mac, a script
that prepends a header) and imports them into a real store file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdata import CrmDataError, ImportFailed, Store
from crmdata.csvio.reader import Dialect

HEADER = b"First Name,Last Name,Email (work),Note"


def _names(store: Store) -> set[str]:
    return set(store.contacts().display_name)


def test_mixed_line_endings_header_lf_records_crlf(store: Store, tmp_path: Path) -> None:
    rows = b"".join(b'"Anna%d","Meyer","anna%d@example.com","hi"\r\n' % (i, i) for i in range(10))
    path = tmp_path / "mixed.csv"
    path.write_bytes(HEADER + b"\n" + rows)
    report = store.import_onlyoffice(path)
    assert report.records == 10 and report.imported == 10 and not report.problems


def test_cr_only_and_mixed_with_line_breaks_inside_quotes(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "cr.csv"
    path.write_bytes(HEADER + b"\r" + b'"Anna","Meyer","a@example.com","one\r\ntwo"\r'
                     + b'"Bob","Stone","b@example.com","x\ny"\n' + b'"Cleo","Park","c@example.com",""')
    report = store.import_onlyoffice(path)
    assert report.imported == 3
    notes = dict(zip(store.contacts().display_name, store.contacts().notes, strict=True))
    assert notes["Anna Meyer"] == "one\r\ntwo" and notes["Bob Stone"] == "x\ny"


def test_a_real_quote_fault_is_still_named_with_its_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_bytes(HEADER + b"\r\n" + b'"Anna","Meyer","a@example.com","ok"\r\n'
                     + b'"Bob","Sto"ne","b@example.com","x"\n' + b'"Cleo","Park","c@example.com","y"\r\n')
    with pytest.raises(ImportFailed) as err:
        store.import_onlyoffice(path)
    first = err.value.problems[0]
    assert first.line == 3 and "stray quote" in first.message
    assert store.count() == 0


GERMAN_EXCEL = (b"Vorname;Nachname;E-Mail;Firma\r\n"
                b"J\xfcrgen;B\xe4cker;j.baecker@example.de;B\xe4ckerei M\xfcller\r\n")
GERMAN_MAP = {"Vorname": "firstName", "Nachname": "lastName", "E-Mail": "email", "Firma": "company"}


def test_german_excel_cp1252_with_the_delimiter_given(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "kunden.csv"
    path.write_bytes(GERMAN_EXCEL)
    report = store.import_onlyoffice(path, mapping=GERMAN_MAP, dialect=Dialect(delimiter=";"))
    assert "Jürgen Bäcker" in _names(store) and "Bäckerei Müller" in _names(store)
    assert report.encoding == "cp1252"
    summary = report.summary()
    assert "read as cp1252" in summary and "weak guess" in summary and "--encoding" in summary
    assert "separator ';' (given with --delimiter)" in summary


def test_german_excel_cp1252_separator_detected(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "kunden.csv"
    path.write_bytes(GERMAN_EXCEL)
    report = store.import_onlyoffice(path, mapping=GERMAN_MAP)
    assert "Jürgen Bäcker" in _names(store)
    assert "separator ';' (detected)" in report.summary()


@pytest.mark.parametrize("rows", [1, 40, 2000])
def test_french_and_spanish_cp1252_are_not_cp1250(store: Store, tmp_path: Path, rows: int) -> None:
    people = [("H\xe9l\xe8ne", "Mu\xf1oz"), ("Fran\xe7ois", "G\xe9rard"), ("Jos\xe9", "N\xfa\xf1ez")]
    lines = [b"First Name,Last Name"] + [
        f"{people[i % 3][0]},{people[i % 3][1]}{i}".encode("cp1252") for i in range(rows)]
    path = tmp_path / "fr.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    report = store.import_onlyoffice(path)
    assert report.imported == rows and report.encoding == "cp1252"
    assert "Hélène Muñoz0" in _names(store)
    assert ("weak guess" in report.summary()) == (rows == 1)


def test_mac_roman(store: Store, tmp_path: Path) -> None:
    text = "First Name,Last Name,Note\n" + "".join(
        f"Jürgen{i},Größe,Straße über Köln Crème brûlée {i}\n" for i in range(30))
    path = tmp_path / "mac.csv"
    path.write_bytes(text.encode("mac_roman"))
    report = store.import_onlyoffice(path)
    assert report.encoding == "mac_roman" and "Jürgen0 Größe" in _names(store)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark(store: Store, tmp_path: Path, codec: str) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("First Name,Last Name\r\nRené,Eberth\r\nŁucja,Wąs\r\n".encode(codec))
    report = store.import_onlyoffice(path)
    assert report.imported == 2 and {"René Eberth", "Łucja Wąs"} <= _names(store)
    assert "without a byte order mark" in report.summary()


def test_binary_is_still_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(CrmDataError, match="binary data"):
        store.import_onlyoffice(path)


def test_forced_encoding_wins(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"First Name,Last Name\nJ\xfcrgen,B\xe4cker\n")
    report = store.import_onlyoffice(path, dialect=Dialect(encoding="mac_roman"))
    assert report.encoding == "mac_roman" and "given with --encoding" in report.summary()
    with pytest.raises(CrmDataError, match="not an encoding"):
        store.import_onlyoffice(path, dialect=Dialect(encoding="klingon"))


@pytest.mark.parametrize(("sep", "shown"), [(";", "';'"), ("\t", "tab"), ("|", "'|'")])
def test_separators_are_detected(store: Store, tmp_path: Path, sep: str, shown: str) -> None:
    text = sep.join(["First Name", "Last Name", "Note"]) + "\n"
    text += sep.join(["Anna", "Meyer", '"a, b, c"']) + "\n" + sep.join(["Bob", "Stone", "x,y"]) + "\n"
    path = tmp_path / "sep.csv"
    path.write_text(text, encoding="utf-8")
    report = store.import_onlyoffice(path)
    assert report.imported == 2 and f"separator {shown} (detected)" in report.summary()


def test_the_given_delimiter_wins(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text("First Name;Last Name\nAnna, Maria;Meyer, Jr\nBob, X;Stone, Y\n", encoding="utf-8")
    store.import_onlyoffice(path, dialect=Dialect(delimiter=";"))
    assert "Anna, Maria Meyer, Jr" in _names(store)


def test_errors_name_the_users_file_not_a_temporary_copy(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"Liebe Gr\xfc\xdfe aus K\xf6ln\nund noch eine Zeile\n")
    with pytest.raises(CrmDataError) as err:
        store.import_onlyoffice(path)
    assert str(path) in str(err.value) and "crmdata-" not in str(err.value)
    assert "does not look like a CSV file" in str(err.value)


def test_a_field_over_128_kib_and_a_bad_row_give_the_problem_list(store: Store, tmp_path: Path) -> None:
    note = "x" * 200_000
    path = tmp_path / "long.csv"
    path.write_text(f'First Name,Last Name,Note\nAnna,Meyer,"{note}\nmore"\n,,nobody\n',
                    encoding="utf-8")
    with pytest.raises(ImportFailed) as err:
        store.import_onlyoffice(path)
    assert [p.line for p in err.value.problems] == [4]
    assert store.count() == 0
    report = store.import_onlyoffice(path, skip_bad_rows=True)
    assert report.imported == 1 and len(store.contacts().notes[0]) == len(note) + 5
