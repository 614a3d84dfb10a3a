"""Search over generated contacts, each operator checked against a Python reference answer."""

from __future__ import annotations

import pandas as pd
import pytest

from crmdata import Store
from crmdata.search.api import search
from crmdata.search.parse import SearchSyntaxError, parse

from .data import add_contacts, field_texts, reference_hits, visible, with_company_persons

QUERIES = [
    "smi", "sm?th", "Sm?th", "o*", "*son", "ma*er", "m?*er", "müller", "muller", "mueller",
    "strasse", "straße", "muller~", "smyth~1", "jonson~", "marc~", "lore hamann", '"Lore Hamann"',
    '"hamann lore"', "lore.hamann@gm", "hamann@gmail.com", "gmail", "o'brien", "obrien~",
    "jürgen", "jurgen", "juergen", "zoe", "orjan", "lukasiewicz", "50%", "a_b", "it's",
    "drop;table", r"C:\temp", "münchen", "munchen", "10005", "lead", "mid-market", "enterprise",
    "segment", "true", "19*", "büroleiterin", "head of", '"head of it"', "jo*son", "*mann",
    "sales manager smith", "oak tree", "orbit~", "zeta", "smith' OR '1'='1", "x%' OR 1=1 --x",
]


_TEXTS: dict[int, dict[int, list[str]]] = {}


def texts_of(tables: dict[str, pd.DataFrame]) -> dict[int, list[str]]:
    """field_texts, computed once per module store."""
    key = id(tables)
    if key not in _TEXTS:
        _TEXTS[key] = field_texts(tables)
    return _TEXTS[key]


def _ids(result_frame: pd.DataFrame) -> set[int]:
    return set(result_frame["id"].astype(int))


@pytest.mark.parametrize("text", QUERIES)
def test_operator_matches_reference(populated: Store, tables: dict[str, pd.DataFrame], text: str) -> None:
    query = parse(text)
    texts = texts_of(tables)
    seen = visible(tables, None)
    expected = with_company_persons(tables, reference_hits(texts, query), seen)
    result = search(populated.db, populated.user, text, page_size=10_000)
    assert _ids(result.frame) == expected
    assert result.total == len(expected)
    bare = search(populated.db, populated.user, text, page_size=10_000, include_company_persons=False)
    assert _ids(bare.frame) == reference_hits(texts, query)


def test_every_operator_finds_something(populated: Store) -> None:
    """Guard against a reference and a search that agree on nothing found."""
    for text in ["sm?th", "*son", "ma*er", "muller~", '"Lore Hamann"', "50%", "a_b", "münchen"]:
        assert search(populated.db, populated.user, text).total > 0, text


def test_help_article_examples(store: Store) -> None:
    ids = add_contacts(store, [
        {"first": "Anna", "last": "Smith"}, {"first": "Ben", "last": "Smyth"},
        {"first": "Cleo", "last": "Smithers"}, {"first": "Dora", "last": "Müller"},
        {"first": "Emil", "last": "Mueller"}, {"first": "Lore", "last": "Hamann",
                                               "email": "lore.hamann@gmail.com"},
        {"first": "Hamann", "last": "Lore"}, {"company": "Orbit Data"}, {"company": "Zeta"},
    ])
    smith, smyth, smithers, muller, mueller, lore, reversed_lore, orbit, zeta = ids

    def found(text: str) -> set[int]:
        return _ids(search(store.db, store.user, text, page_size=100).frame)

    assert found("Sm?th") == {smith, smyth}
    assert found("smi") == {smith, smithers}
    assert found("O*") == {orbit}
    assert found("muller") == {muller}  # Müller, not Mueller: u is not ue
    assert found("mueller") == {muller, mueller}
    assert found("müller") == {muller, mueller}
    assert found("mulle~1") == {muller}
    assert found("Müler~") == {muller, mueller}
    assert found("smith~1") == {smith, smyth}
    assert found("smithe~") == {smith, smyth, smithers}  # Smithers is 2 edits from smithe
    assert found("smth~0") == set()
    assert found("hamann") == {lore, reversed_lore}
    assert found('"Lore Hamann"') == {lore}
    assert found("lore.hamann@gmail.com") == {lore}
    assert found("zeta orbit") == set()


def test_sql_metacharacters_are_literal(populated: Store, tables: dict[str, pd.DataFrame]) -> None:
    everyone = search(populated.db, populated.user, "", page_size=10_000).total
    for text in ("50%", "a_b", "it's", "drop;table", r"C:\temp"):
        result = search(populated.db, populated.user, text, page_size=10_000)
        assert 0 < result.total < everyone, text
    # `_` is not a one-character wildcard and `%` not a wildcard at all
    db, user = populated.db, populated.user
    assert search(db, user, "a_b").total == search(db, user, '"a b"').total
    assert search(db, user, "hamann%").total == search(db, user, "hamann").total
    with populated.db.read() as tx:
        assert tx.scalar("SELECT count(*) FROM contacts") == len(tables["contacts"])


