"""Comparison vectors: missing values are missing, never agreement; households are not duplicates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmdata import Store
from crmdata.dedupe import classify, compare, keys
from crmdata.edit import ExactKeyChecker

from ..builders import person


def _person(store: Store, first: str, last: str, **info: str) -> int:
    return person(store, first, last, checker=ExactKeyChecker(), **info)


def _vectors(store: Store, pairs: list[tuple[int, int]]) -> pd.DataFrame:
    with store.db.read() as tx:
        keys.build(tx, store.user, default_region="DE")
        tx.register("nick_", keys.nickname_pairs())
        tx.execute("CREATE TEMP TABLE dd_nick AS SELECT * FROM nick_")
        tx.register("p_", pd.DataFrame(pairs, columns=["id1", "id2"]))
        return tx.df(compare.vectors_sql("p_")).sort_values(["id1", "id2"], ignore_index=True)


def test_missing_values_are_not_agreement(store: Store) -> None:
    a = _person(store, "Anna", "Schmidt")
    b = _person(store, "Anna", "Schmidt")
    c = _person(store, "Anna", "Schmidt", email="anna@example.com", phone="030 1234567")
    v = _vectors(store, [(a, b), (a, c)])
    for field in ("email", "phone", "addr", "company", "birthday"):
        assert v[field].isna().all(), field
    assert v["first"].tolist() == [3, 3] and v["last"].tolist() == [3, 3]
    model = classify.prior_model("P")
    contrib = classify.contributions(v, model)
    assert (contrib[["email", "phone", "addr", "company", "birthday"]] == 0.0).all().all()
    assert (classify.score(v, model) < 0.5).all()  # a shared common name alone is no duplicate


def test_shared_and_different_keys(store: Store) -> None:
    a = _person(store, "Jürgen", "Müller", email="j.mueller@example.com", phone="+49 30 1234567")
    b = _person(store, "Juergen", "Mueller", email="JMueller@web.de", phone="030 1234567")
    c = _person(store, "Bob", "Miller", email="bob@example.com")
    d = _person(store, "Robert", "Miller", email="other@example.com")
    v = _vectors(store, [(a, b), (c, d)])
    assert v.loc[0, ["first", "last", "email", "phone"]].tolist() == [3, 3, 0, 1]
    assert v.loc[1, ["first", "last", "email"]].tolist() == [2, 3, 0] and pd.isna(v.loc[1, "phone"])


def test_households_and_switchboards_are_ruled_out(store: Store) -> None:
    a = _person(store, "Jürgen", "Müller", phone="030 1234567", email="family@example.com")
    b = _person(store, "Petra", "Müller", phone="030 1234567", email="family@example.com")
    c = _person(store, "Tom", "Weber", phone="030 1234567")
    v = _vectors(store, [(a, b), (a, c)])
    assert not compare.eligible(v).any()
    model = classify.prior_model("P")
    assert np.all(np.isfinite(classify.score(v, model)))


def test_fill_keys_writes_e164_beside_imported_phones(store: Store) -> None:
    from crmdata.matchkeys import fill_keys

    a = _person(store, "Jürgen", "Müller", phone="030 1234567")
    with store.db.transaction() as tx:  # as a bulk import leaves them, plus an unreadable phone
        tx.execute("UPDATE contact_info SET e164 = NULL")
        tx.execute("INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary) "
                   "VALUES (99, ?, 0, 1, 'call the office', FALSE)", [a])
    assert fill_keys(store.db, default_region="DE") == {"emails": 0, "phones": 2}
    with store.db.read() as tx:
        assert tx.rows("SELECT data, e164 FROM contact_info WHERE info_type = 0 ORDER BY id") == [
            ("030 1234567", "+49301234567"), ("call the office", "")]
    assert fill_keys(store.db, default_region="DE") == {"emails": 0, "phones": 0}
