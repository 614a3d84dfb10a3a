"""Which fixed corrections an EM session estimates for itself (pure)."""

from __future__ import annotations

import pandas as pd
import pytest

from crmdata import Store
from crmdata.dedupe import compare, fellegi, keys, train
from crmdata.model import ContactKind


def test_a_session_estimates_the_corrections_of_the_comparisons_it_estimates() -> None:
    fixed = {"family": {3: -8.0, 2: -6.0, 1: -4.0, 0: 0.0}, "colleagues": {1: -3.0, 0: 0.0}}
    u = {
        "last_name": {4: 0.001, 0: 0.999},
        "address": {4: 0.002, 3: 0.0001, 2: 0.9979},
        "phone": {1: 0.0005, 0: 0.9995},
        "employer": {2: 0.02, 1: 0.01, 0: 0.97},
    }
    # a session on a postcode leaves the address out: only "same last name and phone" is its own
    joint = train.session_joint(fixed, ["first_name", "last_name", "phone", "employer"], u)
    assert joint == {"family": {1: pytest.approx(0.001 * 0.0005)}}
    joint = train.session_joint(fixed, ["first_name", "last_name", "address", "employer"], u)
    assert joint == {
        "family": {2: pytest.approx(0.001 * 0.002)},
        "colleagues": {1: pytest.approx(0.02 * 0.002)},
    }


def test_the_family_counts_lose_only_the_matches_with_other_first_names() -> None:
    """10,000 matches among 10^8 pairs; 1,000 pairs share a last name and an address but not
    the first name. 90% of matches share the last name and the address, but only 10% have
    another first name: 810 of the 1,000 are matches, 190 families."""
    m = {
        "first_name": {5: 0.85, 4: 0.03, 3: 0.05, 2: 0.02, 1: 0.01, 0: 0.04},
        "last_name": {4: 0.9, 0: 0.1},
        "address": {4: 0.8, 3: 0.1, 2: 0.1},
        "phone": {1: 0.5, 0: 0.5},
    }
    u = {
        "last_name": {4: 1e-3, 0: 0.999},
        "address": {4: 1e-3, 3: 1e-5, 2: 0.999},
        "phone": {1: 1e-5, 0: 1.0},
    }
    counts = {"last_address": 1_000.0, "last_phone": 0.0, "last_address_phone": 0.0}
    fm, fu = train.family_model(counts, 1e8, 1e-4, m, u)
    assert fu[2] == pytest.approx(190 / (1e8 - 1e4))
    assert fm[2] == pytest.approx(1e-3 * 1e-3)  # the product of the u's it replaces
    assert fu[1] == pytest.approx(1 / (1e8 - 1e4))  # none counted: at the floor of one pair


def test_the_colleagues_correction_holds_where_matches_would_outnumber_the_pairs() -> None:
    """100,000 matches among 10^8 pairs, 81% of them sharing a company and an address: 81,000
    expected, more than all the pairs that share both. Counted among all of them, the
    correction would vanish. Counted among the 45,000 with other first names (10% of matches
    have another first name: 8,100 matches), 36,900 colleagues remain, whatever the prior
    overstates elsewhere."""
    m = {
        "first_name": {5: 0.85, 4: 0.03, 3: 0.05, 2: 0.02, 1: 0.01, 0: 0.04},
        "employer": {2: 0.9, 1: 0.05, 0: 0.05},
        "address": {4: 0.8, 3: 0.1, 2: 0.1},
    }
    u = {
        "first_name": {5: 0.01, 4: 0.001, 3: 0.002, 2: 0.01, 1: 0.02, 0: 0.957},
        "employer": {2: 0.02, 1: 0.01, 0: 0.97},
        "address": {4: 1e-3, 3: 1e-5, 2: 0.999},
    }
    apart_u = 1 - 0.01 - 0.002
    cm, cu = train.colleagues_model({"company_address": 45_000.0}, 1e8, 1e-3, m, u)
    assert cu[1] == pytest.approx((45_000 - 1e5 * 0.9 * 0.9 * 0.1) / apart_u / (1e8 - 1e5))
    assert cm[1] == pytest.approx(0.02 * 1e-3)  # the product of the u's it replaces
    assert cm[1] / cu[1] < 2**-4  # a correction of more than four bits, not none


def test_a_session_whose_matches_mostly_differ_in_name_is_not_used() -> None:
    """What EM made of pairs sharing a birthday in a noisy town (few duplicates among many
    strangers and relatives born the same day): a "match" class with mostly other first names.
    A class whose phones mostly differ is still a fair one (people change numbers)."""
    u = {
        "first_name": {5: 0.0023, 4: 0.0014, 3: 0.0005, 2: 0.0013, 1: 0.0001, 0: 0.9945},
        "last_name": {4: 0.0007, 3: 0.0005, 2: 0.0012, 1: 0.0006, 0: 0.9969},
        "phone": {1: 0.0001, 0: 0.9999},
        "comparable": {1: 0.95, 0: 0.05},
    }
    fair = {
        "first_name": {5: 0.70, 4: 0.06, 3: 0.03, 2: 0.05, 1: 0.0, 0: 0.16},
        "last_name": {4: 0.83, 3: 0.0, 2: 0.0, 1: 0.02, 0: 0.15},
        "phone": {1: 0.4, 0: 0.6},
        "comparable": {1: 0.9, 0: 0.1},
    }
    names = ["first_name", "last_name", "phone", "comparable"]
    assert train._sane(fair, u, names)
    families = {**fair, "first_name": {5: 0.258, 4: 0.021, 3: 0.013, 2: 0.015, 1: 0.002, 0: 0.69}}
    assert not train._sane(families, u, names)
    assert train._sane(families, u, ["last_name", "phone"])  # a session not estimating first names
    by_chance = {**fair, "last_name": {4: 0.187, 3: 0.015, 2: 0.007, 1: 0.004, 0: 0.788}}
    assert not train._sane(by_chance, u, names)


