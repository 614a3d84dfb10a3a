"""Reasons for a score: which fields agreed or differed and how much each weighed.

A reason reads ``same last name +4.1``: the field level's label and the weight (natural-log
odds) it added to the pair's score. Missing fields give no reason and no weight. Reasons are
ordered by how much they weighed, strongest first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .classify import Model
from .compare import FIELDS


def reason_list(levels: dict[str, int | None], model: Model) -> list[tuple[str, float]]:
    """(label, weight) of one pair's field levels, strongest first (pure)."""
    labels = FIELDS[model.kind]
    out = []
    for f, lv in levels.items():
        if lv is None or f not in labels or f not in model.weights:
            continue
        out.append((labels[f][int(lv)], model.weights[f].get(int(lv), 0.0)))
    out.sort(key=lambda r: -abs(r[1]))
    return out


def reasons(vectors: pd.DataFrame, model: Model) -> np.ndarray:
    """One reasons text per pair of ``vectors`` (one kind).

    For example ``shared email +6.2; same last name +3.9``.
    """
    labels = FIELDS[model.kind]
    n = len(vectors)
    parts: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for f, levels in labels.items():
        lv = vectors[f].to_numpy(dtype="float64", na_value=np.nan)
        text = np.full(n, "", dtype=object)
        w = np.zeros(n)
        for level, label in levels.items():
            hit = lv == level
            weight = model.weights.get(f, {}).get(level, 0.0)
            text[hit] = f"{label} {weight:+.1f}"
            w[hit] = weight
        parts.append(text)
        weights.append(np.abs(w))
    if not n:
        return np.zeros(0, dtype=object)
    text_m = np.stack(parts, axis=1)
    order = np.argsort(-np.stack(weights, axis=1), axis=1, kind="stable")
    ranked = np.take_along_axis(text_m, order, axis=1)
    return np.array(["; ".join(t for t in row if t) for row in ranked.tolist()], dtype=object)
