"""How the duplicate benchmark scores a system: pairwise P / R / F1 from clusters, calibration.

Pure functions over plain Python and pandas values, so each is checked with literal tables
(tests/test_linkage_metrics.py).

- Pairwise scores: every pair inside a predicted cluster is a predicted match (a false merge
  of clusters of sizes a and b costs a*b pairs); every pair inside a true entity is a true
  match; pairs are (smaller id, larger id).
- Calibration: a system that says "0.8" should be right 8 times in 10. The reliability table
  puts the scored pairs into 10 equal-width probability bins and compares each bin's mean
  predicted probability with its observed match rate; the expected calibration error (ECE) is
  the count-weighted mean of the gaps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from itertools import combinations

import numpy as np
import pandas as pd

Pair = tuple[int, int]


def cluster_pairs(cluster_of: Mapping[int, Hashable]) -> set[Pair]:
    """Every pair (smaller id first) of records that share a cluster (or entity) label."""
    members: dict[Hashable, list[int]] = defaultdict(list)
    for record, label in cluster_of.items():
        members[label].append(int(record))
    return {(a, b) for ids in members.values() for a, b in combinations(sorted(ids), 2)}


def pairwise_scores(found: set[Pair], truth: set[Pair]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of found pairs against true pairs (both smaller id first).

    With nothing found precision is 1 (no wrong claim) and F1 0 unless there is nothing to find.
    """
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": float(len(truth)),
            "found_pairs": float(len(found)), "true_positives": float(tp)}


def components(pairs: Iterable[Pair]) -> dict[int, int]:
    """Connected components of matched pairs: record id -> smallest id of its component.

    For systems that return matched pairs but no clusters (recordlinkage's classifiers).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    edges = np.asarray(list(pairs), dtype=np.int64).reshape(-1, 2)
    ids, codes = np.unique(edges, return_inverse=True)
    codes = codes.reshape(-1, 2)
    graph = coo_matrix((np.ones(len(codes)), (codes[:, 0], codes[:, 1])), shape=(len(ids), len(ids)))
    _n, label = connected_components(graph, directed=False)
    smallest = pd.Series(ids).groupby(label).transform("min").to_numpy()
    return {int(i): int(s) for i, s in zip(ids, smallest, strict=True)}


def reliability_table(probability: Iterable[float], is_match: Iterable[bool], bins: int = 10) -> pd.DataFrame:
    """One row per equal-width bin of predicted probability: ``low``, ``high``, ``pairs``,
    ``mean_p`` (mean predicted probability) and ``observed`` (share that are true matches).

    Bins are [0, 0.1), [0.1, 0.2), ... [0.9, 1.0]: 1.0 belongs to the last bin. Empty bins are
    kept with zero pairs and no means, so tables of different systems line up.
    """
    p = np.asarray(list(probability), dtype=float)
    y = np.asarray(list(is_match), dtype=bool)
    if p.shape != y.shape:
        raise ValueError(f"{len(p)} probabilities but {len(y)} labels")
    if len(p) and (np.isnan(p).any() or p.min() < 0 or p.max() > 1):
        raise ValueError("probabilities must lie in [0, 1]")
    which = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        rows.append({"low": b / bins, "high": (b + 1) / bins, "pairs": n,
                     "mean_p": float(p[inside].mean()) if n else float("nan"),
                     "observed": float(y[inside].mean()) if n else float("nan")})
    return pd.DataFrame(rows)


def expected_calibration_error(table: pd.DataFrame) -> float:
    """Sum over bins of (bin pairs / all pairs) * |mean predicted - observed|; NaN without pairs."""
    filled = table[table["pairs"] > 0]
    total = filled["pairs"].sum()
    if not total:
        return float("nan")
    return float((filled["pairs"] / total * (filled["mean_p"] - filled["observed"]).abs()).sum())
