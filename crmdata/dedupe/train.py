"""Fitting the Fellegi-Sunter model on the store at hand, with bounded memory.

Everything that touches pairs runs in SQL; only counts of level patterns (a few hundred rows)
come out to :mod:`.fellegi`'s estimators:

- term frequencies of names, postcodes and company names become columns ``tf_<key>`` of the
  key table (:func:`add_term_frequencies`);
- u from the pairs among a pseudo-random sample of contacts (:data:`U_SAMPLE` of them), less
  the matches among them once λ and m are known (:func:`.fellegi.u_without_matches`);
- m by EM per training session: the pairs of one blocking key (sampled down to
  :data:`SESSION_PAIRS` when it makes more), leaving out the comparisons reading that key; a
  session whose "matches" are no duplicates of each other is not used (:func:`_sane`);
- λ from the matches the sessions found, else from deterministic rules over the candidate
  pairs (:data:`RULES`);
- with review decisions: m blended with the decided duplicates, then Platt scaling.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..db import Tx
from ..model import ContactKind
from . import blocking, compare, fellegi
from .compare import COMPARISONS, TF_KEYS

#: Contacts of a kind whose pairs give u (their pairs: about half the square).
U_SAMPLE = 1000
#: Pairs an EM session looks at, at most (a pseudo-random share beyond that).
SESSION_PAIRS = 300_000
#: Pairs a session needs before its estimate counts.
SESSION_MIN = 100
#: Pseudo-matches (at the default m) every EM session starts with: small stores stay near them.
EM_STRENGTH = 50.0
#: Decided duplicate pairs below which the decisions do not touch m.
LABELS_MIN = 10


@dataclass(frozen=True)
class Session:
    """One EM training session: pairs sharing ``key`` (a key-table column or a shared-key table)."""

    name: str
    columns: tuple[str, ...]  # key-table columns the pairs agree on ("" when ``table`` is used)
    table: str = ""  # a shared-key table suffix (email, phone) instead of columns
    leaves_out: tuple[str, ...] = ()  # comparisons not estimated in it
    key_levels: tuple[tuple[str, int], ...] = ()  # levels every pair of the session has (if any)


SESSIONS: dict[str, tuple[Session, ...]] = {
    ContactKind.PERSON: (
        # every pair of a session keyed on a birthday, postcode or email has something besides
        # the names to compare: such a session says nothing of "comparable" and leaves it out
        Session(
            "same birthday",
            ("bday",),
            leaves_out=("birthday", "comparable"),
            key_levels=(("birthday", 4),),
        ),
        Session(
            "same first and last name",
            ("first_key", "last_key"),
            leaves_out=("first_name", "last_name"),
            key_levels=(("first_name", 5), ("last_name", 4)),
        ),
        Session("same postcode", ("zip_k",), leaves_out=("address", "comparable")),
        Session(
            "same email", (), "email", leaves_out=("email", "comparable"), key_levels=(("email", 2),)
        ),
    ),
    ContactKind.COMPANY: (
        Session(
            "same company name",
            ("comp_key",),
            leaves_out=("company_name",),
            key_levels=(("company_name", 4),),
        ),
        Session("same postcode", ("zip_k",), leaves_out=("address",)),
        Session("same phone", (), "phone", leaves_out=("phone",), key_levels=(("phone", 1),)),
    ),
}

#: Deterministic rules (over level codes) whose pairs are taken as matches to estimate λ.
RULES: dict[str, str] = {
    ContactKind.PERSON: "g_first_name = 5 AND g_last_name = 4 "
    "AND (g_birthday = 4 OR g_email = 2 OR g_phone = 1 OR g_address = 4)",
    ContactKind.COMPANY: "g_company_name = 4 "
    "AND (g_address >= 3 OR g_phone = 1 OR g_domain = 1 OR g_email = 2)",
}


def add_term_frequencies(tx: Tx, prefix: str = "dd_") -> None:
    """Add ``tf_<key>`` columns to ``{prefix}c``: each value's share of the non-null values of
    its kind, counted in the table itself (the write-back check looks its few contacts' values
    up in the fitted models instead: :func:`tf_of`)."""
    # each key's values grouped once and joined back (no window over the whole table), into
    # new columns of the key table (not a copy of the whole table per run)
    c = f"{prefix}c"
    for k in TF_KEYS:
        tx.execute(f"ALTER TABLE {c} ADD COLUMN tf_{k} DOUBLE")
    for k in TF_KEYS:
        tx.execute(
            f"UPDATE {c} SET tf_{k} = t.tf FROM (SELECT kind, {k} AS v, "
            f"CAST(count(*) AS DOUBLE) / sum(count(*)) OVER (PARTITION BY kind) AS tf "
            f"FROM {c} WHERE {k} IS NOT NULL GROUP BY kind, {k}) t "
            f"WHERE t.kind = {c}.kind AND t.v = {c}.{k}"
        )


def tf_of(model: fellegi.Model | None, key: str, value: object) -> float | None:
    """A value's frequency in a fitted model: listed, else the model's default for the key;
    None for a missing value or a model without frequencies (nothing to adjust)."""
    if model is None or value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    listed = model.tf_tables.get(key, {}).get(str(value))
    return listed if listed is not None else model.tf_default.get(key)


def tf_tables(
    tx: Tx, kind: str, top: int = 2000, prefix: str = "dd_"
) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """The ``top`` most frequent values per term-frequency key with their frequency, and the
    frequency of a value seen once (for values not listed), kept in the model for the write-back check."""
    tables: dict[str, dict[str, float]] = {}
    defaults: dict[str, float] = {}
    for k in TF_KEYS:
        rows = tx.rows(f"""SELECT {k}, count(*) AS n FROM {prefix}c WHERE kind = '{kind}' AND {k} IS NOT NULL
                           GROUP BY {k} ORDER BY n DESC, {k} LIMIT {int(top)}""")
        total = int(tx.scalar(f"SELECT count({k}) FROM {prefix}c WHERE kind = '{kind}'") or 0)
        if total:
            tables[k] = {str(v): n / total for v, n in rows if n > 1}
            defaults[k] = 1.0 / total
    return tables, defaults


def _pairs_sharing(tx: Tx, source: str, columns: str) -> float:
    """How many pairs of ``source``'s rows agree on all ``columns`` (non-null), counted by groups."""
    return float(
        tx.scalar(f"""SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (
        SELECT count(*) AS n FROM ({source}) s GROUP BY {columns}) g""")
        or 0
    )


