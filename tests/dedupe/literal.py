"""Scoring literal contacts with the comparison and scoring SQL, without a stored base (their keys
made as the write-back check makes them, :mod:`crmdata.dedupe.few_keys`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmdata import Store
from crmdata.dedupe import compare, fellegi, few_keys, keys
from crmdata.model import InfoType

RAW_COLUMNS = [
    "id",
    "is_company",
    "first_name",
    "last_name",
    "company_name",
    "company_id",
    "street",
    "zip",
    "city",
    "country",
    "birthday",
    "custom",
]


def person(cid: int, first: str | None, last: str | None, **fields: Any) -> dict[str, Any]:
    return {"id": cid, "is_company": False, "first_name": first, "last_name": last, **fields}


def company(cid: int, name: str, **fields: Any) -> dict[str, Any]:
    return {"id": cid, "is_company": True, "company_name": name, **fields}


def score(
    store: Store,
    rows: list[dict[str, Any]],
    pairs: list[tuple[int, int]],
    models: dict[str, fellegi.Model] | None = None,
) -> pd.DataFrame:
    """Per pair (in the given order): its level codes, match weight and probability.

    ``rows`` hold contacts-frame fields plus ``email`` / ``phone`` (a string or a list).
    """
    raw = pd.DataFrame([{c: r.get(c) for c in RAW_COLUMNS} for r in rows], columns=RAW_COLUMNS)
    raw["company_id"] = raw["company_id"].astype("Int64")
    info = []
    for r in rows:
        for field, itype in (("email", InfoType.EMAIL), ("phone", InfoType.PHONE)):
            values = r.get(field) or []
            for v in [values] if isinstance(values, str) else values:
                info.append(
                    {
                        "contact_id": r["id"],
                        "info_type": int(itype),
                        "data": v,
                        "email_key": None,
                        "e164": None,
                    }
                )
    info_df = pd.DataFrame(info, columns=["contact_id", "info_type", "data", "email_key", "e164"])
    info_df = info_df.astype(
        {
            "contact_id": "int64",
            "info_type": "int64",
            "data": "string",
            "email_key": "string",
            "e164": "string",
        }
    )
    models = models or {k: fellegi.default_model(k) for k in ("P", "C")}
    out = []
    with store.db.read() as tx:
        frame, _groups = keys.key_frame(raw, "DE")
        names = few_keys.register_side(tx, "dd_", frame, info_df, models, "DE")
        tx.register("dd_nick", keys.nickname_pairs())
        tx.register(
            "lit_pairs", pd.DataFrame([(min(a, b), max(a, b)) for a, b in pairs], columns=["id1", "id2"])
        )
        names += ["dd_nick", "lit_pairs"]
        for kind, model in models.items():
            got = tx.df(
                compare.score_sql(
                    compare.vectors_sql("lit_pairs", kind),
                    kind,
                    model.prior_weight,
                    model.weights(),
                    model.tf_terms(),
                )
            )
            if len(got):
                got["score"] = model.probability(got["match_weight"].to_numpy(dtype=float))
                got["kind"] = kind
                out.append(got)
        for name in names:
            tx.unregister(name)
    found = pd.concat(out, ignore_index=True)
    order = pd.DataFrame([(min(a, b), max(a, b)) for a, b in pairs], columns=["id1", "id2"])
    return order.merge(found, on=["id1", "id2"], how="left")
