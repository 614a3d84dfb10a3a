"""Optimistic concurrency: a stale edit conflicts and loses nothing."""

from __future__ import annotations

import pytest

from crmdata import Conflict, Store

from .helpers import person


def test_stale_edit_conflicts_and_nothing_is_lost(store: Store) -> None:
    cid = person(store)
    notebook = store.change()
    notebook.update(cid, title="Notebook title")  # reads version 1 now
    script = store.change()
    script.update(cid, notes="from the batch script")
    script.commit()  # version 2
    stale = r"contact \d+ \(Lore Hamann\) was changed by admin at .*version 1, now 2"
    with pytest.raises(Conflict, match=stale):
        notebook.commit()
    d = store.contact(cid)
    assert d.fields["notes"] == "from the batch script" and d.fields["title"] is None
    assert notebook.preview().conflicts  # the dashboard can show it before committing


def test_explicit_version_from_a_read(store: Store) -> None:
    cid = person(store)
    version = int(store.contacts([cid])["version"].iloc[0])
    cs = store.change()
    cs.update(cid, version=version, title="A")
    cs.commit()
    cs = store.change()
    cs.update(cid, version=version, title="B")  # the same stale read
    with pytest.raises(Conflict):
        cs.commit()
    assert store.contact(cid).fields["title"] == "A"


def test_pin_many_at_once(store: Store) -> None:
    ids = [person(store, f"P{i}") for i in range(3)]
    cs = store.change()
    cs.pin(ids)
    for cid in ids:
        cs.add_tags(cid, "Batch")
    cs.commit()
    assert all(store.contact(c).tags == ["Batch"] for c in ids)
    assert all(store.contact(c).fields["version"] == 2 for c in ids)
