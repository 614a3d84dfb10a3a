"""A relevance page counted and ordered by the full-text index alone gives exactly what the
store's query gives (same contacts, order and total), for every user, page and option, also
right after edits the index has only caught up in memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from crmdata import Store
from crmdata.search import api, ranked
from crmdata.search.api import search

from .data import populate

QUERIES = ["anna", "schm", "m?ller", "*mann", "sch*er", '"Anna Schmidt"', "schmitt~", "müller", "gmbh",
           "berlin", "a"]
OPTIONS = [{"page": 1}, {"page": 2, "page_size": 7}, {"page": 40, "page_size": 10},
           {"include_company_persons": False}, {"descending": False, "page": 2, "page_size": 9},
           {"descending": True}]
WHOLE = ranked.ALL_HITS  # the shipped bound (the tests below lower it)
NAME_OPTIONS = [{"descending": True}, {"page": 2, "page_size": 7},
                {"descending": True, "page": 3, "page_size": 9}, {"include_company_persons": False},
                {"page": 1}, {"page": 40, "page_size": 10},
                {"descending": False, "page": 2, "page_size": 9}]


def _both(store: Store, monkeypatch: pytest.MonkeyPatch, text: str, **options: Any,
          ) -> tuple[tuple[list[int], int], tuple[list[int], int], bool]:
    """(ids, total) through the index's page where it answers, and through the store's query;
    and whether the index answered."""
    used: list[bool] = []
    real = api._from_index

    def spy(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        used.append(out is not None)
        return out

    monkeypatch.setattr(api, "_from_index", spy)
    size = options.pop("page_size", 25)
    fast = search(store.db, store.user, text, page_size=size, time_budget=None, **options)
    monkeypatch.setattr(api, "_from_index", lambda *_a, **_k: None)
    slow = search(store.db, store.user, text, page_size=fast.page_size, time_budget=None, **options)
    monkeypatch.setattr(api, "_from_index", real)
    fast_ids, slow_ids = [int(i) for i in fast.frame["id"]], [int(i) for i in slow.frame["id"]]
    return (fast_ids, fast.total), (slow_ids, slow.total), used == [True]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path: Path = tmp_path_factory.mktemp("ranked") / "crm.duckdb"
    store = Store(path)
    populate(store)
    return store


# 3: only the best hits ordered, ties past them read whole; 3 and 5: ties past them left to the store
@pytest.mark.parametrize(("first_hits", "all_hits"), [(ranked.FIRST_HITS, WHOLE), (3, WHOLE), (3, 5)])
@pytest.mark.parametrize("login", ["admin", "anna", "ben"])
def test_the_index_page_is_the_store_page(store: Store, monkeypatch: pytest.MonkeyPatch, login: str,
                                          first_hits: int, all_hits: int) -> None:
    monkeypatch.setattr(ranked, "FIRST_HITS", first_hits)
    monkeypatch.setattr(ranked, "ALL_HITS", all_hits)
    read_whole: list[int] = []  # how many hits each look-up of every hit read
    real = ranked.hit_arrays

    def spy(view: Any, q: Any, columns: Any, limit: int | None = None) -> Any:
        if columns[1:2] == ("kind",):  # the matches themselves, not companies or their persons
            assert limit is not None
            read_whole.append(limit)
        return real(view, q, columns, limit)

    monkeypatch.setattr(ranked, "hit_arrays", spy)
    user = store if login == "admin" else store.as_user(login)
    answered = 0
    for text in QUERIES:
        for options in OPTIONS:
            fast, slow, by_index = _both(user, monkeypatch, text, **dict(options))
            assert fast == slow, (login, text, options)
            answered += by_index
            # words looked up in the whole vocabulary too; ties are read whole up to ALL_HITS
            if (text in ("anna", '"Anna Schmidt"', "*mann", "schmitt~", "sch*er") and options == {"page": 1}
                    and all_hits == WHOLE):
                assert by_index, f"the full-text index did not answer the page of {text!r}"
    assert answered >= 10
    if first_hits == 3:  # ties ran past the first look-up: read whole, or left to the store past ALL_HITS
        assert read_whole if all_hits == WHOLE else not read_whole
        assert all(n <= all_hits for n in read_whole)


@pytest.mark.parametrize("first_hits", [ranked.FIRST_HITS, 3])
def test_after_edits_caught_up_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         first_hits: int) -> None:
    monkeypatch.setattr(ranked, "FIRST_HITS", first_hits)
    store = Store(tmp_path / "crm.duckdb")
    populate(store)
    anna = store.as_user("anna")
    before, _slow, by_index = _both(anna, monkeypatch, "schmidt")
    assert by_index
    assert before[1] > 0
    with store.db.read() as tx:
        people = [int(r[0]) for r in tx.rows(
            "SELECT id FROM contacts WHERE NOT is_company AND company_id IS NOT NULL ORDER BY id LIMIT 4")]
        company = int(tx.scalar("SELECT id FROM contacts WHERE is_company ORDER BY id LIMIT 1"))
    cs = store.change(region="DE")
    cs.update(people[0], last_name="Schmidt")  # a new match
    cs.set_access(people[1], 0, [])  # hidden from anna
    cs.set_access(people[2], 0, ["anna"])  # shown to anna as her manager
    cs.link_company(people[3], company)  # pulled in by another company
    cs.update(company, company_name="Schmidt Werke")  # a company that now matches
    assert cs.commit(on_duplicate="save").status == "committed"
    store.delete([people[0] + 1 if people[0] + 1 not in people else people[0] + 2])  # gone
    for login in ("admin", "anna", "ben"):
        user = store if login == "admin" else store.as_user(login)
        for text in ("schmidt", "werke", "schm", "a"):
            for options in [*OPTIONS, *({"sort": "display_name", **o} for o in NAME_OPTIONS[:2])]:
                fast, slow, _by_index = _both(user, monkeypatch, text, **dict(options))
                assert fast == slow, (login, text, options)


#: Filters the index answers (show, temperatures, contact types, tags, a manager, access; names
#: spelt as a user may), and two it leaves to the store.
FILTERED = [{"show": "persons"}, {"show": "companies"}, {"temperatures": ["HOT"]},
            {"temperatures": ["cold", " Warm "]}, {"contact_types": ["client", "Partner"]},
            {"tags": ["lead"]}, {"tags": ["Lead", "customer"]},
            {"show": "persons", "temperatures": ["Hot", "Warm"], "tags": ["Lead"]},
            {"show": "companies", "contact_types": ["Supplier", "Client"], "tags": ["Customer"]},
            {"manager": "Anna"}, {"access": "restricted", "show": "persons"},
            {"access": "public", "temperatures": ["Cold"]}]
BY_STORE = [{"show": "with_opportunities"}, {"manager": "none", "tags": ["Lead"]}]
FILTERED_QUERIES = ["anna", "schm", "gmbh", "a"]  # a person, a prefix, companies pulling persons, many ties


@pytest.mark.parametrize(("chosen", "first_hits"), [
    *((f, ranked.FIRST_HITS) for f in FILTERED + BY_STORE),
    *((f, 3) for f in FILTERED[6:9])],  # only the best hits ordered, ties past them read whole
    ids=lambda v: ",".join(f"{k}={w}" for k, w in v.items()) if isinstance(v, dict) else str(v))
def test_a_filtered_index_page_is_the_store_page(store: Store, monkeypatch: pytest.MonkeyPatch,
                                                 chosen: dict[str, Any], first_hits: int) -> None:
    """The filters apply to every contact found and to the persons a matching company pulls in,
    not to that company: the index's page and count equal the store's, and the index answers
    every page by relevance with the filters it holds."""
    monkeypatch.setattr(ranked, "FIRST_HITS", first_hits)
    answered = 0
    for login in ("admin", "anna", "ben"):
        user = store if login == "admin" else store.as_user(login)
        for text in FILTERED_QUERIES:
            for options in OPTIONS[:-1]:  # the last, as the first
                fast, slow, by_index = _both(user, monkeypatch, text, **options, **chosen)
                assert fast == slow, (login, text, options)
                answered += fast[1] > 0
                expected = chosen in FILTERED and options.get("descending") is not False
                assert by_index == expected, (login, text, options)
    assert answered >= 10  # not only empty pages


def test_filters_after_edits_caught_up_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A contact's temperature, type and tags edited: logged for the index, which filters by the
    new ones at once (the edits caught up in memory), as the store does."""
    store = Store(tmp_path / "crm.duckdb")
    populate(store)
    with store.db.read() as tx:
        person = int(tx.scalar("SELECT min(id) FROM contacts WHERE NOT is_company"))
        logged = int(tx.scalar("SELECT max(seq) FROM search_changes"))

    def found(**chosen: Any) -> list[int]:
        fast, slow, by_index = _both(store, monkeypatch, "zebrafisch", **chosen)
        assert fast == slow and by_index, chosen
        return fast[0]

    assert found(temperatures=["Hot"]) == []
    cs = store.change(region="DE")
    cs.update(person, last_name="Zebrafisch")
    cs.remove_tags(person, "Lead", "Customer", "Supplier", "Staff")
    new = cs.create_company("Zebrafisch AG")
    cs.link_company(person, new)
    company = cs.commit(on_duplicate="save").created[new]
    for edit in ("set_temperature", "set_contact_type", "add_tags", "remove_tags"):
        cs = store.change(region="DE")
        if edit == "set_temperature":
            cs.set_temperature(person, "Hot")
            cs.set_temperature(company, "Cold")
        elif edit == "set_contact_type":
            cs.set_contact_type(person, "Partner")
        else:
            getattr(cs, edit)(person, "Staff")
        assert cs.commit(on_duplicate="save").status == "committed"
        with store.db.read() as tx:  # logged for the index, though no searched text changed
            assert person in {int(r[0]) for r in tx.rows(
                "SELECT contact_id FROM search_changes WHERE seq > ?", [logged])}, edit
            logged = int(tx.scalar("SELECT max(seq) FROM search_changes"))
        hot = found(temperatures=["hot"])
        assert hot == [person], edit  # the company pulls it in though filtered out itself
        assert found(temperatures=["cold"]) == [company]
        assert found(contact_types=["partner"], show="persons") == (
            [] if edit == "set_temperature" else [person])
        assert found(tags=["staff"], temperatures=["Hot"]) == ([person] if edit == "add_tags" else [])


