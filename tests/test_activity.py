"""Bulk deals and history writes: inserts, journal, and refusals that leave the store unchanged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmdata import Store
from crmdata.activity import add_deals, add_history
from crmdata.errors import Conflict, CrmDataError, ValidationFailed
from crmdata.model import ShareType

from .builders import snapshot
from .csvio.helpers import write_oo

TABLES = ("deals", "deal_participants", "history_events", "journal", "journal_rows")


@pytest.fixture
def people(store: Store, tmp_path: Path) -> dict[str, list[int]]:
    """Contacts by access: public (read-write), read-only for others, restricted to managers."""
    store.add_user("bob")
    report = store.import_onlyoffice(write_oo(tmp_path / "a.csv", [
        {"Company/Person": "Company", "Company Name": "Müller Logistik GmbH"},
        {"First Name": "Jürgen", "Last Name": "Müller", "Company Name": "Müller Logistik GmbH"},
        {"First Name": "Anna", "Last Name": "Schmidt"},
        {"First Name": "Rita", "Last Name": "Read"},
        {"First Name": "Hugo", "Last Name": "Hidden"},
    ]), duplicates="clone")
    ids = [int(i) for i in report.contact_ids if i is not None]
    assert len(ids) == 5
    with store.db.transaction() as tx:  # one import, then two contacts made less open
        tx.execute("UPDATE contacts SET share_type = ? WHERE id = ?", [int(ShareType.READ), ids[3]])
        tx.execute("UPDATE contacts SET share_type = ? WHERE id = ?", [int(ShareType.NONE), ids[4]])
    return {"public": ids[:3], "read": [ids[3]], "hidden": [ids[4]]}


def assert_unchanged(before: dict[str, list[tuple[object, ...]]], store: Store) -> None:
    assert snapshot(store, TABLES) == before


def test_add_deals_inserts_deals_participants_and_one_journal_entry(store: Store, people) -> None:
    company, juergen, anna = people["public"]
    ids = add_deals(store.db, store.user, pd.DataFrame({
        "contact_id": [company, anna],
        "title": [" Rahmenvertrag 2026 ", "Training"],
        "stage": ["Proposal", None],
        "bid_value": [12500.5, None],
        "bid_currency": ["eur", ""],
        "created_at": ["2026-03-01 10:00:00", None],
        "participant_ids": [[juergen, company, juergen], []],
    }))
    assert len(ids) == 2 and ids[1] == ids[0] + 1
    with store.db.read() as tx:
        deals = tx.df("SELECT * FROM deals ORDER BY id")
        parts = tx.rows("SELECT deal_id, contact_id FROM deal_participants ORDER BY ALL")
        journal = tx.rows("SELECT action, summary, user_id FROM journal WHERE action = 'deals'")
    assert deals["title"].tolist() == ["Rahmenvertrag 2026", "Training"]
    assert deals["contact_id"].tolist() == [company, anna]
    assert deals["stage"].tolist()[0] == "Proposal" and pd.isna(deals["stage"].iloc[1])
    assert float(deals["bid_value"].iloc[0]) == 12500.5 and deals["bid_currency"].iloc[0] == "EUR"
    assert str(deals["created_at"].iloc[0]) == "2026-03-01 10:00:00"
    assert pd.notna(deals["created_at"].iloc[1])  # defaults to now
    assert parts == [(ids[0], juergen)]  # main contact and repeats left out
    assert journal == [("deals", "Added 2 deals for 2 contacts (1 participant links).", 1)]
    detail = store.contact(juergen)
    assert detail.deals["title"].tolist() == ["Rahmenvertrag 2026"]


def test_add_history_inserts_events_with_deal_links(store: Store, people) -> None:
    company, juergen, _ = people["public"]
    deal = add_deals(store.db, store.user,
                     pd.DataFrame({"contact_id": [company], "title": ["Ersatzteile"]}))[0]
    ids = add_history(store.db, store.user, pd.DataFrame({
        "contact_id": [juergen, juergen, company],
        "category": ["Call", "Note", "Meeting"],
        "content": ["Rückruf vereinbart.", "Budget offen", "Termin vor Ort"],
        "event_at": ["2026-01-02 09:30", "2019-05-01", "2026-02-03T14:00:00"],
        "deal_id": [deal, None, deal],
    }))
    assert len(ids) == 3
    history = store.contact(juergen).history
    assert history["content"].tolist() == ["Rückruf vereinbart.", "Budget offen"]  # newest first
    assert history["deal_id"].iloc[0] == deal
    with store.db.read() as tx:
        assert tx.scalar("SELECT count(*) FROM journal WHERE action = 'history'") == 1


def test_refusal_lists_every_bad_row_and_changes_nothing(store: Store, people) -> None:
    company, juergen, _ = people["public"]
    before = snapshot(store, TABLES)
    with pytest.raises(ValidationFailed) as err:
        add_deals(store.db, store.user, pd.DataFrame({
            "contact_id": [company, 999, company, company, "x", company],
            "title": ["ok", "unknown contact", "", "bad money", "bad id", "bad participant"],
            "bid_value": [1, 2, 3, "lots", 5, -1],
            "bid_currency": ["EUR", "EUR", "EUR", "EURO", "EUR", "EUR"],
            "created_at": [None, None, None, "yesterday-ish", None, None],
            "participant_ids": [[juergen], [], [], [], [], [juergen, 12345]],
        }))
    lines = sorted({p.line for p in err.value.problems})
    assert lines == [2, 3, 4, 5, 6]
    text = str(err.value)
    assert "5 of 6 deals have problems" in text
    for expected in ("there is no contact 999", "the title is empty", "not a number", "3-letter",
                     "not a date and time", "not a whole-number id", "there is no contact 12345",
                     "negative"):
        assert expected in text, expected
    assert_unchanged(before, store)


def test_contacts_out_of_reach_are_refused(store: Store, people) -> None:
    bob = store.as_user("bob")
    read, hidden = people["read"][0], people["hidden"][0]
    public = people["public"][2]
    before = snapshot(store, TABLES)
    with pytest.raises(ValidationFailed) as err:
        add_history(bob.db, bob.user, pd.DataFrame({
            "contact_id": [public, read, hidden],
            "category": ["Note"] * 3,
            "content": ["fine", "read only", "invisible"],
        }))
    messages = [(p.line, p.message) for p in err.value.problems]
    assert messages == [(2, f"you may not edit contact {read}"), (3, f"there is no contact {hidden}")]
    with pytest.raises(ValidationFailed, match=f"there is no contact {hidden}"):
        add_deals(bob.db, bob.user,
                  pd.DataFrame({"contact_id": [public], "title": ["x"], "participant_ids": [[hidden]]}))
    assert_unchanged(before, store)
    # the administrator may write to all of them
    assert len(add_history(store.db, store.user, pd.DataFrame({
        "contact_id": [read, hidden], "category": ["Note"] * 2, "content": ["a", "b"]}))) == 2


def test_history_checks_its_own_fields(store: Store, people) -> None:
    company = people["public"][0]
    before = snapshot(store, TABLES)
    with pytest.raises(ValidationFailed) as err:
        add_history(store.db, store.user, pd.DataFrame({
            "contact_id": [company, company, None],
            "category": ["", "Call", "Call"],
            "content": ["x", "  ", "y"],
            "deal_id": [None, 77, None],
        }))
    text = str(err.value)
    assert "the category is empty" in text and "needs some content" in text
    assert "there is no deal 77" in text and "the contact_id is missing" in text
    assert_unchanged(before, store)


def test_wrong_columns_and_empty_frames(store: Store, people) -> None:
    with pytest.raises(ValidationFailed, match="expected columns") as err:
        add_deals(store.db, store.user, pd.DataFrame({"contact": [1], "title": ["x"]}))
    assert {p.message for p in err.value.problems} == {
        "unknown column 'contact' (known: contact_id, title, stage, bid_value, bid_currency, "
        "created_at, participant_ids)", "the column 'contact_id' is required"}
    before = snapshot(store, TABLES)
    empty = pd.DataFrame(columns=["contact_id", "category", "content"])
    assert add_history(store.db, store.user, empty) == []
    assert_unchanged(before, store)
    with pytest.raises(CrmDataError, match="come as a pandas DataFrame, not as a list"):
        add_history(store.db, store.user, [{"contact_id": 1, "category": "Call", "content": "hi"}])  # type: ignore[arg-type]
    assert_unchanged(before, store)


def test_added_deals_and_history_events_are_change_sets(store: Store, people: dict[str, list[int]]) -> None:
    """Issue 17, item 6: bulk deals and history events keep row images, so ``history`` shows them
    and ``undo`` takes them out again (refused once an event was added to a new deal since)."""
    anna, juergen = people["public"][2], people["public"][1]
    before = snapshot(store, ("deals", "deal_participants", "history_events"))
    deal, = add_deals(store.db, store.user, pd.DataFrame({"contact_id": [anna], "title": ["Fleet renewal"],
                                           "participant_ids": [[juergen]]}))
    add_history(store.db, store.user, pd.DataFrame({"contact_id": [anna], "category": ["Call"],
                                     "content": ["asked for a quote"], "deal_id": [deal]}))
    with store.db.read() as tx:
        deals_jid, events_jid = [int(r[0]) for r in tx.rows(
            "SELECT id FROM journal WHERE action IN ('deals', 'history') ORDER BY id")]
    shown = store.history(anna)
    assert {"Fleet renewal", "asked for a quote"} <= set(shown["after"].dropna().astype(str))
    with pytest.raises(Conflict, match="changed since"):  # the event still names the deal
        store.undo(deals_jid)
    store.undo(events_jid)
    store.undo(deals_jid)
    assert snapshot(store, ("deals", "deal_participants", "history_events")) == before
