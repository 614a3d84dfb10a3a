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

#: Loose keys (a birthday alone, street and city) pair only values shared by at most this many.
LOOSE_BLOCK = 20


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


def same_values(source: str, columns: tuple[str, ...], max_block: int | None = None) -> str:
    """Pairs of ids of ``source`` (a SELECT with ``id`` and ``columns``) equal on all ``columns``.

    With ``max_block``, only values shared by at most that many records pair them: a loose key
    (a birthday alone) then adds the pairs of its rare values without a quadratic number of
    pairs for the common ones.
    """
    on = " AND ".join(f"a.{c} = b.{c}" for c in columns)
    nonnull = " AND ".join(f"{c} IS NOT NULL" for c in columns)
    rows = f"SELECT * FROM ({source}) s WHERE {nonnull}"
    if max_block is not None:
        cols = ", ".join(columns)
        rows = (f"SELECT r.* FROM ({rows}) r JOIN (SELECT {cols} FROM ({rows}) q GROUP BY {cols} "
                f"HAVING count(*) <= {int(max_block)}) k ON "
                + " AND ".join(f"k.{c} = r.{c}" for c in columns))
    return f"SELECT a.id AS id1, b.id AS id2 FROM ({rows}) a JOIN ({rows}) b ON {on} AND a.id < b.id"


def default_rules(prefix: str = "dd_") -> tuple[Rule, ...]:
    """The rules a duplicate run uses over the key tables named with ``prefix``."""
    c = f"{prefix}c"
    persons = f"SELECT * FROM {c} WHERE kind = 'P'"
    companies = f"SELECT * FROM {c} WHERE kind = 'C'"
    given = (f"SELECT p.id, p.last_key, p.last_col, f.g FROM {c} p JOIN {prefix}first f ON f.id = p.id "
             f"WHERE p.kind = 'P'")
    given_full = (f"SELECT p.id, p.bday, p.zip_k, f.g FROM {c} p JOIN {prefix}first f "
                  f"ON f.id = p.id WHERE p.kind = 'P'")
    return (
        Rule("email", "same email address (lower case)", shared_key(f"{prefix}email")),
        Rule("phone", "same phone number (E.164)", shared_key(f"{prefix}phone")),
        Rule("person_name", "persons: same last name and given name (nicknames count)",
             same_values(given, ("last_key", "g"))),
        Rule("person_sound", "persons: last names sound alike (Cologne phonetics), same given name",
             same_values(given, ("last_col", "g"))),
        Rule("person_last_zip", "persons: same last name and postal code",
             same_values(persons, ("last_key", "zip_k"))),
        Rule("person_last_birthday", "persons: same last name and birthday",
             same_values(persons, ("last_key", "bday"))),
        Rule("person_given_birthday", "persons: same given name and birthday",
             same_values(given_full, ("g", "bday"))),
        Rule("person_given_zip", "persons: same given name and postal code",
             same_values(given_full, ("g", "zip_k"))),
        Rule("person_birthday_zip", "persons: same birthday and postal code",
             same_values(persons, ("bday", "zip_k"))),
        Rule("person_street_house", "persons: same street and house number (postcode or city may be missing)",
             same_values(persons, ("street_name", "house"))),
        Rule("person_house_zip", "persons: same house number and postal code",
             same_values(persons, ("house", "zip_k"))),
        Rule("person_birthday_house", "persons: same birthday and house number",
             same_values(persons, ("bday", "house"))),
        Rule("person_birthday", f"persons: same birthday, shared by at most {LOOSE_BLOCK} persons",
             same_values(persons, ("bday",), LOOSE_BLOCK)),
        Rule("person_last_street", "persons: same last name and street",
             same_values(persons, ("last_key", "street_name"))),
        Rule("person_given_street", "persons: same given name and street",
             same_values(f"SELECT p.id, p.street_name, f.g FROM {c} p JOIN {prefix}first f ON f.id = p.id "
                         f"WHERE p.kind = 'P'", ("g", "street_name"))),
        Rule("person_street_city", f"persons: same street and city, shared by at most {LOOSE_BLOCK} persons",
             same_values(persons, ("street_name", "city_k"), LOOSE_BLOCK)),
        Rule("person_last_city", f"persons: same last name and city, shared by at most {LOOSE_BLOCK} persons",
             same_values(persons, ("last_key", "city_k"), LOOSE_BLOCK)),
        Rule("person_swapped", "persons: first and last name swapped",
             f"SELECT a.id AS id1, b.id AS id2 FROM ({persons}) a JOIN ({persons}) b "
             f"ON a.first_key = b.last_key AND a.last_key = b.first_key AND a.id < b.id"),
        Rule("company_name", "companies: same name without legal form",
             same_values(companies, ("comp_key",))),
        Rule("company_sound", "companies: names sound alike (Cologne phonetics)",
             same_values(companies, ("comp_col",))),
        Rule("company_address", "companies: same street and postal code",
             same_values(companies, ("street_k", "zip_k"))),
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
    """Per rule: pairs it found and pairs only it found (from the tagged union table)."""
    return f"""
        WITH per_pair AS (SELECT id1, id2, count(*) AS n FROM {tagged} GROUP BY id1, id2)
        SELECT t.rule, count(*) AS pairs, sum(CASE WHEN p.n = 1 THEN 1 ELSE 0 END) AS only_this_rule
        FROM {tagged} t JOIN per_pair p ON p.id1 = t.id1 AND p.id2 = t.id2
        GROUP BY t.rule ORDER BY t.rule"""


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
