"""The systems the duplicate benchmark compares, each run alone: ``python -m benchmarks.linkage_systems
SYSTEM DATASET`` prints one JSON line (scores, seconds, peak RSS, reliability table).

- ``crmdata`` / ``crmdata-cli``: ``Store.find_duplicates()`` with its defaults on the store
  loaded through the API / through ``crmdata import --map`` (:mod:`.linkage_data`); only the
  public report is read: ``clusters`` (every pair inside a cluster counts) and ``pairs.score``.
- ``splink``: Splink 5.0.0 on DuckDB, set up as its own tutorials do (:data:`SPLINK_SETUPS`).
- ``recordlinkage``: recordlinkage 0.16 as its documentation teaches: ``Index.block`` keys,
  ``Compare`` features, the unsupervised ``ECMClassifier``.

Seconds cover the linking only (model set-up, training, prediction, clustering), not loading
the records; peak RSS is the whole process's high-water mark (VmHWM).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from . import linkage_data as data
from .linkage_metrics import (
    cluster_pairs,
    components,
    expected_calibration_error,
    pairwise_scores,
    reliability_table,
)

if TYPE_CHECKING:
    from splink.internals.comparison_creator import ComparisonCreator

SYSTEMS = ("crmdata", "crmdata-cli", "crmdata-spark", "splink", "recordlinkage")


def _peak_rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(x.split()[1]) for x in fh if x.startswith("VmHWM")) / 1024


def _outcome(clusters: dict[int, Any], scored: pd.DataFrame | None, truth: set[tuple[int, int]],
             seconds: float, **extra: Any) -> dict[str, Any]:
    """Scores from the clusters; calibration from the scored pairs (uid_l < uid_r, p)."""
    out: dict[str, Any] = {"seconds": seconds, **pairwise_scores(cluster_pairs(clusters), truth), **extra}
    if scored is not None:
        labels = [(int(a), int(b)) in truth for a, b in zip(scored["uid_l"], scored["uid_r"], strict=True)]
        table = reliability_table(scored["p"].clip(0, 1), labels)
        out["ece"] = expected_calibration_error(table)
        out["scored_pairs"] = len(scored)
        out["reliability"] = table.to_dict("records")
    return out


# -- crmdata ---------------------------------------------------------------------------------

#: crmdata's reliability table covers the candidate pairs scoring at least this (a second run,
#: untimed), so that it shows the pairs below the default threshold too.
CALIBRATION_FLOOR = 0.01


def run_crmdata(name: str, how: str, engine: str = "duckdb", calibrate: bool = True) -> dict[str, Any]:
    """crmdata's default run on a data set; with ``calibrate``, a second, untimed run at
    :data:`CALIBRATION_FLOOR` scores every candidate pair for the reliability table."""
    from crmdata import Store

    db, ids_path = data.store(name, how)
    uid_of = {int(k): int(v) for k, v in json.loads(ids_path.read_text(encoding="utf-8")).items()}
    truth = data.truth_pairs(data.records(name))
    store = Store(db, keep_open=True)
    started = time.perf_counter()
    report = store.find_duplicates(engine=engine, spark_master="local[2]")
    seconds = time.perf_counter() - started
    peak = _peak_rss_mib()  # the run's own, before the calibration run below
    clusters = {uid_of[int(c)]: k for c, k in report.clusters.items()}
    extra = {"reported_pairs": len(report.pairs),
             "pairs_outside_clusters": int(report.pairs["cluster_id"].isna().sum()), "peak_rss_mib": peak}
    if not calibrate:
        return _outcome(clusters, None, truth, seconds, **extra)
    # calibration over every candidate pair the model scores at all, not only those reported
    pairs = store.find_duplicates(threshold=CALIBRATION_FLOOR, engine=engine, spark_master="local[2]").pairs
    a = pairs["contact_id_1"].map(uid_of)
    b = pairs["contact_id_2"].map(uid_of)
    scored = pd.DataFrame({"uid_l": a.where(a < b, b), "uid_r": b.where(a < b, a),
                           "p": pairs["score"].astype(float)})
    return _outcome(clusters, scored, truth, seconds, **extra)


# -- Splink ------------------------------------------------------------------------------------

def _febrl3_setup(frame: pd.DataFrame) -> dict[str, Any]:
    """Splink's FEBRL3 tutorial (docs/demos/examples/duckdb/febrl3) without soc_sec_id."""
    import splink.comparison_library as cl
    from splink import block_on

    return {
        "comparisons": [
            cl.NameComparison("given_name"), cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d",
                                     invalid_dates_as_null=True),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        "blocking": [block_on("given_name"), block_on("surname"), block_on("date_of_birth"),
                     block_on("postcode")],
        "deterministic": [block_on("given_name", "surname", "date_of_birth"),
                          "l.given_name = r.surname and l.surname = r.given_name "
                          "and l.date_of_birth = r.date_of_birth"],
        "recall": 0.9, "u_pairs": 1e6, "u_seed": 2,
        "em": [(block_on("date_of_birth"), False), (block_on("postcode"), False)],
        # the tutorial takes its predictions at 0.2 as the links (it never clusters): the same here
        "predict": 0.2, "cluster": 0.2,
    }


