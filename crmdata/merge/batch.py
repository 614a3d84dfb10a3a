"""Batch merges: every duplicate cluster whose pairs all score high enough, one cluster at a time.

Input is the pairs frame duplicate detection reports (``contact_id_1``, ``contact_id_2``,
``cluster_id``, ``score``). A cluster qualifies when it has at least one pair and every pair
reported inside it scores at least ``min_score``; pairs outside any cluster are ignored. Each
cluster is planned with the default survivorship rule and merged in its own transaction, so
one refused cluster (no edit rights, changed meanwhile) is reported and skipped while the
others still merge; each merged cluster is its own undoable change set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ..access import User
from ..db import Database
from ..errors import CrmDataError
from .apply import apply_merge
from .load import plan_for

#: Called once per cluster handled, with the cluster id (for progress bars).
Tick = Callable[[int], None]


#: One reported pair inside a cluster: ``(contact_id_1, contact_id_2, score, reasons)``.
Pair = tuple[int, int, float, str]


@dataclass(frozen=True)
class Cluster:
    """A duplicate cluster: its id, contacts, lowest pair score and its pairs, best first."""

    cluster_id: int
    ids: tuple[int, ...]
    min_score: float
    pairs: tuple[Pair, ...] = ()

    @property
    def score(self) -> float:
        """The best pair's score: how the review queue orders clusters."""
        return self.pairs[0][2] if self.pairs else self.min_score


def clusters_of(pairs: pd.DataFrame) -> list[Cluster]:
    """Every cluster of a duplicate report's pairs, best pair score first (pure); each
    cluster's pairs best first. Pairs outside any cluster are left out."""
    inside = pairs[pairs["cluster_id"].notna()]
    out = []
    for _cid, group in inside.groupby("cluster_id", sort=True):
        members = [(int(a), int(b), float(sc), str(r)) for a, b, sc, r in zip(
            group["contact_id_1"], group["contact_id_2"], group["score"],
            group["reasons"] if "reasons" in group else [""] * len(group), strict=True)]
        ranked = tuple(sorted(members, key=lambda p: (-p[2], p[0], p[1])))
        ids = tuple(sorted({i for a, b, _s, _r in members for i in (a, b)}))
        out.append(Cluster(int(group["cluster_id"].iloc[0]), ids, min(p[2] for p in members), ranked))
    return sorted(out, key=lambda c: (-c.score, c.ids))


def qualifying_clusters(pairs: pd.DataFrame, min_score: float) -> list[Cluster]:
    """The clusters whose every reported pair scores at least ``min_score`` (pure), by id."""
    found = [c for c in clusters_of(pairs) if c.min_score >= min_score]
    return sorted(found, key=lambda c: c.cluster_id)


def merge_clusters(
    db: Database, user: User, clusters: list[Cluster], *, dry_run: bool = False, tick: Tick | None = None
) -> pd.DataFrame:
    """Plan (and unless ``dry_run``, merge) each cluster; one report row per cluster.

    Columns: cluster_id, contacts, survivor, removed, conflicts, min_score, status,
    change_set_id. Status is "merged", "would merge" or "skipped: <why>".
    """
    rows = []
    for cl in clusters:
        survivor = removed = change_set = None
        conflicts = 0
        try:
            plan = plan_for(db, user, cl.ids)
            survivor, removed = plan.survivor_id, ", ".join(map(str, plan.removed_ids))
            conflicts = len(plan.conflicts)
            if dry_run:
                status = "would merge"
            else:
                change_set = apply_merge(db, user, plan).change_set_id
                status = "merged"
        except CrmDataError as exc:
            status = f"skipped: {exc.message}"
        rows.append((cl.cluster_id, ", ".join(map(str, cl.ids)), survivor, removed, conflicts,
                     cl.min_score, status, change_set))
        if tick is not None:
            tick(cl.cluster_id)
    return pd.DataFrame(rows, columns=["cluster_id", "contacts", "survivor", "removed", "conflicts",
                                       "min_score", "status", "change_set_id"]).astype(
        {"survivor": "Int64", "change_set_id": "Int64"})
