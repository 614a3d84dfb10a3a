"""Summaries: counts by rule and severity from literal findings; last-activity buckets on a store."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from crmdata import Store
from crmdata.quality import summary

from ..builders import person
from .helpers import sql


def _findings() -> pd.DataFrame:
    return pd.DataFrame({
        "contact_id": [1, 1, 2, 3, 3],
        "rule": ["name_case", "stale", "name_case", "email_invalid", "name_case"],
        "severity": ["warning", "info", "warning", "error", "warning"],
        "fixable": [True, False, True, False, True],
    })


def test_counts_and_severities() -> None:
    counts = summary.counts(_findings())
    assert counts[["rule", "severity", "findings", "contacts", "fixable"]].values.tolist() == [
        ["email_invalid", "error", 1, 1, 0],
        ["name_case", "warning", 3, 3, 3],
        ["stale", "info", 1, 1, 0],
    ]
    assert summary.by_severity(_findings()).to_dict() == {"error": 1, "warning": 3, "info": 1}
    text = summary.text(_findings())
    assert text.startswith("5 findings on 3 contacts: 1 error, 3 warning, 1 info.")
    assert "3 fixable" in text


def test_empty() -> None:
    empty = _findings().iloc[0:0]
    assert summary.counts(empty).empty
    assert summary.by_severity(empty).sum() == 0
    assert summary.text(empty) == "No findings."


@pytest.mark.slow
def test_last_activity_buckets(store: Store) -> None:
    today = dt.date(2030, 6, 1)
    ids = [person(store, f"P{i}") for i in range(4)]
    ages = {ids[0]: 5, ids[1]: 100, ids[2]: 400, ids[3]: 2000}
    for cid, days in ages.items():
        sql(store, "UPDATE contacts SET updated_at = ? WHERE id = ?",
            [dt.datetime.combine(today - dt.timedelta(days=days), dt.time()), cid])
    # a recent call makes the 400-day-old contact active again
    sql(store, "INSERT INTO history_events VALUES (1, ?, NULL, 'Call', 'called', ?, 1)",
        [ids[2], dt.datetime.combine(today - dt.timedelta(days=10), dt.time())])
    frame = store.last_activity(as_of=today, stale_days=200)
    assert frame["contacts"].sum() == 4
    by = dict(zip(frame["bucket"], frame["contacts"], strict=True))
    assert by["0-1m"] == 2 and by["3m-6m"] == 1 and by["3y+"] == 1
    assert frame.loc[frame["from_days"] >= 200, "stale"].all()
    assert not frame.loc[frame["from_days"] < 200, "stale"].any()
    assert "200d-1y" in by  # the stale period is one of the edges
    stale = store.check("stale", as_of=today, stale_days=200)
    assert stale["contact_id"].tolist() == [ids[3]]
    assert frame.loc[frame["stale"], "contacts"].sum() == len(stale)
