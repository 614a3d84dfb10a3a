"""Blocking: never a record with itself, never a lost pair sharing an exact email or phone."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

from crmdata import Store
from crmdata.dedupe import blocking, keys
from crmdata.model import InfoType


def _pairs_sharing(groups: dict[str, set[int]]) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for ids in groups.values():
        out |= set(combinations(sorted(ids), 2))
    return out


def test_blocking_pairs_every_shared_email_and_phone_and_never_self(sample_store: Store) -> None:
    info = sample_store.info()
    emails: dict[str, set[int]] = {}
    phones: dict[str, set[int]] = {}
    for cid, itype, data in zip(info["contact_id"], info["info_type"], info["data"], strict=True):
        if itype == int(InfoType.EMAIL):
            emails.setdefault(str(data).strip().lower(), set()).add(int(cid))
        elif itype == int(InfoType.PHONE) and str(data).startswith("+"):  # unambiguous: digits are E.164
            phones.setdefault("".join(ch for ch in str(data) if ch.isdigit()), set()).add(int(cid))
    expected = _pairs_sharing(emails) | _pairs_sharing(phones)
    assert len(expected) > 100
    with sample_store.db.read() as tx:
        keys.build(tx, sample_store.user)
        tx.execute(f"CREATE TEMP TABLE t AS {blocking.union_sql(blocking.default_rules())}")
        rows = tx.rows("SELECT id1, id2, rule FROM t")
        counts = tx.df(blocking.counts_sql("t"))
    found = {(int(a), int(b)) for a, b, _ in rows}
    assert all(a < b for a, b in found)  # never (a, a), each pair once per rule in one order
    assert expected <= found
    by_rule = {r: sum(1 for *_, x in rows if x == r) for r in counts["rule"]}
    assert dict(zip(counts["rule"], counts["pairs"], strict=True)) == by_rule


def test_rules_are_portable_sql() -> None:
    for rule in blocking.default_rules():
        sql = rule.sql.upper()
        assert "A.ID < B.ID" in sql
        for construct in ("LIST_", "UNNEST", "QUALIFY", "::", "ARRAY_"):
            assert construct not in sql, (rule.name, construct)


def test_a_large_block_pairs_neighbours_in_order_and_a_small_one_every_pair() -> None:
    import duckdb

    con = duckdb.connect()
    # key 'common' is shared by MAX_BLOCK + 5 records, ordered by `place` in reverse of their ids;
    # key 'rare' by three records
    big = blocking.MAX_BLOCK + 5
    rows = [(i, "common", big - i) for i in range(1, big + 1)] + [(100, "rare", 1), (101, "rare", 2),
                                                                  (102, "rare", 3)]
    con.execute("CREATE TABLE t (id INTEGER, k VARCHAR, place INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    sql = blocking.same_values("SELECT * FROM t", ("k",), blocking.MAX_BLOCK, ("place",))
    found = {(int(a), int(b)) for a, b in con.execute(sql).fetchall()}
    by_place = sorted(range(1, big + 1), key=lambda i: big - i)  # the block in `place` order
    expected = {(min(by_place[i], by_place[j]), max(by_place[i], by_place[j]))
                for i in range(big) for j in range(i + 1, min(i + 1 + blocking.WINDOW, big))}
    expected |= {(100, 101), (100, 102), (101, 102)}
    assert found == expected
    assert len(found) == big * blocking.WINDOW - blocking.WINDOW * (blocking.WINDOW + 1) // 2 + 3


def test_counts_say_what_each_rule_found_and_what_only_it_found(tmp_path: Path) -> None:
    with Store(tmp_path / "counts.duckdb").db.read() as tx:
        tx.execute("CREATE TEMP TABLE t (id1 BIGINT, id2 BIGINT, rule VARCHAR)")
        tx.execute("INSERT INTO t VALUES (1, 2, 'a'), (1, 2, 'b'), (1, 3, 'a'), (2, 3, 'c'), (4, 5, 'c'), "
                   "(1, 3, 'b'), (6, 7, 'b')")
        counts = tx.df(blocking.counts_sql("t"))
    assert list(counts.itertuples(index=False, name=None)) == [("a", 2, 0), ("b", 3, 1), ("c", 2, 2)]
