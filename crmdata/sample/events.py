"""Deals and history events of a sample, keyed by the 1-based data-row number of the contacts.

History makes "last activity" meaningful: about 15 % of the rows have none, 15 % only events
three to eight years old (stale contacts), the rest at least one event in the last ten
months. Deals link a main contact to participants that are rows of the same file (a
company's persons, a person's company and colleagues). Texts come from small template
tables indexed with numpy, so millions of events take seconds.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from . import names as N
from .entities import Components, Rng, obj

_DAY = np.timedelta64(1, "D")
_CURRENCY = obj(["EUR", "GBP", "USD"])


def _timestamps(rng: Rng, as_of: date, days_back: np.ndarray) -> np.ndarray:
    """Business-hour timestamps ``days_back`` whole days before ``as_of``."""
    base = np.datetime64(as_of, "s") - days_back.astype(np.int64) * _DAY
    seconds = rng.integers(8 * 3600, 18 * 3600, len(days_back)) // 60 * 60
    return (base + seconds.astype("timedelta64[s]")).astype("datetime64[ns]")


def _by_row_and_time(row: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The order by row, then time: one stable sort of a combined integer key (faster than lexsort)."""
    if not len(row):
        return np.zeros(0, dtype=np.int64)
    seconds = at.astype("datetime64[s]").view(np.int64)
    seconds = seconds - seconds.min()
    assert seconds.max() < 2**32 and row.max() < 2**30
    return np.argsort((row << 32) | seconds, kind="stable")


def _mid_sentence(topic: str, lang: str) -> str:
    """English topics are lower-cased inside a sentence; German nouns keep their capital."""
    return topic if lang == "de" else topic[:1].lower() + topic[1:]


def _lang(loc: np.ndarray) -> np.ndarray:
    """0 German, 1 English: the language a contact's notes and deal titles are in."""
    return (loc != 0).astype(np.int64)


def history(rng: Rng, rows: Components, final_row: np.ndarray, as_of: date) -> pd.DataFrame:
    """History events (row, category, content, event_at), sorted by row and time."""
    n = len(final_row)
    kind = rng.choice(3, n, p=[0.15, 0.15, 0.7])  # 0 none, 1 stale, 2 recent
    count = np.where(kind == 0, 0, np.where(kind == 1, rng.integers(1, 4, n), rng.integers(1, 7, n)))
    owner = np.repeat(np.arange(n), count)
    m = len(owner)
    starts = np.repeat(np.cumsum(count) - count, count)
    first = np.arange(m) == starts
    stale = kind[owner] == 1
    u = rng.random(m)
    days = np.where(stale, 3 * 365 + u * 5 * 365, np.where(first, u * 300, u * 3 * 365))
    at = _timestamps(rng, as_of, days)

    cats = len(N.HISTORY_CATEGORIES)
    topics = N.DEAL_TOPICS
    n_tpl = 3
    table = obj([
        N.HISTORY_TEXTS[lang][cat][t].format(topic=_mid_sentence(topics[lang][k], lang))
        for lang in ("de", "en") for cat in N.HISTORY_CATEGORIES
        for t in range(n_tpl) for k in range(len(topics["de"]))
    ])
    lang = _lang(rows["loc"][owner])
    cat = rng.integers(0, cats, m)
    tpl = rng.integers(0, n_tpl, m)
    topic = rng.integers(0, len(topics["de"]), m)
    content = table[((lang * cats + cat) * n_tpl + tpl) * len(topics["de"]) + topic]
    row = final_row[owner].astype(np.int64)
    order = _by_row_and_time(row, at)
    return pd.DataFrame({
        "row": row[order],
        "category": obj(N.HISTORY_CATEGORIES)[cat][order],
        "content": content[order],
        "event_at": at[order],
    })


def _participants(
    main: np.ndarray,
    u: np.ndarray,
    is_company: np.ndarray,
    entity: np.ndarray,
    company_row: np.ndarray,
    final_row: np.ndarray,
) -> list[list[int]]:
    """Each deal's other contacts (sorted file rows), drawn with the numbers ``u`` (4 x deals).

    A company's deal: up to two of the persons that name one of its rows, consecutive in
    its staff list from a random start. A person's deal: 60 % its company row, and then
    30 % one colleague. Vectorised over a compressed staff list per company entity.
    """
    m = len(main)
    linked = np.flatnonzero(company_row >= 0)
    owner = entity[company_row[linked]]
    order = np.argsort(owner, kind="stable")
    staff = linked[order]  # person rows grouped by the company entity they name
    size = np.bincount(owner, minlength=len(entity)) if len(owner) else np.zeros(len(entity), np.int64)
    first = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    place = np.empty(len(entity), dtype=np.int64)  # where each linked person sits in ``staff``
    place[staff] = np.arange(len(staff))
    deal_of: list[np.ndarray] = []
    member: list[np.ndarray] = []

    # a company's deal: k = min(size, floor(3 u0)) persons from position floor(u1 size) on
    comp = np.flatnonzero(is_company[main])
    e = entity[main[comp]]
    k = np.minimum(size[e], (u[0, comp] * 3).astype(np.int64))
    deal = np.repeat(comp, k)
    if len(deal):
        step = np.arange(len(deal)) - np.repeat(np.cumsum(k) - k, k)
        ed = entity[main[deal]]
        start = (u[1, deal] * size[ed]).astype(np.int64)
        deal_of.append(deal)
        member.append(staff[first[ed] + (start + step) % size[ed]])

    # a person's deal: its company row, then perhaps a colleague (not the person itself)
    pers = np.flatnonzero(~is_company[main])
    c = company_row[main[pers]]
    with_company = pers[(c >= 0) & (u[0, pers] < 0.6)]
    c = company_row[main[with_company]]
    deal_of.append(with_company)
    member.append(c)
    ec = entity[c]
    others = size[ec] - 1
    colleague = (others > 0) & (u[2, with_company] < 0.3)
    d = with_company[colleague]
    q = (u[3, d] * others[colleague]).astype(np.int64)
    mine = place[main[d]] - first[ec[colleague]]
    q = q + (q >= mine)  # skip the person itself in its company's staff list
    deal_of.append(d)
    member.append(staff[first[ec[colleague]] + q])

    deals_idx = np.concatenate(deal_of) if deal_of else np.zeros(0, np.int64)
    rows = final_row[np.concatenate(member)] if member else np.zeros(0, np.int64)
    pairs = np.unique(deals_idx.astype(np.int64) * (len(final_row) + 1) + rows)  # sorted, no repeats
    deals_idx, rows = np.divmod(pairs, len(final_row) + 1)
    counts = np.bincount(deals_idx, minlength=m)
    ends = np.cumsum(counts).tolist()
    flat = rows.tolist()
    return [flat[b - n:b] for n, b in zip(counts.tolist(), ends, strict=True)]


