"""Scoring comparison vectors with recordlinkage classifiers (the only module importing it).

Each field's agreement level becomes one-hot columns (``last=3``, ``last=0`` ...); a missing
field is all zeros there. Unsupervised by default: recordlinkage's :class:`ECMClassifier`
(Fellegi-Sunter fitted by expectation-conditional maximisation) learns, on a sample of the
vectors, how likely each level is among matches (m) and non-matches (u). Once enough review
decisions exist, :class:`LogisticRegressionClassifier` learns from them instead.

Either way the fitted model is kept as additive weights (natural-log odds) per field level
plus an intercept, so scoring millions of pairs is one vectorised sum, a missing field
weighs exactly nothing, and every pair's reasons are the weights of its levels
(:mod:`.explain`). Persons and companies get separate models.
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import recordlinkage as rl

from .compare import FIELDS

#: Decisions needed (per kind, with at least MIN_EACH of both answers) before logistic regression.
MIN_DECISIONS = 40
MIN_EACH = 10
#: Vectors an ECM fit looks at, at most (a random sample beyond that).
ECM_SAMPLE = 250_000
_EPS = 1e-4


@dataclass
class Model:
    """Additive weights: score = sigmoid(intercept + sum of the weights of the pair's levels)."""

    kind: str  # "P" persons, "C" companies
    method: str  # "ecm", "logistic" or "prior"
    intercept: float
    weights: dict[str, dict[int, float]] = field(default_factory=dict)
    fitted_on: int = 0

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "method": self.method, "intercept": self.intercept,
                           "weights": self.weights, "fitted_on": self.fitted_on})

    @staticmethod
    def from_json(text: str) -> Model:
        d = json.loads(text)
        weights = {f: {int(k): float(v) for k, v in lv.items()} for f, lv in d["weights"].items()}
        return Model(d["kind"], d["method"], float(d["intercept"]), weights, int(d["fitted_on"]))


def _m_u(m: float, u: float) -> float:
    m, u = min(max(m, _EPS), 1 - _EPS), min(max(u, _EPS), 1 - _EPS)
    return math.log(m / u)


#: Prior m/u per field level, used before any fit (e.g. the write-back check on a new store).
#: They encode the usual expectations: shared email or phone is strong evidence, a different
#: first name or birthday strong evidence against, a shared city weak.
PRIOR_MU: dict[str, dict[str, dict[int, tuple[float, float]]]] = {
    "P": {
        "first": {3: (0.70, 0.02), 2: (0.25, 0.01), 1: (0.03, 0.02), 0: (0.02, 0.95)},
        "last": {3: (0.75, 0.02), 2: (0.15, 0.01), 1: (0.05, 0.05), 0: (0.05, 0.92)},
        "email": {1: (0.85, 0.001), 0: (0.15, 0.999)},
        "phone": {1: (0.75, 0.01), 0: (0.25, 0.99)},
        "addr": {3: (0.75, 0.01), 2: (0.05, 0.01), 1: (0.05, 0.05), 0: (0.15, 0.93)},
        "company": {2: (0.8, 0.05), 1: (0.1, 0.05), 0: (0.1, 0.9)},
        "birthday": {1: (0.98, 0.001), 0: (0.02, 0.999)},
    },
    "C": {
        "name": {3: (0.6, 0.001), 2: (0.3, 0.005), 1: (0.05, 0.05), 0: (0.05, 0.944)},
        "domain": {1: (0.9, 0.001), 0: (0.1, 0.999)},
        "email": {1: (0.8, 0.001), 0: (0.2, 0.999)},
        "phone": {1: (0.75, 0.01), 0: (0.25, 0.99)},
        "addr": {3: (0.8, 0.01), 2: (0.05, 0.01), 1: (0.05, 0.05), 0: (0.1, 0.93)},
    },
}
#: Prior share of compared pairs that are duplicates: low enough that an equal name alone
#: (about +7) stays below even odds, while a name plus one shared email, phone, address or
#: birthday is above it.
PRIOR_P = 0.0003


def prior_model(kind: str) -> Model:
    """The model used before anything was fitted."""
    weights = {f: {lv: _m_u(m, u) for lv, (m, u) in lvs.items()} for f, lvs in PRIOR_MU[kind].items()}
    return Model(kind, "prior", math.log(PRIOR_P / (1 - PRIOR_P)), weights)


def columns(kind: str) -> list[tuple[str, int]]:
    """The one-hot columns of a kind: (field, level)."""
    return [(f, lv) for f, levels in FIELDS[kind].items() for lv in sorted(levels)]


