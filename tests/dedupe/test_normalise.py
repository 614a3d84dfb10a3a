"""Each matching normaliser on tables of literal cases."""

from __future__ import annotations

import pytest

from crmdata import Store
from crmdata.dedupe import normalise as nz
from crmdata.matchkeys import phone_e164, phone_sql


@pytest.mark.parametrize(("raw", "key"), [
    ("Müller", "muller"), ("Mueller", "muller"), ("Muller", "muller"), ("MÜLLER", "muller"),
    ("Jürgen", "jurgen"), ("Juergen", "jurgen"), ("Groß", "gross"), ("Gross", "gross"),
    ("Björn", "bjorn"), ("Bjoern", "bjorn"), ("Häußler", "haussler"), ("Haeussler", "haussler"),
    ("François", "francois"), ("O'Brien", "obrien"), ("  van  der Berg ", "van der berg"),
    ("", None), (None, None),
])
def test_names_fold_case_accents_and_umlauts_both_ways(raw: str | None, key: str | None) -> None:
    assert nz.name_key(raw) == key


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Bob", "Robert", True), ("Bobby", "Rob", True), ("Hans", "Johannes", True),
    ("Fritz", "Friedrich", True), ("Bärbel", "Barbara", True), ("Baerbel", "Barbara", True),
    ("Chris", "Christian", True), ("Chris", "Christopher", True), ("Christian", "Christoph", False),
    ("Liz", "Elizabeth", True), ("Bill", "William", True), ("Robert", "William", False),
    ("Hans-Peter", "Johannes", False), ("Anna", "anna", True), ("Anna", None, False),
])
def test_nicknames_are_the_same_given_name(a: str, b: str | None, same: bool) -> None:
    assert nz.same_given_name(a, b) is same
    assert nz.same_given_name(b, a) is same


@pytest.mark.parametrize(("raw", "code"), [
    ("Müller", "657"), ("Mueller", "657"), ("Möller", "657"), ("Meyer", "67"), ("Maier", "67"),
    ("Schmidt", "862"), ("Schmitt", "862"), ("Wikipedia", "3412"), ("Breschnew", "17863"),
    ("Müller-Lüdenscheidt", "65752682"), ("", None),
])
def test_cologne_phonetics(raw: str, code: str | None) -> None:
    assert nz.cologne(raw) == code


def test_the_ascii_fast_path_folds_as_the_search_folding_does() -> None:
    """Plain ASCII text is only lower-cased; every ASCII character folds to itself lower-cased,
    so the phonetic keys of the ASCII keys are those the full folding gives."""
    from crmdata.search.normalise import fold

    every = "".join(chr(i) for i in range(128))
    assert nz._fold_plain(every) == fold(every) == every.lower()
    for text in ("Müller", "Groß", "Øster", "Straße", "Łódź", "ΣΟΦΟΣ"):
        assert nz._fold_plain(text) == fold(text)


@pytest.mark.parametrize(("a", "b"), [("Smith", "Smyth"), ("Schmidt", "Schmitt"), ("Catherine", "Kathryn"),
                                      ("Katherine", "Catherine"), ("Müller", "Mueller")])
def test_double_metaphone_alike(a: str, b: str) -> None:
    assert nz.metaphone(a) == nz.metaphone(b) and nz.metaphone(a)


@pytest.mark.parametrize(("raw", "key"), [
    ("Sternhof GmbH & Co. KG", "sternhof"), ("Sternhof GmbH u. Co. KG", "sternhof"),
    ("Sternhof G.m.b.H.", "sternhof"), ("Sternhof Gmbh", "sternhof"), ("Sternhof", "sternhof"),
    ("Müller & Söhne AG", "muller sohne"), ("Mueller und Soehne A.G.", "muller sohne"),
    ("Foo UG (haftungsbeschränkt)", "foo"), ("Foo UG (hb)", "foo"), ("Bar e. K.", "bar"), ("Bar eK", "bar"),
    ("Acme Inc.", "acme"), ("Acme, LLC", "acme"), ("Acme Ltd", "acme"), ("ACME LIMITED", "acme"),
    ("Acme Corp.", "acme"), ("Acme plc", "acme"), ("AG Nord Bau GmbH", "ag nord bau"), ("AG", "ag"),
    (None, None),
])
def test_company_legal_forms_are_stripped(raw: str | None, key: str | None) -> None:
    assert nz.company_key(raw) == key


@pytest.mark.parametrize(("raw", "region", "e164"), [
    ("+49 30 1234567", "DE", "+49301234567"), ("030 1234567", "DE", "+49301234567"),
    ("030/1234567", "DE", "+49301234567"), ("0049 30 1234567", "DE", "+49301234567"),
    ("+49 (0)30 123 4567", "DE", "+49301234567"), ("030-1234567", "DE", "+49301234567"),
    ("020 6538 4654", "GB", "+442065384654"), ("+44 (0)20 6538 4654", "GB", "+442065384654"),
    ("(312) 517-9533", "US", "+13125179533"), ("312.517.9533", "US", "+13125179533"),
    ("+1 (312) 517-9533", "DE", "+13125179533"), ("0151-24261986", "DE", "+4915124261986"),
])
def test_phones_to_e164_in_python_and_in_sql_alike(store: Store, raw: str, region: str, e164: str) -> None:
    assert phone_e164(raw, region) == e164
    with store.db.read() as tx:
        assert tx.scalar(f"SELECT {phone_sql('d', 'r')} FROM (SELECT ?::VARCHAR AS d, ?::VARCHAR AS r)",
                         [raw, region]) == e164


@pytest.mark.parametrize("raw", ["call the office", "", "1", None])
def test_unreadable_phones_have_no_key(raw: str | None) -> None:
    assert phone_e164(raw, "DE") is None


@pytest.mark.parametrize(("raw", "key"), [
    (" Lore.Hamann@Example.COM ", "lore.hamann@example.com"), ("no-at-sign", None), ("@x.de", None),
    (None, None),
])
def test_emails_lower_cased(raw: str | None, key: str | None) -> None:
    assert nz.email_key(raw) == key


@pytest.mark.parametrize(("raw", "domain"), [
    ("https://www.sternhof.de/about", "sternhof.de"), ("www.Sternhof.de", "sternhof.de"),
    ("http://sternhof.de/", "sternhof.de"), ("sternhof.de", "sternhof.de"), ("localhost", None), (None, None),
])
def test_websites_reduced_to_domain(raw: str | None, domain: str | None) -> None:
    assert nz.website_domain(raw) == domain


@pytest.mark.parametrize(("a", "b"), [
    ("Hauptstr. 5", "Hauptstraße 5"), ("Hauptstr 5", "Hauptstrasse 5"),
    ("148 a High St.", "148a High Street"),
    ("12 Oak Rd", "12 Oak Road"), ("5 Elm Ave.", "5 Elm Avenue"), ("1 Sunset Blvd", "1 Sunset Boulevard"),
])
def test_street_abbreviations_expanded(a: str, b: str) -> None:
    assert nz.street_key(a) == nz.street_key(b)


@pytest.mark.parametrize(("raw", "region"), [
    ("Germany", "DE"), ("Deutschland", "DE"), ("United Kingdom", "GB"), ("USA", "US"), ("Österreich", "AT"),
    ("Atlantis", None),
])
def test_country_regions(raw: str, region: str | None) -> None:
    assert nz.region_of(raw) == region
