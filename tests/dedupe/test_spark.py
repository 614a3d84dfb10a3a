"""The Spark engine (local[2], one SparkSession for the whole test session) against DuckDB's.

The same generated store runs through both engines: every blocking rule, the comparison
vectors and the scoring statement are run on both and must agree row for row, and whole runs
must give the same pairs, clusters and cut links. Faults (no Java, an unreachable master, a
job failing half-way) give a clear error within seconds and leave the store as it was.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from crmdata import Store
from crmdata.dedupe import api, blocking, compare, fellegi, keys, train
from crmdata.dedupe.engines import DuckEngine
from crmdata.errors import CrmDataError

pyspark = pytest.importorskip("pyspark", reason="the Spark engine's extra: pip install 'crmdata[spark]'")
from crmdata.dedupe import spark  # noqa: E402  (after the skip: it needs pyspark)

pytestmark = [pytest.mark.spark, pytest.mark.slow]

MASTER = "local[2]"


@pytest.fixture(scope="session")
def spark_session() -> object:
    """The process's one SparkSession (crmdata reuses it for every run on the same master)."""
    return spark.session(MASTER)


def _keys(tx: object) -> None:
    from crmdata.access import User

    keys.build(tx, User(1, "admin", "Admin", True))  # type: ignore[arg-type]
    train.add_term_frequencies(tx)  # type: ignore[arg-type]
    tx.register("_nick", keys.nickname_pairs())  # type: ignore[attr-defined]
    tx.execute("CREATE OR REPLACE TEMP TABLE dd_nick AS SELECT * FROM _nick")  # type: ignore[attr-defined]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    cols = list(frame.columns)
    return frame.sort_values(cols, ignore_index=True)


def test_every_rule_comparison_and_score_runs_alike_on_both_engines(
    sample_store: Store, spark_session: object, tmp_path: Path
) -> None:
    rules = blocking.default_rules()
    models = {k: fellegi.default_model(k) for k in ("P", "C")}
    with sample_store.db.read() as tx:
        _keys(tx)
        duck = DuckEngine(tx)
        with api.spark_engine(spark_session, tx, tmp_path / "hand-over") as on_spark:
            tagged = {}
            for engine in (duck, on_spark):  # every rule's pairs, tagged with the rule
                engine.create("t_block", blocking.union_sql(rules))
                got = engine.df("SELECT * FROM t_block")
                tagged[engine.name] = _sorted(got.astype({"id1": "int64", "id2": "int64", "rule": str}))
            for rule in rules:  # each rule's rows alike on both
                a, b = (frame[frame["rule"] == rule.name].reset_index(drop=True) for frame in tagged.values())
                pd.testing.assert_frame_equal(a, b, obj=rule.name)
            found = tagged["duckdb"]["rule"].nunique()
            assert found >= len(rules) - 3  # (the base has no swapped names, few companies)
            for engine in (duck, on_spark):
                engine.create("t_pairs", blocking.pairs_sql("t_block"))
                engine.drop("t_block")
            for kind, model in models.items():
                sql = compare.score_sql(compare.vectors_sql("t_pairs", kind), kind, model.prior_weight,
                                        model.weights(), model.tf_terms())
                a = _sorted(duck.df(sql))
                b = _sorted(on_spark.df(sql))
                assert len(a) > 50
                gammas = [compare.gamma(c.name) for c in compare.COMPARISONS[kind]]
                assert set(a.columns) == set(b.columns)
                for col in ["id1", "id2", *gammas]:  # every comparison's level codes agree exactly
                    left, right = a[col].fillna(-1).astype(int), b[col].fillna(-1).astype(int)
                    assert left.tolist() == right.tolist(), col
                assert (a["match_weight"] - b["match_weight"]).abs().max() < 1e-9
            duck.drop("t_pairs")
            on_spark.drop("t_pairs")
        keys.drop(tx)
    assert not list((tmp_path / "hand-over").iterdir())  # the Parquet hand-over is removed


def test_both_engines_report_the_same_pairs_clusters_and_cuts(sample_store: Store,
                                                              spark_session: object) -> None:
    first = sample_store.find_duplicates(keep_model=False)
    a, b = first.pairs.iloc[0], first.pairs.iloc[5]
    sample_store.decide(int(a.contact_id_1), int(a.contact_id_2), "not_duplicate")
    sample_store.decide(int(b.contact_id_1), int(b.contact_id_2), "duplicate")
    duck = sample_store.find_duplicates(keep_model=False)
    on_spark = sample_store.find_duplicates(keep_model=False, engine="spark", spark_master=MASTER)
    assert len(duck.pairs) > 100
    pd.testing.assert_frame_equal(duck.pairs, on_spark.pairs)
    pd.testing.assert_frame_equal(duck.cut, on_spark.cut)
    pd.testing.assert_frame_equal(duck.blocking, on_spark.blocking)
    assert duck.clusters == on_spark.clusters
    assert duck.candidates == on_spark.candidates
    assert (int(a.contact_id_1), int(a.contact_id_2)) not in set(
        zip(on_spark.pairs["contact_id_1"], on_spark.pairs["contact_id_2"], strict=True))


def _model_rows(store: Store) -> list[tuple[object, ...]]:
    with store.db.read() as tx:
        return tx.rows("SELECT * FROM dedupe_models ORDER BY ALL")


