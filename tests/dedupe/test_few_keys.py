"""The write-back check's keys, made in Python, are the batch run's keys made in SQL."""

from __future__ import annotations

import pandas as pd
import pytest

from crmdata import Store
from crmdata.dedupe import fellegi, few_keys, keys
from crmdata.model import InfoType

from .literal import RAW_COLUMNS, company, person

_E, _P, _W = int(InfoType.EMAIL), int(InfoType.PHONE), int(InfoType.WEBSITE)


def _sql_tables(store: Store, frame: pd.DataFrame, groups: pd.DataFrame, info: pd.DataFrame | None,
                ids: list[int] | None = None) -> dict[str, pd.DataFrame]:
    """The batch run's tables: from the frame and info rows given, or (``ids``) built from the store."""
    with store.db.read() as tx:
        if ids is None:
            keys.load(tx, frame, groups, default_region="DE", info=info, prefix="kq_")
        else:
            keys.build(tx, store.user, default_region="DE", ids=ids, prefix="kq_")
        out = {t: tx.df(f"SELECT * FROM kq_{t}") for t in ("c", "email", "phone", "domain")}
        keys.drop(tx, "kq_")
    return out


def _same(python: pd.DataFrame, sql: pd.DataFrame, cols: list[str], name: str) -> None:
    def norm(f: pd.DataFrame) -> pd.DataFrame:
        clean = f[cols].astype(object).where(f[cols].notna(), None)
        return clean.sort_values(cols, key=lambda s: s.astype(str)).reset_index(drop=True)

    pd.testing.assert_frame_equal(norm(python), norm(sql), obj=name, check_dtype=False)


