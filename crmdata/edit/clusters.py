"""Cluster the spellings of one field's values and make them one, OpenRefine style.

"Weber & Suess G.m.b.H.", "Weber und Suess GmbH" and "WEBER & SUESS" are one company written
three ways. :func:`cluster_values` groups the distinct values of a field (company name,
position, city, tag or a custom field) the way OpenRefine does:

* ``key`` (key collision): values whose *fingerprint* is equal. The fingerprint is
  OpenRefine's: trimmed, lower case, accents folded to ASCII, punctuation removed, the words
  made unique and sorted. crmdata also drops the joiners ``&``/``and``/``und``, so
  "Weber & Suess" and "Weber und Suess" collide.
* ``nearest`` (nearest neighbour): fingerprints within a similarity radius of each other
  (rapidfuzz's token-set similarity, 0-100, so an extra legal form counts little, and a
  plain similarity at most 15 below it, so one shared word is not enough), joined
  transitively.

Each cluster lists its spellings with how many contacts use them and suggests the most used
one (on a tie, not one written in capitals). :func:`merge_values_changeset` turns the chosen
spellings into one change set that writes the kept value on every contact having another
(previewed, committed at once, undone whole).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from unidecode import unidecode

from ..access import view_predicate
from ..errors import CrmDataError
from ..model import InfoType
from .bulk import selection
from .changeset import ChangeSet

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database

Method = Literal["key", "nearest"]

#: The fields whose values can be clustered (besides ``custom:<label>``), with their meaning.
FIELDS: dict[str, str] = {
    "company_name": "company names (companies and persons' free-text company)",
    "position": "positions (job titles)",
    "city": "cities of addresses",
    "tag": "tags",
}

_PUNCT = re.compile(r"[^\w\s]+")
_JOINERS = frozenset({"and", "und", "u"})

#: Similarity (0-100) two fingerprints need for ``nearest`` to put them together.
DEFAULT_RADIUS = 85.0


def fingerprint(value: str) -> str:
    """OpenRefine's key-collision fingerprint (plus dropped joiners): ``"Weber & Suess
    G.m.b.H."`` -> ``"gmbh suess weber"``."""
    text = unidecode(str(value).strip()).lower()
    text = _PUNCT.sub("", text.replace("&", " "))
    words = sorted({w for w in text.split() if w not in _JOINERS})
    return " ".join(words)


@dataclass(frozen=True)
class ValueCluster:
    """One group of spellings: ``values`` as (spelling, contacts), most used first."""

    key: str
    values: tuple[tuple[str, int], ...]

    @property
    def suggested(self) -> str:
        return self.values[0][0]

    @property
    def contacts(self) -> int:
        return sum(n for _v, n in self.values)


def _source_sql(field: str) -> tuple[str, list[object]]:
    """``(contact_id, value)`` rows of one field (before the visibility rule)."""
    if field == "company_name":
        return ("SELECT id AS contact_id, company_name AS value FROM contacts "
                "WHERE company_name IS NOT NULL", [])
    if field == "position":
        return "SELECT id AS contact_id, title AS value FROM contacts WHERE title IS NOT NULL", []
    if field == "city":
        return (f"SELECT contact_id, city AS value FROM contact_info "
                f"WHERE info_type = {int(InfoType.ADDRESS)} AND city IS NOT NULL", [])
    if field == "tag":
        return ("SELECT ct.contact_id, t.title AS value FROM contact_tags ct "
                "JOIN tags t ON t.id = ct.tag_id", [])
    if field.startswith("custom:") and field[7:].strip():
        return ("SELECT v.contact_id, v.value FROM custom_values v JOIN custom_fields f ON f.id = v.field_id "
                "WHERE lower(f.label) = lower(?)", [field[7:].strip()])
    raise CrmDataError(f"Values of {field!r} cannot be clustered.",
                       hint="fields: " + ", ".join([*FIELDS, "custom:<label>"]))


def value_counts(db: Database, user: User, field: str) -> list[tuple[str, int]]:
    """The distinct non-empty values of ``field`` on the contacts the user may view, with how
    many contacts have each, most used first."""
    source, params = _source_sql(field)
    pred, vparams = view_predicate(user, "c")
    sql = (f"SELECT s.value, count(DISTINCT s.contact_id) AS n FROM ({source}) s "
           f"JOIN contacts c ON c.id = s.contact_id WHERE trim(s.value) <> '' AND {pred} "
           "GROUP BY s.value ORDER BY n DESC, s.value")
    with db.read() as tx:
        return [(str(v), int(n)) for v, n in tx.rows(sql, [*params, *vparams])]