def _sharing_apart(tx: Tx, source: str, columns: str) -> float:
    """Pairs of ``source``'s rows that agree on all ``columns`` but not on the first name:
    the pairs a family level applies to (see :data:`.compare.FAMILY`)."""
    together = _pairs_sharing(tx, source, columns)
    named = f"SELECT * FROM ({source}) n WHERE first_head IS NOT NULL"
    return together - _pairs_sharing(tx, named, f"{columns}, first_head")


def family_counts(tx: Tx, prefix: str = "dd_") -> dict[str, float]:
    """Pairs of persons sharing a last name and an address (street and house number), a last
    name and a phone, all three, or a company and an address, with different first names
    (exact counts, by groups)."""
    persons = f"SELECT * FROM {prefix}c WHERE kind = 'P'"
    addr = (f"SELECT last_key, first_head, street_name, coalesce(house, '') AS house FROM ({persons}) p "
            "WHERE street_name IS NOT NULL")
    phone = (f"SELECT p.last_key, p.first_head, t.k FROM {prefix}phone t "
             f"JOIN {prefix}c p ON p.id = t.id AND p.kind = 'P'")
    return {
        "last_address": _sharing_apart(
            tx, f"SELECT * FROM ({addr}) a WHERE last_key IS NOT NULL", "last_key, street_name, house"
        ),
        "last_phone": _sharing_apart(
            tx, f"SELECT * FROM ({phone}) f WHERE last_key IS NOT NULL", "last_key, k"
        ),
        "last_address_phone": _sharing_apart(
            tx,
            f"""SELECT a.last_key, a.first_head, a.street_name, coalesce(a.house, '') AS house, t.k
                    FROM ({persons}) a JOIN {prefix}phone t ON t.id = a.id
                    WHERE a.last_key IS NOT NULL AND a.street_name IS NOT NULL""",
            "last_key, street_name, house, k",
        ),
        "company_address": _sharing_apart(
            tx,
            f"""SELECT coalesce(CAST(company_id AS VARCHAR), comp_key) AS co, street_name,
                    coalesce(house, '') AS house, first_head FROM ({persons}) p
                    WHERE comp_key IS NOT NULL AND street_name IS NOT NULL""",
            "co, street_name, house",
        ),
    }


