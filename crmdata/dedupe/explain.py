"""Why a pair scored as it did: Splink's waterfall of match weights, stored with the pair.

A pair's match weight is the prior plus one weight per comparison (its level's ``log2(m/u)``,
plus the term-frequency term at an exact level); :func:`waterfall_rows` lists them in that
order with the running total, so the review dashboard can chart each comparison's part and
people can read which evidence carried the pair. A missing field is listed with weight 0.
The rows are kept with each reported pair as JSON (column ``waterfall``); :func:`waterfall`
turns one back into a DataFrame, :func:`reasons_text` into the one-line reasons.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .compare import COMPARISONS, gamma
from .fellegi import Model

#: The columns of a waterfall frame.
WATERFALL_COLUMNS = ["step", "comparison", "level", "label", "weight", "tf_weight", "total", "probability"]


class _Steps:
    """What every waterfall of one model shares (weights, term-frequency terms, labels), worked
    out once per model rather than once per pair."""

    def __init__(self, model: Model) -> None:
        self.weights = model.weights()
        self.terms = model.tf_terms()
        self.comparisons = [(c, c.codes(), c.tf_level()) for c in COMPARISONS[model.kind]]

    def tf_term(self, name: str, tf_level: tuple[int, str] | None, level: int, tf_value: Any) -> float:
        if (tf_level is None or name not in self.terms or level != tf_level[0] or tf_value is None
                or tf_value is pd.NA or math.isnan(tf_value)):
            return 0.0
        log2_u, floor = self.terms[name]
        return log2_u - math.log2(max(tf_value, floor))

    def rows(self, row: Mapping[str, Any]) -> list[list[Any]]:
        out: list[list[Any]] = []
        for comp, codes, tf_level in self.comparisons:
            code = row.get(gamma(comp.name))
            if code is None or (isinstance(code, float) and math.isnan(code)) or code is pd.NA:
                out.append([comp.name, None, f"no {comp.name.replace('_', ' ')} to compare", 0.0, 0.0])
                continue
            level = int(code)
            tfw = self.tf_term(comp.name, tf_level, level, row.get(f"tf_{comp.name}"))
            weight = round(self.weights[comp.name][level], 3)
            out.append([comp.name, level, codes[level], weight, round(tfw, 3)])
        return out


def waterfall_rows(row: Mapping[str, Any], model: Model) -> list[list[Any]]:
    """``[comparison, level code or None, label, weight, tf weight]`` per comparison (pure)."""
    return _Steps(model).rows(row)


def waterfall_json(frame: pd.DataFrame, model: Model) -> list[str]:
    """The stored waterfall (JSON) of each scored pair of ``frame`` (one kind)."""
    return texts_of(frame, model)[0]


def texts_of(frame: pd.DataFrame, model: Model) -> tuple[list[str], list[str]]:
    """(stored waterfall JSON, one-line reasons) of each scored pair of ``frame`` (one kind).

    The same texts as :func:`waterfall_rows` written with :func:`json.dumps` and read back by
    :func:`reasons_text`. A batch run writes them for every distinct matched pair, and most
    pairs differ in some term frequency, so they are put together from pieces made once per
    comparison level rather than through a dictionary and a JSON round trip per pair."""
    steps = _Steps(model)
    n = len(frame)
    head = (f'{{"kind": {json.dumps(model.kind)}, "prior": {json.dumps(round(model.prior_weight, 3))}, '
            f'"platt": {json.dumps(model.platt)}, "steps": [')
    fragments: list[list[str]] = []
    parts: list[list[tuple[str, float, float] | None]] = []  # (label, weight, tf weight) per step
    for comp, codes, tf_level in steps.comparisons:
        col = gamma(comp.name)
        raw = frame[col].astype(object).tolist() if col in frame.columns else [None] * n
        tf_raw = frame[f"tf_{comp.name}"].astype(object).tolist() if f"tf_{comp.name}" in frame.columns \
            else [None] * n
        missing = json.dumps([comp.name, None, f"no {comp.name.replace('_', ' ')} to compare", 0.0, 0.0])
        weights = {lv: round(w, 3) for lv, w in steps.weights[comp.name].items()}
        heads = {lv: json.dumps([comp.name, lv, codes[lv], w])[:-1] + ", " for lv, w in weights.items()}
        plain = {lv: (heads[lv] + "0.0]", (codes[lv], w, 0.0)) for lv, w in weights.items()}
        adjusted = tf_level[0] if tf_level is not None and comp.name in steps.terms else None
        texts: list[str] = []
        step_parts: list[tuple[str, float, float] | None] = []
        for code, tf_value in zip(raw, tf_raw, strict=True):
            if code is None or code is pd.NA or (isinstance(code, float) and math.isnan(code)):
                texts.append(missing)
                step_parts.append(None)
                continue
            level = int(code)
            if level != adjusted:
                text, part = plain[level]
                texts.append(text)
                step_parts.append(part)
                continue
            tfw = round(steps.tf_term(comp.name, tf_level, level, tf_value), 3)
            texts.append(heads[level] + json.dumps(tfw) + "]")
            step_parts.append((codes[level], weights[level], tfw))
        fragments.append(texts)
        parts.append(step_parts)
    prior = round(model.prior_weight, 3)
    waterfalls = [head + ", ".join(row) + "]}" for row in zip(*fragments, strict=True)] if fragments \
        else [head + "]}"] * n
    reasons = [_reasons(prior, [s for s in row if s is not None]) for row in zip(*parts, strict=True)] \
        if parts else [_reasons(prior, [])] * n
    return waterfalls, reasons


def _reasons(prior: float, steps: list[tuple[str, float, float]]) -> str:
    """:func:`reasons_text` of a waterfall's steps that count (label, weight, tf weight), in order."""
    total = prior + sum(w + tfw for _label, w, tfw in steps)
    parts = []
    for label, w, tfw in sorted(steps, key=lambda s: -abs(s[1] + s[2])):
        text = f"{label} {w + tfw:+.1f}"
        if tfw:
            text += f" (tf {tfw:+.1f})"
        parts.append(text)
    parts.append(f"prior {prior:+.1f} = {total:+.1f}")
    return "; ".join(parts)


