"""Delete: irreversible, with ONLYOFFICE's cascades, personal data purged from the journal."""

from __future__ import annotations

from datetime import datetime

import pytest

from crmdata import Conflict, NotFound, Store

from ..builders import company, person


def test_delete_cascades_and_purges(store: Store) -> None:
    store.add_user("mia")
    with store.db.transaction() as tx:
        tx.execute("INSERT INTO custom_fields VALUES (1, 'Note', 0, 0, 1, NULL)")
    co = company(store, "Acme")
    p = person(store, "Lore", email="lore@example.com", phone="030 1234567", company=co, managers=["mia"])
    other = person(store, "Keep", email="keep@example.com")
    cs = store.change()
    cs.add_tags(p, "Lead")
    cs.set_custom(p, "Note", "private note")
    jid = cs.commit().change_set_id
    now = datetime(2026, 1, 1)
    with store.db.transaction() as tx:
        tx.execute("INSERT INTO deals VALUES (1, 'Big deal', ?, 'open', 10, 'EUR', 1, ?)", [p, now])
        tx.execute("INSERT INTO deals VALUES (2, 'Other deal', ?, 'open', 10, 'EUR', 1, ?)", [other, now])
        tx.execute("INSERT INTO deal_participants VALUES (2, ?), (2, ?)", [p, other])
        tx.execute("INSERT INTO history_events VALUES (1, ?, NULL, 'Note', 'called', ?, 1)", [p, now])
        tx.execute("INSERT INTO photos VALUES (?, 'PNG', 1, 1, ''::BLOB, ''::BLOB, ''::BLOB, 'upload', 1, ?)",
                   [p, now])
    dry = store.delete(p, dry_run=True)
    assert dry.change_set_id is None and dry.removed["info rows"] == 2
    store.contact(p)  # still there after the dry run
    report = store.delete(p)
    assert report.removed == {"info rows": 2, "custom values": 1, "tag links": 1, "history events": 1,
                              "photos": 1, "access entries": 1, "deal participant links": 1}
    assert report.deals_unlinked == 1 and report.persons_unlinked == 0
    with pytest.raises(NotFound):
        store.contact(p)
    with store.db.read() as tx:
        for table in ("contact_info", "custom_values", "contact_tags", "history_events", "photos",
                      "contact_managers", "deal_participants"):
            assert tx.scalar(f"SELECT count(*) FROM {table} WHERE contact_id = ?", [p]) == 0, table
        assert tx.rows("SELECT id, contact_id FROM deals ORDER BY id") == [(1, None), (2, other)]
        assert tx.scalar("SELECT count(*) FROM tags WHERE title = 'Lead'") == 1
        journal_text = " ".join(str(r) for r in tx.rows("SELECT * FROM journal_rows"))
        journal_text += " ".join(str(r) for r in tx.rows("SELECT * FROM journal"))
    assert "lore@example.com" not in journal_text and "private note" not in journal_text
    assert "Lore" not in journal_text and "keep@example.com" in journal_text
    with pytest.raises(Conflict, match="irreversible"):
        store.undo(jid)
    with pytest.raises(Conflict, match="irreversible"):
        store.undo(report.change_set_id)  # type: ignore[arg-type]
    assert store.contact(other).info.shape[0] == 1


def test_deleting_a_company_keeps_its_persons_unlinked(store: Store) -> None:
    co = company(store, "Acme")
    p = person(store, company=co)
    v = store.contact(p).fields["version"]
    report = store.delete([co])
    assert report.persons_unlinked == 1
    d = store.contact(p)
    assert d.fields["company_id"] is None and d.fields["version"] == v + 1
    assert store.history(p)["field"].tolist()[-1] == "company_id"


def test_delete_of_unknown_changes_nothing(store: Store) -> None:
    p = person(store)
    with pytest.raises(NotFound, match="There is no contact 424242"):
        store.delete([p, 424242])
    store.contact(p)
