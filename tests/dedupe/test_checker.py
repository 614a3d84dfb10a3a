"""The write-back check finds fuzzy duplicates of new contacts, within the user's view."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from crmdata import Store
from crmdata.cli import cli
from crmdata.dedupe.checker import FuzzyChecker, literal_key_parts
from crmdata.edit import DuplicatesFound, ExactKeyChecker
from crmdata.model import ShareType
from crmdata.search.index import FOLD_STATEMENTS

from ..builders import company, person


def _person(store: Store, first: str, last: str, *, share: ShareType | None = None,
            managers: list[str] | None = None, email: str | None = None, phone: str | None = None) -> int:
    return person(store, first, last, email=email, phone=phone, share_type=share, managers=managers,
                  checker=ExactKeyChecker())


def test_a_transliterated_nickname_with_a_new_email_is_caught(store: Store) -> None:
    existing = _person(store, "Robert", "Müller", email="r.mueller@example.com", phone="030 1234567")
    _person(store, "Petra", "Müller", email="petra@example.com")  # same family name, another person
    cs = store.change(region="DE")
    ref = cs.create_person("Bob", "Mueller")
    cs.add_info(ref, "email", "bob@private.example")
    cs.add_info(ref, "phone", "+49 30 123 4567")
    with pytest.raises(DuplicatesFound) as err:
        cs.commit()
    ids = [c.existing_id for c in err.value.candidates]
    assert ids == [existing]


def test_a_match_by_name_and_address_alone_names_the_stored_contact(store: Store) -> None:
    address = {"street": "Hauptstraße 5", "zip": "10115", "city": "Berlin", "country": "Germany"}
    ids = []
    for first, last, email in (("Robert", "Müller", "r.mueller@example.com"),
                               ("Petra", "Schmidt", "petra@example.com")):  # one address, two people
        cs = store.change(checker=ExactKeyChecker(), region="DE")
        ref = cs.create_person(first, last)
        cs.add_info(ref, "email", email)
        cs.add_info(ref, "address", **address)
        ids.append(cs.commit(on_duplicate="save").created[ref])
    existing = ids[0]
    cs = store.change(region="DE")
    ref = cs.create_person("Robert", "Mueller")
    cs.add_info(ref, "email", "bob@private.example")
    cs.add_info(ref, "address", **address)
    with pytest.raises(DuplicatesFound) as err:
        cs.commit()
    [found] = err.value.candidates
    assert (found.existing_id, found.existing_name) == (existing, "Robert Müller")
    assert not any(r.startswith(("same email", "same phone")) for r in found.reasons)  # fuzzy, not exact


def test_name_alone_is_not_enough_and_restricted_contacts_stay_hidden(store: Store) -> None:
    store.add_user("mia")
    store.add_user("olaf")
    _person(store, "Anna", "Schmidt", email="anna@a.example")
    _person(store, "Lena", "Weiß", email="lena@b.example", phone="030 7654321", share=ShareType.NONE,
            managers=["mia"])
    cs = store.as_user("olaf").change(region="DE")
    ref = cs.create_person("Anna", "Schmidt")
    cs.add_info(ref, "email", "anna@c.example")
    ref2 = cs.create_person("Lena", "Weiss")
    cs.add_info(ref2, "phone", "030 7654321")
    assert cs.preview().duplicates == []
    cs_mia = store.as_user("mia").change(region="DE")
    ref3 = cs_mia.create_person("Lena", "Weiss")
    cs_mia.add_info(ref3, "phone", "030 7654321")
    assert len(cs_mia.preview().duplicates) == 1


def test_a_not_duplicate_decision_silences_the_check(store: Store) -> None:
    a = _person(store, "Robert", "Müller", email="r@example.com", phone="030 1234567")
    b = _person(store, "Bob", "Mueller", email="b@example.com", phone="030 1234567")
    cs = store.change(region="DE")
    cs.update(b, title="Chef")
    cs.add_info(b, "email", "bob2@example.com")
    assert [c.existing_id for c in cs.preview().duplicates] == [a]
    store.decide(a, b, "not_duplicate")
    fresh = store.change(region="DE")
    fresh.add_info(b, "email", "bob3@example.com")
    assert fresh.preview().duplicates == []


def test_cli_report_as_json(store: Store, store_path: object) -> None:
    a = _person(store, "Robert", "Müller", email="r@example.com", phone="030 1234567")
    b = _person(store, "Bob", "Mueller", email="R@Example.com")
    store.close()
    result = CliRunner().invoke(cli, ["--db", str(store_path), "duplicates", "--format", "json",
                                      "--no-progress"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f'"contact_id_1":{a},"contact_id_2":{b}' in result.output.replace(" ", "")
    result = CliRunner().invoke(cli, ["--db", str(store_path), "duplicates", "decide", str(b), str(a),
                                      "not_duplicate"], catch_exceptions=False)
    assert result.exit_code == 0 and "not duplicate" in result.output


def test_rows_an_older_version_left_without_keys_are_candidates(store: Store) -> None:
    from crmdata.dedupe.checker import FuzzyChecker
    from crmdata.schema import KEYS_LEGACY

    existing = _person(store, "Robert", "Müller", phone="030 1234567")
    with store.db.transaction() as tx:  # keys taken away, as a version before schema 8 left them
        tx.execute("UPDATE contact_info SET e164 = NULL, email_key = NULL")
        tx.set_meta(KEYS_LEGACY, str(tx.scalar("SELECT max(id) FROM contact_info")))
    cs = store.change(region="DE", checker=FuzzyChecker(threshold=0.0))  # every candidate shows
    ref = cs.create_person("Robert", "Miller")  # not found by the name: only by the phone's digits
    cs.add_info(ref, "phone", "+49 30 123 4567")
    (cand,) = cs.preview().duplicates
    assert cand.existing_id == existing and cand.reasons[0].startswith("shared phone")


def test_words_written_in_or_joined_find_the_same_candidates(store: Store) -> None:
    """Up to ``literal_lookups`` staged contacts are looked up with their words written into
    the statement, more with the words' tables joined: both find the same stored contacts."""
    address = {"street": "Ringstraße 3", "zip": "50667", "city": "Köln", "country": "Germany"}
    stored = {}
    for first, last in (("Klaus", "Meyer"), ("Claus", "Meier"), ("Klaus", "Schmidt")):
        cs = store.change(checker=ExactKeyChecker(), region="DE")
        ref = cs.create_person(first, last)
        cs.add_info(ref, "address", **address)  # a name and an address: a pair worth scoring
        stored[last] = cs.commit(on_duplicate="save").created[ref]
    stored["Mayer"] = _person(store, "Nikolaus", "Mayer", email="n.mayer@example.com")
    cs = store.change(region="DE")
    refs = [cs.create_person(first, last) for first, last in
            (("Klaus", "Meyer"), ("Klaus", "Maier"), ("Petra", "Meyer"))]
    for ref in refs[:2]:
        cs.add_info(ref, "address", **address)
    cs.add_info(refs[2], "email", "n.mayer@example.com")  # found by the email alone

    def found(literal_lookups: int) -> set[tuple[str, int]]:
        cs.checker = FuzzyChecker(threshold=0.0, literal_lookups=literal_lookups)
        return {(c.contact, c.existing_id) for c in cs.preview().duplicates}

    written, joined = found(8), found(0)
    assert written == joined
    # Meyer by the name and the address, Mayer by the email; Meier and Schmidt are other names
    assert {eid for _c, eid in written} == {stored["Meyer"], stored["Mayer"]}