def _febrl4_setup(frame: pd.DataFrame) -> dict[str, Any]:
    """Splink's FEBRL4 tutorial's detailed model without soc_sec_id (dedupe of A and B together)."""
    import splink.comparison_library as cl
    from splink import block_on

    return {
        "comparisons": [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d",
                                     invalid_dates_as_null=True),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ],
        "blocking": [block_on("given_name", "surname"),
                     "l.given_name = r.surname and l.surname = r.given_name",
                     block_on("date_of_birth"), block_on("state", "address_1"),
                     block_on("street_number", "address_1"), block_on("postcode")],
        "deterministic": [block_on("given_name", "surname", "date_of_birth")],
        "recall": 0.8, "u_pairs": 1e6, "u_seed": 2,
        "em": [(block_on("date_of_birth"), True), (block_on("postcode"), True)],
        "predict": 0.2, "cluster": 0.99,
    }


def _people_setup(frame: pd.DataFrame) -> dict[str, Any]:
    """Splink's 50k-people dedupe tutorial (deduplicate_50k_synthetic) mapped onto these columns.

    Its comparisons: ForenameSurnameComparison with the concatenated name for term frequencies,
    DateOfBirthComparison, the postcode, and exact matches with term frequencies for the other
    attributes (here the street line; the city, correlated with the postcode, is left out as the
    FEBRL4 tutorial does); a CRM also has email (Splink's EmailComparison) and
    phone (exact). Its ten blocking rules, with the CRM's email and phone added; its training:
    lambda from three deterministic rules at recall 0.6, u from 1e7 random pairs, EM on first
    name + surname and on the date of birth, both without term frequencies; clusters at 0.95.
    Rules and comparisons on a column the data set lacks are left out (without birthdays the
    second EM session blocks on the postcode instead).
    """
    import splink.comparison_library as cl
    from splink import block_on

    has = {c for c in frame.columns if frame[c].notna().any()}
    dob = "dob" in has
    comparisons: list[ComparisonCreator] = [cl.ForenameSurnameComparison(
        "first_name", "last_name", forename_surname_concat_col_name="first_name_surname")]
    if dob:
        comparisons.append(cl.DateOfBirthComparison("dob", input_is_string=True, invalid_dates_as_null=True))
    comparisons.append(cl.ExactMatch("zip").configure(term_frequency_adjustments=True))
    # the street line in place of its birth_place / occupation; the city is left out, as the
    # FEBRL4 tutorial leaves out location columns correlated with the postcode
    comparisons.append(cl.ExactMatch("street").configure(term_frequency_adjustments=True))
    if "email" in has:
        comparisons.append(cl.EmailComparison("email"))
    if "phone" in has:
        comparisons.append(cl.ExactMatch("phone"))
    rules: list[Any] = [
        block_on("substr(first_name,1,3)", "substr(last_name,1,4)"),
        *([block_on("last_name", "dob"), block_on("first_name", "dob")] if dob else []),
        block_on("zip", "first_name"), block_on("zip", "last_name"),
        *([block_on("dob", "city"), block_on("substr(zip,1,3)", "dob")] if dob else []),
        block_on("substr(zip,1,3)", "first_name"), block_on("substr(zip,1,3)", "last_name"),
        *([block_on("substr(first_name,1,2)", "substr(last_name,1,2)", "substr(dob,1,4)")] if dob else []),
        *([block_on("email")] if "email" in has else []), *([block_on("phone")] if "phone" in has else []),
    ]
    deterministic: list[Any] = [
        *([block_on("first_name", "last_name", "dob")] if dob else []),
        block_on("substr(first_name,1,2)", "last_name", "substr(zip,1,2)"),
        *([block_on("dob", "zip")] if dob else []),
        *([block_on("email")] if "email" in has else []),
    ]
    return {
        "comparisons": comparisons, "blocking": rules, "deterministic": deterministic,
        "recall": 0.6, "u_pairs": 1e7, "u_seed": 1,
        "em": [(block_on("first_name", "last_name"), True),
               (block_on("dob") if dob else block_on("zip"), True)],
        "predict": None, "cluster": 0.95,
    }