#: The comparisons each level of a fixed correction corrects the sum of, and the level of each
#: that the correction's pairs agree on (see :data:`.compare.FAMILY` and ``COLLEAGUES``).
CORRECTS: dict[str, dict[int, tuple[tuple[str, tuple[int, ...]], ...]]] = {
    "family": {
        3: (("last_name", (4,)), ("address", (4, 3)), ("phone", (1,))),
        2: (("last_name", (4,)), ("address", (4, 3))),
        1: (("last_name", (4,)), ("phone", (1,))),
    },
    "colleagues": {1: (("employer", (2,)), ("address", (4, 3)))},
}


def corrected_u(u: Mapping[str, Mapping[int, float]], name: str, level: int) -> tuple[float, ...]:
    """The u of each comparison a correction level corrects, at the level its pairs agree on."""
    return tuple(max(u[c][x] for x in at) for c, at in CORRECTS[name][level])


def session_joint(
    fixed: Mapping[str, Mapping[int, float]], active: list[str], u: Mapping[str, Mapping[int, float]]
) -> dict[str, dict[int, float]]:
    """Per fixed correction level whose comparisons one EM session all estimates, the product
    of the u's it corrects, for EM to estimate the level's joint u among the session's pairs
    (:func:`.fellegi.em`). The other levels keep their store-wide weights: within a postcode,
    sharing a last name and an address still says "family" though the address is not compared."""
    joint: dict[str, dict[int, float]] = {}
    for name, levels in fixed.items():
        for lv in levels:
            parts = CORRECTS.get(name, {}).get(lv)
            if parts is not None and all(c in active for c, _ in parts):
                joint.setdefault(name, {})[lv] = math.prod(corrected_u(u, name, lv))
    return joint


#: The least share of matches with other first names assumed when counting families.
M_APART = 0.01


def family_model(
    counts: dict[str, float],
    total: float,
    prior: float,
    m: dict[str, dict[int, float]],
    u: dict[str, dict[int, float]],
) -> tuple[dict[int, float], dict[int, float]]:
    """(m, u) of the family correction levels (see :data:`.compare.FAMILY`). The pairs counted
    have other first names (their first words differ), so the matches taken out of the counts
    are those whose first names differ too: not "same first name" nor "same first given name"."""
    apart = max(1.0 - m["first_name"][5] - m["first_name"][3], M_APART)
    matches = prior * total
    m_last = m["last_name"][4] * apart
    m_addr, m_phone = m["address"][4] + m["address"][3], m["phone"][1]
    m3, u3 = fellegi.family_correction(
        corrected_u(u, "family", 3), counts["last_address_phone"], total, matches, m_last * m_addr * m_phone
    )
    m2, u2 = fellegi.family_correction(
        corrected_u(u, "family", 2), counts["last_address"], total, matches, m_last * m_addr
    )
    m1, u1 = fellegi.family_correction(
        corrected_u(u, "family", 1), counts["last_phone"], total, matches, m_last * m_phone
    )
    return {3: m3, 2: m2, 1: m1, 0: 1.0}, {3: u3, 2: u2, 1: u1, 0: 1.0}


