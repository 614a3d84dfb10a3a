"""Candidate pairs: several blocking rules, each a pure SQL builder, unioned.

Every rule is a ``SELECT id1, id2`` with ``id1 < id2`` over the key tables of :mod:`.keys`,
so a record is never paired with itself and each pair comes once per rule. The union keeps
every pair any rule found; :func:`counts_sql` says what each rule contributed (its pairs,
and how many only it found). Shared email and shared phone are rules of their own and are
never capped, so no pair sharing an exact email or phone is lost. The SQL is portable (joins,
``GROUP BY``, ``UNION ALL``), ready to run on Spark later.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A value of a key other than an email, a phone or a web domain pairs all its records only
#: when it is shared by at most this many; beyond, its records are paired by sorted neighbourhood.
MAX_BLOCK = 20
#: In a block larger than :data:`MAX_BLOCK`, each record is paired with this many that follow it.
WINDOW = 3


@dataclass(frozen=True)
class Rule:
    """One blocking rule: a name, what it means, and the SQL of its pairs."""

    name: str
    meaning: str
    sql: str


def shared_key(table: str, left: str = "a", right: str = "b") -> str:
    """Pairs of ids sharing a key ``k`` in ``table (id, k)``."""
    return (f"SELECT {left}.id AS id1, {right}.id AS id2 FROM {table} {left} "
            f"JOIN {table} {right} ON {left}.k = {right}.k AND {left}.id < {right}.id")


def same_values(source: str, columns: tuple[str, ...], max_block: int | None = None,
                order: tuple[str, ...] = ()) -> str:
    """Pairs of ids of ``source`` (a SELECT with ``id``, ``columns`` and ``order``) equal on all ``columns``.

    With ``max_block``, a value shared by at most that many records pairs them all; a value
    shared by more (a common name, a long street) pairs each record only with the
    :data:`WINDOW` records that follow it when that block is sorted by ``order`` (the sorted
    neighbourhood method). A common value alone says little, so its block is not worth every
    pair; sorted by the fields that do tell its records apart (a name's place, a street's house
    number), the records most alike still meet, and the number of pairs grows with the number
    of records instead of with the square of the largest block.
    """
    on = " AND ".join(f"a.{c} = b.{c}" for c in columns)
    nonnull = " AND ".join(f"{c} IS NOT NULL" for c in columns)
    rows = f"SELECT * FROM ({source}) s WHERE {nonnull}"
    if max_block is None:
        return f"SELECT a.id AS id1, b.id AS id2 FROM ({rows}) a JOIN ({rows}) b ON {on} AND a.id < b.id"
    cols = ", ".join(columns)
    sort = ", ".join(f"{c} NULLS LAST" for c in (*order, "id"))  # the same order on every engine
    same_block = " AND ".join(f"r.{c} = n.{c}" for c in columns)
    steps = ", ".join(f"({k})" for k in range(1, WINDOW + 1))
    # Each step is named and read twice, so DuckDB makes it once (the same subquery written
    # out twice was ranked twice). A block's size is counted by grouping and only the records
    # of the large blocks are ranked: a window over every record cost more than the rule's joins.
    return (f"WITH keyed AS ({rows}),\n"
            f"sized AS (SELECT r.*, n.n_block FROM keyed r JOIN (SELECT {cols}, count(*) AS n_block "
            f"FROM keyed GROUP BY {cols}) n ON {same_block}),\n"
            f"small AS (SELECT id, {cols} FROM sized WHERE n_block <= {int(max_block)}),\n"
            f"large AS (SELECT id, {cols}, row_number() OVER (PARTITION BY {cols} ORDER BY {sort}) AS n_row "
            f"FROM sized WHERE n_block > {int(max_block)})\n"
            f"SELECT a.id AS id1, b.id AS id2 FROM small a JOIN small b ON {on} AND a.id < b.id\n"
            f"UNION ALL\n"
            f"SELECT CASE WHEN a.id < b.id THEN a.id ELSE b.id END AS id1, "
            f"CASE WHEN a.id < b.id THEN b.id ELSE a.id END AS id2 "
            f"FROM large a CROSS JOIN (VALUES {steps}) AS w(step) "
            f"JOIN large b ON {on} AND b.n_row = a.n_row + w.step")


def default_rules(prefix: str = "dd_") -> tuple[Rule, ...]:
    """The rules a duplicate run uses over the key tables named with ``prefix``.

    Email, phone and web domain pair every record sharing them (strong identifiers, never
    capped). Every other key is capped at :data:`MAX_BLOCK` with sorted neighbourhood beyond:
    a name's block is sorted by place, a street's by house number and name, a birthday's by name.
    """
    c = f"{prefix}c"
    persons = f"SELECT * FROM {c} WHERE kind = 'P'"
    companies = f"SELECT * FROM {c} WHERE kind = 'C'"
    given = f"SELECT p.*, f.g FROM {c} p JOIN {prefix}first f ON f.id = p.id WHERE p.kind = 'P'"
    place = ("zip_k", "city_k", "street_name", "house")
    name = ("last_key", "first_key")
    cap = MAX_BLOCK

    def person(rule: str, meaning: str, source: str, columns: tuple[str, ...],
               order: tuple[str, ...]) -> Rule:
        return Rule(rule, f"persons: {meaning}", same_values(source, columns, cap, order))

    return (
        Rule("email", "same email address (lower case)", shared_key(f"{prefix}email")),
        Rule("phone", "same phone number (E.164)", shared_key(f"{prefix}phone")),
        person("person_name", "same last name and given name (nicknames count)", given, ("last_key", "g"),
               place),
        person("person_sound", "last names sound alike (Cologne phonetics), same given name", given,
               ("last_col", "g"), place),
        person("person_last_zip", "same last name and postal code", persons, ("last_key", "zip_k"),
               ("first_key", "street_name", "house")),
        person("person_last_birthday", "same last name and birthday", persons, ("last_key", "bday"),
               ("first_key", *place)),
        person("person_given_birthday", "same given name and birthday", given, ("g", "bday"),
               ("last_key", *place)),
        person("person_given_zip", "same given name and postal code", given, ("g", "zip_k"),
               ("last_key", "street_name", "house")),
        person("person_birthday_zip", "same birthday and postal code", persons, ("bday", "zip_k"), name),
        person("person_street_house", "same street and house number (postcode or city may be missing)",
               persons, ("street_name", "house"), ("zip_k", "city_k", *name)),
        person("person_house_zip", "same house number and postal code", persons, ("house", "zip_k"),
               ("street_name", *name)),
        person("person_birthday_house", "same birthday and house number", persons, ("bday", "house"), name),
        person("person_birthday", "same birthday", persons, ("bday",), (*name, "zip_k")),
        person("person_last_street", "same last name and street", persons, ("last_key", "street_name"),
               ("house", "zip_k", "city_k", "first_key")),
        person("person_given_street", "same given name and street", given, ("g", "street_name"),
               ("house", "zip_k", "city_k", "last_key")),
        person("person_street_city", "same street and city", persons, ("street_name", "city_k"),
               ("house", *name)),
        person("person_last_city", "same last name and city", persons, ("last_key", "city_k"),
               ("first_key", "street_name", "house")),
        Rule("person_swapped", "persons: first and last name swapped",
             f"SELECT a.id AS id1, b.id AS id2 FROM ({persons}) a JOIN ({persons}) b "
             f"ON a.first_key = b.last_key AND a.last_key = b.first_key AND a.id < b.id"),
        Rule("company_name", "companies: same name without legal form",
             same_values(companies, ("comp_key",), cap, ("zip_k", "city_k", "street_k"))),
        Rule("company_sound", "companies: names sound alike (Cologne phonetics)",
             same_values(companies, ("comp_col",), cap, ("comp_key", "zip_k", "city_k"))),
        Rule("company_address", "companies: same street and postal code",
             same_values(companies, ("street_k", "zip_k"), cap, ("comp_key",))),
        Rule("company_domain", "companies: same web or email domain", shared_key(f"{prefix}domain")),
    )


def union_sql(rules: tuple[Rule, ...]) -> str:
    """``(id1, id2, rule)``: every pair of every rule, tagged with the rule's name."""
    return "\nUNION ALL\n".join(f"SELECT id1, id2, '{r.name}' AS rule FROM ({r.sql}) r_{i}"
                                for i, r in enumerate(rules))


