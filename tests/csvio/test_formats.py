"""vCard 3.0 / 4.0, Google Contacts CSV and Outlook CSV: literal files in, round trips out.

The Google file uses the columns of Google's help page "Create or edit a CSV file to import
into Google Contacts" (First Name, Last Name, Labels, E-mail N - Label / Value, Phone N - ...,
Address N - Street / City / Region / Postal Code / Country, Organization Name / Title,
Birthday, Notes); the Outlook file those of Microsoft's "Import contacts to Outlook" CSV
template (E-mail Address, Business Phone, Mobile Phone, Home Street ..., Job Title, Company,
Categories, Birthday as m/d/yyyy).
"""

from __future__ import annotations

import base64
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from crmdata import ImportFailed, Store
from crmdata.model import InfoType


def _png(color: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, "PNG")
    return buf.getvalue()


def _info(store: Store, name: str) -> list[tuple[int, int, str, bool]]:
    with store.db.read() as tx:
        return [tuple(r) for r in tx.rows(  # type: ignore[misc]
            "SELECT i.info_type, i.category, i.data, i.is_primary FROM contact_info i "
            "JOIN contacts c ON c.id = i.contact_id WHERE c.display_name = ? "
            "ORDER BY i.info_type, i.is_primary DESC, i.id", [name])]


def _custom(store: Store, name: str, label: str) -> str | None:
    with store.db.read() as tx:
        return tx.scalar("SELECT v.value FROM custom_values v JOIN custom_fields f ON f.id = v.field_id "
                         "JOIN contacts c ON c.id = v.contact_id WHERE c.display_name = ? AND f.label = ?",
                         [name, label])


VCARD_30 = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Eberth;René;;;\r\nFN:René Eberth\r\nORG:Acme GmbH\r\n"
    "TITLE:CTO\r\nEMAIL;TYPE=INTERNET,WORK:rene@acme.example\r\n"
    "EMAIL;TYPE=INTERNET,HOME,PREF:rené.eberth@yahoo.de\r\nTEL;TYPE=CELL:+49 170 1234567\r\n"
    "TEL;TYPE=WORK,VOICE:030 1234567\r\nTEL;TYPE=FAX:030 7654321\r\n"
    "ADR;TYPE=HOME:;;Hauptstr. 5;Berlin;;10115;Germany\r\nADR;TYPE=WORK:;;1 Main St;Springfield;IL;"
    "62701;USA\r\nURL;TYPE=WORK:https://acme.example\r\nX-SOCIALPROFILE;TYPE=skype:rene.eberth\r\n"
    "NOTE:Met at the fair\\, booth 4\r\nCATEGORIES:Lead,VIP\r\nBDAY:1985-04-12\r\n"
    "PHOTO;ENCODING=b;TYPE=PNG:{photo}\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nFN:Acme GmbH\r\nORG:Acme GmbH\r\n"
    "X-ABShowAs:COMPANY\r\nTEL;TYPE=WORK,PREF:+49 30 555\r\nEND:VCARD\r\n"
)