@pytest.mark.parametrize("login", ["anna", "ben"])
@pytest.mark.parametrize("text", ["", "smi", "o*", "muller~", "gmail", "oak"])
def test_access_rule(populated: Store, tables: dict[str, pd.DataFrame], login: str, text: str) -> None:
    user_store = populated.as_user(login)
    seen = visible(tables, login)
    query = parse(text)
    hits = set(tables["contacts"]["id"].astype(int)) if query.is_empty else reference_hits(
        texts_of(tables), query)
    expected = with_company_persons(tables, hits & seen, seen) & seen if text else seen
    result = search(user_store.db, user_store.user, text, page_size=10_000)
    assert _ids(result.frame) == expected
    assert result.total == len(expected)
    if text in ("", "o*"):  # the rule really hides something here
        assert len(expected) < len(with_company_persons(tables, hits, set(tables["contacts"]["id"])))
    pages = [search(user_store.db, user_store.user, text, page=p, page_size=40)
             for p in range(1, result.total // 40 + 3)]
    paged = [i for page in pages for i in page.frame["id"]]
    assert len(paged) == len(set(paged)) == result.total
    assert all(page.total == result.total for page in pages)


def test_invisible_company_pulls_in_nothing(store: Store) -> None:
    store.add_user("anna")
    hidden, person, shown, colleague = add_contacts(store, [
        {"company": "Zyx Hidden", "share": 0},
        {"first": "Pia", "last": "Person", "company_of": 1},
        {"company": "Zyx Shown"},
        {"first": "Carl", "last": "Colleague", "company_of": 3},
    ])
    found = search(store.db, store.user, "zyx", page_size=100).frame
    assert _ids(found) == {hidden, person, shown, colleague}
    as_anna = store.as_user("anna").user
    anna = search(store.db, as_anna, "zyx", page_size=100)
    assert _ids(anna.frame) == {shown, colleague} and anna.total == 2
    assert _ids(search(store.db, as_anna, "hidden", page_size=100).frame) == set()
    assert _ids(search(store.db, as_anna, "pia", page_size=100).frame) == {person}


SORTS = {
    "display_name": (lambda f: f["display_name"].str.lower(), False),
    "last_name": (lambda f: f["last_name"].str.lower(), False),
    "first_name": (lambda f: f["first_name"].str.lower(), False),
    "created": (lambda f: f["created_at"], True),
    "updated": (lambda f: f["updated_at"], True),
    "last_activity": (lambda f: f["last_activity"], True),
    "position": (lambda f: f["position"].str.lower(), False),
}


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("descending", [None, True, False])
def test_sorting(populated: Store, sort: str, descending: bool | None) -> None:
    frame = search(populated.db, populated.user, "", sort=sort, descending=descending, page_size=10_000).frame
    key, default_desc = SORTS[sort]
    desc = default_desc if descending is None else descending
    expected = frame.assign(_k=key(frame)).sort_values(
        ["_k", "id"], ascending=not desc, na_position="last", kind="mergesort")
    assert list(frame["id"]) == list(expected["id"])


def test_sort_by_temperature(populated: Store) -> None:
    frame = search(populated.db, populated.user, "", sort="temperature", page_size=10_000).frame
    order = {"Hot": 0, "Warm": 1, "Cold": 2}
    ranks = [order.get(t, 3) if isinstance(t, str) else 3 for t in frame["temperature"]]
    assert ranks == sorted(ranks)


def test_paging(populated: Store) -> None:
    whole = search(populated.db, populated.user, "o*", page_size=10_000)
    assert whole.total > 25
    first = search(populated.db, populated.user, "o*")
    assert len(first.frame) == 25 and first.page_size == 25
    assert first.pages == -(-whole.total // 25)
    rebuilt = pd.concat([search(populated.db, populated.user, "o*", page=p).frame
                         for p in range(1, first.pages + 1)])
    assert list(rebuilt["id"]) == list(whole.frame["id"])
    beyond = search(populated.db, populated.user, "o*", page=first.pages + 1)
    assert beyond.frame.empty and beyond.total == whole.total


def test_store_search_returns_a_frame(populated: Store) -> None:
    frame = populated.search("sm?th müller~", show="persons", page_size=50)
    assert isinstance(frame, pd.DataFrame)
    assert frame.attrs["total"] >= len(frame) > 0
    assert "persons" in frame.attrs["description"]
    assert set(frame["kind"]) == {"person"}


def test_sql_in_the_search_box_is_searched_as_words(populated: Store) -> None:
    before = populated.count()
    # the words DROP, TABLE, contacts
    result = search(populated.db, populated.user, "'; DROP TABLE contacts; --")
    assert result.total == 0 and populated.count() == before


@pytest.mark.parametrize("text", [
    '"abc', "~", "a~b", "*", "?*", "%", "x" * 1001, '""', "sm?th~", "'; --",
    "ab ~", "*@gmail.com", "smith~3", " ".join(["w"] * 33),
])
def test_bad_input_is_a_clear_error(populated: Store, text: str) -> None:
    with pytest.raises(SearchSyntaxError, match="position"):
        search(populated.db, populated.user, text)
    assert populated.count() > 0


def test_a_query_with_an_ampersand_finds_the_company(store: Store) -> None:
    cs = store.change()
    cs.create_company("Arnold & Horn")
    cs.create_company("Arnold Logistics")
    cs.commit()
    result = search(store.db, store.user, "Arnold & Horn")
    assert result.frame["display_name"].tolist() == ["Arnold & Horn"]
    with pytest.raises(SearchSyntaxError, match="position 1"):
        search(store.db, store.user, "& -")
