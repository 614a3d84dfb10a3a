"""Bulk changes on real store files: one change set for many contacts, undone as a whole."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmdata import Conflict, CrmDataError, NotFound, Store
from crmdata.edit.bulk import BulkChange, bulk_change, bulk_changeset
from crmdata.model import ShareType
from crmdata.search.api import matching_ids, search

from ..builders import person, row_counts


def _people(store: Store, n: int = 4) -> list[int]:
    return [person(store, f"P{i}", "Meyer", email=f"p{i}@example.com") for i in range(n)]


def _state(store: Store, ids: list[int]) -> list[tuple[object, ...]]:
    out = []
    for cid in ids:
        d = store.contact(cid)
        out.append((sorted(d.tags), d.fields.get("temperature"), d.fields["share_type"], sorted(d.managers)))
    return out


def test_tags_temperature_and_access_in_one_change_set_then_undone(store: Store) -> None:
    store.add_user("bob")
    ids = _people(store)
    before = _state(store, ids)
    journal = row_counts(store)["journal"]
    change = BulkChange(add_tags=("Trade fair",), temperature="Hot", access="restricted", managers=("bob",))
    jid = bulk_change(store.change(), ids, change)
    assert jid is not None and row_counts(store)["journal"] == journal + 1
    assert search(store.db, store.user, tags=["Trade fair"], temperatures=["Hot"]).total == len(ids)
    for cid in ids:
        d = store.contact(cid)
        assert d.fields["share_type"] == int(ShareType.NONE) and list(d.managers) == ["bob"]
    store.undo(jid)
    assert _state(store, ids) == before
    assert "Trade fair" not in set(store.tags()["tag"])


def test_untag_and_nothing_to_do(store: Store) -> None:
    ids = _people(store, 3)
    bulk_change(store.change(), ids, BulkChange(add_tags=("Lead",)))
    assert bulk_change(store.change(), ids, BulkChange(add_tags=("Lead",))) is None  # every one has it
    assert bulk_change(store.change(), ids[:2], BulkChange(remove_tags=("Lead",))) is not None
    assert search(store.db, store.user, tags=["Lead"]).total == 1


def test_a_conflict_or_a_bad_value_writes_nothing(store: Store) -> None:
    ids = _people(store, 3)
    cs = bulk_changeset(store.change(), ids, BulkChange(temperature="Warm"))  # pins the versions read now
    other = store.change()
    other.update(ids[1], title="Changed meanwhile")
    other.commit()
    counts = row_counts(store)
    with pytest.raises(Conflict):
        cs.commit(on_duplicate="save")
    with pytest.raises(CrmDataError, match="not one of"):
        bulk_change(store.change(), ids, BulkChange(access="everyone"))
    with pytest.raises(CrmDataError):
        bulk_change(store.change(), ids, BulkChange(temperature="Lukewarm"))
    with pytest.raises(NotFound):
        bulk_change(store.change(), [*ids, 999_999], BulkChange(add_tags=("X",)))
    assert row_counts(store) == counts


def test_empty_selection_and_empty_change_are_refused(store: Store) -> None:
    ids = _people(store, 1)
    with pytest.raises(CrmDataError, match="No contacts are selected"):
        bulk_change(store.change(), [], BulkChange(add_tags=("Lead",)))
    with pytest.raises(CrmDataError, match="changes nothing"):
        bulk_change(store.change(), ids, BulkChange())


def test_matching_ids_are_every_page_of_the_search(store: Store) -> None:
    ids = _people(store, 30)
    person(store, "Other", "Person")
    found = matching_ids(store.db, store.user, "meyer")
    assert found == sorted(ids)
    found_page = search(store.db, store.user, "meyer")
    assert found_page.total == 30 and len(found_page.frame) == 25
    assert matching_ids(store.db, store.user, "meyer", limit=5) == sorted(ids)[:5]


def test_export_of_the_selected_contacts_only(store: Store, tmp_path: Path) -> None:
    ids = _people(store, 4)
    out = tmp_path / "selected.csv"
    assert store.export_onlyoffice(out, ids=ids[1:3]) == 2
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert frame["First Name"].tolist() == ["P1", "P2"]
