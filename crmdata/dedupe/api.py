"""Duplicate detection over a store: ``find_duplicates``, ``decide`` and the write-back checker.

``find_duplicates`` runs the batch pipeline for the contacts the user may view, inside DuckDB
with bounded memory: build the match keys (:mod:`.keys`) and their term frequencies, union the
blocking rules (:mod:`.blocking`), compute each candidate pair's comparison levels in SQL
(:mod:`.compare`), fit the Fellegi-Sunter model per kind on the store at hand (:mod:`.train`,
:mod:`.fellegi`: u from random pairs, λ from deterministic rules, m by EM per blocking rule,
refined by review decisions), score every pair in SQL with the fitted weights written into
the statement, and take out only the pairs above the threshold. Those are clustered
(:mod:`.cluster`) and explained (:mod:`.explain`, the waterfall of match weights kept with each
pair). Pairs decided "not duplicate" never come back. ``FuzzyChecker`` (:mod:`.checker`)
checks a handful of new or changed contacts against the whole store with the same keys,
comparisons and weights.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from ..db import Database, Tx
from ..errors import CrmDataError
from ..model import DEFAULT_PHONE_REGION, ContactKind
from ..quoting import sql_literal
from ..sizes import parse_memory
from . import DEFAULT_THRESHOLD, blocking, cluster, compare, decisions, explain, keys, train
from .checker import FuzzyChecker
from .engines import ENGINES, KEY_TABLES, DuckEngine, Engine
from .fellegi import Model
from .settings import MatchSettings

if TYPE_CHECKING:
    from ..access import User

__all__ = ["DuplicateReport", "FuzzyChecker", "decide", "find_duplicates"]

PAIR_COLUMNS = ["contact_id_1", "contact_id_2", "cluster_id", "score", "reasons", "match_weight", "kind",
                "waterfall"]

Progress = Callable[[str], None]


@dataclass
class DuplicateReport:
    """The outcome of a duplicate run.

    ``pairs``: one row per matched pair (contact_id_1 < contact_id_2, the cluster both belong
    to, score = calibrated match probability, reasons, match_weight in bits, kind "P"/"C",
    waterfall JSON: :func:`.explain.waterfall`), sorted by score, best first; reasons, kind and
    waterfall are categoricals, each distinct text held once (millions of pairs share them). ``cut``: matched
    pairs the clustering split apart (weak links of a sparse cluster, or across a "not
    duplicate" decision), same columns without a cluster. ``blocking``: per rule the pairs it
    found and those only it found. ``clusters``: contact id -> cluster id.
    """

    pairs: pd.DataFrame
    blocking: pd.DataFrame
    clusters: dict[int, int]
    models: dict[str, Model]
    candidates: int
    contacts: int
    timings: dict[str, float] = field(default_factory=dict)
    cut: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PAIR_COLUMNS))

    def cluster_pairs(self) -> set[tuple[int, int]]:
        """Every pair of contacts the clusters say are one (transitively)."""
        return cluster.cluster_pairs(self.clusters)

    def waterfall(self, id1: int, id2: int) -> pd.DataFrame:
        """The waterfall of match weights of a reported pair (:func:`.explain.waterfall`)."""
        a, b = decisions.ordered(id1, id2)
        for frame in (self.pairs, self.cut):
            hit = frame[(frame["contact_id_1"] == a) & (frame["contact_id_2"] == b)]
            if len(hit) and str(hit["waterfall"].iloc[0]):
                return explain.waterfall(str(hit["waterfall"].iloc[0]))
        raise CrmDataError(f"Contacts {a} and {b} are not a reported pair with match weights.")


def _decided(tx: Tx) -> pd.DataFrame:
    """Decisions on pairs whose contacts both have keys (are visible)."""
    return tx.df("""SELECT d.id1, d.id2, d.decision FROM dedupe_decisions d
                    WHERE d.id1 IN (SELECT id FROM dd_c) AND d.id2 IN (SELECT id FROM dd_c)""")


@contextmanager
def _bounded(db: Database, tx: Tx, memory_limit: str | float | None, temp_directory: str | Path | None
             ) -> Iterator[None]:
    """DuckDB's memory held to ``memory_limit`` and spilling to ``temp_directory`` for the run,
    which needs no result in the order its rows were made.

    DuckDB cannot move its spill folder once it has spilled into it: a later run of the same
    process without a folder of its own keeps spilling there; one that names another folder
    gets a clear error before any work.
    """
    limit = None if memory_limit is None else parse_memory(memory_limit)
    folder = Path(temp_directory) if temp_directory else Path(tempfile.gettempdir()) / "crmdata-spill"
    current = str(tx.scalar("SELECT current_setting('temp_directory')") or "")
    if str(folder) != current:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            tx.execute(f"SET temp_directory = '{str(folder).replace(chr(39), chr(39) * 2)}'")
        except Exception as exc:  # DuckDB refuses once the current folder holds spilled data
            if temp_directory:
                raise CrmDataError(
                    f"This process already spills into {current}, which DuckDB cannot change once used; "
                    f"run again without a temporary directory, or in a new process to use {folder}."
                ) from exc
    # Every step orders what it needs ordered; without the promise to keep the order rows were
    # made in, DuckDB can write the large pair tables without holding them back in order.
    tx.execute("SET preserve_insertion_order = false")
    try:
        if limit is None:
            yield
        else:
            with db.memory_cap(limit):
                yield
    finally:
        with suppress(Exception):  # a run that failed may have lost the connection: its error stands
            tx.execute("RESET preserve_insertion_order")


#: Scored pairs are taken out of the engine this many at a time.
SCORED_PER_BATCH = 1_000_000


def _score_kind(engine: Engine, kind: str, model: Model, threshold: float) -> pd.DataFrame:
    """The candidate pairs of a kind scoring at least ``threshold``, with waterfall and reasons
    (scored where the vectors are: only the pairs above the threshold leave the engine, in
    batches, each keeping its ids, score and the number of its text: :class:`.explain.Texts`)."""
    sql = compare.score_sql(f"SELECT * FROM dd_vec_{kind}", kind, model.prior_weight, model.weights(),
                            model.tf_terms(), min_weight=model.weight_for(threshold))
    texts = explain.Texts(model)
    parts = []
    for got in engine.frames(sql, SCORED_PER_BATCH):
        score = model.probability(got["match_weight"].to_numpy(dtype=float))
        keep = score >= threshold
        got = got[keep].reset_index(drop=True)
        parts.append(pd.DataFrame({"id1": got["id1"].to_numpy(dtype=np.int64),
                                   "id2": got["id2"].to_numpy(dtype=np.int64), "score": score[keep],
                                   "match_weight": got["match_weight"].to_numpy(dtype=float),
                                   "text": texts.codes(got)}))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"id1": [], "id2": [], "score": [], "match_weight": [], "text": []})
    codes = out.pop("text").to_numpy(dtype=np.int64)
    out["reasons"] = texts.categorical(codes, "reasons")
    out["waterfall"] = texts.categorical(codes, "waterfall")
    out["kind"] = kind
    return out[["id1", "id2", "score", "reasons", "match_weight", "kind", "waterfall"]]


#: The columns of the matched pairs that hold text, kept as categoricals (:class:`.explain.Texts`).
TEXT_COLUMNS = ("reasons", "kind", "waterfall")


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The matched pairs of several frames as one, the text columns staying categorical (a
    plain concatenation would write out every pair's text)."""
    frames = [f for f in frames if len(f)] or frames[:1]
    out = pd.concat([f.drop(columns=list(TEXT_COLUMNS)) for f in frames], ignore_index=True)
    for col in TEXT_COLUMNS:
        out[col] = union_categoricals([pd.Categorical(f[col].astype(object)) if f[col].dtype != "category"
                                       else f[col].array for f in frames], ignore_order=True)
    return out


def find_duplicates(
    db: Database,
    user: User,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    default_region: str = DEFAULT_PHONE_REGION,
    rules: tuple[blocking.Rule, ...] | None = None,
    keep_model: bool = True,
    settings: MatchSettings | None = None,
    memory_limit: str | float | None = None,
    temp_directory: str | Path | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    progress: Progress | None = None,
) -> DuplicateReport:
    """Likely duplicate pairs among the contacts ``user`` may view in ``db``.

    ``threshold``: the lowest calibrated match probability reported (and clustered).
    ``settings``: which custom fields take part (:class:`.settings.MatchSettings`; the store's
    saved settings when None). ``memory_limit`` (``"2GB"``) holds DuckDB's memory, which then
    spills into ``temp_directory``. ``engine``: where blocking, comparisons, scoring and the
    connected components run, ``"duckdb"`` or ``"spark"`` (on ``spark_master``, default
    ``local[*]``; the key tables are handed over as Parquet in a folder of ``temp_directory``,
    which a cluster's executors must be able to read). Both return the same report.
    """

    def build(tx: Tx, chosen: MatchSettings) -> keys.KeyCounts:
        return keys.build(tx, user, default_region=default_region, date_labels=chosen.date_fields,
                          text_labels=chosen.text_fields)

    return run(db, build, threshold=threshold, rules=rules, keep_model=keep_model, settings=settings,
               memory_limit=memory_limit, temp_directory=temp_directory, engine=engine,
               spark_master=spark_master, progress=progress)


def run(
    db: Database,
    build: Callable[[Tx, MatchSettings], keys.KeyCounts],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    rules: tuple[blocking.Rule, ...] | None = None,
    keep_model: bool = True,
    settings: MatchSettings | None = None,
    memory_limit: str | float | None = None,
    temp_directory: str | Path | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    progress: Progress | None = None,
) -> DuplicateReport:
    """The duplicate pipeline over the key tables ``build`` makes in ``db`` (a store, or an
    in-memory database for a base outside any store: :mod:`.batch`); see :func:`find_duplicates`."""
    if not 0.0 < threshold < 1.0:
        raise CrmDataError(f"The threshold is a probability between 0 and 1 (exclusive), not {threshold}.")
    if engine not in ENGINES:
        raise CrmDataError(f"Unknown duplicate engine {engine!r}: choose one of {', '.join(ENGINES)}.")
    spark_session = None
    if engine == "spark":  # checked (Java, master) before anything is read
        from . import spark

        spark_session = spark.session(spark_master)
    say = progress or (lambda _step: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        timings[name] = now - started
        started = now

    with ExitStack() as stack:
        tx = stack.enter_context(db.read())
        stack.enter_context(_bounded(db, tx, memory_limit, temp_directory))
        chosen = settings or MatchSettings.load(tx)
        say("match keys")
        counts = build(tx, chosen)
        train.add_term_frequencies(tx)
        tx.register("_dd_nick", keys.nickname_pairs())
        tx.execute("CREATE OR REPLACE TEMP TABLE dd_nick AS SELECT * FROM _dd_nick")
        tx.unregister("_dd_nick")
        pairs_on: Engine = DuckEngine(tx)
        if spark_session is not None:
            pairs_on = stack.enter_context(spark_engine(spark_session, tx, temp_directory))
        lap("keys")
        say("blocking")
        rules = rules or blocking.default_rules()
        pairs_on.create("dd_block", blocking.union_sql(rules))
        counts_df = pairs_on.df(blocking.counts_sql("dd_block"))
        # the distinct pairs, a slice of the rules' pairs at a time where they are many (every
        # copy of a pair lies in the slice of its id1): one aggregate over all of them can need
        # more memory at once than a tight limit holds
        pairs_on.create_per_pairs("dd_pairs", lambda block: f"""
            SELECT p.id1, p.id2 FROM ({blocking.pairs_sql(block)}) p
            WHERE NOT EXISTS (SELECT 1 FROM dedupe_decisions d WHERE d.id1 = p.id1 AND d.id2 = p.id2
                              AND d.decision = 'not_duplicate')""", "dd_block",
                                  int(counts_df["pairs"].sum()))
        pairs_on.drop("dd_block")
        n_candidates = int(pairs_on.scalar("SELECT count(*) FROM dd_pairs"))
        lap("blocking")
        say("comparison vectors")
        for kind in ContactKind:
            pairs_on.create_per_pairs(f"dd_vec_{kind}", partial(compare.vectors_sql, kind=kind), "dd_pairs",
                                      n_candidates)
        lap("compare")
        say("classification")
        decided = _decided(tx)
        models: dict[str, Model] = {}
        parts = []
        for kind in ContactKind:
            rule_pairs = int(pairs_on.scalar(train.rule_pairs_sql(f"dd_vec_{kind}", kind)) or 0)
            # the EM sessions read the vectors of candidate pairs where the run's DuckDB holds them
            compared = f"dd_vec_{kind}" if isinstance(pairs_on, DuckEngine) else None
            models[kind] = model = train.fit(tx, kind, rule_pairs, decided, compared=compared)
            parts.append(_score_kind(pairs_on, kind, model, threshold))
            pairs_on.drop(f"dd_vec_{kind}")
        pairs_on.drop("dd_pairs")
        keys.drop(tx)
        tx.execute("DROP TABLE IF EXISTS dd_nick")
        lap("classify")
        matched = _concat(parts)
        yes = decided[decided["decision"] == "duplicate"]
        if len(yes):  # confirmed pairs stay in the report until they are merged
            forced = yes[["id1", "id2"]].assign(score=1.0, reasons="decided: duplicate",
                                                match_weight=float("inf"),
                                                kind="", waterfall="")
            matched = _concat([matched[~matched.set_index(["id1", "id2"]).index.isin(
                forced.set_index(["id1", "id2"]).index)], forced])
        say("clusters")
        no = decided[decided["decision"] == "not_duplicate"]
        assignment, cut = cluster.clusters(matched, forbidden=zip(no["id1"].tolist(), no["id2"].tolist(),
                                                                   strict=True),
                                           find_components=pairs_on.components)
    frame = pd.DataFrame({
        "contact_id_1": matched["id1"].astype("int64"),
        "contact_id_2": matched["id2"].astype("int64"),
        "cluster_id": matched["id1"].map(assignment).astype("Int64"),
        "score": matched["score"].astype(float).round(4),
        "reasons": matched["reasons"],
        "match_weight": matched["match_weight"].astype(float).round(3),
        "kind": matched["kind"],
        "waterfall": matched["waterfall"],
    })
    is_cut = np.zeros(len(frame), dtype=bool)
    if cut:
        is_cut[:] = [(a, b) in cut for a, b in zip(frame["contact_id_1"].tolist(),
                                                   frame["contact_id_2"].tolist(), strict=True)]
    order = ["score", "contact_id_1", "contact_id_2"]
    pairs = frame[~is_cut].sort_values(order, ascending=[False, True, True], ignore_index=True)
    cut_frame = frame[is_cut].sort_values(order, ascending=[False, True, True], ignore_index=True)
    cut_frame["cluster_id"] = pd.array([pd.NA] * len(cut_frame), dtype="Int64")
    for part in (pairs, cut_frame):  # the same pairs give the same frame, whatever came first
        for col in TEXT_COLUMNS:
            used = part[col].cat.remove_unused_categories()
            part[col] = used.cat.reorder_categories(sorted(used.cat.categories))
    lap("cluster")
    if keep_model and any(m.method != "prior" for m in models.values()):
        with db.transaction() as wtx:
            for m in models.values():
                if m.method != "prior":
                    decisions.save_model(wtx, m)
    meanings = {r.name: r.meaning for r in rules}
    counts_df.insert(1, "meaning", counts_df["rule"].map(meanings))
    for col in ("pairs", "only_this_rule"):
        counts_df[col] = counts_df[col].astype("int64")
    return DuplicateReport(pairs, counts_df, assignment, models, n_candidates, counts.contacts, timings,
                           cut_frame)


@contextmanager
def spark_engine(spark_session: Any, tx: Tx, temp_directory: str | Path | None) -> Iterator[Engine]:
    """The Spark engine over the key tables, handed over as Parquet in a run folder (removed after)."""
    from .spark import SparkEngine

    base = Path(temp_directory) if temp_directory else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="crmdata-spark-", dir=base))
    engine = SparkEngine(spark_session, folder)
    try:
        for name in KEY_TABLES:
            target = folder / f"{name}.parquet"
            source = ("SELECT id1, id2, decision FROM dedupe_decisions WHERE decision = 'not_duplicate'"
                      if name == "dedupe_decisions" else f"SELECT * FROM {name}")
            tx.execute(f"COPY ({source}) TO {sql_literal(str(target))} (FORMAT PARQUET)")
            engine.load(name, target)
        yield engine
    finally:
        engine.close()
        shutil.rmtree(folder, ignore_errors=True)


def decide(db: Database, user: User, id1: int, id2: int, decision: str) -> tuple[int, int]:
    """Record a review decision ("duplicate" or "not_duplicate") on a pair; returns the pair."""
    with db.transaction() as tx:
        return decisions.record(tx, user, id1, id2, decision)


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