def _company_setup(frame: pd.DataFrame) -> dict[str, Any]:
    """Companies (generated CRM data only; Splink has no company tutorial): the people tutorial's
    recipe with the company name in place of the person's names."""
    import splink.comparison_library as cl
    from splink import block_on

    has = {c for c in frame.columns if frame[c].notna().any()}
    comparisons = [
        cl.JaroWinklerAtThresholds("company_name", [0.9, 0.7]).configure(term_frequency_adjustments=True),
        cl.ExactMatch("zip").configure(term_frequency_adjustments=True),
        cl.ExactMatch("street").configure(term_frequency_adjustments=True),
        *([cl.EmailComparison("email")] if "email" in has else []),
        *([cl.ExactMatch("phone")] if "phone" in has else []),
    ]
    return {
        "comparisons": comparisons,
        "blocking": [block_on("company_name"), block_on("substr(company_name,1,4)", "zip"),
                     block_on("street", "city"), block_on("email"), block_on("phone")],
        "deterministic": [block_on("company_name", "zip"), block_on("email")],
        "recall": 0.6, "u_pairs": 1e7, "u_seed": 1,
        "em": [(block_on("company_name"), True), (block_on("zip"), True)],
        "predict": None, "cluster": 0.95,
    }


def splink_setup(name: str, kind: str) -> tuple[str, Any]:
    """Which tutorial a data set's model follows, and the function that builds it."""
    if name in ("FEBRL1", "FEBRL2", "FEBRL3"):
        return "FEBRL3 tutorial", _febrl3_setup
    if name == "FEBRL4":
        return "FEBRL4 tutorial (detailed model)", _febrl4_setup
    if kind == "C":
        return "people tutorial, company name for names", _company_setup
    return "deduplicate_50k_synthetic tutorial", _people_setup


SPLINK_COLUMNS = {"P": ["first_name", "last_name", "email", "phone", "street", "city", "zip", "dob"],
                  "C": ["company_name", "email", "phone", "street", "city", "zip"]}


