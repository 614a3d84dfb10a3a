"""The search language as tantivy queries: which words are sought backwards in the reversed
words, the regular expressions, and (over a small index of hand-made documents) that such a
word is looked up in the reversed field only, weighted and scored as in the field itself."""

from __future__ import annotations

import json

import pytest
import tantivy

from crmdata.search import fulltext_query
from crmdata.search.documents import LOOSE_SCORE, SCHEMA, WEIGHTS
from crmdata.search.fulltext import View
from crmdata.search.parse import Atom, parse


def _atom(query: str) -> Atom:
    (term,) = parse(query).terms
    (atom,) = term.atoms
    return atom


@pytest.mark.parametrize(("query", "backwards", "regex"), [
    ("*mann", True, "(nnam.*)"),
    ("?eier", True, "(reie.)"),
    ("*ma?n", True, "(n.am.*)"),
    ("??er", True, "(re..)"),
    ("*mül?er", True, "(re.lum.*|re.leum.*)"),  # each form reversed
    ("*straße", True, "(essarts.*)"),
    ("*0815", True, "(5180.*)"),
    ("*ma*", False, "(.*ma.*)"),  # a wildcard at both ends: as before
    ("?ma?", False, "(.ma.)"),
    ("ma*", False, "(ma.*)"),  # a prefix
    ("m*nn", False, "(m.*nn)"),  # an inner wildcard
    ("sm?th", False, "(sm.th)"),
    ("hamann", False, "(hamann.*)"),
])
def test_which_words_are_sought_backwards(query: str, backwards: bool, regex: str) -> None:
    atom = _atom(query)
    assert fulltext_query.sought_backwards(atom) is backwards
    assert fulltext_query._regex(atom, backwards) == regex


def test_fuzzy_words_and_phrases_are_not_sought_backwards() -> None:
    assert not fulltext_query.sought_backwards(_atom("hamann~"))
    assert not fulltext_query.sought_backwards(_atom("hamann~0"))
    assert [fulltext_query.sought_backwards(a) for a in parse("*mann.de").terms[0].atoms] == [True, False]


def test_a_reversed_pattern_escapes_what_a_regex_would_read() -> None:
    atom = Atom("pattern", ("*a.b+c(d",))
    assert fulltext_query.sought_backwards(atom)
    assert fulltext_query._regex(atom, backwards=True) == r"(d\(c\+b\.a.*)"
    assert fulltext_query._regex(atom) == r"(.*a\.b\+c\(d)"


@pytest.fixture(scope="module")
def small() -> View:
    """An index of hand-made documents whose reversed words differ from their words on
    purpose, so a hit tells which of the two fields was read."""
    index = tantivy.Index(SCHEMA)
    writer = index.writer(15_000_000, 1)
    for doc in (
        {"id": 1, "name": ["lore hamann"], "name_rev": ["erol nnamah"]},  # both agree
        {"id": 2, "notes": ["hamann"]},  # words without reversed words
        {"id": 3, "notes_rev": ["nnamffoh"]},  # reversed words only
        {"id": 4, "company": ["neumann"], "company_rev": ["nnamuen"], "notes": ["hamann"]},
        {"id": 5, "info": ["meier"], "info_rev": ["reiem"]},
    ):
        writer.add_json(json.dumps(doc))
    writer.commit()
    index.reload()
    return View(index.searcher())


def _found(view: View, query: str) -> dict[int, float]:
    found = fulltext_query.hits(view, fulltext_query.build_query(parse(query)))
    return {int(i): round(s, 6) for s, i in found}


def test_a_word_sought_backwards_reads_the_reversed_words_with_the_fields_weight(small: View) -> None:
    loose = {name: round(LOOSE_SCORE * w, 6) for name, w in WEIGHTS.items()}
    assert _found(small, "*mann") == {1: loose["name"], 3: loose["notes"], 4: loose["company"]}
    assert _found(small, "?eier") == {5: loose["info"]}
    assert _found(small, "*ma?n") == {1: loose["name"], 3: loose["notes"], 4: loose["company"]}
    # patterns not sought backwards read the words themselves
    assert _found(small, "*man*") == {1: loose["name"], 2: loose["notes"],
                                      4: round(loose["company"] + loose["notes"], 6)}  # fields add up
    assert _found(small, "h*ann") == {1: loose["name"], 2: loose["notes"], 4: loose["notes"]}


def test_a_words_beginning_finds_exactly_the_words_that_begin_so() -> None:
    """The prefix automaton, over words that sit next to each other in the term dictionary's
    byte order (``hamann`` / ``hamano``, a word ending in the last ASCII letter, umlauts), finds
    what the regular expression it replaced finds, exact matches scoring above loose ones."""
    words = ["hamann", "hamanns", "hamano", "haman", "hamannz", "hamann\u00e9", "müller", "mülheim",
             "mueller", "mul", "zz", "zza", "z\u00fc", "\u00e9t\u00e9"]
    index = tantivy.Index(SCHEMA)
    writer = index.writer(15_000_000, 1)
    for n, word in enumerate(words, start=1):
        writer.add_json(json.dumps({"id": n, "name": [word]}))
    writer.commit()
    index.reload()
    view = View(index.searcher())
    for query in ("hamann", "haman", "müll", "mül", "zz", "z", "\u00e9t", "mu"):
        atom = _atom(query)
        assert atom.kind == "prefix"
        expected = {n for n, w in enumerate(words, start=1) if any(w.startswith(f) for f in atom.forms)}
        regex = tantivy.Query.regex_query(SCHEMA, "name", fulltext_query._regex(atom))
        by_regex = {int(i) for _s, i in fulltext_query.hits(view, regex)}
        found = _found(view, query)
        assert set(found) == expected == by_regex, query
        exact = {n for n, w in enumerate(words, start=1) if w in atom.forms}
        loose = round(LOOSE_SCORE * WEIGHTS["name"], 6)
        assert all(found[n] > loose for n in exact) and all(found[n] == loose for n in expected - exact)


@pytest.mark.parametrize("few", [0, 2, 1_000])
def test_one_of_finds_what_a_term_set_finds_scoring_one(few: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Values looked up one by one (up to ``FEW_TERMS``) or as a term set find the same
    documents, each scoring 1; no values find none."""
    monkeypatch.setattr(fulltext_query, "FEW_TERMS", few)
    index = tantivy.Index(SCHEMA)
    writer = index.writer(15_000_000, 1)
    for n in range(1, 41):
        writer.add_json(json.dumps({"id": n, "employer": 1000 + n % 7}))
    writer.commit()
    index.reload()
    view = View(index.searcher())
    for values in ([1003], [1001, 1005, 1005, 1006], [999, 1002], list(range(990, 1010)), [5, 6]):
        found = fulltext_query.hits(view, fulltext_query.one_of("employer", values), limit=100)
        expected = {n for n in range(1, 41) if 1000 + n % 7 in values}
        assert {int(i) for _s, i in found} == expected, values
        assert {s for s, _i in found} <= {1.0}
    assert fulltext_query.hits(view, fulltext_query.one_of("id", [])) == []
