"""The Fellegi-Sunter model: m and u per comparison level, the prior, and how they are estimated.

A pair's match weight is ``log2(λ / (1 - λ))`` (the prior: how likely two random contacts of
a kind are one) plus, per comparison, ``log2(m / u)`` of its level, where m = P(level | same
contact) and u = P(level | different contacts); a missing field adds 0. At an exact level
with a term-frequency adjustment, ``log2(u_exact) - log2(max(tf, floor))`` replaces the
average u by the frequency of the shared value (a rare name weighs more than "Smith").
The probability is ``1 / (1 + 2^-weight)``; once review decisions exist, a Platt scaling
fitted on them (one-feature logistic regression on the weight) maps weight to probability.

Estimation follows Splink's procedure (the functions here are pure and work on counts of
level-code patterns that :mod:`.train` gathers in SQL):

- u from random pairs (:func:`u_from_patterns`), almost all different contacts;
- λ from deterministic rules with a stated recall (:func:`prior_from_rules`);
- m by expectation maximisation with u fixed (:func:`em`), once per training blocking rule,
  leaving out the comparisons that rule blocks on, averaged over the sessions
  (:func:`combine_sessions`); the family correction's joint u is estimated within each session
  that compares the last name and the address (families may share its key far more often
  than random persons do);
- refined by review decisions: m of pairs decided "duplicate" blended in
  (:func:`m_from_labels`) and the Platt scaling (:func:`platt`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model import ContactKind
from .compare import COMPARISONS, COVERAGE, FIXED, gamma

#: No u below this: a level never seen among random pairs still gets a finite weight.
U_MIN = 1e-5
#: No m below this (and its complement above): EM never makes a level impossible for a match.
M_MIN = 1e-4
#: Term frequencies below this count as this (Splink's ``tf_minimum_u_value``).
TF_FLOOR = 1e-4
#: The recall assumed for the deterministic rules that estimate λ.
RULE_RECALL = 0.6
#: EM's iterations at most: a safety net, not a stopping rule. EM creeps where one class is
#: told apart by a single comparison (a session of same-name pairs with only addresses to
#: compare takes hundreds of iterations), and stopped early its m depends on the cap.
EM_MAX_ITER = 2_000
#: Default prior per kind before anything is estimated (share of random pairs that are one
#: contact; company lists are shorter than person lists).
DEFAULT_PRIOR: dict[str, float] = {ContactKind.PERSON: 1e-5, ContactKind.COMPANY: 1e-4}

#: Default m and u per comparison (closest level first, "else" last): the model before any
#: fit, and where a store has too little data to estimate a comparison. They encode the usual
#: expectations: a shared email or phone is strong evidence, a different first name strong
#: evidence against, a shared city weak.
DEFAULT_MU: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "first_name": ((0.80, 0.06, 0.05, 0.03, 0.01, 0.05), (0.004, 0.001, 0.002, 0.006, 0.005, 0.982)),
    "last_name": ((0.84, 0.07, 0.02, 0.02, 0.05), (0.002, 0.0005, 0.002, 0.004, 0.9915)),
    "birthday": ((0.85, 0.07, 0.03, 0.02, 0.03), (0.00005, 0.0004, 0.0015, 0.012, 0.986)),
    "address": ((0.70, 0.08, 0.07, 0.05, 0.10), (0.00001, 0.00001, 0.002, 0.02, 0.97798)),
    "email": ((0.85, 0.05, 0.10), (0.00001, 0.0005, 0.99949)),
    "phone": ((0.75, 0.25), (0.00001, 0.99999)),
    "employer": ((0.80, 0.08, 0.12), (0.02, 0.01, 0.97)),
    "company_name": ((0.70, 0.12, 0.06, 0.04, 0.08), (0.0005, 0.0005, 0.0002, 0.01, 0.988)),
    "domain": ((0.85, 0.15), (0.0005, 0.9995)),
    "custom": ((0.80, 0.08, 0.12), (0.0005, 0.002, 0.9975)),
    # a match seldom has nothing but names to compare; two different persons more often do
    "comparable": ((0.98, 0.02), (0.95, 0.05)),
    # a fixed correction (weight log2(m/u)): m holds u_last * u_shared, u holds u_both
    "family": ((2e-8, 2.5e-3, 1.3e-2, 1.0), (1.0, 1.0, 1.0, 1.0)),
    "colleagues": ((0.05, 1.0), (1.0, 1.0)),
}


def _codes(name: str) -> int:
    return len(DEFAULT_MU[name][0])


def _by_code(values: Sequence[float]) -> dict[int, float]:
    """Closest-first values -> {code: value} (the closest level has the highest code)."""
    n = len(values) - 1
    return {n - i: float(v) for i, v in enumerate(values)}


@dataclass
class Model:
    """A fitted (or default) Fellegi-Sunter model of one kind ("P" persons, "C" companies)."""

    kind: str
    method: str  # "em", "labels" (m refined by decisions) or "prior"
    prior: float  # λ
    m: dict[str, dict[int, float]] = field(default_factory=dict)
    u: dict[str, dict[int, float]] = field(default_factory=dict)
    tf_floor: float = TF_FLOOR
    platt: tuple[float, float] | None = None  # probability = sigmoid(a * weight + b)
    fitted_on: int = 0
    tf_tables: dict[str, dict[str, float]] = field(default_factory=dict)  # key -> value -> tf
    tf_default: dict[str, float] = field(default_factory=dict)  # key -> tf of an unlisted value
    sessions: list[dict[str, object]] = field(default_factory=list)

    @property
    def prior_weight(self) -> float:
        lam = min(max(self.prior, 1e-12), 1 - 1e-12)
        return math.log2(lam / (1 - lam))

    def weights(self) -> dict[str, dict[int, float]]:
        """Match weight (bits) per comparison and level code (the fixed corrections unfloored).

        Having nothing but names to compare (level 0 of a :data:`.compare.COVERAGE` comparison)
        is never evidence for a match: where its m comes out above its u, which happens where
        random pairs never lack everything (u at its floor, m at EM's starting point), it
        weighs 0.
        """
        out = {}
        for c in self.m:
            m_min, u_min = (1e-300, 1e-300) if c in FIXED else (M_MIN, U_MIN)
            out[c] = {
                lv: math.log2(max(self.m[c][lv], m_min) / max(self.u[c][lv], u_min)) for lv in self.m[c]
            }
            if c in COVERAGE and 0 in out[c]:
                out[c][0] = min(out[c][0], 0.0)
        return out

    def tf_terms(self) -> dict[str, tuple[float, float]]:
        """Per term-frequency comparison: (log2 u of its adjusted level, tf floor); none for a
        model fitted on no frequencies (the default model: too few contacts to count them)."""
        out: dict[str, tuple[float, float]] = {}
        if not self.tf_default:
            return out
        for comp in COMPARISONS[self.kind]:
            t = comp.tf_level()
            if t and comp.name in self.u:
                out[comp.name] = (math.log2(max(self.u[comp.name][t[0]], U_MIN)), self.tf_floor)
        return out

    def probability(self, weight: np.ndarray | float) -> np.ndarray:
        """Match probability of match weights."""
        w = np.asarray(weight, dtype="float64")
        if self.platt is not None:
            a, b = self.platt
            return 1.0 / (1.0 + np.exp(-(a * w + b)))
        return 1.0 / (1.0 + np.exp2(-w))

    def weight_for(self, probability: float) -> float:
        """The match weight at which the probability reaches ``probability`` (the inverse)."""
        p = min(max(float(probability), 1e-12), 1 - 1e-12)
        if self.platt is not None:
            a, b = self.platt
            return (math.log(p / (1 - p)) - b) / a if a > 0 else -math.inf
        return math.log2(p / (1 - p))

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": self.kind,
                "method": self.method,
                "prior": self.prior,
                "m": self.m,
                "u": self.u,
                "tf_floor": self.tf_floor,
                "platt": self.platt,
                "fitted_on": self.fitted_on,
                "tf_tables": self.tf_tables,
                "tf_default": self.tf_default,
                "sessions": self.sessions,
            }
        )

    @staticmethod
    def from_json(text: str) -> Model:
        d = json.loads(text)
        if "m" not in d:  # a model of the former classifier: start from the defaults
            return default_model(str(d.get("kind", ContactKind.PERSON)))

        def levels(x: Mapping[str, Mapping[str, float]]) -> dict[str, dict[int, float]]:
            return {c: {int(k): float(v) for k, v in lv.items()} for c, lv in x.items()}

        platt = (float(d["platt"][0]), float(d["platt"][1])) if d.get("platt") else None
        model = Model(
            d["kind"],
            d["method"],
            float(d["prior"]),
            levels(d["m"]),
            levels(d["u"]),
            float(d["tf_floor"]),
            platt,
            int(d["fitted_on"]),
            d.get("tf_tables", {}),
            d.get("tf_default", {}),
            d.get("sessions", []),
        )
        base = default_model(model.kind)  # a comparison added since the model was saved: its default
        for c in base.m:
            if c not in model.m or c not in model.u:
                model.m[c], model.u[c] = base.m[c], base.u[c]
        return model


def default_model(kind: str) -> Model:
    """The model used before anything was fitted."""
    names = [c.name for c in COMPARISONS[kind]]
    return Model(
        kind,
        "prior",
        DEFAULT_PRIOR[kind],
        {c: _by_code(DEFAULT_MU[c][0]) for c in names},
        {c: _by_code(DEFAULT_MU[c][1]) for c in names},
    )


# -- estimation (pure, on pattern counts) ----------------------------------------------------
def _codes_of(patterns: pd.DataFrame, name: str) -> np.ndarray:
    return patterns[gamma(name)].to_numpy(dtype="float64", na_value=np.nan)


def u_from_patterns(patterns: pd.DataFrame, kind: str) -> tuple[dict[str, dict[int, float]], int]:
    """u per comparison level from the level patterns of random pairs (and how many pairs)."""
    counts = patterns["n"].to_numpy(dtype="float64")
    out: dict[str, dict[int, float]] = {}
    for comp in COMPARISONS[kind]:
        if comp.name in FIXED:
            continue
        g = _codes_of(patterns, comp.name)
        ok = ~np.isnan(g)
        total = counts[ok].sum()
        default = _by_code(DEFAULT_MU[comp.name][1])
        if total < 1000:  # too few random pairs with the field: keep the defaults
            out[comp.name] = default
            continue
        out[comp.name] = {lv: max(float(counts[ok & (g == lv)].sum() / total), U_MIN) for lv in default}
    return out, int(counts.sum())


def em(
    patterns: pd.DataFrame,
    names: Sequence[str],
    m: Mapping[str, Mapping[int, float]],
    u: Mapping[str, Mapping[int, float]],
    prior: float,
    *,
    max_iter: int = EM_MAX_ITER,
    tol: float = 1e-6,
    fixed: Mapping[str, Mapping[int, float]] | None = None,
    strength: float = 0.0,
    joint: Mapping[str, Mapping[int, float]] | None = None,
) -> tuple[dict[str, dict[int, float]], float, int]:
    """Expectation maximisation of m (u fixed) over pattern counts, for the comparisons ``names``.

    ``fixed``: weights (bits) per comparison level that are added but not estimated.
    ``strength``: pseudo-matches distributed as the starting m, added in every M-step (a
    Dirichlet prior), so a session with few pairs moves m only as far as its data carries.
    ``joint``: for corrections among ``fixed`` (see :func:`family_correction`), per level the
    product of the u's it corrects. Their joint u is then estimated among the session's
    non-matches and the level weighs ``log2(product / joint u)``, never above 0: the pairs of
    a session share a key, and family members may share it far more often than two random
    persons do (a birthday copied from one to the other), so the store-wide correction is
    too weak there and EM would take those families for matches.
    Returns (m of those comparisons, the match share among the pairs, iterations).
    """
    counts = patterns["n"].to_numpy(dtype="float64")
    codes = {c: _codes_of(patterns, c) for c in names}
    mm = {c: dict(m[c]) for c in names}
    lam = min(max(prior, 1e-6), 1 - 1e-6)
    weights = {c: dict(levels) for c, levels in (fixed or {}).items()}
    fixed_codes = {c: _codes_of(patterns, c) for c in weights}
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count of iterations is returned
        constant = np.zeros(len(counts))
        for c, levels in weights.items():
            for lv, w in levels.items():
                constant[fixed_codes[c] == lv] += w * math.log(2)
        logr = np.full(len(counts), math.log(lam / (1 - lam))) + constant
        for c in names:
            g = codes[c]
            for lv, mv in mm[c].items():
                logr[g == lv] += math.log(max(mv, M_MIN)) - math.log(max(u[c][lv], U_MIN))
        post = 1.0 / (1.0 + np.exp(-np.clip(logr, -700, 700)))
        weighted = counts * post
        new_lam = float(weighted.sum() / counts.sum())
        change = abs(new_lam - lam)
        others = counts - weighted
        for c, products in (joint or {}).items():
            for lv, product in products.items():
                share = float(others[fixed_codes[c] == lv].sum() / max(others.sum(), 1.0))
                w = min(0.0, math.log2(product / max(share, U_MIN)))
                change = max(change, abs(w - weights[c][lv]) / 100)
                weights[c][lv] = w
        for c in names:
            g = codes[c]
            ok = ~np.isnan(g)
            den = weighted[ok].sum() + strength
            if den <= 0:
                continue
            for lv in mm[c]:
                value = float((weighted[ok & (g == lv)].sum() + strength * m[c][lv]) / den)
                value = min(max(value, M_MIN), 1 - M_MIN)
                change = max(change, abs(value - mm[c][lv]))
                mm[c][lv] = value
        lam = min(max(new_lam, 1e-9), 1 - 1e-9)
        if change < tol:
            break
    return mm, lam, it


def combine_sessions(
    sessions: Sequence[Mapping[str, Mapping[int, float]]],
    names: Sequence[str],
    fallback: Mapping[str, Mapping[int, float]],
) -> dict[str, dict[int, float]]:
    """m per comparison: the mean over the sessions that estimated it, else ``fallback``."""
    out: dict[str, dict[int, float]] = {}
    for c in names:
        got = [s[c] for s in sessions if c in s]
        if not got:
            out[c] = dict(fallback[c])
            continue
        out[c] = {lv: float(np.mean([g[lv] for g in got])) for lv in fallback[c]}
    return out


def prior_from_rules(rule_pairs: int, total_pairs: int, recall: float = RULE_RECALL) -> float:
    """λ: pairs the deterministic rules find, divided by their assumed recall and all pairs."""
    if total_pairs <= 0:
        return DEFAULT_PRIOR[ContactKind.PERSON]
    lam = (rule_pairs / recall) / total_pairs if rule_pairs else 1.0 / max(total_pairs, 1)
    return min(max(lam, 1e-12), 0.5)


def family_correction(
    u_each: Sequence[float], pairs_all: float, total: float, matches: float, m_all: float
) -> tuple[float, float]:
    """(m, u) of a family level whose weight log2(m/u) corrects the sum of "same last name",
    "same address" (and "shared phone") for their dependence among different persons:
    m = the product of the u each of those levels has in the model, u = the u of all of them
    together, counted on the store (pairs sharing all the keys) with the expected matches
    among them (``matches * m_all``) taken out. The correction never adds weight."""
    others = max(total - matches, 1.0)
    together = max(pairs_all - matches * m_all, 1.0) / others
    product = float(np.prod(u_each))
    return min(product, together), together


def matches_from_session(session_matches: float, key_m: Sequence[float]) -> float:
    """All matches, from those EM found among one session's pairs: a session blocking on a key
    holds only the matches that agree on it, the share ``prod(key_m)`` of them."""
    recall = float(np.prod(key_m)) if len(key_m) else 1.0
    return session_matches / max(recall, 1e-3)


def u_without_matches(
    u: Mapping[str, Mapping[int, float]], m: Mapping[str, Mapping[int, float]], prior: float
) -> dict[str, dict[int, float]]:
    """u with the matches among the random pairs taken out: a level's share among random pairs
    is ``prior * m + (1 - prior) * u``. Where duplicates are many (a list of five thousand
    records, half of them copies), the matches among random pairs share birthdays and addresses
    far more often than different persons do, and counted as different persons they would
    weigh those levels down by several bits."""
    out: dict[str, dict[int, float]] = {}
    for c, levels in u.items():
        if c not in m:
            out[c] = dict(levels)
            continue
        raw = {lv: max((v - prior * m[c].get(lv, 0.0)) / (1.0 - prior), U_MIN) for lv, v in levels.items()}
        total = sum(raw.values())
        out[c] = {lv: v / total for lv, v in raw.items()}
    return out


def prior_from_sessions(matches: Sequence[float], total_pairs: int) -> float | None:
    """λ as the median of the sessions' estimates of all matches over all pairs (None without any).

    Splink adjusts each session's prior the same way; the sessions agree with each other far
    better than a recall assumed for deterministic rules agrees with the data.
    """
    if not matches or total_pairs <= 0:
        return None
    return min(max(float(np.median(matches)) / total_pairs, 1e-12), 0.5)


def m_from_labels(
    patterns: pd.DataFrame, kind: str, m: Mapping[str, Mapping[int, float]], strength: float = 20.0
) -> dict[str, dict[int, float]]:
    """m blended with the level shares among pairs decided "duplicate" (``patterns`` of those).

    Each comparison's shares count as many decisions as there are, against ``strength``
    pseudo-decisions for the estimated m, so a handful of decisions moves m a little.
    """
    counts = patterns["n"].to_numpy(dtype="float64")
    out: dict[str, dict[int, float]] = {}
    for comp in COMPARISONS[kind]:
        base = m[comp.name]
        if comp.name in FIXED:
            out[comp.name] = dict(base)
            continue
        g = _codes_of(patterns, comp.name)
        ok = ~np.isnan(g)
        n = counts[ok].sum()
        out[comp.name] = {
            lv: float((base[lv] * strength + counts[ok & (g == lv)].sum()) / (strength + n)) for lv in base
        }
    return out


def platt(weights: np.ndarray, labels: np.ndarray) -> tuple[float, float] | None:
    """Platt scaling (a, b) of match weights on decisions, if both answers are there often enough."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(labels, dtype=int)
    if len(y) < MIN_DECISIONS or y.sum() < MIN_EACH or (len(y) - y.sum()) < MIN_EACH:
        return None
    lr = LogisticRegression(C=1.0)
    lr.fit(np.asarray(weights, dtype="float64").reshape(-1, 1), y)
    a, b = float(lr.coef_[0][0]), float(lr.intercept_[0])
    return (a, b) if a > 0 else None


#: Decisions needed (per kind, with at least MIN_EACH of both answers) before Platt scaling.
MIN_DECISIONS = 40
MIN_EACH = 10
