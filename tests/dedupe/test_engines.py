"""What the Spark engine checks before it starts (pure or quick: no Spark needed)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pandas as pd
import pytest

from crmdata import Store
from crmdata.dedupe import spark
from crmdata.errors import CrmDataError


def test_master_urls_name_the_endpoints_to_check() -> None:
    assert spark._endpoints("local[2]") == []
    assert spark._endpoints("local[*]") == []
    assert spark._endpoints("yarn") == []
    assert spark._endpoints("spark://head:7077") == [("head", 7077)]
    assert spark._endpoints("spark://a:7077,b:7078") == [("a", 7077), ("b", 7078)]
    assert spark._endpoints("k8s://https://api.example:6443") == [("api.example", 6443)]
    for bad in ("spark://head", "mesos://x:1", "local[two]"):
        with pytest.raises(CrmDataError, match="master"):
            spark._endpoints(bad)


def test_a_closed_master_port_is_reported_with_how_to_start_one() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(CrmDataError, match=rf"spark://127.0.0.1:{port} cannot be reached.*start-master"):
        spark.check_master(f"spark://127.0.0.1:{port}")
    assert time.monotonic() - started < 30


def test_a_java_home_without_java_says_what_to_install(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(CrmDataError, match="openjdk-17-jre-headless"):
        spark.check_java()


def test_an_unknown_engine_is_refused(store: Store) -> None:
    with pytest.raises(CrmDataError, match="Unknown duplicate engine 'polars'"):
        store.find_duplicates(engine="polars")


def test_comparing_the_pairs_in_slices_gives_what_one_pass_does(sample_store: Store,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    from crmdata.access import User
    from crmdata.dedupe import blocking, compare, engines, keys, train

    def vectors(tx: object, engine: engines.DuckEngine, n: int) -> pd.DataFrame:
        engine.create_per_pairs("t_vec", lambda part: compare.vectors_sql(part, "P"), "t_pairs", n)
        got = engine.df("SELECT * FROM t_vec").sort_values(["id1", "id2"], ignore_index=True)
        engine.drop("t_vec")
        return got

    with sample_store.db.read() as tx:
        keys.build(tx, User(1, "admin", "Admin", True))
        train.add_term_frequencies(tx)
        tx.register("_nick", keys.nickname_pairs())
        tx.execute("CREATE OR REPLACE TEMP TABLE dd_nick AS SELECT * FROM _nick")
        duck = engines.DuckEngine(tx)
        duck.create("t_pairs", blocking.pairs_sql(f"({blocking.union_sql(blocking.default_rules())})"))
        n = int(duck.scalar("SELECT count(*) FROM t_pairs"))
        whole = vectors(tx, duck, n)
        inserted: list[str] = []
        real = tx.execute

        def spy(sql: str, params: object = None) -> object:
            if sql.startswith("INSERT INTO t_vec"):
                inserted.append(sql)
            return real(sql, params)  # type: ignore[arg-type]

        monkeypatch.setattr(tx, "execute", spy)
        monkeypatch.setattr(engines, "PAIRS_PER_SLICE", n // 4)
        sliced = vectors(tx, duck, n)
        monkeypatch.undo()
        left = tx.rows(f"SELECT table_name FROM duckdb_tables() WHERE table_name = '{engines.SLICE}'")
        keys.drop(tx)
    assert len(inserted) >= 3  # the first slice makes the table, the others add to it
    assert left == []  # the table of the current slice is dropped at the end
    assert len(whole) > 1000
    pd.testing.assert_frame_equal(sliced, whole)


def test_a_run_in_slices_reports_what_one_pass_does(sample_store: Store,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Distinct candidate pairs and their vectors made a slice at a time (as a large base is)
    give the very report one pass gives."""
    from crmdata.dedupe import engines

    whole = sample_store.find_duplicates(keep_model=False)
    monkeypatch.setattr(engines, "PAIRS_PER_SLICE", max(1, whole.candidates // 5))
    sliced = sample_store.find_duplicates(keep_model=False)
    assert sliced.candidates == whole.candidates and len(whole.pairs)
    pd.testing.assert_frame_equal(sliced.pairs, whole.pairs)
    pd.testing.assert_frame_equal(sliced.blocking, whole.blocking)