def pairs_sql(tagged: str) -> str:
    """Distinct candidate pairs from the tagged union table ``tagged``."""
    return f"SELECT id1, id2, count(*) AS n_rules FROM {tagged} GROUP BY id1, id2"


def counts_sql(tagged: str) -> str:
    """Per rule: pairs it found and pairs only it found (from the tagged union table).

    A pair only one rule found is one whose group holds a single row, so its rule is that
    row's: the rows are counted once per rule and the pairs grouped once, never joined back."""
    return f"""
        WITH found AS (SELECT rule, count(*) AS pairs FROM {tagged} GROUP BY rule),
             alone AS (SELECT rule, count(*) AS n FROM (
                           SELECT min(rule) AS rule FROM {tagged} GROUP BY id1, id2 HAVING count(*) = 1) o
                       GROUP BY rule)
        SELECT f.rule, f.pairs, coalesce(a.n, 0) AS only_this_rule
        FROM found f LEFT JOIN alone a ON a.rule = f.rule ORDER BY f.rule"""


def random_pairs_sql(kind: str, limit: int, prefix: str = "dd_") -> str:
    """About ``limit`` pseudo-random pairs of contacts of one kind (a background of non-matches).

    Two different multiplicative hashes of the id order the contacts twice; the n-th of one
    order is paired with the n-th of the other. Deterministic and plain arithmetic (portable).
    """
    c = f"{prefix}c"

    def order(mult: int, mod: int) -> str:
        return (f"SELECT id, row_number() OVER (ORDER BY (CAST(id AS BIGINT) * {mult}) % {mod}, id) AS rn "
                f"FROM {c} WHERE kind = '{kind}'")

    return f"""
        SELECT CASE WHEN a.id < b.id THEN a.id ELSE b.id END AS id1,
               CASE WHEN a.id < b.id THEN b.id ELSE a.id END AS id2
        FROM ({order(48271, 1000003)}) a JOIN ({order(69621, 999983)}) b ON a.rn = b.rn AND a.id <> b.id
        ORDER BY a.rn
        LIMIT {int(limit)}"""