def cluster_counts(
    counts: list[tuple[str, int]], method: Method = "key", radius: float = DEFAULT_RADIUS
) -> list[ValueCluster]:
    """Pure: the clusters (two spellings or more) among ``(value, contacts)`` pairs, biggest first."""
    groups: dict[str, list[tuple[str, int]]] = {}
    for value, n in counts:
        groups.setdefault(fingerprint(value), []).append((value, n))
    if method == "nearest":
        groups = _join_nearest(groups, radius)
    elif method != "key":
        raise CrmDataError(f"Clustering method {method!r} is not key or nearest.")
    out = [
        ValueCluster(key, tuple(sorted(vals, key=lambda p: (-p[1], p[0].isupper(), p[0]))))
        for key, vals in groups.items()
        if len(vals) > 1 and key
    ]
    out.sort(key=lambda c: (-c.contacts, c.key))
    return out


Groups = dict[str, list[tuple[str, int]]]


def _join_nearest(groups: Groups, radius: float) -> Groups:
    """Join fingerprint groups whose fingerprints are within ``radius`` (transitively)."""
    from rapidfuzz import fuzz, process

    if not 0 < radius <= 100:
        raise CrmDataError(f"The radius is a similarity from 1 to 100, not {radius}.")
    keys = sorted(k for k in groups if k)
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, key in enumerate(keys):
        for _match, _score, j in process.extract(
            key, keys, scorer=fuzz.token_set_ratio, score_cutoff=radius, limit=None
        ):
            if j != i and fuzz.ratio(key, keys[j]) >= radius - 15:  # more than a shared word
                parent[root(j)] = root(i)
    joined: dict[str, list[tuple[str, int]]] = {}
    for i, key in enumerate(keys):
        joined.setdefault(keys[root(i)], []).extend(groups[key])
    if "" in groups:
        joined[""] = groups[""]
    return joined


def cluster_values(
    db: Database, user: User, field: str, *, method: Method = "key", radius: float = DEFAULT_RADIUS
) -> list[ValueCluster]:
    """The clusters of spellings of ``field`` on the visible contacts (see the module doc)."""
    return cluster_counts(value_counts(db, user, field), method, radius)


def merge_values_changeset(cs: ChangeSet, field: str, choices: Mapping[str, str]) -> ChangeSet:
    """``cs`` (a new change set: ``store.change()``) writing ``choices[old]`` wherever a contact
    its user may view has the spelling ``old``.

    ``choices`` maps each spelling to replace to the value to keep (a cluster's suggestion or
    another). Every affected contact is pinned to the version read now.
    """
    wanted = {str(k): str(v).strip() for k, v in choices.items() if str(k) != str(v).strip()}
    if not wanted:
        raise CrmDataError("No spelling is to be replaced.", hint="choose the value to keep for a cluster")
    if any(not v for v in wanted.values()):
        raise CrmDataError("The value to keep cannot be empty.")
    source, params = _source_sql(field)
    pred, vparams = view_predicate(cs.user, "c")
    extra = ", s.info_id" if field == "city" else ""
    if field == "city":
        source = source.replace("SELECT contact_id,", "SELECT contact_id, id AS info_id,")
    sql = (f"SELECT s.contact_id, s.value{extra} FROM ({source}) s JOIN contacts c ON c.id = s.contact_id "
           f"WHERE s.value IN (SELECT unnest(?::VARCHAR[])) AND {pred} ORDER BY s.contact_id")
    with cs.db.read() as tx:
        rows = tx.rows(sql, [*params, sorted(wanted), *vparams])
    ids = selection(int(r[0]) for r in rows)
    cs.pin(ids)
    for row in rows:
        cid, old = int(row[0]), str(row[1])
        new = wanted[old]
        if field == "company_name":
            cs.update(cid, company_name=new)
        elif field == "position":
            cs.update(cid, title=new)
        elif field == "city":
            cs.change_info(cid, int(row[2]), city=new)
        elif field == "tag":
            cs.remove_tags(cid, old)
            cs.add_tags(cid, new)
        else:
            cs.set_custom(cid, field[7:].strip(), new)
    return cs


def merge_values(cs: ChangeSet, field: str, choices: Mapping[str, str]) -> int | None:
    """Write the chosen spellings as one journalled change set (``cs``, a new one:
    ``store.change()``); returns its id (None when
    nothing changed). ``store.undo(id)`` puts every old spelling back."""
    result = merge_values_changeset(cs, field, choices).commit(on_duplicate="save")
    return None if result.change_set_id is None else int(result.change_set_id)
