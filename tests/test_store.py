"""The store: schema on open, refusing what is not a store, reads as a user."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdata import AccessDenied, NotFound, Store, StoreError
from crmdata.access import User, can_view, view_predicate
from crmdata.db import Database
from crmdata.schema import SCHEMA_VERSION

from .csvio.helpers import write_oo


def test_new_store_has_schema_defaults_and_admin(store: Store) -> None:
    assert store.db.schema_version == SCHEMA_VERSION
    assert list(store.temperature_levels().title) == ["Cold", "Warm", "Hot"]
    assert list(store.temperature_levels().color) == ["#8a98d8", "#ffd267", "#df7895"]
    assert list(store.contact_types().title) == ["Client", "Supplier", "Partner", "Competitor"]
    assert sorted(store.tags().tag) == ["Customer", "Lead", "Staff", "Supplier"]
    assert store.user.login == "admin" and store.user.is_admin


def test_reopening_keeps_data(store_path: Path, tmp_path: Path) -> None:
    s = Store(store_path)
    s.import_onlyoffice(write_oo(tmp_path / "a.csv", [{"First Name": "Ann"}]))
    s.close()
    assert Store(store_path, create=False).contacts().display_name.tolist() == ["Ann"]


def test_refuses_what_is_not_a_store(tmp_path: Path) -> None:
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="Cannot open the store|not a crmdata store"):
        Store(junk)
    other = tmp_path / "other.duckdb"
    import duckdb

    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="not a crmdata store"):
        Store(other)
    with pytest.raises(StoreError, match="There is no store"):
        Store(tmp_path / "missing.duckdb", create=False)


def test_refuses_a_newer_schema(store_path: Path) -> None:
    db = Database(store_path)
    with db.transaction() as tx:
        tx.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer crmdata"):
        Store(store_path)


def test_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.db.transaction() as tx:
            tx.execute("INSERT INTO users (id, login, name) VALUES (7, 'x', 'x')")
            raise RuntimeError("boom")
    assert store.users().login.tolist() == ["admin"]


def test_reads_honour_access(store: Store, tmp_path: Path) -> None:
    store.add_user("eve")
    store.add_user("sam")
    store.import_onlyoffice(write_oo(tmp_path / "r.csv", [{"First Name": "Secret"}]),
                            share_type=0, managers=["sam"])
    store.import_onlyoffice(write_oo(tmp_path / "o.csv", [{"First Name": "Open"}]), share_type=2)
    eve, sam = store.as_user("eve"), store.as_user("sam")
    assert eve.contacts().display_name.tolist() == ["Open"]
    assert sorted(sam.contacts().display_name) == ["Open", "Secret"]
    secret_id = int(store.contacts().set_index("display_name").loc["Secret", "id"])
    with pytest.raises(NotFound, match=f"There is no contact {secret_id}"):
        eve.contact(secret_id)
    missing = 12345
    with pytest.raises(NotFound, match=f"There is no contact {missing}"):
        eve.contact(missing)
    assert eve.info([secret_id]).empty and eve.count() == 1
    assert eve.summary()["kind"].contacts.sum() == 1
    assert sam.contact(secret_id).can_edit
    open_id = int(store.contacts().set_index("display_name").loc["Open", "id"])
    assert not eve.contact(open_id).can_edit  # Read share: view only
    with pytest.raises(AccessDenied):
        eve.add_user("x")


@pytest.mark.parametrize("share_type", [0, 1, 2])
@pytest.mark.parametrize("is_manager", [False, True])
@pytest.mark.parametrize("is_admin", [False, True])
def test_sql_and_python_view_rules_agree(store: Store, share_type: int, is_manager: bool,
                                         is_admin: bool) -> None:
    user = User(5, "u", "u", is_admin)
    with store.db.transaction() as tx:
        tx.execute(
            "INSERT INTO contacts (id, is_company, first_name, display_name, share_type, created_by, "
            "created_at, updated_by, updated_at) VALUES (1, FALSE, 'A', 'A', ?, 1, now(), 1, now())",
            [share_type])
        if is_manager:
            tx.execute("INSERT INTO contact_managers VALUES (1, 5)")
        pred, params = view_predicate(user)
        sql_says = bool(tx.scalar(f"SELECT count(*) FROM contacts c WHERE {pred}", params))
    assert sql_says == can_view(user, share_type, {5} if is_manager else set())
