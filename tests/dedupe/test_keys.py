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


def test_a_few_contacts_get_the_keys_of_the_same_contacts_among_many() -> None:
    """The write-back check's value-by-value path and a batch run's per-column path agree, and
    the value-by-value path takes the fields as lists too (:func:`keys.few_key_frame`)."""
    base = [
        {"id": 1, "is_company": False, "first_name": "Jürgen Karl", "last_name": "Müller-Lüdenscheidt",
         "company_name": "Weber & Suess GmbH", "company_id": 7, "street": "Hauptstr. 5a", "zip": "10115",
         "city": "Berlin", "country": "Germany", "birthday": "1984-03-07", "custom": "Gold  Kunde"},
        {"id": 2, "is_company": False, "first_name": None, "last_name": "Dean", "company_name": None,
         "company_id": None, "street": None, "zip": None, "city": None, "country": "Atlantis",
         "birthday": "1984", "custom": None},
        {"id": 3, "is_company": True, "first_name": "ignored", "last_name": "ignored",
         "company_name": "WEBER UND SUESS G.m.b.H.", "company_id": None, "street": "2950 W. 25th Street",
         "zip": None, "city": "Chicago", "country": "United States", "birthday": "1770-01-01", "custom": ""},
        {"id": 4, "is_company": False, "first_name": "Bill", "last_name": "O'Brien", "company_name": "",
         "company_id": float("nan"), "street": "", "zip": " 0815 ", "city": "KÖLN", "country": None,
         "birthday": "07.03.1984", "custom": None},
    ]
    few = keys.few_key_frame({c: [r.get(c) for r in base] for c in base[0] if c != "custom"}, "DE")
    rows = [dict(r, id=r["id"] + 10 * k) for k in range(20) for r in base]  # 80 contacts: above SMALL
    raw = pd.DataFrame(rows)
    raw["company_id"] = raw["company_id"].astype("Int64")
    assert len(raw) > keys.SMALL
    many, many_groups = keys.key_frame(raw, "DE")
    for i in range(len(base)):
        one, one_groups = keys.key_frame(raw.iloc[[i]], "DE")
        assert one.to_dict("records") == many.iloc[[i]].to_dict("records")
        same_id = many_groups[many_groups["id"] == raw["id"][i]]
        assert one_groups.to_dict("records") == same_id.to_dict("records")
    without_custom = raw.iloc[:len(base)].assign(custom=None)  # a field not given is missing
    pd.testing.assert_frame_equal(few[0], keys.key_frame(without_custom, "DE")[0])
    pd.testing.assert_frame_equal(few[1], keys.key_frame(without_custom, "DE")[1])
    assert few[0]["custom_key"].tolist() == [None] * len(base) and many["custom_key"].iloc[0] == "gold kunde"
    assert many.loc[1, "region"] == "DE" and many.loc[0, "first_head"] == "jurgen"
    assert set(many["kind"]) == {"P", "C"} and many["company_id"].iloc[3] is None


def test_each_contact_counts_its_keys_and_a_contact_without_any_has_none(sample_store: Store) -> None:
    with sample_store.db.read() as tx:
        keys.build(tx, sample_store.user, prefix="kt_")
        frame = tx.df("SELECT id, n_email, n_phone, n_domain FROM kt_c")
        for name in ("email", "phone", "domain"):
            rows = tx.df(f"SELECT id, k FROM kt_{name}")
            counted = frame.set_index("id")[f"n_{name}"]
            expected = rows.groupby("id").size().reindex(counted.index)  # NaN: no key at all
            assert counted.isna().sum() > 0 and counted.notna().sum() > 0
            pd.testing.assert_series_equal(counted.astype(float), expected.astype(float), check_names=False)
        keys.drop(tx, "kt_")