def _splink_one(frame: pd.DataFrame, setup: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and predict one model; returns (clusters uid -> cluster, scored pairs)."""
    from splink import DuckDBAPI, Linker, SettingsCreator

    settings = SettingsCreator(link_type="dedupe_only", unique_id_column_name="uid",
                               comparisons=setup["comparisons"],
                               blocking_rules_to_generate_predictions=setup["blocking"],
                               retain_intermediate_calculation_columns=False)
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), settings)
    linker.training.estimate_probability_two_random_records_match(setup["deterministic"],
                                                                  recall=setup["recall"])
    linker.training.estimate_u_using_random_sampling(max_pairs=setup["u_pairs"], seed=setup["u_seed"])
    for rule, without_tf in setup["em"]:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=without_tf)
    predictions = linker.inference.predict(threshold_match_probability=setup["predict"])
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=setup["cluster"]).as_pandas_dataframe()
    scored = predictions.as_pandas_dataframe()[["uid_l", "uid_r", "match_probability"]]
    return clusters[["uid", "cluster_id"]], scored


def splink_kind(name: str, kind: str, part: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Splink trained and run on one kind of contact of a data set (``part``: its records) as
    :func:`splink_setup` says; returns (clusters uid -> cluster, scored pairs)."""
    if name.startswith("FEBRL"):
        frame = part[["uid", *data.FEBRL_COLUMNS]].copy()
    else:
        frame = part[["uid", *SPLINK_COLUMNS[kind]]].copy()
        if kind == "P":
            frame["first_name_surname"] = frame["first_name"] + " " + frame["last_name"]
    _label, build = splink_setup(name, kind)
    return _splink_one(frame.astype({c: "object" for c in frame.columns if c != "uid"}), build(frame))


def run_splink(name: str) -> dict[str, Any]:
    logging.disable(logging.WARNING)
    recs = data.records(name)
    truth = data.truth_pairs(recs)
    started = time.perf_counter()
    clusters: dict[int, Any] = {}
    scored_parts = []
    for kind in ("P", "C"):
        part = recs[recs["kind"] == kind]
        if part.empty:
            continue
        found, scored = splink_kind(name, kind, part)
        clusters.update({int(u): (kind, c) for u, c in zip(found["uid"], found["cluster_id"], strict=True)})
        scored_parts.append(scored)
    seconds = time.perf_counter() - started
    scored = pd.concat(scored_parts, ignore_index=True)
    a, b = scored["uid_l"].astype(int), scored["uid_r"].astype(int)
    scored = pd.DataFrame({"uid_l": a.where(a < b, b), "uid_r": b.where(a < b, a),
                           "p": scored["match_probability"].astype(float)})
    return _outcome(clusters, scored, truth, seconds)


# -- recordlinkage -------------------------------------------------------------------------------

def rl_setup(name: str, kind: str) -> dict[str, Any]:
    """Blocking keys and (method, column, threshold) features, as recordlinkage's guides build them.

    FEBRL: the deduplication guide's features (exact given name, Jaro-Winkler >= 0.85 surname,
    exact date of birth, suburb and state, Jaro-Winkler >= 0.85 address); its single block on the
    given name is widened to the union of blocks on given name, surname, date of birth and
    postcode (one ``Index`` holding several ``block`` calls), the keys of Splink's FEBRL3 tutorial.
    Other people data: the same feature kinds on the columns it has, blocks on surname, date of
    birth, email, phone and first name + street (not on the postcode: pseudopeople's town has one
    postcode; a block on the first name alone there holds about a million pairs, and the process
    passed 11 GB); companies: the company name in place of the names.
    """
    if name.startswith("FEBRL"):
        return {"blocks": ["given_name", "surname", "date_of_birth", "postcode"],
                "features": [("exact", "given_name", None), ("jarowinkler", "surname", 0.85),
                             ("exact", "date_of_birth", None), ("exact", "suburb", None),
                             ("exact", "state", None), ("jarowinkler", "address_1", 0.85)]}
    if kind == "C":
        return {"blocks": ["company_name", "email", "phone", "zip"],
                "features": [("jarowinkler", "company_name", 0.85), ("exact", "email", None),
                             ("exact", "phone", None), ("exact", "zip", None), ("exact", "city", None),
                             ("jarowinkler", "street", 0.85)]}
    return {"blocks": ["last_name", "dob", "email", "phone", ["first_name", "street"]],
            "features": [("exact", "first_name", None), ("jarowinkler", "last_name", 0.85),
                         ("exact", "dob", None), ("exact", "zip", None), ("exact", "city", None),
                         ("jarowinkler", "street", 0.85), ("exact", "email", None), ("exact", "phone", None)]}


def run_recordlinkage(name: str) -> dict[str, Any]:
    import recordlinkage as rl

    recs = data.records(name)
    truth = data.truth_pairs(recs)
    started = time.perf_counter()
    matched: list[tuple[int, int]] = []
    scored_parts = []
    for kind in ("P", "C"):
        part = recs[recs["kind"] == kind].set_index("uid")
        if part.empty:
            continue
        setup = rl_setup(name, kind)
        present = [k for k in setup["blocks"]
                   if all(part[c].notna().any() for c in ([k] if isinstance(k, str) else k))]
        features_def = [f for f in setup["features"] if part[f[1]].notna().any()]
        indexer = rl.Index()
        for key in present:
            indexer.block(key)
        pairs = indexer.index(part)
        compare = rl.Compare()
        for method, column, threshold in features_def:
            if method == "exact":
                compare.exact(column, column, label=column)
            else:
                compare.string(column, column, method=method, threshold=threshold, label=column)
        # pandas-stubs leave None out of where()'s `other`; pandas takes it (missing values become None)
        features = compare.compute(pairs, part.astype(object).where(part.notna(), cast(Any, None)))
        ecm = rl.ECMClassifier()
        links = ecm.fit_predict(features)
        probability = ecm.prob(features)
        matched += [(int(a), int(b)) for a, b in links]
        idx = probability.index
        a = pd.Series(idx.get_level_values(0).astype(int))
        b = pd.Series(idx.get_level_values(1).astype(int))
        scored_parts.append(pd.DataFrame({"uid_l": a.where(a < b, b), "uid_r": b.where(a < b, a),
                                          "p": probability.to_numpy()}))
    seconds = time.perf_counter() - started
    clusters = components(matched)
    scored = pd.concat(scored_parts, ignore_index=True)
    return _outcome(clusters, scored, truth, seconds, candidates=len(scored))


def main() -> None:
    system, name = sys.argv[1], sys.argv[2]
    calibrate = "--no-calibration" not in sys.argv[3:]
    if system == "crmdata":
        out = run_crmdata(name, "api", calibrate=calibrate)
    elif system == "crmdata-cli":
        out = run_crmdata(name, "cli", calibrate=calibrate)
    elif system == "crmdata-spark":
        out = run_crmdata(name, "api", "spark", calibrate=calibrate)
    elif system == "splink":
        out = run_splink(name)
    elif system == "recordlinkage":
        out = run_recordlinkage(name)
    else:
        raise SystemExit(f"unknown system {system!r}; one of {', '.join(SYSTEMS)}")
    out.setdefault("peak_rss_mib", _peak_rss_mib())
    print(json.dumps(out, default=float))


if __name__ == "__main__":
    main()
