"""Match keys built for a few contacts by id are those of a build over the whole store."""

from __future__ import annotations

import pandas as pd

from crmdata import Store
from crmdata.dedupe import keys


def _tables(store: Store, ids: list[int] | None) -> dict[str, pd.DataFrame]:
    with store.db.read() as tx:
        keys.build(tx, store.user, ids=ids, prefix="kt_")
        out = {t: tx.df(f"SELECT * FROM kt_{t} ORDER BY ALL") for t in ("c", "email", "phone", "domain")}
        keys.drop(tx, "kt_")
    return out


def test_keys_of_some_contacts_by_id_equal_the_whole_builds_rows(sample_store: Store) -> None:
    with sample_store.db.read() as tx:
        persons = [int(r[0]) for r in tx.rows(
            "SELECT id FROM contacts WHERE company_id IS NOT NULL ORDER BY id LIMIT 15")]
        companies = [int(r[0]) for r in tx.rows(
            "SELECT id FROM contacts WHERE is_company ORDER BY id LIMIT 5")]
    ids = sorted(persons + companies)
    whole = _tables(sample_store, None)
    some = _tables(sample_store, ids)
    assert len(some["c"]) == len(ids)
    assert some["c"]["comp_key"].notna().sum() >= 15  # persons carry their company's name
    for name, frame in some.items():
        expected = whole[name][whole[name]["id"].isin(ids)].reset_index(drop=True)
        cols = [c for c in frame.columns if not c.startswith("tf_")]  # frequencies are the store's
        pd.testing.assert_frame_equal(frame[cols], expected[cols], obj=name)
    assert len(_tables(sample_store, [])["c"]) == 0
