"""A relevance page counted and ordered by the full-text index alone gives exactly what the
store's query gives (same contacts, order and total), for every user, page and option, also
right after edits the index has only caught up in memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


@pytest.mark.parametrize("first_hits", [ranked.FIRST_HITS, 3])  # 3: only the best hits ordered
@pytest.mark.parametrize("login", ["admin", "anna", "ben"])
def test_the_index_page_is_the_store_page(store: Store, monkeypatch: pytest.MonkeyPatch, login: str,
                                          first_hits: int) -> None:
    monkeypatch.setattr(ranked, "FIRST_HITS", first_hits)
    user = store if login == "admin" else store.as_user(login)
    answered = 0
    for text in QUERIES:
        for options in OPTIONS:
            fast, slow, by_index = _both(user, monkeypatch, text, **dict(options))
            assert fast == slow, (login, text, options)
            answered += by_index
            if text in ("anna", '"Anna Schmidt"') and options == {"page": 1}:
                assert by_index, "the full-text index did not answer the page"
    assert answered >= 10


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
            for options in OPTIONS:
                fast, slow, _by_index = _both(user, monkeypatch, text, **dict(options))
                assert fast == slow, (login, text, options)


def test_names_tied_in_the_index_are_ordered_by_the_store() -> None:
    # three matches with one score and one name prefix: the store's names decide, then ids
    found = [(2.0, 5, 7), (2.0, 3, 7), (2.0, 9, 7), (3.0, 1, 9), (1.0, 4, 1)]
    asked: list[list[int]] = []

    def names(ids: Any) -> dict[int, str | None]:
        asked.append(sorted(ids))
        return {5: "schmidtbauer a", 3: "schmidtbauer b", 9: None}

    page = ranked.page_window(found, 1, 3, False, names)
    assert page.ids == [1, 5, 3] and page.total == 5
    assert asked == [[3, 5, 9]]
    assert ranked.page_window(found, 2, 3, False, names).ids == [9, 4]
    assert ranked.page_window(found, 1, 2, True, names).ids == [4, 5]
    assert ranked.page_window(found, 3, 3, False, names).ids == []
