"""Folding agrees between Python (query side) and DuckDB SQL (index side)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmdata import Store
from crmdata.search.normalise import (
    fold,
    fold_column_sql,
    fold_sql,
    forms,
    reversed_sql,
    reversed_text,
    signature,
    signature_sql,
    words,
    words_sql,
)

LITERAL = [
    ("Müller", "muller", "mueller"),
    ("MÜLLER-Lüdenscheidt", "muller-ludenscheidt", "mueller-luedenscheidt"),
    ("Straße", "strasse", "strasse"),
    ("Øre Łódź ÆSIR œuvre", "ore lodz aesir oeuvre", "ore lodz aesir oeuvre"),
    ("José Zoë naïve", "jose zoe naive", "jose zoe naive"),
    ("ΟΔΟΣ", "οδοσ", "οδοσ"),
    ("Ёлка", "елка", "елка"),
    ("u\u0308ber", "uber", "ueber"),
    ("50% a_b it's", "50% a_b it's", "50% a_b it's"),
    ("Lore.Hamann@GMAIL.com\t\"X\" ~{}", "lore.hamann@gmail.com\t\"x\" ~{}",
     "lore.hamann@gmail.com\t\"x\" ~{}"),
]


@pytest.mark.parametrize(("text", "a", "b"), LITERAL)
def test_fold_literal(text: str, a: str, b: str) -> None:
    assert fold(text) == a
    assert fold(text, umlauts=True) == b


def test_forms_and_words() -> None:
    assert forms("Müller") == ("muller", "mueller")
    assert forms("Smith") == ("smith",)
    assert words(fold("lore.hamann@gmail.com, O'Brien_x 50%")) == [
        "lore", "hamann", "gmail", "com", "o", "brien", "x", "50"]


@pytest.fixture(scope="module")
def sql_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(tmp_path_factory.mktemp("norm") / "n.duckdb", keep_open=True)


def _sql(store: Store, expr: str, value: str) -> object:
    with store.db.read() as tx:
        return tx.scalar(f"SELECT {expr}", [value])


def _column(store: Store, expr: str, value: str) -> object:
    with store.db.read() as tx:
        return tx.scalar(f"SELECT {expr} FROM (SELECT ?::VARCHAR AS t)", [value])


@pytest.mark.parametrize(("text", "a", "b"), LITERAL)
def test_sql_literal(sql_store: Store, text: str, a: str, b: str) -> None:
    assert _sql(sql_store, fold_sql("?"), text) == a
    assert _sql(sql_store, fold_sql("?", umlauts=True), text) == b
    assert _column(sql_store, fold_column_sql("t"), text) == a
    assert _column(sql_store, fold_column_sql("t", umlauts=True), text) == b


#: Words the index can hold (folded), spelled backwards; the last five are one grapheme cluster
#: in two code points, which DuckDB's reverse() keeps together and Python's slice does not.
REVERSED = [
    ("mueller muller", "rellum relleum"),
    ("strasse 5 lore hamann gmail com", "moc liamg nnamah erol 5 essarts"),
    ("0049 a1b2", "2b1a 9400"),
    ("σισυφοσ ǆ елка", "акле ǆ σοφυσισ"),
    ("漢字 ab", "ba 字漢"),
    ("กำ", "ำก"),
    ("ｶﾞ", "ﾞｶ"),
    ("\u1113\u1161", "\u1161\u1113"),
    ("\u0d4ea", "a\u0d4e"),
    ("x\U0001d7d8", "\U0001d7d8x"),
]


@pytest.mark.parametrize(("text", "expected"), REVERSED)
def test_reversed_literal(sql_store: Store, text: str, expected: str) -> None:
    assert words(fold(text)) == text.split(" ")  # a text of words the index holds
    assert reversed_text(text) == expected
    with sql_store.db.read() as tx:
        assert tx.scalar(f"SELECT {reversed_sql('t')} FROM (SELECT ?::VARCHAR AS t)", [text]) == expected


def test_duckdb_reverse_keeps_clusters(sql_store: Store) -> None:
    """Why reversed_sql does not simply call reverse(): it differs on words of REVERSED."""
    with sql_store.db.read() as tx:
        differ = [t for t, e in REVERSED if tx.scalar("SELECT reverse(?)", [t]) != e]
    assert differ == [t for t, _e in REVERSED[5:9]]


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Co", "Cn")), max_size=30
) | st.text(alphabet=st.characters(max_codepoint=127), max_size=30) | st.text(
    alphabet="aäoöuüßÄÖÜẞ éÉ'%_-.@ΣσςøØłŁæÆıİ\u0308\u0301", max_size=20)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_python_and_sql_agree(sql_store: Store, text: str) -> None:
    text = text.replace("\x00", "")
    for umlauts in (False, True):
        folded = fold(text, umlauts)
        assert _sql(sql_store, fold_sql("?", umlauts), text) == folded
        assert _column(sql_store, fold_column_sql("t", umlauts), text) == folded
        assert _sql(sql_store, words_sql("?"), folded) == words(folded)
    for word in words(fold(text)):
        assert _sql(sql_store, signature_sql("?"), word) == signature(word)
    joined = " ".join(words(fold(text)))
    with sql_store.db.read() as tx:
        assert tx.scalar(f"SELECT {reversed_sql('t')} FROM (SELECT ?::VARCHAR AS t)", [joined]) == \
            reversed_text(joined)
