"""The duplicate check before write-back refuses a silent duplicate; the caller decides."""

from __future__ import annotations

import pytest

from crmdata import Store
from crmdata.db import Tx
from crmdata.edit import DuplicatesFound
from crmdata.matchkeys import fill_keys
from crmdata.model import ShareType
from crmdata.schema import KEYS_LEGACY

from .helpers import person, row_counts


def _as_an_older_version_wrote_them(tx: Tx, sql: str) -> None:
    """Make the stored info rows look written by a version before schema 8 (``sql`` takes their
    keys away): migration 8 recorded the largest id such a version may have written."""
    tx.execute(sql)
    tx.set_meta(KEYS_LEGACY, str(tx.scalar("SELECT max(id) FROM contact_info")))


def test_same_email_is_not_written_silently(store: Store) -> None:
    existing = person(store, email="Lore.Hamann@Example.com")
    before = row_counts(store)
    cs = store.change()
    ref = cs.create_person("L.", "Hamann")
    cs.add_info(ref, "email", " lore.hamann@example.COM ")
    with pytest.raises(DuplicatesFound) as err:
        cs.commit()
    (cand,) = err.value.candidates
    assert cand.existing_id == existing and cand.existing_name == "Lore Hamann"
    assert cand.score == 1.0 and cand.reasons == ("same email lore.hamann@example.com",)
    assert row_counts(store) == before
    assert cs.commit(on_duplicate="cancel").status == "cancelled"
    assert row_counts(store) == before
    assert cs.preview().duplicates == [cand]
    result = cs.commit(on_duplicate="save")
    assert result.status == "committed" and result.duplicates == [cand]
    assert store.count() == 2


def test_same_phone_in_another_notation(store: Store) -> None:
    existing = person(store, phone="030 1234567")
    cs = store.change(region="US")
    ref = cs.create_person("Max")
    cs.add_info(ref, "phone", "+49 (30) 123 45 67")
    with pytest.raises(DuplicatesFound) as err:
        cs.commit()
    assert [c.existing_id for c in err.value.candidates] == [existing]
    assert "same phone +49301234567" in err.value.candidates[0].reasons


def test_imported_rows_without_keys_still_match(store: Store) -> None:
    existing = person(store, email="a@example.com", phone="+49 30 1234567")
    with store.db.transaction() as tx:  # as a bulk import leaves them
        _as_an_older_version_wrote_them(
            tx, "UPDATE contact_info SET e164 = NULL, email_key = NULL, data = upper(data)")
    cs = store.change(region="DE")
    ref = cs.create_person("Max")
    cs.add_info(ref, "email", "A@EXAMPLE.COM")
    cs.add_info(ref, "phone", "+49 (30) 123 45 67")
    with pytest.raises(DuplicatesFound) as err:
        cs.commit()
    (cand,) = err.value.candidates
    assert cand.existing_id == existing
    assert set(cand.reasons) == {"same email a@example.com", "same phone +49301234567"}


def test_changed_contact_is_checked_but_unrelated_edits_are_not(store: Store) -> None:
    a = person(store, "Anna", email="anna@example.com")
    b = person(store, "Bert", email="bert@example.com")
    cs = store.change()
    cs.update(b, title="Boss")  # no new keys: no check
    cs.commit()
    cs = store.change()
    cs.add_info(b, "email", "anna@example.com")
    with pytest.raises(DuplicatesFound) as err:
        cs.commit()
    assert err.value.candidates[0].existing_id == a and err.value.candidates[0].contact_id == b


def test_invisible_contacts_are_never_candidates(store: Store) -> None:
    store.add_user("mia")
    store.add_user("olaf")
    person(store, email="secret@example.com", share_type=int(ShareType.NONE), managers=["mia"])
    cs = store.as_user("olaf").change()
    ref = cs.create_person("Olaf")
    cs.add_info(ref, "email", "secret@example.com")
    assert cs.preview().duplicates == []
    assert cs.commit().status == "committed"


def test_checker_can_be_replaced(store: Store) -> None:
    class Never:
        def check(self, tx, user, staged):  # type: ignore[no-untyped-def]
            return []

    person(store, email="a@example.com")
    cs = store.change(checker=Never())
    ref = cs.create_person("Twin")
    cs.add_info(ref, "email", "a@example.com")
    assert cs.commit().status == "committed"


def test_fill_match_keys_after_a_bulk_load(store: Store) -> None:

    existing = person(store, email="A@Example.com", phone="030 1234567")
    person(store, "Other", phone="030 7654321")
    with store.db.transaction() as tx:  # as a bulk import leaves them, plus an unreadable phone
        tx.execute("INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary) "
                   "VALUES (99, ?, 0, 1, 'call the office', FALSE)", [existing])
        _as_an_older_version_wrote_them(tx, "UPDATE contact_info SET e164 = NULL, email_key = NULL")
    assert fill_keys(store.db, "DE") == {"emails": 1, "phones": 3}
    with store.db.read() as tx:
        assert tx.rows("SELECT data, e164 FROM contact_info WHERE info_type = 0 ORDER BY id") == [
            ("030 1234567", "+49301234567"), ("030 7654321", "+49307654321"), ("call the office", "")]
        assert tx.scalar("SELECT email_key FROM contact_info WHERE info_type = 1") == "a@example.com"
    assert fill_keys(store.db, "DE") == {"emails": 0, "phones": 0}
    cs = store.change(region="US")
    ref = cs.create_person("Max")
    cs.add_info(ref, "phone", "+49 30 1234567")
    with pytest.raises(DuplicatesFound) as err:
        cs.commit()
    assert [c.existing_id for c in err.value.candidates] == [existing]


def test_many_keys_at_once(store: Store) -> None:
    existing = person(store, email="twin@example.com")
    cs = store.change()
    refs = [cs.create_person(f"N{i}") for i in range(250)]  # more keys than a literal IN list takes
    for i, ref in enumerate(refs):
        cs.add_info(ref, "email", "twin@example.com" if i == 249 else f"n{i}@example.com")
    with pytest.raises(DuplicatesFound) as err:
        cs.commit()
    assert [(c.contact, c.existing_id) for c in err.value.candidates] == [("new contact #250", existing)]