class Texts:
    """The stored waterfall and reasons of scored pairs (one kind), each distinct one written out
    once: both follow from a pair's level codes and term frequencies alone, which many pairs
    share, so the memory of millions of matched pairs grows with their ids and scores, not with
    their text. :meth:`codes` numbers the pairs of one batch after another; :meth:`categorical`
    turns the numbers into text columns."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.names = [c for comp in COMPARISONS[model.kind] for c in (gamma(comp.name), f"tf_{comp.name}")]
        self.known: dict[tuple[Any, ...], int] = {}
        self.waterfalls: list[str] = []
        self.reasons: list[str] = []

    def codes(self, frame: pd.DataFrame) -> np.ndarray:
        """The number of each pair's text (pairs with the same levels and frequencies share one)."""
        if frame.empty:
            return np.zeros(0, dtype=np.int64)
        cols = [c for c in self.names if c in frame.columns]
        if cols:
            group = frame.groupby(cols, dropna=False, sort=False).ngroup().to_numpy()
            _, first = np.unique(group, return_index=True)  # the first row of each group, in group order
        else:
            group, first = np.zeros(len(frame), dtype=np.int64), np.zeros(1, dtype=np.int64)
        heads = frame.iloc[first].reset_index(drop=True)
        keys = [tuple(None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v
                      for v in row) for row in heads[cols].itertuples(index=False, name=None)]
        new = [i for i, key in enumerate(keys) if key not in self.known]
        if new:
            waterfalls, reasons = texts_of(heads.iloc[new], self.model)
            self.waterfalls += waterfalls
            self.reasons += reasons
            for i in new:
                self.known[keys[i]] = len(self.known)
        return np.asarray([self.known[k] for k in keys], dtype=np.int64)[group]

    def categorical(self, codes: np.ndarray, what: str = "waterfall") -> pd.Categorical:
        """The ``what`` ("waterfall" or "reasons") of each numbered pair, each distinct text once
        among the categories."""
        texts = self.waterfalls if what == "waterfall" else self.reasons
        unique, uniques = pd.factorize(pd.Series(texts, dtype=object))
        mapped: Any = unique[codes] if len(codes) else codes
        return pd.Categorical.from_codes(mapped, categories=pd.Index(uniques, dtype=object))


def waterfall(stored: str) -> pd.DataFrame:
    """A pair's waterfall as a DataFrame: the prior, each comparison, with the running total and
    the probability after each step (:data:`WATERFALL_COLUMNS`); the last row is the total."""
    d = json.loads(stored)
    platt = d.get("platt")

    def prob(w: float) -> float:
        if platt:
            return float(1.0 / (1.0 + np.exp(-(platt[0] * w + platt[1]))))
        return float(1.0 / (1.0 + 2.0**-w))

    rows = [
        [
            "prior",
            "prior",
            None,
            "prior (two contacts are one)",
            d["prior"],
            0.0,
            d["prior"],
            prob(d["prior"]),
        ]
    ]
    total = float(d["prior"])
    for name, level, label, w, tfw in d["steps"]:
        total += float(w) + float(tfw)
        rows.append([name, name, level, label, float(w), float(tfw), total, prob(total)])
    rows.append(["total", "total", None, "match weight", total, 0.0, total, prob(total)])
    return pd.DataFrame(rows, columns=WATERFALL_COLUMNS)


def reasons_text(stored: str) -> str:
    """One line: the comparisons that counted, strongest first, then prior and total.

    For example ``shared email +16.1; same last name +9.2 (tf +1.3); ... prior -16.6 = +8.4``.
    """
    d = json.loads(stored)
    counted = [(s[2], float(s[3]), float(s[4])) for s in d["steps"] if s[1] is not None]
    return _reasons(float(d["prior"]), counted)
