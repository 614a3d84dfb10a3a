"""The comparison SQL: every level renders, set-valued fields, stored keys beside imported phones."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from crmdata import Store
from crmdata.dedupe import compare, fellegi

from .literal import person, score


@pytest.mark.parametrize("kind", ["P", "C"])
def test_every_comparison_renders_and_parses(kind: str) -> None:
    model = fellegi.default_model(kind)
    vectors = compare.vectors_sql("pairs", kind)
    sql = compare.score_sql(
        vectors, kind, model.prior_weight, model.weights(), model.tf_terms(), min_weight=0.0
    )
    con = duckdb.connect()
    con.execute("CREATE TABLE pairs (id1 BIGINT, id2 BIGINT)")
    with pytest.raises(duckdb.CatalogException, match="dd_"):  # parses; only the key tables are missing
        con.execute(sql)
    for comp in compare.COMPARISONS[kind]:
        codes = comp.codes()
        assert sorted(codes) == list(range(len(comp.levels) + 1))
        assert set(model.m[comp.name]) == set(codes) == set(model.u[comp.name])


def test_shared_and_different_keys(store: Store) -> None:
    rows = [
        person(1, "Jürgen", "Müller", email="j.mueller@example.com", phone="+49 30 1234567"),
        person(2, "Juergen", "Mueller", email="JMueller@web.de", phone="030 1234567"),
        person(3, "Bob", "Miller", email="skipper.77@example.com"),
        person(4, "Robert", "Miller", email=["other@example.com", "skipper.77@mail.de"]),
        person(5, "Thomas", "Fuchs", email="thomas.fuchs@t-online.de"),
        person(6, "Thomas", "Fuchs", email=["thomas.fuchs@posteo.de", "tf@example.com"]),
    ]
    got = score(store, rows, [(1, 2), (3, 4), (5, 6)])
    assert got.loc[0, ["g_first_name", "g_last_name", "g_email", "g_phone"]].tolist() == [5, 4, 0, 1]
    assert got.loc[1, ["g_first_name", "g_last_name", "g_email"]].tolist() == [3, 4, 1]
    assert got["g_phone"].isna().iloc[1]
    # an address named after the person, at another domain: no email evidence, as namesakes
    # write theirs alike (not a match, not a mismatch)
    assert pd.isna(got.loc[2, "g_email"]) and got.loc[2, "g_last_name"] == 4


def test_fill_keys_writes_e164_beside_imported_phones(store: Store) -> None:
    from crmdata.edit import ExactKeyChecker
    from crmdata.matchkeys import fill_keys

    cs = store.change(checker=ExactKeyChecker(), region="DE")
    ref = cs.create_person("Jürgen", "Müller")
    cs.add_info(ref, "phone", "030 1234567")
    a = cs.commit(on_duplicate="save").created[ref]
    with store.db.transaction() as tx:  # as a bulk import leaves them, plus an unreadable phone
        tx.execute("UPDATE contact_info SET e164 = NULL")
        tx.execute("INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary) "
                   "VALUES (99, ?, 0, 1, 'call the office', FALSE)", [a])
    assert fill_keys(store.db, default_region="DE") == {"emails": 0, "phones": 2}
    with store.db.read() as tx:
        assert tx.rows("SELECT data, e164 FROM contact_info WHERE info_type = 0 ORDER BY id") == [
            ("030 1234567", "+49301234567"), ("call the office", "")]
    assert fill_keys(store.db, default_region="DE") == {"emails": 0, "phones": 0}
