"""The words the write-back check looks staged contacts up by: persons' names, companies' rarer words."""

from __future__ import annotations

import pandas as pd

from crmdata import Store
from crmdata.dedupe.name_words import (
    company_lookup,
    company_parts,
    company_words,
    literal_name_parts,
    place_words,
    postings_sql,
)
from crmdata.edit import ExactKeyChecker

from ..builders import company, person


def test_literal_name_parts_write_each_staged_contacts_words() -> None:
    lasts = pd.DataFrame({"sid": [-1, -1, -2], "token": ["meyer", "meier", "acme"]})
    firsts = pd.DataFrame({"sid": [-1, -1, -2], "token": ["klaus", "claus", "*"]})
    parts, params = literal_name_parts(lasts, firsts)
    assert len(parts) == 4  # two staged contacts, each in the main and the recent index rows
    company, company_recent, person, person_recent = parts  # sids in order: -2, then -1
    assert company.startswith("SELECT -2 AS sid") and "JOIN" not in company and "NOT IN" in company
    assert "JOIN" not in company_recent and "NOT IN" not in company_recent
    assert person.startswith("SELECT -1 AS sid") and "t2.token IN (?, ?)" in person
    assert params == ["acme", "acme", "claus", "klaus", "meier", "meyer", "claus", "klaus", "meier", "meyer"]


def test_a_company_is_looked_up_by_its_rarest_words_within_the_bound() -> None:
    words = pd.DataFrame({
        "sid": [-1, -1, -2, -2, -2, -2, -3, -3, -3, -4, -4],
        "word": ["vogel", "ziegler", "breisgau", "flussstein", "freiburg", "im", "bau", "muller", "muller",
                 "fish", "nordsee"],
        "token": ["vogel", "ziegler", "breisgau", "flussstein", "freiburg", "im", "bau", "muller", "mueller",
                  "fish", "nordsee"],
        "n_words": [2, 2, 4, 4, 4, 4, 2, 2, 2, 2, 2],
    })
    held = {"vogel": 250, "ziegler": 300, "breisgau": 900, "flussstein": 105, "freiburg": 900, "im": 150,
            "bau": 5, "muller": 120, "nordsee": 300}
    got = company_lookup(words, held, limit=200)
    rows = sorted(zip(got["sid"], got["token"], got["rare"], strict=True))
    assert rows == [
        (-4, "fish", False), (-4, "nordsee", False),  # a word no stored name holds (a typo) is not rare
        (-3, "bau", True), (-3, "mueller", True), (-3, "muller", True),  # 5, then 5 + 120
        (-2, "flussstein", True),  # then "im" would make 255: past the bound
        (-1, "vogel", False), (-1, "ziegler", False),  # no rare word: every word, all but one shared
    ]


def test_a_word_is_counted_once_per_company_whatever_its_spellings(store: Store) -> None:
    for name in ("Sternbrück Metallbau GmbH", "Sternbrück GmbH", "Müller Bau KG"):
        company(store, name, checker=ExactKeyChecker())
    person(store, "Anna", "Sternbrück", checker=ExactKeyChecker())
    frame = pd.DataFrame({"id": [-1], "kind": ["C"], "comp_key": ["sternbruck lubeck"]})
    words = company_words(frame)
    assert {"sternbruck", "sternbrueck"} <= set(words["token"])  # the index holds both forms
    with store.db.read() as tx:
        held = dict(tx.rows(*postings_sql(words)))
    assert held == {"sternbruck": 2}  # two companies, each under both spellings; the person is none


def test_company_words_spell_each_word_of_the_name_without_its_legal_form() -> None:
    frame = pd.DataFrame({"id": [-1, -2], "kind": ["C", "P"], "comp_key": ["muller bau", None]})
    got = company_words(frame)
    spelt = {w: set(got.loc[got["word"] == w, "token"]) for w in got["word"]}
    assert set(spelt) == {"bau", "muller"} and set(got["n_words"]) == {2} and set(got["sid"]) == {-1}
    assert {"muller", "mueller"} <= spelt["muller"] and "bau" in spelt["bau"]


def test_company_parts_find_companies_only() -> None:
    lookup = pd.DataFrame({"sid": [-1, -1], "token": ["vogel", "ziegler"], "word": ["vogel", "ziegler"],
                           "rare": [False, False], "n_words": [2, 2]})
    parts, params = company_parts(lookup)
    assert len(parts) == 2  # the main and the recent index rows
    assert all("JOIN contacts c ON c.id = t1.contact_id AND c.is_company" in p for p in parts)
    assert all("HAVING bool_or(w.rare)" in p for p in parts)
    one = [-1, "vogel", "vogel", False, 2, -1, "ziegler", "ziegler", False, 2, "vogel", "ziegler"]
    assert params == one + one
    joined, none = company_parts("_dn_companies")
    assert none == [] and "JOIN _dn_companies w" in joined[0] and "t1.token IN" not in joined[0]
    assert company_parts(lookup.iloc[:0]) == ([], [])


def test_a_staged_persons_place_words_are_its_street_postcode_city_and_employer() -> None:
    words = place_words({7: ("Königstraße 12a", "70173", "Stuttgart", "Müller Bau GmbH"),
                         8: (None, None, None, None)})
    assert sorted(words["token"][words["sid"] == 7]) == sorted(
        ["konigstrasse", "koenigstrasse", "70173", "stuttgart", "muller", "mueller", "bau", "baeu", "baue"])
    assert not (words["sid"] == 8).any()


def test_no_staged_company_gives_an_empty_look_up_of_the_same_columns() -> None:
    words = company_words(pd.DataFrame({"id": [1], "kind": ["P"], "comp_key": ["acme"]}))
    found = company_lookup(words, {})
    assert words.empty and found.empty and list(found.columns) == ["sid", "token", "word", "rare", "n_words"]
    assert [str(t) for t in found.dtypes] == ["int64", "object", "object", "bool", "int64"]
