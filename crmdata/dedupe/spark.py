"""The Spark engine of a duplicate run (the only module that imports ``pyspark``).

The key tables built in DuckDB are handed over as Parquet files in a run folder (which a
cluster's executors must be able to read: a shared file system); blocking, comparison
vectors and scoring run as the same SQL text the DuckDB engine runs (:mod:`.engines`), and
the connected components of the matched pairs by iterated minimum-label propagation with
pointer jumping in the DataFrame API. Jaro-Winkler, which Spark SQL lacks, is registered
under DuckDB's name as a vectorised UDF over rapidfuzz (DuckDB's own implementation comes
from rapidfuzz); Spark's ``levenshtein`` is built in.

One SparkSession serves the process (starting the JVM takes seconds); a different master
replaces it. Before a session starts, what it needs is checked so a missing piece is a
clear :class:`~crmdata.errors.CrmDataError` within seconds: pyspark installed, a Java
runtime, a reachable master. Any failure of a Spark job becomes a ``CrmDataError`` too; a run
writes into the store only after every Spark step has succeeded.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CrmDataError

#: The master a run uses when none is given (all cores of this machine).
DEFAULT_MASTER = "local[*]"
#: Seconds to wait for a standalone master's port before saying it cannot be reached.
CONNECT_TIMEOUT = 5.0
#: Label propagation rounds before giving up (each at least halves a chain's length).
MAX_ROUNDS = 64

_LOCAL = re.compile(r"^local(\[(\*|\d+)(,\d+)?\])?$")
_session: Any = None


def _install_hint() -> str:
    return "install it with `pip install 'crmdata[spark]'`"


def check_java() -> str:
    """The ``java`` Spark will start; a clear error when there is none or it does not run."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        where = f"JAVA_HOME={home} has no bin/java" if home else "no `java` on the PATH and JAVA_HOME unset"
        raise CrmDataError(
            f"The Spark engine needs a Java runtime (Java 17 or later), and none was found ({where}). "
            "Install one (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME."
        )
    try:
        subprocess.run([java, "-version"], capture_output=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise CrmDataError(
            f"The Java runtime {java} does not run ({exc}); the Spark engine needs Java 17 or later "
            "(Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`)."
        ) from exc
    return java


def _endpoints(master: str) -> list[tuple[str, int]]:
    """(host, port) pairs a master URL names (several for a standalone master with standbys)."""
    if master.startswith("spark://"):
        out = []
        for part in master[len("spark://"):].split(","):
            host, _, port = part.rpartition(":")
            if not host or not port.isdigit():
                raise CrmDataError(f"The Spark master URL {master!r} is not spark://HOST:PORT.")
            out.append((host, int(port)))
        return out
    if master.startswith("k8s://"):
        found = re.match(r"^k8s://(?:https?://)?([^:/]+):(\d+)", master)
        if not found:
            raise CrmDataError(f"The Spark master URL {master!r} is not k8s://https://HOST:PORT.")
        return [(found.group(1), int(found.group(2)))]
    if _LOCAL.match(master) or master == "yarn":
        return []
    raise CrmDataError(
        f"Unknown Spark master {master!r}: use local[N], spark://HOST:PORT, yarn or k8s://https://HOST:PORT."
    )


def check_master(master: str) -> None:
    """A clear error, within seconds, when the master's port cannot be reached."""
    for host, port in _endpoints(master):
        try:
            with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
                pass
        except OSError as exc:
            raise CrmDataError(
                f"The Spark master {master} cannot be reached ({host}:{port}: {exc.strerror or exc}). "
                "Start it (`$SPARK_HOME/sbin/start-master.sh`, then a worker with "
                "`$SPARK_HOME/sbin/start-worker.sh spark://HOST:7077`) or check the URL; "
                "without a cluster, use --spark-master 'local[*]'."
            ) from exc


def session(master: str | None = None) -> Any:
    """The process's SparkSession on ``master`` (started, after the checks, when needed)."""
    global _session
    master = master or os.environ.get("CRMDATA_SPARK_MASTER") or DEFAULT_MASTER
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise CrmDataError(f"The Spark engine needs pyspark, which is not installed: {_install_hint()}.") \
            from exc
    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master == master:
        _session = active
        return active
    check_master(master)
    check_java()
    if active is not None:
        active.stop()
    builder = (SparkSession.builder.master(master).appName("crmdata duplicates")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.sql.session.timeZone", "UTC"))
    if _LOCAL.match(master):
        # one machine: few shuffle partitions, and no adaptive re-planning after each shuffle,
        # which on one machine's partitions costs more than it saves (docs/benchmarks.md)
        builder = (builder.config("spark.sql.shuffle.partitions", "4").config("spark.driver.memory", "4g")
                   .config("spark.sql.adaptive.enabled", "false"))
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # local workers run this Python
    try:
        _session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: pyspark raises several kinds
        raise CrmDataError(f"Spark could not start on {master}: {_first_line(exc)}") from exc
    _session.sparkContext.setLogLevel("ERROR")
    _register_functions(_session)
    return _session


def _register_functions(spark: Any) -> None:
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("double")  # type: ignore[call-overload]
    def jaro_winkler_similarity(a: pd.Series, b: pd.Series) -> pd.Series:
        from rapidfuzz.distance import JaroWinkler

        out = [None if x is None or y is None else JaroWinkler.normalized_similarity(x, y)
               for x, y in zip(a, b, strict=True)]
        return pd.Series(out, dtype="float64")

    spark.udf.register("jaro_winkler_similarity", jaro_winkler_similarity)


def _first_line(exc: BaseException) -> str:
    """What went wrong, in one line: the root cause of a Java exception, else the message."""
    text = str(getattr(exc, "desc", None) or exc).strip()
    java = getattr(exc, "java_exception", None)
    if java is not None:
        try:
            root = java
            while root.getCause() is not None:
                root = root.getCause()
            text = str(root.getMessage() or root.toString()).strip()
        except Exception:  # the gateway is gone: keep pyspark's own message
            pass
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def _job(step: str) -> Iterator[None]:
    """Any failure of Spark inside the block as a CrmDataError naming the step."""
    try:
        yield
    except CrmDataError:
        raise
    except Exception as exc:  # Py4JJavaError, AnalysisException, PySparkException, ...
        raise CrmDataError(f"The Spark job failed ({step}): {_first_line(exc)}") from exc


def _release(frame: Any) -> None:
    """Free the blocks of a local checkpoint (:meth:`SparkEngine.create`) without waiting; where
    the plan is not the checkpoint's plain RDD, Spark's cleaner frees them once unreferenced."""
    with suppress(Exception):
        frame._jdf.queryExecution().analyzed().rdd().unpersist(False)


class SparkEngine:
    """Runs the portable SQL on Spark over key tables handed over as Parquet in ``folder``."""

    name = "spark"

    def __init__(self, spark: Any, folder: Path) -> None:
        self.spark = spark
        self.folder = folder
        self.local = bool(_LOCAL.match(str(spark.sparkContext.master)))  # one machine: see create()
        self._cached: dict[str, Any] = {}

    def load(self, name: str, parquet: Path) -> None:
        """Make a Parquet file (written by DuckDB) the view ``name``."""
        with _job(f"reading {name}"):
            self.spark.read.parquet(str(parquet)).createOrReplaceTempView(name)

    def create(self, name: str, sql: str) -> None:
        """Compute the rows of ``sql`` now (so a failure names this step) and make them the view
        ``name`` for later steps.

        On one machine (a ``local`` master) the rows are kept as a local checkpoint, not a
        cached query: a cached query keeps its whole plan (the blocking rules' union, the
        comparisons' joins), and every later statement over it, and every uncaching, has Spark's
        planner analyse and compare that plan again, which on a small run costs many times the
        work itself. A local checkpoint cannot be recomputed when an executor is lost, which on
        one machine would end the run anyway; on a cluster the rows stay a cached query, which
        Spark recomputes from its plan after such a loss.
        """
        with _job(name):
            if self.local:
                frame = self.spark.sql(sql).localCheckpoint(eager=True)
            else:
                frame = self.spark.sql(sql).persist()
                frame.count()
            self._cached[name] = frame
            # a union (the blocking rules') has every part's partitions: later steps read the
            # kept rows in as many partitions as a shuffle makes, not hundreds of tiny tasks
            # (merged after computing, so the parts are still computed each in its own task)
            most = int(self.spark.conf.get("spark.sql.shuffle.partitions"))
            view = frame.coalesce(most) if frame.rdd.getNumPartitions() > most else frame
            view.createOrReplaceTempView(name)

    def create_per_pairs(self, name: str, sql_of: Callable[[str], str], pairs: str, count: int) -> None:
        """All at once: Spark divides the pairs into partitions itself."""
        self.create(name, sql_of(pairs))

    def df(self, sql: str) -> pd.DataFrame:
        with _job("collecting results"):
            return self.spark.sql(sql).toPandas()

    def frames(self, sql: str, rows: int) -> Iterator[pd.DataFrame]:
        """The rows of ``sql``, collected into the driver at once (Arrow), in slices of ``rows``."""
        frame = self.df(sql)
        for start in range(0, max(len(frame), 1), rows):
            yield frame.iloc[start : start + rows]

    def scalar(self, sql: str) -> Any:
        with _job("counting"):
            row = self.spark.sql(sql).first()
            return None if row is None else row[0]

    def drop(self, name: str) -> None:
        """Forget the view ``name`` and free the rows :meth:`create` kept for it (without waiting)."""
        frame = self._cached.pop(name, None)
        if frame is not None and not self.local:
            frame.unpersist()
        self.spark.catalog.dropTempView(name)
        if frame is not None and self.local:
            _release(frame)

    def close(self) -> None:
        """Forget every view and cached table of the run (the session stays for the next run)."""
        for name in list(self._cached):
            self.drop(name)
        for name in ("dd_c", "dd_first", "dd_email", "dd_phone", "dd_domain", "dd_nick", "dedupe_decisions"):
            self.spark.catalog.dropTempView(name)

    def components(self, ids1: np.ndarray, ids2: np.ndarray) -> dict[int, int]:
        """Connected components by minimum-label propagation with pointer jumping (Spark)."""
        from pyspark.sql import functions as F

        if len(ids1) == 0:
            return {}
        with _job("connected components"):
            links = self.spark.createDataFrame(
                pd.DataFrame({"a": np.asarray(ids1, dtype="int64"), "b": np.asarray(ids2, dtype="int64")}))
            edges = links.select(F.col("a").alias("src"), F.col("b").alias("dst")).union(
                links.select(F.col("b").alias("src"), F.col("a").alias("dst"))).localCheckpoint()
            labels = edges.select(F.col("src").alias("id")).distinct().withColumn("label", F.col("id"))
            labels = labels.localCheckpoint()
            for _ in range(MAX_ROUNDS):
                # each node takes the smallest label among itself and its neighbours ...
                seen = (edges.join(labels.withColumnRenamed("id", "dst"), "dst")
                        .groupBy("src").agg(F.min("label").alias("m")))
                step = (labels.join(seen.withColumnRenamed("src", "id"), "id", "left")
                        .select("id", F.least("label", F.coalesce("m", "label")).alias("label")))
                # ... then the label of its label (pointer jumping: chains shrink fast)
                parent = step.select(F.col("id").alias("label"), F.col("label").alias("up"))
                new = (step.join(parent, "label", "left")
                       .select("id", F.least("label", F.coalesce("up", "label")).alias("label"))
                       .localCheckpoint())
                changed = (new.join(labels.withColumnRenamed("label", "old"), "id")
                           .where(F.col("label") != F.col("old")).limit(1).count())
                labels = new
                if not changed:
                    break
            else:
                raise CrmDataError(f"The connected components did not settle in {MAX_ROUNDS} rounds.")
            got = labels.toPandas()
        return dict(zip(got["id"].astype(int).tolist(), got["label"].astype(int).tolist(), strict=True))
