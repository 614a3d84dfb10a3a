"""Write-back latency: commit one edited contact in a large store, duplicate check included.

The store is a generated ONLYOFFICE export (``crmdata.sample.generate``) imported with
``store.import_onlyoffice`` (built once and cached). Each timed commit stages one contact's
edit (a new position and a new email address, so the exact-key duplicate check really
searches the store) and commits it through a fresh connection, as every user action does.

Baselines measured in the same run: raw DuckDB doing the same two writes (UPDATE the contact,
INSERT the email) in its own connection, which is the floor for any write that does not hold
the file open (with DuckDB's checkpoint on every DETACH, and with DuckDB set up as crmdata
sets it up: the log folded in past ``crmdata.db.WAL_LIMIT``, ``crmdata.db.BLOCK_MEMORY``);
and the exact-key duplicate query alone.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .common import CACHE, remove_store, sample_store

RUNS = 30


def _store_file(n: int) -> Path:
    """A store with ``n`` imported sample contacts (made once, then copied per run)."""
    return sample_store(n, "edit")


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _p95_ms(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)] * 1000


def _commit_times(store: object, ids: list[int], tag: str, checker: object = None,
                  folds: list[bool] | None = None) -> tuple[list[float], list[float], int]:
    """(pin times, commit times, commits that found candidates) of one-contact edits.

    ``checker`` None: the store's default duplicate checker. Candidates do not stop the
    benchmark (``on_duplicate="save"``), but the check always runs in full. ``folds`` gets,
    per commit, whether it folded the write-ahead log into the file (the log shrank).
    """
    from crmdata.store_files import wal_size

    path = Path(store.db.path)  # type: ignore[attr-defined]
    pins, commits, flagged = [], [], 0
    for i, cid in enumerate(ids):
        options = {} if checker is None else {"checker": checker}
        cs = store.change(region="DE", **options)  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        cs.pin([cid])
        t1 = time.perf_counter()
        cs.update(cid, title=f"Bench {tag} {i}")
        cs.add_info(cid, "email", f"bench.{tag}.{i}.{cid}@example.org")
        wal = wal_size(path)
        t2 = time.perf_counter()
        result = cs.commit(on_duplicate="save")
        t3 = time.perf_counter()
        if folds is not None:
            folds.append(wal_size(path) < wal)
        assert result.status == "committed", result
        flagged += bool(result.duplicates)
        pins.append(t1 - t0)
        commits.append(t3 - t2)
    return pins, commits, flagged


def _raw_times(path: Path, ids: list[int], attach: bool, deferred: bool = False) -> list[float]:
    """The floor: the same two writes with raw DuckDB, taking the file for the one action
    (a new DuckDB per action, or ATTACH to one in-memory DuckDB kept by the process; with
    ``deferred``, DuckDB set up as crmdata sets it up: DETACH does not checkpoint, the log is
    folded in past crmdata's limit, and blocks come from crmdata's block memory). The new
    row is numbered by the store's sequence, as crmdata numbers it."""
    import duckdb

    from crmdata.db import BLOCK_MEMORY, WAL_LIMIT
    from crmdata.schema import INFO_IDS
    from crmdata.store_files import wal_size

    host = duckdb.connect(":memory:")
    if deferred:
        host.execute("SET checkpoint_on_detach = 'DISABLED'")
        host.execute(f"SET block_allocator_memory = '{BLOCK_MEMORY}'")
    out = []
    for i, cid in enumerate(ids):
        t = time.perf_counter()
        if attach:
            host.execute(f"ATTACH '{path}' AS raw")
            con = host.cursor()
            con.execute("USE raw")
        else:
            con = duckdb.connect(str(path))
        con.execute("BEGIN TRANSACTION")
        con.execute("UPDATE contacts SET title = ?, version = version + 1 WHERE id = ?", [f"raw {i}", cid])
        con.execute("INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary) "
                    f"VALUES (nextval('{INFO_IDS}'), ?, 1, 1, ?, FALSE)",
                    [cid, f"raw.{i}.{cid}@example.org"])
        con.execute("COMMIT")
        con.close()
        if attach:
            if deferred and wal_size(path) > WAL_LIMIT:
                host.execute("CHECKPOINT raw")
            host.execute("DETACH raw")
        out.append(time.perf_counter() - t)
    return out


Row = tuple[str, float, float | None]  # what, median ms, p95 ms