def deals(
    rng: Rng,
    rows: Components,
    entity: np.ndarray,
    company_row: np.ndarray,
    final_row: np.ndarray,
    as_of: date,
) -> pd.DataFrame:
    """Deals (row, title, stage, bid_value, bid_currency, created_at, participant_rows)."""
    n = len(final_row)
    is_company = rows["is_company"]
    has = rng.random(n) < np.where(is_company, 0.35, 0.12)
    count = np.where(has, rng.choice([1, 2, 3], n, p=[0.6, 0.3, 0.1]), 0)
    main = np.repeat(np.arange(n), count)
    m = len(main)

    u = rng.random((4, m))
    participants = _participants(main, u, is_company, entity, company_row, final_row)

    days = rng.random(m) * 4 * 365
    created = _timestamps(rng, as_of, days)
    years = pd.DatetimeIndex(created).year.to_numpy()
    lang = _lang(rows["loc"][main])
    topic_idx = rng.integers(0, len(N.DEAL_TOPICS["de"]), m)
    topic = np.where(lang == 0, obj(N.DEAL_TOPICS["de"])[topic_idx], obj(N.DEAL_TOPICS["en"])[topic_idx])
    title = topic + " " + obj([str(y) for y in years])
    stage_p = np.asarray([0.15, 0.15, 0.2, 0.15, 0.2, 0.15])
    stage = obj(N.DEAL_STAGES)[rng.choice(len(N.DEAL_STAGES), m, p=stage_p)]
    value = np.round(np.exp(rng.normal(8.5, 1.1, m)), -1) + np.round(rng.random(m), 2) * (rng.random(m) < 0.2)
    row = final_row[main].astype(np.int64)
    order = _by_row_and_time(row, created)
    participant_col = np.empty(m, dtype=object)
    participant_col[:] = participants
    return pd.DataFrame({
        "row": row[order],
        "title": title[order],
        "stage": stage[order],
        "bid_value": np.round(value, 2)[order],
        "bid_currency": _CURRENCY[rows["loc"][main]][order],
        "created_at": created[order],
        "participant_rows": participant_col[order],
    })


def contact_dates(rng: Rng, n: int, deals: pd.DataFrame, history: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """When each row's contact was created and last updated (row, created_at, updated_at).

    Created one to seven years before ``as_of`` and before the contact's first deal or event;
    updated around its last deal or event (edits follow activity), or, without any, at some
    time after creation or never since (about a third). So the sample has contacts of every
    age, and the stale ones (no update and no activity for a year) are the ones a CRM has.
    """
    end = np.datetime64(as_of, "s").astype("datetime64[ns]")
    at = pd.concat([pd.DataFrame({"row": deals["row"], "at": deals["created_at"]}),
                    pd.DataFrame({"row": history["row"], "at": history["event_at"]})])
    span = at.groupby("row")["at"].agg(["min", "max"]).reindex(np.arange(1, n + 1))
    first = span["min"].to_numpy(dtype="datetime64[ns]")
    last = span["max"].to_numpy(dtype="datetime64[ns]")
    has = ~np.isnat(last)
    created = _timestamps(rng, as_of, rng.integers(365, 7 * 365, n))
    lead = rng.integers(1, 90, n) * _DAY
    created = np.where(has, np.minimum(created, first - lead), created)
    after_activity = last - rng.integers(0, 30, n) * _DAY
    some_time = created + ((end - created) * rng.random(n)).astype("timedelta64[ns]")
    untouched = rng.random(n) < 0.35
    updated = np.where(has, after_activity, np.where(untouched, created, some_time))
    updated = np.maximum(np.minimum(updated, end), created)
    return pd.DataFrame({"row": np.arange(1, n + 1, dtype=np.int64),
                         "created_at": created.astype("datetime64[s]"),
                         "updated_at": updated.astype("datetime64[s]")})
