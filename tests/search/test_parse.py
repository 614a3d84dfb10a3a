"""The query language, pure: literal queries and the syntax tree or error they give."""

from __future__ import annotations

import pytest

from crmdata.search.parse import MAX_QUERY_LENGTH, Atom, SearchSyntaxError, default_distance, parse


def atoms(text: str) -> list[list[tuple[str, tuple[str, ...], int]]]:
    return [[(a.kind, a.forms, a.distance) for a in t.atoms] for t in parse(text).terms]


@pytest.mark.parametrize(("text", "expected"), [
    ("smi", [[("prefix", ("smi",), 0)]]),
    ("Sm?th", [[("pattern", ("sm?th",), 0)]]),
    ("O*", [[("pattern", ("o*",), 0)]]),
    ("*son", [[("pattern", ("*son",), 0)]]),
    ("müller", [[("prefix", ("muller", "mueller"), 0)]]),
    ("MÜLLER~", [[("fuzzy", ("muller", "mueller"), 2)]]),
    ("ab~", [[("fuzzy", ("ab",), 1)]]),
    ("abcd~", [[("fuzzy", ("abcd",), 1)]]),
    ("abcde~", [[("fuzzy", ("abcde",), 2)]]),
    ("abcde~1", [[("fuzzy", ("abcde",), 1)]]),
    ("abcde~0", [[("fuzzy", ("abcde",), 0)]]),
    ('"Lore  Hamann"', [[("exact", ("lore",), 0), ("exact", ("hamann",), 0)]]),
    ('"what? *now*"', [[("exact", ("what",), 0), ("exact", ("now",), 0)]]),
    ("lore.hamann@gm", [[("exact", ("lore",), 0), ("exact", ("hamann",), 0), ("prefix", ("gm",), 0)]]),
    ("50%", [[("prefix", ("50",), 0)]]),
    ("a_b", [[("exact", ("a",), 0), ("prefix", ("b",), 0)]]),
    ("o'br*", [[("exact", ("o",), 0), ("pattern", ("br*",), 0)]]),
    ("straße", [[("prefix", ("strasse",), 0)]]),
    ("a b", [[("prefix", ("a",), 0)], [("prefix", ("b",), 0)]]),
    ('x"y z"', [[("prefix", ("x",), 0)], [("exact", ("y",), 0), ("exact", ("z",), 0)]]),
    ("", []),
    ("   \t ", []),
])
def test_parse(text: str, expected: list[list[tuple[str, tuple[str, ...], int]]]) -> None:
    assert atoms(text) == expected


def test_positions_and_sources() -> None:
    q = parse('  smi "a b"  c~')
    assert [(t.position, t.source, t.phrase) for t in q.terms] == [
        (3, "smi", False), (7, '"a b"', True), (14, "c~", False)]


@pytest.mark.parametrize(("text", "position", "words"), [
    ('abc "def', 5, "never closed"),
    ("~", 1, "must follow a word"),
    ("ab ~", 4, "must follow a word"),
    ("a~b", 2, "end of a word"),
    ("ab~3", 4, "at most 2"),
    ("ab~x", 3, "end of a word"),
    ("*", 1, "only wildcards"),
    ("x ?*?", 3, "only wildcards"),
    ("*@gmail.com", 1, "only wildcards"),
    ("%", 1, "no letters or digits"),
    (" ; -", 2, "no letters or digits"),
    ('""', 1, "no letters"),
    ('" -- "', 1, "no letters"),
    ("sm?th~", 1, "both wildcards"),
    ("o'brien~", 1, "one word"),
    ('"a b"~', 6, "not to a phrase"),
    ("x" * (MAX_QUERY_LENGTH + 1), MAX_QUERY_LENGTH + 1, "at most"),
    (" ".join(["w"] * 33), 65, "more than 32"),
])
def test_errors_name_the_position(text: str, position: int, words: str) -> None:
    with pytest.raises(SearchSyntaxError) as info:
        parse(text)
    assert info.value.position == position
    assert words in info.value.message
    assert f"position {position}" in str(info.value)


def test_punctuation_between_words_only_separates_them() -> None:
    q = parse("Arnold & Horn")
    assert [t.source for t in q.terms] == ["Arnold", "Horn"]
    assert [t.atoms for t in q.terms] == [t.atoms for t in parse("Arnold Horn").terms]
    assert [t.source for t in parse("ok ;").terms] == ["ok"]


def test_longest_accepted_query() -> None:
    assert len(parse("a" * MAX_QUERY_LENGTH).terms) == 1


def test_default_distance() -> None:
    assert [default_distance("x" * n) for n in (1, 4, 5, 9)] == [1, 1, 2, 2]


def test_describe() -> None:
    assert parse('smi "a b" c?d e~1').describe() == (
        "a word starting with 'smi' and the phrase \"a b\" and a word like 'c?d' "
        "and a word within 1 edit(s) of 'e'")
    assert Atom("exact", ("x",)).text == "x"
