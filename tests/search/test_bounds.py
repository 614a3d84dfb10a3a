"""Issue 17 item 7: one search must not stall the store. Words are counted after punctuation
splits them, long terms are matched without a join per word, and a search over its time budget
stops with a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crmdata import Store
from crmdata.cli import cli
from crmdata.search.api import SearchTooSlow, search
from crmdata.search.parse import MAX_VOCABULARY_WORDS, MAX_WORDS, SearchSyntaxError, parse
from crmdata.search.sql import MAX_JOINED_ATOMS

from .data import add_contacts, field_texts, raw, reference_hits

#: The query of the finding: 180 words joined by hyphens took 69 s and kept every writer out.
HYPHENS_180 = "-".join(["x"] * 180)


def test_the_180_hyphenated_words_are_refused_at_once_with_the_position() -> None:
    with pytest.raises(SearchSyntaxError, match=f"more than {MAX_WORDS} words once punctuation") as err:
        parse(HYPHENS_180)
    assert err.value.position == 1
    with pytest.raises(SearchSyntaxError) as err:
        parse("lore hamann " + "-".join(["y"] * 31))
    assert err.value.position == 13  # the term that crosses the limit
    assert sum(len(t.atoms) for t in parse("-".join(["x"] * MAX_WORDS)).terms) == MAX_WORDS


def test_an_email_like_string_of_520_characters_is_refused() -> None:
    words = ["lore", "hamann", "gmail", "com", "berlin", "mitte"]
    text = ".".join(words[i % len(words)] for i in range(100))[:519] + "@"
    assert len(text) == 520
    with pytest.raises(SearchSyntaxError, match="once punctuation is read as a separator"):
        parse(text)


def test_vocabulary_words_are_bounded() -> None:
    parse(" ".join(f"w{i}ord~" for i in range(MAX_VOCABULARY_WORDS)))
    with pytest.raises(SearchSyntaxError, match="with ~ or a leading wildcard"):
        parse(" ".join(f"*w{i}" for i in range(MAX_VOCABULARY_WORDS + 1)))


def test_the_cli_says_what_is_wrong(tmp_path: Path) -> None:
    Store(tmp_path / "crm.duckdb").close()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "crm.duckdb"), "search", HYPHENS_180])
    assert result.exit_code != 0
    assert "Error:" in result.output and f"more than {MAX_WORDS} words" in result.output


LONG_NOTES = [
    {"first": "Ann", "last": "Order", "notes": "one two three four five six seven"},
    {"first": "Ben", "last": "Swapped", "notes": "one two three four five seven six"},
    {"first": "Cid", "last": "Split", "notes": "one two three", "title": "four five six"},
    {"first": "Dee", "last": "Twice", "notes": "zero one two one two three four five six"},
    {"first": "Eve", "last": "Umlaut", "notes": "Müller-Lüdenscheidt Straße acht neun zehn elf"},
]


@pytest.mark.parametrize("text", [
    "one-two-three-four-five-six", '"two three four five six"', "on*-two-three-four-five-s*",
    "one.two.three.four.five", "two-thr?e-four-five-six-sev*", "muller-ludenscheidt-strasse-acht-neun",
    "mueller-luedenscheidt-straße-acht-ne", "one two-three-four-five-six-seven",
])
def test_long_terms_match_the_reference(store: Store, text: str) -> None:
    ids = add_contacts(store, LONG_NOTES)
    query = parse(text)
    assert any(len(t.atoms) > MAX_JOINED_ATOMS for t in query.terms)  # the grouped form is used
    expected = reference_hits(field_texts(raw(store)), query)
    got = {int(i) for i in search(store.db, store.user, text, page_size=100).frame["id"]}
    assert got == expected
    assert expected  # a reference and a search that agree on nothing would prove nothing
    assert ids[1] not in got or "seven" not in text  # order matters: "seven six" is no match


def test_a_search_over_its_time_budget_stops_with_a_clear_error(store: Store) -> None:
    add_contacts(store, LONG_NOTES)
    with pytest.raises(SearchTooSlow, match="was stopped after") as err:
        search(store.db, store.user, "muller~", time_budget=1e-9)
    assert err.value.hint and "add filters" in err.value.hint
    assert search(store.db, store.user, "muller~").total == 1  # the store is as it was, the next search runs
