"""Comparisons and scoring as engine-neutral SQL: the one definition every engine renders.

A :class:`Comparison` covers one concept (first name, date of birth, address, ...) with
ordered, mutually exclusive levels evaluated like ``CASE WHEN``: a null condition first (the
field is missing on either side: ``NULL``, which weighs nothing and is never agreement), then
the levels from closest to farthest, then "else" (code 0). Level codes are small integers,
higher meaning closer. Persons and companies have their own comparisons; a person is never
compared with a company.

Set-valued fields (emails, phones, domains) are compared through the pairs' shared keys
(:func:`vectors_sql` joins them), so two contacts agree when they share any value.
Exact levels of names, postcodes and company names carry a term-frequency adjustment
(:attr:`Level.tf`): the key's share of the contacts, kept as a column ``tf_<key>`` of the key
table, so a shared rare name weighs more than a shared common one.

Everything is written in the portable subset DuckDB and Spark SQL both accept (``CASE``,
``coalesce``, ``substr``, ``length``, ``greatest``, ``LIKE``, joins); the string similarity
functions are named by :data:`JARO_WINKLER` and :data:`LEVENSHTEIN` so another engine can
substitute its own. :func:`score_sql` writes a fitted model's weights into the statement, so
pairs are scored where they are computed and only those above the threshold leave the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..model import ContactKind

#: SQL function names of the string similarities (DuckDB's; Spark substitutes its own UDFs).
JARO_WINKLER = "jaro_winkler_similarity"
LEVENSHTEIN = "levenshtein"


@dataclass(frozen=True)
class Level:
    """One agreement level: its label, its SQL condition, and the key whose frequency adjusts it."""

    label: str
    sql: str
    tf: str | None = None


@dataclass(frozen=True)
class Comparison:
    """One concept compared with several levels (closest first; "else" is code 0)."""

    name: str
    null: str
    levels: tuple[Level, ...]
    columns: tuple[str, ...]  # the key columns it reads (an EM session blocking on one leaves it out)
    else_label: str = "different"

    def codes(self) -> dict[int, str]:
        """Level code -> label, closest first, 0 being "else"."""
        n = len(self.levels)
        out = {n - i: lv.label for i, lv in enumerate(self.levels)}
        out[0] = self.else_label
        return out

    def tf_level(self) -> tuple[int, str] | None:
        """(code, key column) of the level adjusted by term frequency, if any."""
        n = len(self.levels)
        for i, lv in enumerate(self.levels):
            if lv.tf:
                return n - i, lv.tf
        return None

    def case_sql(self) -> str:
        """``CASE`` giving the level code of a pair (``NULL`` when the field is missing)."""
        n = len(self.levels)
        whens = " ".join(f"WHEN {lv.sql} THEN {n - i}" for i, lv in enumerate(self.levels))
        return f"CASE WHEN {self.null} THEN NULL {whens} ELSE 0 END"


def jw(a: str, b: str) -> str:
    return f"{JARO_WINKLER}({a}, {b})"


def dl(a: str, b: str) -> str:
    """Edit distance (Levenshtein: several times faster than Damerau's in DuckDB; a swap of two
    letters, two edits here, is caught by Jaro-Winkler's levels instead)."""
    return f"{LEVENSHTEIN}({a}, {b})"


def _two_typos(a: str, b: str) -> str:
    """Two edits apart in names of six letters or more: in a shorter name two edits change
    half of it ("mark", "gary"), which is another name, not a typo."""
    return f"({dl(a, b)} <= 2 AND length({a}) >= 6 AND length({b}) >= 6)"


def _missing(*cols: str) -> str:
    return " OR ".join(f"{s}.{c} IS NULL" for c in cols for s in ("a", "b"))


def _all_missing(cols: tuple[str, ...]) -> str:
    def side(s: str) -> str:
        return "(" + " AND ".join(f"{s}.{c} IS NULL" for c in cols) + ")"

    return f"{side('a')} OR {side('b')}"


def _contains(x: str, y: str) -> str:
    """Every word of ``x`` appears, in order, as whole words inside ``y`` (and they differ)."""
    return f"(' ' || {y} || ' ') LIKE ('% ' || {x} || ' %')"


SWAPPED = "a.first_key = b.last_key AND a.last_key = b.first_key"
SWAPPED_FUZZY = f"{jw('a.first_key', 'b.last_key')} >= 0.9 AND {jw('a.last_key', 'b.first_key')} >= 0.9"

FIRST = Comparison(
    "first_name",
    _missing("first_key"),
    (
        Level(
            "same first name (or first and last swapped)",
            f"a.first_key = b.first_key OR ({SWAPPED})",
            tf="first_key",
        ),
        Level(
            "first name one typo apart",
            f"{dl('a.first_key', 'b.first_key')} <= 1 OR {jw('a.first_key', 'b.first_key')} >= 0.94",
        ),
        Level(
            "nickname or same first given name",
            "a.first_head = b.first_head OR nk.f1 IS NOT NULL "
            "OR (nks.f1 IS NOT NULL AND a.last_key = b.first_key)",
        ),
        Level(
            "first name two typos apart (or swapped with typos)",
            f"{_two_typos('a.first_key', 'b.first_key')} OR {jw('a.first_key', 'b.first_key')} >= 0.88 "
            f"OR ({SWAPPED_FUZZY})",
        ),
        Level(
            "same initial",
            "(length(a.first_key) = 1 OR length(b.first_key) = 1) "
            "AND substr(a.first_key, 1, 1) = substr(b.first_key, 1, 1)",
        ),
    ),
    ("first_key",),
    "different first name",
)

LAST = Comparison(
    "last_name",
    _missing("last_key"),
    (
        Level(
            "same last name (or first and last swapped)",
            f"a.last_key = b.last_key OR ({SWAPPED}) OR (nks.f1 IS NOT NULL AND a.last_key = b.first_key)",
            tf="last_key",
        ),
        Level(
            "last name one typo apart",
            f"{dl('a.last_key', 'b.last_key')} <= 1 OR {jw('a.last_key', 'b.last_key')} >= 0.94",
        ),
        Level("last name sounds alike", "a.last_col = b.last_col OR a.last_mp = b.last_mp"),
        Level(
            "last name two typos apart (or swapped with typos)",
            f"{_two_typos('a.last_key', 'b.last_key')} OR {jw('a.last_key', 'b.last_key')} >= 0.88 "
            f"OR ({SWAPPED_FUZZY})",
        ),
    ),
    ("last_key",),
    "different last name",
)


def _part(side: str, start: int, length: int) -> str:
    return f"substr({side}.bday, {start}, {length})"


_Y, _M, _D = ((1, 4), (6, 2), (9, 2))


def _same(part: tuple[int, int]) -> str:
    return f"{_part('a', *part)} = {_part('b', *part)}"


DOB = Comparison(
    "birthday",
    _all_missing(("bday", "byear")),
    (
        Level("same birthday", "a.bday = b.bday"),
        Level(
            "birthday one digit off or day and month swapped",
            f"{dl('a.bday', 'b.bday')} <= 1 OR ({_same(_Y)} AND {_part('a', *_M)} = {_part('b', *_D)} "
            f"AND {_part('a', *_D)} = {_part('b', *_M)})",
        ),
        Level(
            "birthday with one of day, month, year off",
            f"({_same(_Y)} AND {_same(_M)}) OR ({_same(_Y)} AND {_same(_D)}) "
            f"OR ({_same(_M)} AND {_same(_D)})",
        ),
        Level("same birth year only", "a.byear = b.byear"),
    ),
    ("bday", "byear"),
    "different birthday",
)

_SAME_HOUSE = "coalesce(a.house, '') = coalesce(b.house, '')"
_PLACE_FITS = (
    "(a.zip_k = b.zip_k OR a.city_k = b.city_k OR a.zip_k IS NULL OR b.zip_k IS NULL "
    "OR (a.city_k IS NULL AND a.zip_k IS NULL) OR (b.city_k IS NULL AND b.zip_k IS NULL))"
)
#: The same street and house number as the address comparison reads them (exact, or a street
#: one or two typos apart with a house number and a place that fits): what family members and
#: colleagues share.
_SAME_STREET_HOUSE = (
    f"{_SAME_HOUSE} AND (a.street_name = b.street_name OR (a.house IS NOT NULL "
    f"AND {jw('a.street_name', 'b.street_name')} >= 0.9 AND {_PLACE_FITS}))"
)
ADDRESS = Comparison(
    "address",
    _all_missing(("street_name", "zip_k", "city_k")),
    (
        Level(
            "same street, house number and postcode or city",
            f"a.street_name = b.street_name AND {_SAME_HOUSE} AND (a.zip_k = b.zip_k OR a.city_k = b.city_k)",
        ),
        Level(
            "same street and house number (postcode or city missing or different)",
            f"{_SAME_HOUSE} AND a.house IS NOT NULL AND (a.street_name = b.street_name "
            f"OR ({jw('a.street_name', 'b.street_name')} >= 0.9 AND {_PLACE_FITS}))",
        ),
        Level("same postcode", "a.zip_k = b.zip_k", tf="zip_k"),
        Level("same city", "a.city_k = b.city_k"),
    ),
    ("street_name", "house", "zip_k", "city_k"),
    "different address",
)

EMAIL = Comparison(
    "email",
    # An address named after the person ("thomas.fuchs@", "m.sauer@") at another domain says
    # nothing the names do not: two namesakes write their addresses alike. Such a pair, with no
    # other email in common, has no email evidence (weight 0) rather than a match or a mismatch.
    f"{_missing('n_email')} OR (se.n IS NULL AND sl.n IS NULL AND sl.named IS NOT NULL)",
    (
        Level("shared email", "se.n IS NOT NULL"),
        Level("same email name (six letters or more, not the person's name), other domain",
              "sl.n IS NOT NULL"),
    ),
    ("email",),
    "different emails",
)

PHONE = Comparison(
    "phone",
    _missing("n_phone"),
    (Level("shared phone (E.164)", "sp.n IS NOT NULL"),),
    ("phone",),
    "different phones",
)

EMPLOYER = Comparison(
    "employer",
    _missing("comp_key"),
    (
        Level("same company", "a.comp_key = b.comp_key OR a.company_id = b.company_id", tf="comp_key"),
        Level(
            "similar company name",
            f"{jw('a.comp_sort', 'b.comp_sort')} >= 0.9 "
            f"OR {_contains('a.comp_key', 'b.comp_key')} OR {_contains('b.comp_key', 'a.comp_key')}",
        ),
    ),
    ("comp_key",),
    "different company",
)

COMPANY_NAME = Comparison(
    "company_name",
    _missing("comp_key"),
    (
        Level("same company name", "a.comp_key = b.comp_key", tf="comp_key"),
        Level(
            "very similar company name",
            f"{jw('a.comp_sort', 'b.comp_sort')} >= 0.94 OR a.comp_col = b.comp_col",
        ),
        Level(
            "one company name contains the other",
            f"{_contains('a.comp_key', 'b.comp_key')} OR {_contains('b.comp_key', 'a.comp_key')}",
        ),
        Level("similar company name", f"{jw('a.comp_key', 'b.comp_key')} >= 0.85"),
    ),
    ("comp_key",),
    "different company name",
)

DOMAIN = Comparison(
    "domain",
    _missing("n_domain"),
    (Level("shared web/email domain", "sd.n IS NOT NULL"),),
    ("domain",),
    "different domains",
)

CUSTOM = Comparison(
    "custom",
    _missing("custom_key"),
    (
        Level("same custom field values", "a.custom_key = b.custom_key"),
        Level("similar custom field values", f"{jw('a.custom_key', 'b.custom_key')} >= 0.92"),
    ),
    ("custom_key",),
    "different custom field values",
)

#: Not a field but a correction: family members share a last name and an address or phone far
#: more often than two random persons would share each of them independently, so the weights of
#: "same last name" and "same address" (or "shared phone") must not simply add up. The levels
#: carry fixed weights, ``log2(u_last * u_shared / u_both)`` counted exactly on the store
#: (:func:`.train.family_counts`), never estimated by EM. "Else" weighs 0. A family's members
#: have different first names: where the first names agree, the household explains nothing
#: and no correction applies (the pairs are counted the same way). The counts group by the
#: exact street; a street read with typos gets the same correction, since the address comparison
#: scores it as the same address.
_FIRST_APART = "(a.first_head IS NULL OR b.first_head IS NULL OR a.first_head <> b.first_head)"
FAMILY = Comparison(
    "family",
    "a.last_key IS NULL OR b.last_key IS NULL",
    (
        Level(
            "same last name, address and phone, other first name: could be family members",
            f"a.last_key = b.last_key AND {_SAME_STREET_HOUSE} AND sp.n IS NOT NULL AND {_FIRST_APART}",
        ),
        Level(
            "same last name and address, other first name: could be family members",
            f"a.last_key = b.last_key AND {_SAME_STREET_HOUSE} AND {_FIRST_APART}",
        ),
        Level(
            "same last name and phone, other first name: could be family members",
            f"a.last_key = b.last_key AND sp.n IS NOT NULL AND {_FIRST_APART}",
        ),
    ),
    ("last_key", "street_name", "house"),
    "no shared family evidence",
)

#: The same correction for colleagues: people of one company share its address.
COLLEAGUES = Comparison(
    "colleagues",
    "a.comp_key IS NULL OR b.comp_key IS NULL",
    (
        Level(
            "same company and address: could be colleagues",
            f"(a.comp_key = b.comp_key OR a.company_id = b.company_id) AND {_SAME_STREET_HOUSE}",
        ),
    ),
    ("comp_key", "street_name", "house"),
    "no shared workplace evidence",
)

#: Not a field but what can be compared at all: whether both of a pair of persons hold a
#: birthday, an address, an email or a phone (any of them), or nothing but names. A missing
#: field weighs nothing in its own comparison, as if records lacked fields independently of
#: being one person; they do not: a person's second record mostly repeats what the first holds,
#: so a match with nothing but names in common to compare is rarer than two different persons
#: with nothing in common, and two namesakes whose records hold different fields would score on
#: their names alone. The other comparisons' m and u are shares among the pairs where their
#: field is there, so this factor, P(what both hold | match or not), completes them rather than
#: counting anything twice. It reads what the records hold, not the email comparison's notion
#: of evidence (a pair of addresses named after the person counts as an email on both sides):
#: which fields a record holds does not depend on the names, so the u counted among random
#: pairs holds among namesakes too. m and u are estimated like a field's: u among random pairs,
#: m by EM in the sessions whose blocking key does not make a field present on both sides
#: (:data:`.train.SESSIONS`). It is never missing and has no agreement level (:data:`COVERAGE`).
COMPARABLE = Comparison(
    "comparable",
    "1 = 0",
    (
        Level(
            "birthday, address, email or phone on both sides",
            " OR ".join(f"NOT ({c})" for c in (DOB.null, ADDRESS.null, _missing("n_email"), PHONE.null)),
        ),
    ),
    tuple(dict.fromkeys(k for c in (DOB, ADDRESS, EMAIL, PHONE) for k in c.columns)),
    "nothing but the names to compare",
)

#: Comparisons whose weights are fixed corrections, not estimated by EM.
FIXED: frozenset[str] = frozenset({"family", "colleagues"})
#: Comparisons of what can be compared, not of agreement: no level of them is "the same".
COVERAGE: frozenset[str] = frozenset({"comparable"})

#: The comparisons of persons and of companies.
COMPARISONS: dict[str, tuple[Comparison, ...]] = {
    ContactKind.PERSON: (
        FIRST, LAST, DOB, ADDRESS, EMAIL, PHONE, EMPLOYER, CUSTOM, COMPARABLE, FAMILY, COLLEAGUES
    ),
    ContactKind.COMPANY: (COMPANY_NAME, DOMAIN, EMAIL, PHONE, ADDRESS, CUSTOM),
}
ALL: tuple[Comparison, ...] = tuple({c.name: c for k in ContactKind for c in COMPARISONS[k]}.values())
#: Key columns with a term-frequency column ``tf_<key>`` in the key table.
TF_KEYS: tuple[str, ...] = tuple(dict.fromkeys(t[1] for c in ALL if (t := c.tf_level())))


def gamma(name: str) -> str:
    """The column holding a comparison's level code."""
    return f"g_{name}"


def _shared(left: str, right: str, pairs: str, key: str = "k") -> str:
    """Pairs (of ``pairs``) with how many keys they share between ``left`` and ``right``."""
    return (
        f"SELECT p.id1, p.id2, count(*) AS n FROM {pairs} p "
        f"JOIN {left} x ON x.id = p.id1 JOIN {right} y ON y.id = p.id2 AND {key.format(x='y')} = "
        f"{key.format(x='x')} GROUP BY p.id1, p.id2"
    )


def _shared_local(left: str, right: str, pairs: str) -> str:
    """Pairs sharing an email name (``loc``) at any domain, counted apart: ``named`` where it
    holds either person's last name (name evidence, already counted by the names), ``n`` the
    others; each NULL when there is none (one join for both).

    The right side is joined on one key of contact and name together, so the join can only
    start from the pairs: joined on the name alone, a name many contacts use (``kontakt@``)
    would first pair all of them with each other.
    """
    named = "x.named OR y.named"
    return (
        f"SELECT p.id1, p.id2, sum(CASE WHEN NOT ({named}) THEN 1 END) AS n, "
        f"sum(CASE WHEN {named} THEN 1 END) AS named FROM {pairs} p "
        f"JOIN {left}email x ON x.id = p.id1 "
        f"JOIN (SELECT concat(CAST(id AS STRING), ' ', loc) AS id_loc, named FROM {right}email "
        f"WHERE loc IS NOT NULL) y ON y.id_loc = concat(CAST(p.id2 AS STRING), ' ', x.loc) "
        f"GROUP BY p.id1, p.id2"
    )


def vectors_sql(pairs: str, kind: str, left: str = "dd_", right: str = "dd_", nick: str = "dd_nick") -> str:
    """``(id1, id2, g_<comparison>..., tf_<comparison>...)`` of the pairs of one kind.

    ``pairs`` is a table of ``(id1, id2)``: ``id1`` has its keys in the ``left`` tables, ``id2``
    in the ``right`` ones (the same prefix for a batch run); pairs of another kind drop out.
    ``tf_<comparison>`` is the larger term frequency of the two values at the comparison's
    term-frequency level (``NULL`` elsewhere).
    """
    comps = COMPARISONS[kind]
    cols = [f"{c.case_sql()} AS {gamma(c.name)}" for c in comps]
    for c in comps:
        t = c.tf_level()
        if t:
            cols.append(f"greatest(a.tf_{t[1]}, b.tf_{t[1]}) AS tf_{c.name}")
    return f"""
        WITH pk AS (SELECT p.id1, p.id2 FROM {pairs} p
                    JOIN {left}c a ON a.id = p.id1 AND a.kind = '{kind}'
                    JOIN {right}c b ON b.id = p.id2 AND b.kind = '{kind}'),
             se AS ({_shared(left + "email", right + "email", "pk", "{x}.k")}),
             sl AS ({_shared_local(left, right, "pk")}),
             sp AS ({_shared(left + "phone", right + "phone", "pk", "{x}.k")}),
             sd AS ({_shared(left + "domain", right + "domain", "pk", "{x}.k")})
        SELECT p.id1, p.id2, {", ".join(cols)}
        FROM pk p
        JOIN {left}c a ON a.id = p.id1
        JOIN {right}c b ON b.id = p.id2
        LEFT JOIN {nick} nk ON nk.f1 = a.first_head AND nk.f2 = b.first_head
        LEFT JOIN {nick} nks ON nks.f1 = a.first_head AND nks.f2 = b.last_key
        LEFT JOIN se ON se.id1 = p.id1 AND se.id2 = p.id2
        LEFT JOIN sl ON sl.id1 = p.id1 AND sl.id2 = p.id2
        LEFT JOIN sp ON sp.id1 = p.id1 AND sp.id2 = p.id2
        LEFT JOIN sd ON sd.id1 = p.id1 AND sd.id2 = p.id2"""


def _num(x: float) -> str:
    """A float literal both engines read as a DOUBLE (``0.5`` alone would be a DECIMAL)."""
    text = repr(float(x))
    return text if "e" in text else f"{text}e0"


def weight_sql(comp: Comparison, weights: Mapping[int, float], tf: tuple[float, float] | None) -> str:
    """The match weight (bits) a comparison adds: its level's weight, plus the term-frequency
    term ``log2(u_exact) - log2(max(tf, floor))`` minus nothing else at the adjusted level.

    ``tf`` is ``(log2 u of the adjusted level, tf floor)``; missing fields add 0.
    """
    g = gamma(comp.name)
    whens = " ".join(f"WHEN {code} THEN {_num(w)}" for code, w in sorted(weights.items()))
    base = f"CASE {g} {whens} ELSE 0e0 END"
    t = comp.tf_level()
    if t is None or tf is None:
        return base
    log2_u, floor = tf
    adj = (
        f"CASE WHEN {g} = {t[0]} AND tf_{comp.name} IS NOT NULL THEN {_num(log2_u)} - "
        f"log2(greatest(tf_{comp.name}, {_num(floor)})) ELSE 0e0 END"
    )
    return f"({base} + {adj})"


def score_sql(
    vectors: str,
    kind: str,
    prior_weight: float,
    weights: Mapping[str, Mapping[int, float]],
    tf: Mapping[str, tuple[float, float]],
    min_weight: float | None = None,
) -> str:
    """The vectors of ``vectors`` (a SELECT of :func:`vectors_sql`) with ``match_weight``.

    ``match_weight`` = prior weight + the weight of every comparison (bits); only pairs with at
    least ``min_weight`` are kept. Probability is ``1 / (1 + 2^-match_weight)``.
    """
    terms = [weight_sql(c, weights.get(c.name, {}), tf.get(c.name)) for c in COMPARISONS[kind]]
    total = " + ".join([_num(prior_weight), *terms])
    where = f" WHERE match_weight >= {_num(min_weight)}" if min_weight is not None else ""
    return f"SELECT * FROM (SELECT v.*, {total} AS match_weight FROM ({vectors}) v) s{where}"


def patterns_sql(vectors: str, kind: str, names: Sequence[str] | None = None) -> str:
    """Counts of each combination of level codes among the pairs (what EM needs, nothing more):
    of every comparison of the kind, or only of those ``names`` (the others are then not
    computed at all)."""
    cols = ", ".join(gamma(c.name) for c in COMPARISONS[kind] if names is None or c.name in names)
    return f"SELECT {cols}, count(*) AS n FROM ({vectors}) v GROUP BY {cols}"