def test_random_pairs_give_the_same_u_without_the_fixed_corrections(sample_store: Store) -> None:
    """The random pairs' patterns leave out the fixed corrections, whose u is counted apart:
    every estimated u is what the patterns of all comparisons give."""
    with sample_store.db.read() as tx:
        keys.build(tx, sample_store.user)
        train.add_term_frequencies(tx)
        tx.register("_nick", keys.nickname_pairs())
        tx.execute("CREATE OR REPLACE TEMP TABLE dd_nick AS SELECT * FROM _nick")
        for kind in ContactKind:
            patterns = train.random_patterns(tx, kind)
            assert not {compare.gamma(c) for c in compare.FIXED} & set(patterns.columns)
            sample = (f"SELECT id FROM dd_c WHERE kind = '{kind}' "
                      f"ORDER BY (CAST(id AS BIGINT) * 48271) % 1000003, id LIMIT {train.U_SAMPLE}")
            tx.execute(f"CREATE OR REPLACE TEMP TABLE t_rp AS SELECT a.id AS id1, b.id AS id2 "
                       f"FROM ({sample}) a JOIN ({sample}) b ON a.id < b.id")
            every = tx.df(compare.patterns_sql(compare.vectors_sql("t_rp", kind), kind))
            u, n = fellegi.u_from_patterns(patterns, kind)
            assert n == int(every["n"].sum()) > 1000
            assert (u, n) == fellegi.u_from_patterns(every, kind)


def test_a_term_frequency_is_the_values_share_among_the_contacts_of_its_kind(sample_store: Store) -> None:
    with sample_store.db.read() as tx:
        keys.build(tx, sample_store.user)
        train.add_term_frequencies(tx)
        frame = tx.df(f"SELECT id, kind, {', '.join(compare.TF_KEYS)}, "
                      f"{', '.join(f'tf_{k}' for k in compare.TF_KEYS)} FROM dd_c")
    for key in compare.TF_KEYS:
        known = frame[frame[key].notna()]
        per_value = known.groupby(["kind", key])["id"].transform("size")
        share = per_value / known.groupby("kind")["id"].transform("size")
        assert known[f"tf_{key}"].tolist() == pytest.approx(share.tolist(), rel=1e-12)
        assert frame.loc[frame[key].isna(), f"tf_{key}"].isna().all()


def test_a_session_reads_the_vectors_already_compared_and_gets_the_same_patterns(sample_store: Store) -> None:
    """Half of a session's pairs (and pairs it does not hold) compared beforehand: the patterns
    are those of comparing every pair of the session, twice-held pairs counted twice."""
    with sample_store.db.read() as tx:
        keys.build(tx, sample_store.user)
        train.add_term_frequencies(tx)
        tx.register("_nick", keys.nickname_pairs())
        tx.execute("CREATE OR REPLACE TEMP TABLE dd_nick AS SELECT * FROM _nick")
        session = train.SESSIONS[ContactKind.PERSON][1]  # same first and last name
        tx.execute(f"CREATE TEMP TABLE t_sp AS {train.session_pairs_sql(session, ContactKind.PERSON, 1.0)}")
        tx.execute("INSERT INTO t_sp SELECT * FROM t_sp WHERE id1 % 5 = 0")  # some pairs held twice
        tx.execute("""CREATE TEMP TABLE t_some AS SELECT id1, id2 FROM t_sp WHERE id2 % 2 = 0
                      UNION SELECT a.id, b.id FROM dd_c a JOIN dd_c b ON a.id + 1 = b.id""")
        tx.execute(f"CREATE TEMP TABLE t_vec AS {compare.vectors_sql('t_some', ContactKind.PERSON)}")
        inside = tx.scalar("SELECT count(*) FROM t_sp s JOIN t_vec v ON v.id1 = s.id1 AND v.id2 = s.id2")
        total = tx.scalar("SELECT count(*) FROM t_sp")
        assert 0 < inside < total
        plain = train.session_patterns(tx, "t_sp", ContactKind.PERSON)
        read = train.session_patterns(tx, "t_sp", ContactKind.PERSON, compared="t_vec")
    assert int(read["n"].sum()) == total
    cols = list(plain.columns)
    pd.testing.assert_frame_equal(plain.sort_values(cols, ignore_index=True),
                                  read[cols].sort_values(cols, ignore_index=True))
