"""Folding agrees between Python (query side) and DuckDB SQL (index side)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmdata import Store
from crmdata.search.normalise import fold, fold_sql, forms, signature, signature_sql, words, words_sql

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


@pytest.mark.parametrize(("text", "a", "b"), LITERAL)
def test_sql_literal(sql_store: Store, text: str, a: str, b: str) -> None:
    assert _sql(sql_store, fold_sql("?"), text) == a
    assert _sql(sql_store, fold_sql("?", umlauts=True), text) == b


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Co", "Cn")), max_size=30
) | st.text(alphabet="aäoöuüßÄÖÜẞ éÉ'%_-.@ΣσςøØłŁæÆıİ\u0308\u0301", max_size=20)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_python_and_sql_agree(sql_store: Store, text: str) -> None:
    text = text.replace("\x00", "")
    for umlauts in (False, True):
        folded = fold(text, umlauts)
        assert _sql(sql_store, fold_sql("?", umlauts), text) == folded
        assert _sql(sql_store, words_sql("?"), folded) == words(folded)
    for word in words(fold(text)):
        assert _sql(sql_store, signature_sql("?"), word) == signature(word)