def test_vcard_30_import_reads_every_field(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "phone.vcf"
    path.write_text(VCARD_30.format(photo=base64.b64encode(_png()).decode()), encoding="utf-8")
    report = store.import_contacts(path)
    assert report.imported == 2 and not report.problems, report.problems
    frame = store.contacts().set_index("display_name")
    assert frame.loc["René Eberth", "position"] == "CTO" and frame.loc["René Eberth", "notes"] == \
        "Met at the fair, booth 4"
    assert frame.loc["Acme GmbH", "kind"] == "company"
    assert _info(store, "René Eberth") == [
        (InfoType.PHONE, 2, "+49 170 1234567", True), (InfoType.PHONE, 1, "030 1234567", False),
        (InfoType.PHONE, 3, "030 7654321", False),
        (InfoType.EMAIL, 0, "rené.eberth@yahoo.de", True), (InfoType.EMAIL, 1, "rene@acme.example", False),
        (InfoType.WEBSITE, 1, "https://acme.example", True), (InfoType.SKYPE, 1, "rene.eberth", True),
        (InfoType.ADDRESS, 0, "Hauptstr. 5, Berlin, 10115, Germany", True),
        (InfoType.ADDRESS, 5, "1 Main St, Springfield, IL, 62701, USA", False),
    ]
    assert _custom(store, "René Eberth", "Birthday") == "1985-04-12"
    cid = int(frame.loc["René Eberth", "id"])
    assert sorted(store.contact(cid).tags) == ["Lead", "VIP"]
    photo = store.photo(cid)
    assert not photo.is_default and (photo.width, photo.height) == (40, 30)


@pytest.fixture
def photo_server() -> Iterator[str]:
    png = _png("blue")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200 if self.path == "/me.png" else 404)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            if self.path == "/me.png":
                self.wfile.write(png)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_vcard_40_with_photo_uri_and_kind_org(store: Store, tmp_path: Path, photo_server: str) -> None:
    path = tmp_path / "four.vcf"
    path.write_text(
        "BEGIN:VCARD\nVERSION:4.0\nFN:Łucja Wąs\nN:Wąs;Łucja;;;\nEMAIL;TYPE=work;PREF=1:lucja@example.pl\n"
        f"PHOTO:{photo_server}/me.png\nBDAY:19900102\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nKIND:org\nFN:Zeta AG\nORG:Zeta AG\nEND:VCARD\n"
        f"BEGIN:VCARD\nVERSION:4.0\nFN:No Photo\nN:Photo;No;;;\nPHOTO:{photo_server}/gone.png\nEND:VCARD\n",
        encoding="utf-8")
    report = store.import_contacts(path)
    assert report.imported == 3
    assert [(p.line, p.field) for p in report.problems] == [(15, "PHOTO")]
    ids = dict(zip(store.contacts().display_name, store.contacts().id, strict=True))
    assert not store.photo(int(ids["Łucja Wąs"])).is_default
    assert _custom(store, "Łucja Wąs", "Birthday") == "1990-01-02"
    assert store.contacts().set_index("display_name").loc["Zeta AG", "kind"] == "company"


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_vcard_round_trip(tmp_path: Path, version: str) -> None:
    src = tmp_path / "in.vcf"
    src.write_text(VCARD_30.format(photo=base64.b64encode(_png()).decode()), encoding="utf-8")
    first = Store(tmp_path / "one.duckdb")
    first.import_contacts(src)
    first.export_contacts(tmp_path / "out1.vcf", fmt="vcard", vcard_version=version)
    second = Store(tmp_path / "two.duckdb")
    assert second.import_contacts(tmp_path / "out1.vcf").imported == 2
    second.export_contacts(tmp_path / "out2.vcf", fmt="vcard", vcard_version=version)
    assert (tmp_path / "out2.vcf").read_text("utf-8") == (tmp_path / "out1.vcf").read_text("utf-8")
    assert _info(second, "René Eberth") == _info(first, "René Eberth")
    text = (tmp_path / "out1.vcf").read_text("utf-8")
    assert text.count("BEGIN:VCARD") == 2 and f"VERSION:{version}" in text and "PHOTO" in text
    written = first.export_contacts(tmp_path / "cards", fmt="vcard", one_per_contact=True)
    assert written == 2 and len(list((tmp_path / "cards").glob("*.vcf"))) == 2


def test_vcard_duplicate_rules_and_problems_by_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "a.vcf"
    path.write_text(VCARD_30.format(photo=base64.b64encode(_png()).decode()), encoding="utf-8")
    store.import_contacts(path)
    again = store.import_contacts(path)  # duplicates by email, as every import: the company has none
    assert again.imported == 1 and [line for line, _ in again.skipped_duplicates] == [1]
    merged = store.import_contacts(path, duplicates="update")
    assert merged.updated == 1
    bad = tmp_path / "bad.vcf"
    bad.write_text("BEGIN:VCARD\nVERSION:3.0\nN:Ok;Anna;;;\nEND:VCARD\n"
                   "BEGIN:VCARD\nVERSION:3.0\nN:Zirme;Hans;;;\nEMAIL:hansd..zirme@aol.de\nEND:VCARD\n",
                   encoding="utf-8")
    with pytest.raises(ImportFailed) as err:
        store.import_contacts(bad)
    assert [(p.line, p.field) for p in err.value.problems] == [(5, "Email")]
    assert str(bad) in str(err.value) and "crmdata-" not in str(err.value)


GOOGLE = (
    "First Name,Middle Name,Last Name,Nickname,Birthday,Notes,Labels,Organization Name,"
    "Organization Title,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,"
    "Phone 1 - Label,Phone 1 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,"
    "Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Website 1 - Label,Website 1 - Value\n"
    "Anna,,Meyer,Anni,1980-03-04,Likes tea,* myContacts ::: Friends ::: Lead,Acme GmbH,Buyer,"
    "* Work,anna@acme.example,Home,anna.m@gmail.com ::: anni@web.de,Mobile,+49 171 2223334,"
    'Home,"Hauptstr. 5\nBerlin",Hauptstr. 5,Berlin,,,10115,Germany,,Blog,https://anna.example\n'
    ",,,,,,* myContacts,Zeta AG,,Work,info@zeta.example,,,,,,,,,,,,,,,\n"
)


