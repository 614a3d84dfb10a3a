"""Where to set the threshold, judged by the reviewer's own decisions.

Every pair of a group the reviewer merged counts as a duplicate, every pair of a group marked
"not a duplicate" as not one. At each threshold, the precision is the share of duplicates among
the reviewed pairs scored at or above it; the recall is the share of the reviewed duplicates
scored at or above it. The recall is relative: it counts only duplicates the scan put in front
of the reviewer, so it says what raising the threshold would lose, not what the scan missed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import CrmDataError

#: The columns of :func:`threshold_curve`.
CURVE_COLUMNS = ["threshold", "reviewed", "duplicates", "precision", "recall"]
#: Thresholds shown when none are asked for.
DEFAULT_THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.5, 1.0, 0.05)) + (0.99,)


def threshold_curve(reviewed: pd.DataFrame, thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Precision and recall at each threshold, estimated from reviewed pairs (pure).

    ``reviewed`` has a ``score`` (the pair's match probability) and a ``duplicate`` (the
    reviewer's verdict) column. A threshold above every reviewed score has no precision (NaN);
    with no reviewed duplicate, no recall.
    """
    missing = {"score", "duplicate"} - set(reviewed.columns)
    if missing:
        raise CrmDataError(f"Reviewed pairs need the columns {', '.join(sorted(missing))}.")
    scores = reviewed["score"].astype(float).to_numpy()
    verdict = reviewed["duplicate"].astype(bool).to_numpy()
    total_dups = int(verdict.sum())
    rows = []
    for t in sorted(float(x) for x in thresholds):
        above = scores >= t
        n = int(above.sum())
        dups = int((above & verdict).sum())
        precision = dups / n if n else float("nan")
        recall = dups / total_dups if total_dups else float("nan")
        rows.append([t, n, dups, precision, recall])
    return pd.DataFrame(rows, columns=CURVE_COLUMNS)