def _info(rows: list[tuple[int, int, str | None, str | None, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["contact_id", "info_type", "data", "email_key", "e164"])
    return frame.astype({"contact_id": "int64", "info_type": "int64", "data": "string",
                         "email_key": "string", "e164": "string"})


def test_edge_cases_of_emails_websites_and_phones_give_the_sql_keys(store: Store) -> None:
    contacts = [
        person(1, "Jürgen", "Müller", country="Germany"),
        person(2, "Anna", "Li"),
        company(3, "Weber & Suess GmbH"),
        company(4, "Acme Inc", country="United States"),
        person(5, "Eve", None),
    ]
    raw = pd.DataFrame([{c: r.get(c) for c in RAW_COLUMNS} for r in contacts], columns=RAW_COLUMNS)
    raw["company_id"] = raw["company_id"].astype("Int64")
    frame, groups = keys.key_frame(raw, "DE")
    info = _info([
        (1, _E, "  Juergen.Mueller@Example.DE ", None, None),  # folded name in the address
        (1, _E, "juergen.mueller@example.de", "juergen.mueller@example.de", None),  # the same key twice
        (1, _E, "no-at-sign.example.de", None, None),
        (1, _E, "@example.de", None, None),
        (1, _E, " @example.de", None, None),  # an @ at the key's edge: no address, whatever the spaces
        (1, _E, "x@", "x@", None),
        (1, _P, "+49 (0)30 1234567", None, None),  # no stored key: the SQL rule reads it
        (1, _P, "030 7654321", None, ""),  # '' stored: read again
        (1, _P, "12", None, None),  # nobody reads it
        (1, _P, "+49 30 999", None, "+4930999"),  # the stored key as it is
        (2, _E, "anna@web.de", None, None),  # a short name part: no loc
        (2, _E, "li.anna.private@gmx.de", None, None),
        (2, _P, "(030) 111 2222", None, None),
        (3, _W, "HTTPS://www.Weber-Suess.de/kontakt?x=1", None, None),
        (3, _W, "weber-suess.de:8080", None, None),
        (3, _W, "localhost", None, None),  # no dot: no domain
        (3, _E, "info@weber-suess.de", None, None),
        (3, _E, "weber.suess.gmbh@gmail.com", None, None),  # free mail: no domain
        (4, _W, "ftp+x://acme.com/", None, None),
        (4, _P, "(212) 555-0100", None, None),  # a US number in its region
        (4, _E, "a@@b.com", None, None),
        (5, _E, "eve.someone@example.org", None, None),
    ])
    sql = _sql_tables(store, frame, groups, info)
    with store.db.read() as tx:
        python = few_keys.info_keys(tx, info, frame, "DE")
    _same(python["email"], sql["email"], ["id", "k", "loc", "named"], "email")
    _same(python["phone"], sql["phone"], ["id", "k"], "phone")
    _same(python["domain"], sql["domain"], ["id", "k"], "domain")
    assert set(python["phone"]["k"]) >= {"+49301234567", "+49307654321", "+4930999", "+12125550100"}
    assert set(python["domain"]["k"]) == {"weber-suess.de", "acme.com"}  # none from a@@b.com
    named = dict(zip(python["email"]["k"], python["email"]["named"], strict=True))
    assert named["juergen.mueller@example.de"] and named["li.anna.private@gmx.de"]
    models = {k: fellegi.default_model(k) for k in ("P", "C")}
    table = few_keys.key_table(frame, python, models)
    def counts(f: pd.DataFrame) -> list[tuple[object, ...]]:
        return sorted((int(r[0]), *(None if pd.isna(v) else int(v) for v in r[1:]))
                      for r in f[["id", "n_email", "n_phone", "n_domain"]].itertuples(index=False))

    assert counts(table) == counts(sql["c"])


def test_keys_of_stored_contacts_equal_a_build_of_the_same_ids(sample_store: Store) -> None:
    with sample_store.db.read() as tx:
        ids = [int(r[0]) for r in tx.rows(
            "SELECT DISTINCT contact_id FROM contact_info WHERE info_type IN (0, 1, 2) ORDER BY 1 LIMIT 60")]
        ids += [int(r[0]) for r in tx.rows("SELECT id FROM contacts WHERE is_company ORDER BY id LIMIT 10")]
        raw = keys.contacts_frame(tx, sample_store.user, ids)
        frame, _groups = keys.key_frame(raw, "DE")
        companies = {int(i) for i, c in zip(raw["id"], raw["is_company"], strict=True) if c}
        info = few_keys.stored_info(tx, ids, companies)
        python = few_keys.info_keys(tx, info, frame, "DE")
    sql = _sql_tables(sample_store, frame, _groups, None, ids=ids)
    assert len(python["email"]) > 20 and len(python["phone"]) > 20 and len(python["domain"]) > 0
    keyed = (info["email_key"].fillna("") != "") | (info["e164"].fillna("") != "")
    assert keyed.any() and info.loc[keyed, "data"].isna().all()  # their texts are left unread
    _same(python["email"], sql["email"], ["id", "k", "loc", "named"], "email")
    _same(python["phone"], sql["phone"], ["id", "k"], "phone")
    _same(python["domain"], sql["domain"], ["id", "k"], "domain")


@pytest.mark.parametrize("value", [None, float("nan"), pd.NA])
def test_a_missing_key_column_stays_text_in_arrow(value: object) -> None:
    table = few_keys.arrow(pd.DataFrame({"id": [1], "k": [value], "tf_last_key": [None]}))
    assert [str(t) for t in table.schema.types] == ["int64", "string", "double"]
    assert table.to_pylist() == [{"id": 1, "k": None, "tf_last_key": None}]


@pytest.mark.parametrize(("info_type", "email_key", "e164", "is_company", "needed"), [
    (_E, "a@b.de", None, False, False),
    (_E, None, None, False, True),  # a row an older import left without its key
    (_E, "", None, False, True),
    (_P, None, "+4930999", False, False),
    (_P, None, "", False, True),  # no rule could read it: read again as the batch run does
    (_P, None, None, True, True),
    (_W, None, None, True, True),  # a company's website gives its domain
    (_W, None, None, False, False),
])
def test_a_stored_rows_text_is_read_only_where_its_keys_need_it(
        info_type: int, email_key: str | None, e164: str | None, is_company: bool, needed: bool) -> None:
    assert few_keys.needs_text(info_type, email_key, e164, is_company) is needed