def colleagues_model(
    counts: dict[str, float],
    total: float,
    prior: float,
    m: dict[str, dict[int, float]],
    u: dict[str, dict[int, float]],
) -> tuple[dict[int, float], dict[int, float]]:
    """(m, u) of the colleagues correction (see :data:`.compare.COLLEAGUES`).

    Its joint u is counted among the pairs sharing a company and an address whose first names
    differ, where colleagues are nearly all and matches few. Counted among all such pairs, the
    matches to take out (from the prior and the default m) can outnumber the pairs, and the
    correction would vanish exactly where colleagues abound. Colleagues' first names do not
    depend on their sharing a workplace, so the count is scaled back by the share of different
    persons whose first names differ."""
    m_addr = m["address"][4] + m["address"][3]
    apart_m = max(1.0 - m["first_name"][5] - m["first_name"][3], M_APART)
    apart_u = max(1.0 - u["first_name"][5] - u["first_name"][3], M_APART)
    m1, u1 = fellegi.family_correction(
        corrected_u(u, "colleagues", 1),
        counts["company_address"] / apart_u,
        total,
        prior * total,
        m["employer"][2] * m_addr * apart_m / apart_u,
    )
    return {1: m1, 0: 1.0}, {1: u1, 0: 1.0}


def _patterns(tx: Tx, pairs: str, kind: str, names: list[str] | None = None) -> pd.DataFrame:
    return tx.df(compare.patterns_sql(compare.vectors_sql(pairs, kind), kind, names))


def random_patterns(tx: Tx, kind: str, size: int = U_SAMPLE, prefix: str = "dd_") -> pd.DataFrame:
    """Level patterns of every pair among up to ``size`` pseudo-randomly chosen contacts of a kind,
    of the comparisons whose u is estimated (:func:`.fellegi.u_from_patterns`; the fixed
    corrections are counted apart and not compared here)."""
    tx.execute(f"""CREATE OR REPLACE TEMP TABLE {prefix}rs AS SELECT id FROM {prefix}c WHERE kind = '{kind}'
                   ORDER BY (CAST(id AS BIGINT) * 48271) % 1000003, id LIMIT {int(size)}""")
    tx.execute(f"""CREATE OR REPLACE TEMP TABLE {prefix}rp AS SELECT a.id AS id1, b.id AS id2
                   FROM {prefix}rs a JOIN {prefix}rs b ON a.id < b.id""")
    estimated = [c.name for c in COMPARISONS[kind] if c.name not in compare.FIXED]
    out = _patterns(tx, f"{prefix}rp", kind, estimated)
    tx.execute(f"DROP TABLE {prefix}rp")
    tx.execute(f"DROP TABLE {prefix}rs")
    return out


def session_patterns(tx: Tx, pairs: str, kind: str, compared: str | None = None) -> pd.DataFrame:
    """Level patterns of the pairs of the table ``pairs`` (a session's). With ``compared`` (a
    table of :func:`.compare.vectors_sql` rows), the pairs found there are read from it and only
    the others compared: a pair's vector depends on its two contacts alone, so the patterns are
    those of comparing every pair (a pair the session holds twice still counts twice)."""
    if compared is None:
        return _patterns(tx, pairs, kind)
    rest = f"{pairs}_rest"
    tx.execute(f"""CREATE OR REPLACE TEMP TABLE {rest} AS SELECT s.id1, s.id2 FROM {pairs} s
                   WHERE NOT EXISTS (SELECT 1 FROM {compared} v WHERE v.id1 = s.id1 AND v.id2 = s.id2)""")
    cols = ", ".join(compare.gamma(c.name) for c in COMPARISONS[kind])
    both = (f"SELECT {cols} FROM {compared} v JOIN {pairs} s ON s.id1 = v.id1 AND s.id2 = v.id2 "
            f"UNION ALL SELECT {cols} FROM ({compare.vectors_sql(rest, kind)}) w")
    out = tx.df(compare.patterns_sql(both, kind))
    tx.execute(f"DROP TABLE {rest}")
    return out


def session_pairs_sql(session: Session, kind: str, keep: float, prefix: str = "dd_") -> str:
    """``(id1, id2)`` of the session's pairs of one kind, a share ``keep`` of them (portable)."""
    if session.table:
        base = blocking.shared_key(f"{prefix}{session.table}")
        base = (
            f"SELECT s.id1, s.id2 FROM ({base}) s JOIN {prefix}c a ON a.id = s.id1 AND a.kind = '{kind}' "
            f"JOIN {prefix}c b ON b.id = s.id2 AND b.kind = '{kind}'"
        )
    else:
        base = blocking.same_values(f"SELECT * FROM {prefix}c WHERE kind = '{kind}'", session.columns)
    if keep >= 1:
        return base
    return (
        f"SELECT id1, id2 FROM ({base}) q "
        f"WHERE (CAST(id1 AS BIGINT) * 7919 + CAST(id2 AS BIGINT) * 104729) % 100003 < {int(keep * 100003)}"
    )