def test_the_staged_keys_are_written_into_the_look_up() -> None:
    emails = pd.DataFrame({"id": [7, 7, 9], "k": ["a@x.de", "b@x.de", "c@y.de"]})
    phones = pd.DataFrame({"id": [9], "k": ["+4930123456"]})
    parts, params = literal_key_parts(emails, phones)
    assert parts == [
        "SELECT 7 AS sid, contact_id FROM contact_info WHERE email_key = ?",
        "SELECT 7 AS sid, contact_id FROM contact_info WHERE email_key = ?",
        "SELECT 9 AS sid, contact_id FROM contact_info WHERE email_key = ?",
        "SELECT 9 AS sid, contact_id FROM contact_info WHERE e164 = ?",
    ]
    assert params == ["a@x.de", "b@x.de", "c@y.de", "+4930123456"]
    none, no_params = literal_key_parts(emails.iloc[:0], phones.iloc[:0])
    assert len(none) == 1 and "WHERE false" in none[0] and no_params == []


def test_companies_sharing_common_words_are_looked_up_by_all_of_them(store: Store) -> None:
    ids = {name: company(store, name, checker=ExactKeyChecker()) for name in (
        "Ziegler Vogel GmbH", "Ziegler & Vogel Handel KG", "Ziegler Bau AG", "Vogel Logistik KG")}
    namesake = _person(store, "Anna", "Ziegler")

    def found(rare_word: int, literal_lookups: int = 8) -> set[int]:
        checker = FuzzyChecker(threshold=0.0, rare_word=rare_word, literal_lookups=literal_lookups)
        cs = store.change(checker=checker)
        cs.create_company("Ziegler Vogel AG")
        return {c.existing_id for c in cs.preview().duplicates}

    # every word held by more names than the bound: both words must be there
    assert found(1) == {ids["Ziegler Vogel GmbH"], ids["Ziegler & Vogel Handel KG"]}
    # both words rare: either finds a company; a person is never a company's candidate
    assert found(200) == set(ids.values()) and namesake not in found(200)
    # the look-up joined as a table (many staged contacts) finds the same
    assert found(1, literal_lookups=0) == found(1) and found(200, literal_lookups=0) == found(200)


