"""Summaries a person would rather look at than read: findings counted by rule and severity,
and how long ago contacts were last active (the data behind the notebook's chart).

Last activity is the later of a contact's last update and its last history event; a contact
is stale exactly when that day lies before the stale cutoff, so the histogram's buckets are cut
at the cutoff and each bucket is either wholly stale or wholly current.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..access import view_predicate
from .check import DEFAULT_STALE_DAYS
from .rules import RULES, SEVERITIES

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database

#: Bucket edges in days since last activity (the stale period is added as one more edge).
ACTIVITY_EDGES = (30, 90, 180, 365, 730, 1095)


def counts(findings: pd.DataFrame) -> pd.DataFrame:
    """One row per rule that found something: severity, findings, contacts, how many are fixable.

    Worst severity first, then the most findings.
    """
    cols = ["rule", "severity", "findings", "contacts", "fixable", "description"]
    if findings.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    grouped = findings.groupby(["rule", "severity"], sort=False).agg(
        findings=("contact_id", "size"), contacts=("contact_id", "nunique"),
        fixable=("fixable", "sum")).reset_index()
    grouped["fixable"] = grouped["fixable"].astype(int)
    grouped["description"] = grouped["rule"].map({r.name: r.description for r in RULES})
    grouped["_s"] = grouped["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    grouped = grouped.sort_values(["_s", "findings"], ascending=[True, False], kind="stable")
    return grouped[cols].reset_index(drop=True)


def by_severity(findings: pd.DataFrame) -> pd.Series:
    """Findings per severity (error, warning, info), zeros included."""
    got = findings["severity"].value_counts() if not findings.empty else pd.Series(dtype=int)
    return pd.Series({s: int(got.get(s, 0)) for s in SEVERITIES}, name="findings")


def text(findings: pd.DataFrame) -> str:
    """A few lines for a terminal or a cron mail: totals, then one line per rule."""
    if findings.empty:
        return "No findings."
    sev = by_severity(findings)
    head = (f"{len(findings):,} findings on {findings['contact_id'].nunique():,} contacts: "
            + ", ".join(f"{n:,} {s}" for s, n in sev.items() if n) + ".")
    lines = [head]
    for r in counts(findings).to_dict("records"):
        fix = f", {r['fixable']:,} fixable" if r["fixable"] else ""
        lines.append(f"  {r['severity']:<7} {r['rule']:<16} {r['findings']:>9,} findings on "
                     f"{r['contacts']:,} contacts{fix}")
    return "\n".join(lines)


def activity_sql(user: Any, as_of: dt.date, edges: tuple[int, ...]) -> tuple[str, list[object]]:
    """Visible contacts counted by days since last activity, in buckets cut at ``edges``."""
    pred, params = view_predicate(user, "c")
    cases = " ".join(f"WHEN age < {e} THEN {i}" for i, e in enumerate(edges))
    sql = f"""
        WITH last AS (SELECT contact_id, max(event_at) AS at FROM history_events GROUP BY contact_id),
        ages AS (
            SELECT date_diff('day', CAST(greatest(c.updated_at, coalesce(last.at, c.updated_at)) AS DATE),
                             ?::DATE) AS age
            FROM contacts c LEFT JOIN last ON last.contact_id = c.id WHERE {pred}
        )
        SELECT CASE {cases} ELSE {len(edges)} END AS bucket, count(*) AS contacts
        FROM ages GROUP BY bucket ORDER BY bucket
    """
    return sql, [as_of, *params]


def last_activity(db: Database, user: User, *, as_of: dt.date | None = None,
                  stale_days: int = DEFAULT_STALE_DAYS) -> pd.DataFrame:
    """Contacts by time since last activity: one row per bucket with its label, the days it
    covers, how many contacts fall in it and whether they are stale (older than the period)."""
    today = as_of or dt.date.today()
    edges = tuple(sorted(set(ACTIVITY_EDGES) | {int(stale_days)}))
    with db.read() as tx:
        got = dict(tx.rows(*activity_sql(user, today, edges)))
    rows = []
    lows = (0, *edges)
    for i, low in enumerate(lows):
        high = edges[i] if i < len(edges) else None
        label = f"{_span(low)}-{_span(high)}" if high is not None else f"{_span(low)}+"
        rows.append({"bucket": label, "from_days": low, "to_days": high,
                     "contacts": int(got.get(i, 0)), "stale": low >= stale_days})
    return pd.DataFrame(rows)


def _span(days: int) -> str:
    if days == 0:
        return "0"
    if days % 365 == 0:
        return f"{days // 365}y"
    if days % 30 == 0:
        return f"{days // 30}m"
    return f"{days}d"