def _breakdown(store: object, ids: list[int], checker: object) -> list[Row]:
    """Where one commit's time goes: medians of taking the file (with the log's replay), the
    search index upkeep (``crmdata.search.index.refresh_held``), the change set's own SQL, and
    the rest (COMMIT, letting the file go, now and then with a checkpoint, Python).
    Measured by timing wrappers around the real calls, removed afterwards."""
    from crmdata import db
    from crmdata.edit import apply

    spans: dict[str, float] = {}
    originals = {name: getattr(db.Tx, name) for name in ("execute", "executemany", "rows", "one", "scalar",
                                                          "df", "register")}
    open_orig, hook_orig = db.Database._open, apply.search_index.refresh_held

    def timed(key: str, fn: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*args: object, **kwargs: object) -> object:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spans[key] = spans.get(key, 0.0) + time.perf_counter() - t
        return wrapper

    per: dict[str, list[float]] = {}
    try:
        for name, fn in originals.items():
            setattr(db.Tx, name, timed("sql", fn))
        setattr(db.Database, "_open", timed("open", open_orig))  # noqa: B010
        setattr(apply.search_index, "refresh_held", timed("hook", hook_orig))  # noqa: B010
        for i, cid in enumerate(ids):
            cs = store.change(region="DE", checker=checker)  # type: ignore[attr-defined]
            cs.update(cid, title=f"Breakdown {i}")
            cs.add_info(cid, "email", f"breakdown.{i}.{cid}@example.org")
            spans.clear()
            t = time.perf_counter()
            cs.commit(on_duplicate="save")
            total = time.perf_counter() - t
            hook, sql, opened = spans.get("hook", 0.0), spans.get("sql", 0.0), spans.get("open", 0.0)
            parts = {"take the file (ATTACH, replaying the log)": opened,
                     "search index upkeep": hook,
                     "the change set's own SQL (capture, checks, writes, journal)": sql - hook,
                     "COMMIT, DETACH (past the log limit with its checkpoint), Python":
                         total - sql - opened}
            for key, value in parts.items():
                per.setdefault(key, []).append(value)
    finally:
        for name, fn in originals.items():
            setattr(db.Tx, name, fn)
        setattr(db.Database, "_open", open_orig)  # noqa: B010
        setattr(apply.search_index, "refresh_held", hook_orig)  # noqa: B010
    return [(f"of which: {key}", _median_ms(values), None) for key, values in per.items()]


def _open_close_times(path: Path, runs: int, attach: bool) -> list[float]:
    """Taking and releasing the file with no statement: part of every action's cost."""
    import duckdb

    host = duckdb.connect(":memory:")
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        if attach:
            host.execute(f"ATTACH '{path}' AS raw")
            host.execute("DETACH raw")
        else:
            duckdb.connect(str(path)).close()
        out.append(time.perf_counter() - t)
    return out


def _dupcheck_times(store: object, ids: list[int]) -> list[float]:
    from crmdata.edit.dupcheck import ExactKeyChecker, StagedContact

    checker = ExactKeyChecker()
    out = []
    with store.db.read() as tx:  # type: ignore[attr-defined]
        for i, cid in enumerate(ids):
            staged = [StagedContact(f"contact {cid}", cid, False, {}, (),
                                    frozenset({(1, f"nobody.{i}@example.org"), (0, f"+4930{i:07d}")}))]
            t = time.perf_counter()
            checker.check(tx, store.user, staged)  # type: ignore[attr-defined]
            out.append(time.perf_counter() - t)
    return out


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _fold_time(store: object, ids: list[int]) -> tuple[int, int, float]:
    """(contacts, recent rows, seconds) of folding the recent index rows of ``ids`` into the
    main index, the step a writer takes once past ``FOLD_ROWS`` (timed, then rolled back)."""
    from crmdata.search import index

    class _Rollback(Exception):
        pass

    out = (0, 0, 0.0)
    try:
        with store.db.transaction() as tx:  # type: ignore[attr-defined]
            index.refresh(tx, "SELECT unnest(?::BIGINT[])", [ids], known_ids=ids)
            recent = int(tx.scalar("SELECT count(*) FROM search_recent"))
            t = time.perf_counter()
            for statement in index.FOLD_STATEMENTS:
                tx.execute(statement)
            out = (len(ids), recent, time.perf_counter() - t)
            raise _Rollback
    except _Rollback:
        pass
    return out


def _commit_rows(what: str, commits: list[float], folds: list[bool] | None = None) -> list[Row]:
    rows: list[Row] = [(what, _median_ms(commits), _p95_ms(commits))]
    if folds:
        rows.append((f"mean of the same commits ({sum(folds)}/{len(folds)} folded the log into the file)",
                     statistics.fmean(commits) * 1000, None))
    return rows