def _session_size(tx: Tx, session: Session, kind: str, prefix: str) -> int:
    if session.table:
        return int(
            tx.scalar(f"""SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (
            SELECT count(*) AS n FROM {prefix}{session.table} t JOIN {prefix}c c ON c.id = t.id
            WHERE c.kind = '{kind}' GROUP BY t.k) g""")
            or 0
        )
    cols = ", ".join(session.columns)
    nonnull = " AND ".join(f"{c} IS NOT NULL" for c in session.columns)
    return int(
        tx.scalar(f"""SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (
        SELECT count(*) AS n FROM {prefix}c WHERE kind = '{kind}' AND {nonnull} GROUP BY {cols}) g""")
        or 0
    )


def rule_pairs_sql(vectors: str, kind: str) -> str:
    """How many candidate pairs (a table of :func:`.compare.vectors_sql` rows) the deterministic
    rules of λ take (portable: the engine holding the vectors counts them)."""
    return f"SELECT count(*) FROM {vectors} WHERE {RULES[kind]}"


def fit(tx: Tx, kind: str, rule_pairs: int, decided: pd.DataFrame, prefix: str = "dd_",
        compared: str | None = None) -> fellegi.Model:
    """Fit the model of one kind on the key tables ``{prefix}...``; ``rule_pairs`` is how many
    candidate pairs the deterministic rules take (:func:`rule_pairs_sql`, counted by whichever
    engine computed the candidate vectors); ``decided`` holds review decisions (id1, id2,
    decision) on pairs of visible contacts. ``compared``: a table in ``tx`` of vectors already
    computed (the candidate pairs' of the kind), which the EM sessions read their pairs' from
    instead of comparing them again (:func:`session_patterns`)."""
    n = int(tx.scalar(f"SELECT count(*) FROM {prefix}c WHERE kind = '{kind}'") or 0)
    base = fellegi.default_model(kind)
    if n < 50:
        return base
    names = [c.name for c in COMPARISONS[kind]]
    u_patterns = random_patterns(tx, kind, prefix=prefix)
    u, n_random = fellegi.u_from_patterns(u_patterns, kind)
    total_pairs = n * (n - 1) // 2
    estimates: list[dict[str, dict[int, float]]] = []
    found: list[tuple[Session, float]] = []  # (session, matches among all its pairs)
    families = family_counts(tx, prefix) if kind == ContactKind.PERSON else None
    fixed: dict[str, dict[int, float]] = {}
    if families is not None:
        fm, fu = family_model(
            families, total_pairs, fellegi.prior_from_rules(rule_pairs, total_pairs), base.m, {**base.u, **u}
        )
        fixed["family"] = {lv: math.log2(fm[lv] / fu[lv]) for lv in fm}
        cm, cu = colleagues_model(
            families, total_pairs, fellegi.prior_from_rules(rule_pairs, total_pairs), base.m, {**base.u, **u}
        )
        fixed["colleagues"] = {lv: math.log2(cm[lv] / cu[lv]) for lv in cm}
    log: list[dict[str, object]] = []
    for session in SESSIONS[kind]:
        size = _session_size(tx, session, kind, prefix)
        if size < SESSION_MIN:
            log.append({"session": session.name, "pairs": size, "used": False})
            continue
        keep = min(1.0, SESSION_PAIRS / size)
        tx.execute(
            f"CREATE OR REPLACE TEMP TABLE {prefix}sp AS {session_pairs_sql(session, kind, keep, prefix)}"
        )
        pats = session_patterns(tx, f"{prefix}sp", kind, compared)
        tx.execute(f"DROP TABLE {prefix}sp")
        active = [c for c in names if c not in session.leaves_out and c not in compare.FIXED]
        m, lam, iters = fellegi.em(
            pats, active, base.m, u, 0.05, fixed=fixed, strength=EM_STRENGTH,
            joint=session_joint(fixed, active, u),
        )
        good = _sane(m, u, active) and lam > 1e-5
        log.append(
            {
                "session": session.name,
                "pairs": int(pats["n"].sum()),
                "match_share": lam,
                "iterations": iters,
                "used": good,
            }
        )
        if good:
            estimates.append(m)
            found.append((session, lam * size))
    m_all = fellegi.combine_sessions(estimates, names, base.m)
    estimated = {c for e in estimates for c in e}
    matches = [
        fellegi.matches_from_session(count, [m_all[c][code] for c, code in s.key_levels])
        for s, count in found
        if s.key_levels and all(c in estimated for c, _ in s.key_levels)
    ]
    prior = fellegi.prior_from_sessions(matches, total_pairs) or fellegi.prior_from_rules(
        rule_pairs, total_pairs
    )
    log.append(
        {
            "prior": prior,
            "from": "sessions" if matches else "rules",
            "rule_pairs": rule_pairs,
            "session_matches": matches,
        }
    )
    u = fellegi.u_without_matches(u, m_all, prior)
    if families is not None:
        m_all["family"], u["family"] = family_model(families, total_pairs, prior, m_all, u)
        m_all["colleagues"], u["colleagues"] = colleagues_model(families, total_pairs, prior, m_all, u)
    model = fellegi.Model(
        kind, "em" if estimates else "prior", prior, m_all, u, fitted_on=n_random, sessions=log
    )
    model.tf_tables, model.tf_default = tf_tables(tx, kind, prefix=prefix)
    if len(decided):
        model = refine(tx, model, decided, prefix)
    return model


