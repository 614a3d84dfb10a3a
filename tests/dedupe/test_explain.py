"""The text kept with each matched pair: the same per pair, each distinct text held once."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from crmdata.dedupe import explain, fellegi
from crmdata.dedupe.compare import COMPARISONS, gamma


def _pairs() -> pd.DataFrame:
    """Five scored person pairs: rows 0, 2 and 4 share every level and term frequency, row 3
    differs from them only by the term frequency of the last name (which the default model,
    without term-frequency tables, does not weigh), row 1 by a level."""
    names = [c.name for c in COMPARISONS["P"]]
    rows = []
    for i in range(5):
        row: dict[str, object] = {"id1": i, "id2": 100 + i}
        for name in names:
            row[gamma(name)] = np.nan
        row[gamma("last_name")] = 4.0
        row[gamma("first_name")] = 1.0 if i == 1 else 4.0
        row["tf_last_name"] = 0.02 if i == 3 else 0.001
        rows.append(row)
    return pd.DataFrame(rows)


def test_each_pair_gets_the_text_written_out_for_it_alone() -> None:
    frame = _pairs()
    model = fellegi.default_model("P")
    texts = explain.Texts(model)
    codes = texts.codes(frame)
    waterfalls, reasons = texts.categorical(codes, "waterfall"), texts.categorical(codes, "reasons")
    alone = explain.waterfall_json(frame, model)
    assert list(waterfalls.astype(object)) == alone
    assert list(reasons.astype(object)) == [explain.reasons_text(w) for w in alone]
    assert len(set(alone)) == 2 and len(waterfalls.categories) == 2 and len(reasons.categories) == 2
    assert waterfalls[0] == waterfalls[2] == waterfalls[3] == waterfalls[4] != waterfalls[1]


def test_no_pairs_no_text() -> None:
    texts = explain.Texts(fellegi.default_model("P"))
    codes = texts.codes(_pairs().iloc[:0])
    waterfalls, reasons = texts.categorical(codes, "waterfall"), texts.categorical(codes, "reasons")
    assert len(waterfalls) == 0 and len(reasons) == 0


def test_batches_share_the_numbers_of_their_texts() -> None:
    """The same levels in a later batch (here with integer codes, as a batch without a missing
    value comes) get the number the first batch gave them."""
    frame = _pairs()
    texts = explain.Texts(fellegi.default_model("P"))
    first = texts.codes(frame.iloc[:2])
    later = frame.iloc[2:].copy()
    later[gamma("first_name")] = later[gamma("first_name")].astype("int64")
    second = texts.codes(later)
    codes = np.concatenate([first, second])
    assert list(texts.categorical(codes).astype(object)) == explain.waterfall_json(frame, texts.model)
    assert codes[0] == codes[2] and codes[1] != codes[0] and len(texts.waterfalls) == 3


def test_texts_are_the_waterfall_rows_as_json_and_their_reasons() -> None:
    """Texts made column by column equal the reference: each pair's :func:`waterfall_rows`
    written with ``json.dumps``, and :func:`reasons_text` of that (here with term-frequency
    terms, a Platt scaling, a missing field and a term frequency rounding to a negative zero)."""
    model = fellegi.default_model("P")
    model.tf_default = {"last_key": 0.01}
    model.platt = (0.8, -0.25)
    log2_u, _floor = model.tf_terms()["last_name"]
    frame = _pairs()
    frame.loc[1, gamma("birthday")] = 4
    frame.loc[2, "tf_last_name"] = 2.0 ** (log2_u + 0.0004)  # tf weight -0.0004: rounds to -0.0
    frame.loc[4, "tf_last_name"] = np.nan
    expected = [json.dumps({"kind": "P", "prior": round(model.prior_weight, 3), "platt": model.platt,
                            "steps": explain.waterfall_rows(row, model)})
                for row in frame.to_dict("records")]
    waterfalls, reasons = explain.texts_of(frame, model)
    assert waterfalls == expected
    assert reasons == [explain.reasons_text(w) for w in expected]
    assert '"last_name", 4, ' in waterfalls[0] and "-0.0]" in waterfalls[2] and "(tf " in reasons[3]
    assert "no birthday to compare" in waterfalls[0] and "no birthday" not in waterfalls[1]