def measure(n: int) -> list[Row]:
    import shutil

    from crmdata import Store
    from crmdata.edit import ExactKeyChecker

    src = _store_file(n)
    work = CACHE / f"bench-edit-{n}-work.duckdb"
    remove_store(work)
    shutil.copy(src, work)
    rng = random.Random(7)
    rows: list[Row] = []
    exact = ExactKeyChecker()
    store = Store(work)
    with store.db.read() as tx:
        all_ids = [int(r[0]) for r in tx.rows("SELECT id FROM contacts ORDER BY id")]
    ids = rng.sample(all_ids, RUNS)
    store.close()
    rows.append(("raw DuckDB: a new DuckDB on the file, closed again, no statement",
                 _median_ms(_open_close_times(work, RUNS, attach=False)), None))
    rows.append(("raw DuckDB: ATTACH + DETACH to a kept in-memory DuckDB, no statement",
                 _median_ms(_open_close_times(work, RUNS, attach=True)), None))
    for what, kwargs in (("new DuckDB per action", {"attach": False}),
                         ("ATTACH per action, checkpoint at every DETACH", {"attach": True}),
                         ("ATTACH per action, log folded in past crmdata's limit (floor)",
                          {"attach": True, "deferred": True})):
        times = _raw_times(work, ids, **kwargs)
        rows.append((f"raw DuckDB, same two writes, {what}", _median_ms(times), _p95_ms(times)))
    store = Store(work)
    store.checkpoint()  # every timed series starts with an empty log
    folds: list[bool] = []
    pins, commits, _f = _commit_times(store, ids, "b", exact, folds)
    rows += _commit_rows("**commit, exact-key check (keys as the import leaves them)**", commits, folds)
    rows.append(("pin (read the contact's version before editing)", _median_ms(pins), None))
    rows += _breakdown(store, ids, exact)
    rows.append(("exact-key query alone", _median_ms(_dupcheck_times(store, ids)), None))
    store.checkpoint()
    _p, commits, flagged = _commit_times(store, ids, "d")
    name = type(store.change().checker).__name__
    rows.append((f"commit, store's default checker ({name}; {flagged}/{RUNS} found candidates)",
                 _median_ms(commits), _p95_ms(commits)))
    fold_ids = rng.sample(all_ids, 1700)
    contacts, recent, seconds = _fold_time(store, fold_ids)
    rows.append((f"folding {recent:,} recent index rows ({contacts:,} contacts) into the main index, "
                 "once per about that many edited contacts", seconds * 1000, None))
    store.close()
    kept = Store(work, keep_open=True)
    _p, commits, _f = _commit_times(kept, ids, "c", exact)
    rows.append(("commit, exact-key check, connection kept open (single-process job)",
                 _median_ms(commits), _p95_ms(commits)))
    kept.close()
    remove_store(work)
    return rows


def run(quick: bool = False) -> str:
    n = 100_000 if quick else 1_000_000
    rows = measure(n)
    lines = [
        "## Write-back latency (issue 4: editing)",
        "",
        f"Command: `python -m benchmarks.edit_bench{' --quick' if quick else ''}`. A store of {n:,} "
        "generated contacts (`crmdata.sample.generate`, imported once and cached); each of "
        f"{RUNS} commits edits one random contact (new position and a new email, so the duplicate "
        "check searches the store) in its own connection. Medians in milliseconds. Goal: commit "
        "<= 50 ms median at 1M contacts, duplicate check included.",
        "",
        "| what | median ms | p95 ms |",
        "|---|---:|---:|",
    ]
    lines += [f"| {what} | {ms:,.1f} | {'' if p95 is None else f'{p95:,.1f}'} |" for what, ms, p95 in rows]
    lines += [
        "",
        "How to read it: every action takes the file and lets it go again (so that a notebook and a "
        "batch script can share it). A commit is durable once it is in the file's write-ahead log; "
        "crmdata folds the log into the file (a checkpoint, which rewrites what the commits touched) "
        "only when it has grown past `crmdata.db.WAL_LIMIT`, so most commits skip it and about one "
        "in six pays it (the p95 and mean rows). The raw-DuckDB rows are the floor without any "
        "crmdata code, numbering the new row by the store's sequence as crmdata does, with DuckDB's "
        "checkpoint at every DETACH and with DuckDB set up as crmdata sets it up (the floor row: the "
        "log folded in past the limit, `crmdata.db.BLOCK_MEMORY` for blocks). The \"of which\" rows "
        "split one commit into taking the file, the search index "
        "upkeep, the change set's own statements, and the rest. Edits write their index rows "
        "to a small table that is folded into the main index now and then (the folding row). "
        "A process that has the file to itself can keep it (last row).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
