"""Optimistic concurrency: a stale edit conflicts and loses nothing."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from crmdata import Conflict, Store

from ..builders import person


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


class _Meet:
    """A duplicate checker that holds each thread's first commit, inside its transaction, until
    every other thread's is inside its own: the transactions then surely overlap."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=30)
        self.met: set[int] = set()

    def check(self, tx: object, user: object, staged: object) -> list[object]:
        if threading.get_ident() not in self.met:
            self.met.add(threading.get_ident())
            self.barrier.wait()
        return []


def _in_threads(work: list[Callable[[], None]]) -> None:
    """Run each callable in its own thread; re-raise the first error any of them met."""
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]


def test_overlapping_commits_of_two_threads_get_their_own_journal_entries(store_path: Path) -> None:
    """Two stores on one file in one process (a notebook's dashboard and a script it runs)
    commit at the same time: both commits land, each with its own change set id."""
    with Store(store_path) as setup:
        ids = [person(setup, f"T{i}") for i in range(2)]
        with setup.db.read() as tx:
            last = int(tx.scalar("SELECT max(id) FROM journal"))
    meet = _Meet(2)
    results: dict[int, int | None] = {}

    def edit(cid: int) -> None:
        with Store(store_path) as mine:
            cs = mine.change(checker=meet)
            cs.update(cid, title=f"Thread {cid}")
            results[cid] = cs.commit().change_set_id

    _in_threads([functools.partial(edit, cid) for cid in ids])
    assert len(set(results.values())) == 2
    with Store(store_path) as after:
        assert [after.contact(cid).fields["title"] for cid in ids] == [f"Thread {cid}" for cid in ids]
        with after.db.read() as tx:
            entries = tx.rows("SELECT id FROM journal WHERE id > ? ORDER BY id", [last])
            assert entries == sorted((jid,) for jid in results.values())
            assert sorted(tx.rows("SELECT journal_id, contact_id FROM journal_rows WHERE journal_id > ?",
                                  [last])) == sorted((jid, cid) for cid, jid in results.items())


def test_overlapping_creates_of_two_threads_both_land(store_path: Path) -> None:
    """Both number their new contact past the largest id, so they take the same id; the
    transaction that commits second is refused by the key and tries once more, past it."""
    Store(store_path).close()
    meet = _Meet(2)
    created: dict[str, int] = {}

    def create(first: str) -> None:
        with Store(store_path) as mine:
            cs = mine.change(checker=meet)
            ref = cs.create_person(first, "Parallel")
            cs.add_info(ref, "email", f"{first.lower()}@example.com")
            created[first] = cs.commit().created[ref]

    _in_threads([lambda: create("Ada"), lambda: create("Bea")])
    assert sorted(created.values()) == [1, 2]
    with Store(store_path) as after:
        assert {after.contact(cid).fields["first_name"] for cid in created.values()} == {"Ada", "Bea"}
        with after.db.read() as tx:
            assert tx.scalar("SELECT count(*) FROM journal") == 2
            assert tx.scalar("SELECT count(DISTINCT id) FROM contact_info") == 2