def test_names_tied_in_the_index_are_ordered_by_the_store() -> None:
    # three matches with one score and one name prefix: the store's names decide, then ids
    found = (np.array([2.0, 2.0, 2.0, 3.0, 1.0]), np.array([5, 3, 9, 1, 4]),
             np.array([7, 7, 7, 9, 1], dtype=np.uint64))
    asked: list[list[int]] = []

    def names(ids: Any) -> dict[int, str | None]:
        asked.append(sorted(ids))
        return {5: "schmidtbauer a", 3: "schmidtbauer b", 9: None}

    page = ranked.page_window(*found, 1, 3, False, names)
    assert page.ids == [1, 5, 3] and page.total == 5
    assert asked == [[3, 5, 9]]
    assert ranked.page_window(*found, 2, 3, False, names).ids == [9, 4]
    assert ranked.page_window(*found, 1, 2, True, names).ids == [4, 5]
    assert ranked.page_window(*found, 3, 3, False, names).ids == []
    empty = (np.array([]), np.array([], dtype=np.int64), np.array([], dtype=np.uint64))
    assert ranked.page_window(*empty, 1, 3, False, names) == ranked.Page([], 0)


# first hits 3: every hit read in a second look-up; 5: more hits or pulled-in persons than
# that are left to the store
@pytest.mark.parametrize(("login", "first_hits", "all_hits"), [
    ("admin", ranked.FIRST_HITS, WHOLE), ("anna", 3, WHOLE), ("ben", ranked.FIRST_HITS, WHOLE),
    ("anna", 3, 5)])