def test_a_company_name_with_one_word_misspelt_is_still_found(store: Store) -> None:
    stored = company(store, "Nordsee Fisch Handel GmbH", checker=ExactKeyChecker())
    company(store, "Nordsee Reisen GmbH", checker=ExactKeyChecker())
    cs = store.change(checker=FuzzyChecker(threshold=0.0, rare_word=0))  # no word rare
    cs.create_company("Nordsee Fish Handel")
    assert {c.existing_id for c in cs.preview().duplicates} == {stored}


@pytest.mark.parametrize("folded", [False, True], ids=["recent index rows", "main index rows"])
def test_past_the_block_bound_only_namesakes_sharing_a_place_an_employer_or_a_key_are_compared(
        store: Store, folded: bool) -> None:
    """A name held by more stored persons than ``max_block`` is not worth every pair (as in a
    batch run's blocks): the check then compares the namesakes that share a word of the staged
    person's street, postcode, city or employer, or an email or phone, and no other. Edited
    contacts' words are in the search index's recent rows until they are folded into its main
    rows; either way."""
    def stored(address: dict[str, str] | None, email: str | None = None, employer: str | None = None) -> int:
        cs = store.change(checker=ExactKeyChecker(), region="DE")
        ref = cs.create_person("Klaus", "Meyer", company_name=employer)
        if address:
            cs.add_info(ref, "address", **address)
        if email:
            cs.add_info(ref, "email", email)
        return cs.commit(on_duplicate="save").created[ref]

    same_street = stored({"street": "Ringstraße 3", "zip": "80331", "city": "München"})
    same_city = stored({"street": "Domplatz 1", "zip": "50668", "city": "Köln"})
    elsewhere = stored({"street": "Hauptstraße 3", "zip": "10115", "city": "Berlin"})
    same_email = stored({"street": "Marienplatz 8", "zip": "80331", "city": "München"}, "k.meyer@x.de")
    same_employer = stored(None, employer="Ringo Logistik GmbH")
    if folded:
        with store.db.transaction() as tx:
            assert tx.scalar("SELECT count(*) FROM search_recent") > 0
            for statement in FOLD_STATEMENTS:
                tx.execute(statement)
    cs = store.change(region="DE")
    ref = cs.create_person("Klaus", "Meyer", company_name="Ringo Logistik AG")
    cs.add_info(ref, "address", street="Ringstrasse 7", zip="50667", city="Köln", country="Germany")
    cs.add_info(ref, "email", "k.meyer@x.de")

    def compared(max_block: int, literal_lookups: int = 8) -> set[int]:
        cs.checker = FuzzyChecker(threshold=0.0, max_block=max_block, literal_lookups=literal_lookups)
        return {c.existing_id for c in cs.preview().duplicates}

    everyone = {same_street, same_city, elsewhere, same_email, same_employer}
    assert compared(5) == compared(5, literal_lookups=0) == everyone  # five namesakes: all
    near = everyone - {elsewhere}
    assert compared(4) == compared(4, literal_lookups=0) == near
    assert compared(0) == near