def test_a_spark_job_failing_half_way_writes_nothing(sample_store: Store, spark_session: object,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sample_store.find_duplicates(keep_model=True)
    before = _model_rows(sample_store)
    assert before
    real = compare.score_sql

    def failing(*args: object, **kwargs: object) -> str:  # the scoring step, after blocking and vectors
        return f"SELECT * FROM ({real(*args, **kwargs)}) s WHERE raise_error('executor lost') IS NULL"  # type: ignore[arg-type]

    monkeypatch.setattr(compare, "score_sql", failing)
    with pytest.raises(CrmDataError, match="Spark job failed.*executor lost"):
        sample_store.find_duplicates(keep_model=True, engine="spark", spark_master=MASTER)
    assert _model_rows(sample_store) == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_master_is_a_clear_error_within_seconds(sample_store: Store,
                                                               spark_session: object) -> None:
    master = f"spark://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    with pytest.raises(CrmDataError, match=r"cannot be reached.*start-master\.sh"):
        sample_store.find_duplicates(engine="spark", spark_master=master)
    assert time.monotonic() - started < 30
    assert spark.session(MASTER) is spark_session  # the shared session is still the one


def test_no_java_is_a_clear_error_and_the_store_is_untouched(sample_store: Store, tmp_path: Path) -> None:
    path = Path(sample_store.db.path)
    sample_store.close()
    before = path.read_bytes()
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "PYSPARK_PYTHON")}
    env["PATH"] = str(Path(sys.executable).parent)  # the venv's tools, no java
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "crmdata", "--db", str(path), "duplicates", "--engine", "spark",
         "--spark-master", MASTER],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert time.monotonic() - started < 30
    assert done.returncode != 0
    assert "Error:" in done.stderr and "Java runtime" in done.stderr
    assert "openjdk-17-jre-headless" in done.stderr
    assert path.read_bytes() == before


def test_without_pyspark_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # import fails as when not installed
    monkeypatch.setattr(spark, "_session", None)
    with pytest.raises(CrmDataError, match=r"pip install 'crmdata\[spark\]'"):
        spark.session("local[3]")


def test_components_on_spark_match_scipy(spark_session: object, tmp_path: Path) -> None:
    import numpy as np

    from crmdata.dedupe import cluster

    rng = np.random.default_rng(7)
    ids1 = rng.integers(0, 400, 600)
    ids2 = rng.integers(0, 400, 600)
    keep = ids1 != ids2
    ids1, ids2 = ids1[keep], ids2[keep]
    chain = np.arange(1000, 1040)  # a long chain settles too
    ids1, ids2 = np.concatenate([ids1, chain[:-1]]), np.concatenate([ids2, chain[1:]])
    engine = spark.SparkEngine(spark_session, tmp_path)
    assert engine.components(ids1, ids2) == cluster.components(ids1, ids2)
    assert shutil.which("java")  # the test ran Spark for real


def test_a_local_session_has_few_shuffle_partitions_and_no_adaptive_planning(spark_session: object) -> None:
    conf = spark_session.conf  # type: ignore[attr-defined]
    assert conf.get("spark.sql.shuffle.partitions") == "4"
    assert conf.get("spark.sql.adaptive.enabled") == "false"


def test_a_made_union_is_read_in_as_many_partitions_as_a_shuffle_makes(spark_session: object,
                                                                        tmp_path: Path) -> None:
    engine = spark.SparkEngine(spark_session, tmp_path)
    parts = " UNION ALL ".join(f"SELECT id, {i} AS part FROM range(0, 50, 1, 3)" for i in range(12))
    engine.create("t_union", parts)
    try:
        table = spark_session.table("t_union")  # type: ignore[attr-defined]
        assert table.rdd.getNumPartitions() == 4  # 12 parts of 3 partitions each, cached, read as 4
        got = _sorted(engine.df("SELECT id, part FROM t_union").astype("int64"))
        assert len(got) == 600
        assert got.equals(_sorted(pd.DataFrame({"id": list(range(50)) * 12,
                                                "part": [i for i in range(12) for _ in range(50)]})))
    finally:
        engine.drop("t_union")


@pytest.mark.parametrize("local", [True, False], ids=["local master", "cluster master"])
def test_a_made_table_is_kept_as_the_master_needs_and_freed_when_dropped(spark_session: object,
                                                                       tmp_path: Path, local: bool) -> None:
    """On a ``local`` master a step's rows are read without the plan that made them (later
    statements do not carry and re-plan it); on a cluster they stay a cached query, so an
    executor lost mid-run is made good from the plan. Either way dropping frees them."""
    engine = spark.SparkEngine(spark_session, tmp_path)
    assert engine.local  # the tests' session runs on local[2] ...
    engine.local = local  # ... so the cluster's way is asked for here
    jsc = spark_session.sparkContext._jsc  # type: ignore[attr-defined]
    kept = len(jsc.getPersistentRDDs())
    engine.create("t_kept", "SELECT a.id, b.id AS id2 FROM range(0, 40) a JOIN range(0, 40) b ON a.id < b.id")
    try:
        if local:
            assert len(jsc.getPersistentRDDs()) == kept + 1
        else:
            assert spark_session.catalog.isCached("t_kept")  # type: ignore[attr-defined]
        plan = spark_session.table("t_kept")._jdf.queryExecution().analyzed().toString()  # type: ignore[attr-defined]
        assert ("Join" in plan) is not local
        assert engine.scalar("SELECT count(*) FROM t_kept") == 40 * 39 // 2
    finally:
        engine.drop("t_kept")
    assert len(jsc.getPersistentRDDs()) == kept
    assert not spark_session.catalog.tableExists("t_kept")  # type: ignore[attr-defined]