#: Comparisons of who a contact is: however noisy the records, duplicates agree on them exactly
#: more often than they differ outright.
NAMES: frozenset[str] = frozenset({"first_name", "last_name", "company_name"})


def _sane(
    m: Mapping[str, Mapping[int, float]], u: Mapping[str, Mapping[int, float]], names: list[str]
) -> bool:
    """EM found the intended split: every exact level is likelier among matches than among others
    (a comparison of what can be compared has no exact level), and the matches' names agree
    exactly more often than they differ outright. A session whose few matches drown among the
    other pairs sharing its key (a birthday, a town's only postcode) can settle instead on a
    class of families or of pairs alike by chance, which are no duplicates of each other."""
    for c in names:
        if c in compare.COVERAGE:
            continue
        top = max(m[c])
        if m[c][top] <= u[c][top] or (c in NAMES and m[c][top] <= m[c][0]):
            return False
    return True


def refine(tx: Tx, model: fellegi.Model, decided: pd.DataFrame, prefix: str = "dd_") -> fellegi.Model:
    """m blended with the pairs decided "duplicate", then Platt scaling on all decided pairs."""
    kind = model.kind
    tx.register("_dd_decided", decided[["id1", "id2", "decision"]])
    tx.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}dp AS SELECT id1, id2 FROM _dd_decided")
    vec = compare.vectors_sql(f"{prefix}dp", kind, left=prefix, right=prefix)
    yes = tx.df(
        compare.patterns_sql(
            f"SELECT v.* FROM ({vec}) v JOIN _dd_decided d ON d.id1 = v.id1 AND d.id2 = v.id2 "
            f"AND d.decision = 'duplicate'",
            kind,
        )
    )
    if int(yes["n"].sum()) >= LABELS_MIN:
        model.m = fellegi.m_from_labels(yes, kind, model.m)
        model.method = "labels"
    scored = tx.df(
        f"""SELECT s.match_weight, d.decision FROM ({
            compare.score_sql(vec, kind, model.prior_weight, model.weights(), model.tf_terms())
        }) s JOIN _dd_decided d ON d.id1 = s.id1 AND d.id2 = s.id2"""
    )
    tx.unregister("_dd_decided")
    tx.execute(f"DROP TABLE {prefix}dp")
    model.platt = fellegi.platt(
        scored["match_weight"].to_numpy(), (scored["decision"] == "duplicate").to_numpy().astype(int)
    )
    return model