def one_hot(vectors: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Binary columns ``field=level`` (missing fields are all 0), indexed by (id1, id2)."""
    data = {}
    for f, lv in columns(kind):
        data[f"{f}={lv}"] = (vectors[f].to_numpy(dtype="float64", na_value=np.nan) == lv).astype(np.int8)
    index = pd.MultiIndex.from_arrays([vectors["id1"].to_numpy(), vectors["id2"].to_numpy()],
                                      names=["id1", "id2"])
    return pd.DataFrame(data, index=index)


def _start_from_priors(ecm: rl.ECMClassifier, kind: str, names: list[str]) -> None:
    """Start the EM iterations at the documented priors instead of recordlinkage's flat 0.9/0.1.

    Naive Bayes EM finds *a* two-class split; contacts sharing a household or switchboard form
    a second strong class, and a start near the intended split keeps EM on the right one.
    The kernel's ``jaro`` initialiser is replaced on this instance only.
    """
    mu = []
    for name in names:
        f, level = name.split("=")
        mu.append(PRIOR_MU[kind][f][int(level)])

    def init(x_bin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # columns per feature: value 0 then value 1; rows: class 0 (non-match), class 1 (match)
        non = [p for _, u in mu for p in (1 - u, u)]
        match = [p for m, _ in mu for p in (1 - m, m)]
        return np.log([1 - PRIOR_P, PRIOR_P]), np.log(np.array([non, match]))

    ecm.kernel._init_parameters_jaro = init


def fit_ecm(vectors: pd.DataFrame, kind: str, *, sample: int = ECM_SAMPLE, seed: int = 0,
            background: pd.DataFrame | None = None) -> Model:
    """Fit recordlinkage's ECM classifier on (a sample of) one kind's vectors.

    ``background`` are vectors of as many random pairs as candidates (nearly all non-matches):
    without them a candidate set made almost only of duplicates leaves EM no non-match class
    to learn from. The intercept is the match share EM finds in that fixed half-and-half
    mixture, so it does not drift with the size of the base.
    ECM sees one binary column per agreeing level (``last=3``, ``last=2`` ...; 1 = the pair
    agrees at that level), started from the priors. A level's weight is log(m/u); the weight of
    disagreement is log((1 - sum of the field's m) / (1 - sum of its u)); a missing field
    weighs nothing.
    """
    if len(vectors) < 50:
        return prior_model(kind)
    part = vectors.sample(n=sample, random_state=seed) if len(vectors) > sample else vectors
    n_background = len(background) if background is not None else 0
    if n_background:
        part = pd.concat([part, background], ignore_index=True)
    x = one_hot(part, kind)
    agree = [f"{f}={lv}" for f, lv in columns(kind) if lv > 0]
    live = [c for c in agree if 0 < x[c].sum() < len(x)]
    ecm = rl.ECMClassifier(binarize=None, init="jaro", max_iter=100)
    _start_from_priors(ecm, kind, live)
    with warnings.catch_warnings():  # log(0) of never-seen levels; EM copes with -inf there
        warnings.simplefilter("ignore", RuntimeWarning)
        previous = logging.root.manager.disable
        logging.disable(logging.WARNING)  # recordlinkage logs "might not have converged" on root
        try:
            ecm.fit(x[live])
        finally:
            logging.disable(previous)
    m, u = ecm.m_probs, ecm.u_probs
    prior = prior_model(kind)
    weights: dict[str, dict[int, float]] = {}
    for f, levels in FIELDS[kind].items():
        sum_m = sum_u = 0.0
        fitted = False
        for lv in sorted(levels):
            if lv == 0:
                continue
            name = f"{f}={lv}"
            if name in live:
                mm, uu = float(m[name][1]), float(u[name][1])
                weights.setdefault(f, {})[lv] = _m_u(mm, uu)
                sum_m, sum_u, fitted = sum_m + mm, sum_u + uu, True
            else:  # a level never (or always) seen: keep its prior
                weights.setdefault(f, {})[lv] = prior.weights[f][lv]
        weights[f][0] = _m_u(1.0 - sum_m, 1.0 - sum_u) if fitted else prior.weights[f][0]
    p = float(ecm.p)
    p = min(max(p, 1e-12), 1 - _EPS)
    return Model(kind, "ecm", math.log(p / (1 - p)), weights, len(part))


def fit_logistic(vectors: pd.DataFrame, labels: np.ndarray, kind: str) -> Model:
    """Fit recordlinkage's logistic regression on decided pairs (``labels`` 1 = duplicate)."""
    x = one_hot(vectors, kind)
    matches = x.index[np.asarray(labels, dtype=bool)]
    lr = rl.LogisticRegressionClassifier()
    lr.fit(x, matches)
    coef = np.asarray(lr.kernel.coef_).ravel()
    intercept = float(np.asarray(lr.kernel.intercept_).ravel()[0])
    weights: dict[str, dict[int, float]] = {}
    for (f, lv), w in zip(columns(kind), coef, strict=True):
        weights.setdefault(f, {})[lv] = float(w)
    return Model(kind, "logistic", intercept, weights, len(x))


def enough_decisions(labels: np.ndarray) -> bool:
    """Whether decisions suffice to train logistic regression."""
    yes = int(np.sum(labels == 1))
    return len(labels) >= MIN_DECISIONS and yes >= MIN_EACH and len(labels) - yes >= MIN_EACH


def contributions(vectors: pd.DataFrame, model: Model) -> pd.DataFrame:
    """Per pair and field, the weight its level adds (0.0 when the field is missing)."""
    out = {}
    for f, levels in model.weights.items():
        lv = vectors[f].to_numpy(dtype="float64", na_value=np.nan)
        w = np.zeros(len(vectors))
        for level, weight in levels.items():
            w[lv == level] = weight
        out[f] = w
    return pd.DataFrame(out, index=vectors.index)


def score(vectors: pd.DataFrame, model: Model) -> np.ndarray:
    """Match probability per pair: sigmoid(intercept + sum of its level weights)."""
    total = model.intercept + contributions(vectors, model).to_numpy().sum(axis=1)
    return 1.0 / (1.0 + np.exp(-total))