def test_google_csv_is_recognised_and_mapped(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(GOOGLE, encoding="utf-8")
    report = store.import_contacts(path)
    assert report.imported == 2 and "Google Contacts CSV" in report.summary()
    assert _info(store, "Anna Meyer") == [
        (InfoType.PHONE, 2, "+49 171 2223334", True),
        (InfoType.EMAIL, 1, "anna@acme.example", True), (InfoType.EMAIL, 0, "anna.m@gmail.com", False),
        (InfoType.EMAIL, 0, "anni@web.de", False),
        (InfoType.WEBSITE, 2, "https://anna.example", True),
        (InfoType.ADDRESS, 0, "Hauptstr. 5, Berlin, 10115, Germany", True),
    ]
    assert _custom(store, "Anna Meyer", "Birthday") == "1980-03-04"
    frame = store.contacts().set_index("display_name")
    assert frame.loc["Anna Meyer", "position"] == "Buyer" and frame.loc["Zeta AG", "kind"] == "company"


OUTLOOK = (
    '"First Name","Middle Name","Last Name","Title","Suffix","Job Title","Company","Department",'
    '"Business Street","Business City","Business State","Business Postal Code","Business Country/Region",'
    '"Home Street","Home City","Home State","Home Postal Code","Home Country/Region","Business Fax",'
    '"Business Phone","Home Phone","Mobile Phone","Other Phone","Birthday","Categories","E-mail Address",'
    '"E-mail 2 Address","Notes","Web Page"\r\n'
    '"Jürgen","","Bäcker","Herr","","Inhaber","Bäckerei Müller","","Marktplatz 1","Köln","","50667",'
    '"Deutschland","","","","","","0221 999","0221 12345","","0171 5556667","","4/12/1985","Kunde;Lead",'
    '"juergen@baeckerei.example","jb@gmx.de","Frühaufsteher","https://baeckerei.example"\r\n'
    '"","","","","","","Zeta AG","","","","","","","","","","","","","+49 30 1","","","","0/0/00","",'
    '"","","",""\r\n'
)


def test_outlook_csv_is_recognised_and_mapped(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "outlook.csv"
    path.write_bytes(OUTLOOK.encode("cp1252"))
    report = store.import_contacts(path)
    assert report.imported == 2 and "Outlook CSV" in report.summary() and "cp1252" in report.summary()
    assert _info(store, "Jürgen Bäcker") == [
        (InfoType.PHONE, 1, "0221 12345", True), (InfoType.PHONE, 2, "0171 5556667", False),
        (InfoType.PHONE, 3, "0221 999", False),
        (InfoType.EMAIL, 1, "juergen@baeckerei.example", True), (InfoType.EMAIL, 1, "jb@gmx.de", False),
        (InfoType.WEBSITE, 1, "https://baeckerei.example", True),
        (InfoType.ADDRESS, 5, "Marktplatz 1, Köln, 50667, Deutschland", True),
    ]
    assert _custom(store, "Jürgen Bäcker", "Birthday") == "1985-04-12"
    frame = store.contacts().set_index("display_name")
    assert frame.loc["Jürgen Bäcker", "position"] == "Inhaber" and frame.loc["Zeta AG", "kind"] == "company"


@pytest.mark.parametrize(("fmt", "text", "encoding"), [("google", GOOGLE, "utf-8"),
                                                       ("outlook", OUTLOOK, "cp1252")])
def test_google_and_outlook_round_trip(tmp_path: Path, fmt: str, text: str, encoding: str) -> None:
    (tmp_path / "in.csv").write_bytes(text.encode(encoding))
    first = Store(tmp_path / "one.duckdb")
    first.import_contacts(tmp_path / "in.csv")
    first.export_contacts(tmp_path / "out1.csv", fmt=fmt)
    second = Store(tmp_path / "two.duckdb")
    report = second.import_contacts(tmp_path / "out1.csv")
    assert report.imported == first.count() == 3  # the company made from Anna's / Jürgen's row too
    assert ("Google" if fmt == "google" else "Outlook") in report.summary()
    second.export_contacts(tmp_path / "out2.csv", fmt=fmt)
    assert (tmp_path / "out2.csv").read_bytes() == (tmp_path / "out1.csv").read_bytes()


def test_vcard_address_with_extended_part_stays_one_address(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "adr.vcf"
    path.write_text("BEGIN:VCARD\nVERSION:3.0\nN:Park;Cleo;;;\n"
                    "ADR;TYPE=work:PO Box 7;Apt 4;12 Main St;Springfield;IL;62701;USA\nEND:VCARD\n",
                    encoding="utf-8")
    store.import_contacts(path)
    assert _info(store, "Cleo Park") == [
        (InfoType.ADDRESS, 5, "PO Box 7 Apt 4 12 Main St, Springfield, IL, 62701, USA", True)]
