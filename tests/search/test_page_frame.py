"""A result page whose contact information, custom values and tags come from the full-text
index's documents (``documents.Held``) shows exactly what the store shows, also right after
edits of those values, of a company's name, of tags, custom fields and history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crmdata import Store
from crmdata.activity import add_history
from crmdata.db import Tx
from crmdata.edit import lists
from crmdata.search import api, documents, fulltext, fulltext_query
from crmdata.search.api import search

from .data import populate


def _frames(store: Store, monkeypatch: pytest.MonkeyPatch, text: str, **options: Any,
            ) -> tuple[Any, Any, bool]:
    """The search with the page's values from the full-text index's documents where it can,
    and with them read from the store (the same hits, checked in the store); and whether every
    page row's values came from the documents."""
    kept: list[bool] = []
    real = fulltext_query.held

    def spy(view: fulltext.View, ids: Any) -> dict[int, documents.Held]:
        out = real(view, ids)
        kept.append(bool(ids) and set(out) == {int(i) for i in ids})
        return out

    monkeypatch.setattr(fulltext_query, "held", spy)
    fast = search(store.db, store.user, text, time_budget=None, **options)
    monkeypatch.setattr(fulltext_query, "held", lambda _view, _ids: {})
    monkeypatch.setattr(api, "_from_index", lambda *_a, **_k: None)
    slow = search(store.db, store.user, text, time_budget=None, **options)
    monkeypatch.undo()
    return fast, slow, bool(kept) and kept[-1]


def _same(fast: Any, slow: Any) -> None:
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert fast.total == slow.total
    assert fast.matches == slow.matches


@pytest.mark.parametrize("options", [{}, {"show": "persons"},
                                     {"sort": "display_name", "page": 2, "page_size": 9}])
def test_a_page_from_the_index_documents_is_the_store_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          options: dict[str, Any]) -> None:
    store = Store(tmp_path / "crm.duckdb")
    populate(store)
    with store.db.read() as tx:
        person, company = tx.one(
            "SELECT p.id, p.company_id FROM contacts p JOIN contacts c ON c.id = p.company_id "
            "WHERE NOT p.is_company AND c.share_type > 0 ORDER BY p.id LIMIT 1") or (0, 0)
        phone = tx.scalar("SELECT max(id) FROM contact_info WHERE contact_id = ?", [person])
    texts = ["schmidt", "gmbh", "a", "customer", "zanzibar", "quokka"]
    for login in ("admin", "anna", "ben"):
        user = store if login == "admin" else store.as_user(login)
        for text in texts:
            fast, slow, kept = _frames(user, monkeypatch, text, **dict(options))
            _same(fast, slow)
    cs = store.change(region="DE")
    cs.add_info(person, "email", "zanzibar@example.org", primary=True)
    cs.add_info(person, "phone", "+49 30 1234567", primary=True)
    if phone is not None:
        cs.delete_info(person, int(phone))
    cs.set_custom(person, 1, "Quokka segment")
    cs.add_tags(person, "Zanzibar club")
    cs.remove_tags(person, "Lead")
    cs.update(company, company_name="Quokka Werke")
    assert cs.commit(on_duplicate="save").status == "committed"
    add_history(store.db, store.user, pd.DataFrame(
        {"contact_id": [person], "category": ["Call"], "content": ["zanzibar"], "event_at": ["2031-01-02"]}))
    lists.delete_tag(store.db, store.user, "Customer")
    lists.delete_custom_field(store.db, store.user, 2)
    answered = 0
    for login in ("admin", "anna", "ben"):
        user = store if login == "admin" else store.as_user(login)
        for text in [*texts, "werke"]:
            fast, slow, kept = _frames(user, monkeypatch, text, **dict(options))
            _same(fast, slow)
            answered += kept
    assert answered >= 6, "the index's documents gave too few pages"
    found = search(store.db, store.user, "zanzibar", time_budget=None)
    row = found.frame.set_index("id").loc[person]
    assert row["email"] == "zanzibar@example.org"
    assert row["company_name"] == "Quokka Werke"
    assert "Zanzibar club" in row["tags"] and "Lead" not in (row["tags"] or "")
    assert row["last_activity"] == pd.Timestamp("2031-01-02")


def test_contact_information_is_read_from_the_store_only_for_a_page_without_documents(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "crm.duckdb")
    populate(store)
    search(store.db, store.user, "schmidt", time_budget=None)  # the index is built
    statements: list[str] = []
    real = Tx.rows

    def spy(self: Tx, sql: str, params: Any = None) -> Any:
        statements.append(sql)
        return real(self, sql, params)

    monkeypatch.setattr(Tx, "rows", spy)
    kept = search(store.db, store.user, "schmidt", time_budget=None)
    assert not [s for s in statements if "contact_info" in s or "contact_tags" in s]
    statements.clear()
    monkeypatch.setattr(fulltext_query, "held", lambda _view, _ids: {})
    read = search(store.db, store.user, "schmidt", time_budget=None)
    assert [s for s in statements if "FROM contact_info" in s]
    assert [s for s in statements if "contact_tags" in s]
    _same(kept, read)


@pytest.mark.parametrize("options", [{}, {"show": "persons"}])
def test_a_failing_document_read_leaves_the_page_to_the_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, Any]) -> None:
    store = Store(tmp_path / "crm.duckdb")
    populate(store)
    expected = search(store.db, store.user, "schmidt", time_budget=None, **options)

    def broken(_searcher: Any, _ids: Any) -> Any:
        raise ValueError("tantivy could not read the documents")

    monkeypatch.setattr(fulltext_query, "_held_in", broken)
    got = search(store.db, store.user, "schmidt", time_budget=None, **options)
    _same(got, expected)
