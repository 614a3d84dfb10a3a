"""Duplicate detection over a store: ``find_duplicates``, ``decide`` and the write-back checker.

``find_duplicates`` runs the batch pipeline for the contacts the user may view: build the
match keys (:mod:`.keys`), union the blocking rules (:mod:`.blocking`), compute comparison
vectors in SQL (:mod:`.compare`), fit and apply the classifier per kind (:mod:`.classify`;
ECM, or logistic regression once enough decisions exist), cluster the matches with the chain
guard (:mod:`.cluster`) and explain each pair (:mod:`.explain`). Pairs decided
"not duplicate" never come back. ``FuzzyChecker`` (:mod:`.checker`) checks a handful of new
or changed contacts against the whole store with the same keys, comparisons and weights.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from ..db import Tx
from ..model import DEFAULT_PHONE_REGION
from . import blocking, classify, cluster, compare, decisions, explain, keys
from .checker import FuzzyChecker
from .classify import ECM_SAMPLE, Model

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["DuplicateReport", "FuzzyChecker", "decide", "find_duplicates"]

#: Pairs scoring at least this match probability are reported.
DEFAULT_THRESHOLD = 0.5
PAIR_COLUMNS = ["contact_id_1", "contact_id_2", "cluster_id", "score", "reasons"]

Progress = Callable[[str], None]


@dataclass
class DuplicateReport:
    """The outcome of a duplicate run.

    ``pairs``: one row per matched candidate pair (contact_id_1 < contact_id_2, cluster_id or
    NA when the chain guard kept the two apart, score 0..1, reasons). ``blocking``: per rule
    the pairs it found and those only it found. ``clusters``: contact id -> cluster id.
    """

    pairs: pd.DataFrame
    blocking: pd.DataFrame
    clusters: dict[int, int]
    models: dict[str, Model]
    candidates: int
    contacts: int
    timings: dict[str, float] = field(default_factory=dict)

    def cluster_pairs(self) -> set[tuple[int, int]]:
        """Every pair of contacts the clusters say are one (transitively)."""
        return cluster.cluster_pairs(self.clusters)


def _decided(tx: Tx) -> pd.DataFrame:
    """Decisions on pairs whose contacts both have keys (are visible)."""
    return tx.df("""SELECT d.id1, d.id2, d.decision FROM dedupe_decisions d
                    WHERE d.id1 IN (SELECT id FROM dd_c) AND d.id2 IN (SELECT id FROM dd_c)""")


def _fit(tx: Tx, vectors: pd.DataFrame, decided: pd.DataFrame, kind: str, seed: int,
         background: pd.DataFrame) -> Model:
    """Logistic regression on the decided pairs of a kind if there are enough, else ECM."""
    mine = decided
    if len(mine):
        tx.register("_dd_decided", mine[["id1", "id2"]])
        dvec = tx.df(compare.vectors_sql("_dd_decided"))
        tx.unregister("_dd_decided")
        dvec = dvec[dvec["kind"] == kind].merge(mine, on=["id1", "id2"])
        labels = (dvec["decision"] == "duplicate").to_numpy().astype(int)
        if classify.enough_decisions(labels):
            return classify.fit_logistic(dvec, labels, kind)
    return classify.fit_ecm(vectors, kind, seed=seed, background=background)


def find_duplicates(
    store: Store,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    default_region: str = DEFAULT_PHONE_REGION,
    rules: tuple[blocking.Rule, ...] | None = None,
    max_cluster: int = cluster.MAX_SIZE,
    keep_model: bool = True,
    seed: int = 0,
    progress: Progress | None = None,
) -> DuplicateReport:
    """Likely duplicate pairs among the contacts ``store.user`` may view."""
    say = progress or (lambda _step: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        timings[name] = now - started
        started = now

    with store.db.read() as tx:
        say("match keys")
        counts = keys.build(tx, store.user, default_region=default_region)
        tx.register("_dd_nick", keys.nickname_pairs())
        tx.execute("CREATE OR REPLACE TEMP TABLE dd_nick AS SELECT * FROM _dd_nick")
        tx.unregister("_dd_nick")
        lap("keys")
        say("blocking")
        rules = rules or blocking.default_rules()
        tx.execute(f"CREATE OR REPLACE TEMP TABLE dd_block AS {blocking.union_sql(rules)}")
        counts_df = tx.df(blocking.counts_sql("dd_block"))
        tx.execute(f"""CREATE OR REPLACE TEMP TABLE dd_pairs AS
            SELECT p.id1, p.id2 FROM ({blocking.pairs_sql('dd_block')}) p
            WHERE NOT EXISTS (SELECT 1 FROM dedupe_decisions d WHERE d.id1 = p.id1 AND d.id2 = p.id2
                              AND d.decision = 'not_duplicate')""")
        tx.execute("DROP TABLE dd_block")
        n_candidates = int(tx.scalar("SELECT count(*) FROM dd_pairs"))
        lap("blocking")
        say("comparison vectors")
        vectors = tx.df(compare.vectors_sql("dd_pairs"))
        vectors = vectors[compare.eligible(vectors)]
        sizes = vectors["kind"].value_counts()
        randoms = " UNION ALL ".join(
            f"SELECT * FROM ({blocking.random_pairs_sql(kind, min(int(sizes.get(kind, 0)), ECM_SAMPLE))}) "
            f"r_{kind}" for kind in ("P", "C"))
        tx.execute(f"CREATE OR REPLACE TEMP TABLE dd_random AS SELECT DISTINCT * FROM ({randoms}) r")
        background = tx.df(compare.vectors_sql("dd_random"))
        tx.execute("DROP TABLE dd_random")
        lap("compare")
        say("classification")
        decided = _decided(tx)
        models: dict[str, Model] = {}
        parts = []
        for kind in ("P", "C"):
            vk = vectors[vectors["kind"] == kind].reset_index(drop=True)
            model = _fit(tx, vk, decided, kind, seed, background[background["kind"] == kind])
            models[kind] = model
            vk["score"] = classify.score(vk, model)
            kept = vk[vk["score"] >= threshold].reset_index(drop=True)
            kept["reasons"] = explain.reasons(kept, model)
            parts.append(kept[["id1", "id2", "score", "reasons"]])
        keys.drop(tx)
        for table in ("dd_nick", "dd_pairs"):
            tx.execute(f"DROP TABLE IF EXISTS {table}")
    lap("classify")
    matched = pd.concat(parts, ignore_index=True)
    yes = decided[decided["decision"] == "duplicate"]
    if len(yes):  # confirmed pairs stay in the report until they are merged
        forced = yes[["id1", "id2"]].assign(score=1.0, reasons="decided: duplicate")
        matched = pd.concat([matched[~matched.set_index(["id1", "id2"]).index.isin(
            forced.set_index(["id1", "id2"]).index)], forced], ignore_index=True)
    say("clusters")
    no = decided[decided["decision"] == "not_duplicate"]
    assignment = cluster.clusters(matched, max_size=max_cluster,
                                  forbidden=zip(no["id1"].tolist(), no["id2"].tolist(), strict=True))
    c1 = matched["id1"].map(assignment)
    c2 = matched["id2"].map(assignment)
    pairs = pd.DataFrame({
        "contact_id_1": matched["id1"].astype("int64"),
        "contact_id_2": matched["id2"].astype("int64"),
        "cluster_id": c1.where(c1 == c2).astype("Int64"),
        "score": matched["score"].astype(float).round(4),
        "reasons": matched["reasons"].astype(str),
    }).sort_values(["cluster_id", "contact_id_1", "contact_id_2"], na_position="last",
                   ignore_index=True)
    lap("cluster")
    if keep_model and any(m.method != "prior" for m in models.values()):
        with store.db.transaction() as wtx:
            for m in models.values():
                if m.method != "prior":
                    decisions.save_model(wtx, m)
    meanings = {r.name: r.meaning for r in rules}
    counts_df.insert(1, "meaning", counts_df["rule"].map(meanings))
    for col in ("pairs", "only_this_rule"):
        counts_df[col] = counts_df[col].astype("int64")
    return DuplicateReport(pairs, counts_df, assignment, models, n_candidates, counts.contacts, timings)


def decide(store: Store, id1: int, id2: int, decision: str) -> tuple[int, int]:
    """Record a review decision ("duplicate" or "not_duplicate") on a pair; returns the pair."""
    with store.db.transaction() as tx:
        return decisions.record(tx, store.user, id1, id2, decision)


def evaluate(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of found pairs against true pairs (smaller id first)."""
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": float(len(truth)),
            "found_pairs": float(len(found))}


def truth_pairs(entity_of: dict[int, int]) -> set[tuple[int, int]]:
    """All pairs (smaller id first) of contacts that share an entity id."""
    return cluster.cluster_pairs(entity_of)