def test_the_index_orders_by_name_as_the_store(store: Store, monkeypatch: pytest.MonkeyPatch, login: str,
                                               first_hits: int, all_hits: int) -> None:
    """Sorted by display name (either way, nameless last), a search's page and total from the
    index are the store's, for every user; every hit and pulled-in person is read."""
    monkeypatch.setattr(ranked, "FIRST_HITS", first_hits)
    monkeypatch.setattr(ranked, "ALL_HITS", all_hits)
    user = store if login == "admin" else store.as_user(login)
    answered = 0
    for text in QUERIES:
        for options in NAME_OPTIONS:
            fast, slow, by_index = _both(user, monkeypatch, text, sort="display_name", **dict(options))
            assert fast == slow, (login, text, options)
            answered += by_index
            if all_hits == WHOLE:
                assert by_index, (login, text, options)
            elif slow[1] > 2 * all_hits:  # more matches or more persons than the index orders
                assert not by_index, (login, text, options)
    assert answered >= (len(QUERIES) * len(NAME_OPTIONS) if all_hits == WHOLE else 1)


@pytest.mark.parametrize("chosen", [FILTERED[0], FILTERED[2], FILTERED[7], FILTERED[9], *BY_STORE],
                         ids=lambda v: ",".join(f"{k}={w}" for k, w in v.items()))
def test_a_filtered_search_by_name_is_the_store_page(store: Store, monkeypatch: pytest.MonkeyPatch,
                                                     chosen: dict[str, Any]) -> None:
    for login in ("admin", "anna"):
        user = store if login == "admin" else store.as_user(login)
        for text in FILTERED_QUERIES:
            for options in NAME_OPTIONS[:3]:
                fast, slow, by_index = _both(user, monkeypatch, text, sort="display_name", **options,
                                             **chosen)
                assert fast == slow, (login, text, options)
                assert by_index == (chosen in FILTERED), (login, text, options)


def test_a_name_window_orders_as_the_stores_sort_by_name() -> None:
    """Name order first; contacts tied on the index's name prefix by the store's names, then
    ids (both reversed when descending); nameless contacts last either way, by id."""
    last = ranked.LAST_ORDER
    ids = np.array([5, 3, 9, 1, 4, 8, 2], dtype=np.int64)
    order = np.array([7, 7, 7, 9, 1, last, last], dtype=np.uint64)
    asked: list[list[int]] = []

    def names(wanted: Any) -> dict[int, str | None]:
        asked.append(sorted(wanted))
        return {5: "schmidtbauer b", 3: "schmidtbauer a", 9: "schmidtbauer a"}

    def page(n: int, size: int, descending: bool) -> list[int]:
        return ranked.name_window(ids, order, n, size, descending, names).ids

    assert page(1, 7, False) == [4, 3, 9, 5, 1, 2, 8]
    assert page(1, 7, True) == [1, 5, 9, 3, 4, 8, 2]
    assert page(1, 2, False) == [4, 3] and asked[-1] == [3, 5, 9]
    assert page(2, 3, False) == [5, 1, 2]
    assert page(3, 3, True) == [2]
    asked.clear()
    assert page(1, 1, True) == [1] and asked == []  # no tie on the page: no names read
    assert page(4, 2, False) == [8] and page(5, 2, False) == []
    assert ranked.name_window(ids, order, 1, 3, False, names).total == 7
