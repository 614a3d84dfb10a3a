"""The search-index words a staged contact is looked up by, in the write-back check.

A person is looked up by every spelling of its last name together with a spelling of a first
name of its given-name group (:func:`lookup_tokens`, :func:`literal_name_parts`); a company by
its rarer name words, within a bound (:data:`RARE_WORD`: :func:`company_words`,
:func:`postings_sql`, :func:`company_lookup`, :func:`company_parts`); of a common name, the
namesakes sharing a word of its place or employer (:func:`place_words`, :func:`near_parts`).
Each builds SQL over the live index's parts (:data:`NAME_SOURCES`) and runs nothing:
:mod:`.checker` runs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..model import ContactKind
from ..search.index import RECENT_IDS, SLOT_CUSTOM, SLOT_INFO, python_tokens
from ..search.normalise import forms
from . import normalise as nz

#: The name tokens are looked up in each part of the live index on its own (a contact's rows are
#: all in one part), so DuckDB filters each table's scan by the staged tokens; through the union
#: of :data:`crmdata.search.index.LIVE_TOKENS` it would scan the whole main index. Each part
#: with the condition on ``t1`` that keeps its live rows ("" for all of them).
NAME_SOURCES = (
    ("search_tokens", f"t1.contact_id NOT IN ({RECENT_IDS})"),
    ("search_recent", ""),
)


def spellings(key: str) -> set[str]:
    """Search-index spellings a folded name key may be stored under (``muller`` -> ``mueller`` too)."""
    out = {key}
    for i, ch in enumerate(key):
        if ch in "aou" and key[i + 1:i + 2] != "e":
            out |= {s[: i + 1] + "e" + s[i + 1:] for s in list(out) if len(s) > i and s[i] == ch}
    return {f for s in out for f in forms(s)}


def lookup_tokens(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Search-index words to look the staged persons up by (pure; companies: :func:`company_words`).

    ``(sid, token)`` of every spelling of their last names, and ``(sid, token)`` of every
    spelling of every first name of the same given-name group (``*`` without a first name:
    the last name alone).
    """
    names_of_group: dict[str, set[str]] = {}
    for name, groups in nz.NICKNAME_GROUPS.items():
        for g in groups:
            names_of_group.setdefault(g, set()).add(name)
    lasts: list[tuple[int, str]] = []
    firsts: list[tuple[int, str]] = []
    for r in frame[["id", "kind", "last_key", "first_head", "comp_key"]].to_dict("records"):
        sid = int(r["id"])
        if r["kind"] == ContactKind.PERSON and r["last_key"]:
            lasts += [(sid, t) for w in str(r["last_key"]).split() for t in spellings(w)]
            head = r["first_head"]
            if head:
                names = {str(head)} | {n for g in nz.NICKNAME_GROUPS.get(str(head), ()) for n in
                                       names_of_group.get(g, ())}
                firsts += [(sid, t) for n in names for t in spellings(n)]
            else:
                firsts.append((sid, "*"))  # no first name: the last name alone
    cols = ["sid", "token"]
    return (pd.DataFrame(sorted(set(lasts)), columns=cols), pd.DataFrame(sorted(set(firsts)), columns=cols))


#: A company is looked up by its rarest name words, as many as at most this many stored
#: companies' names hold together, and where even its rarest word is more common, by all its
#: words but one, and at least two (a one-word name by that word, however common). A word that
#: many names share (a trade, a town, a common surname) found thousands of stored contacts at a
#: million, each read and compared within the commit, while a duplicate still shares the rarer
#: words, or all words but one, of the name. A bound on one check's work, not a setting of the
#: model: the batch run's blocking rules look further.
RARE_WORD = 200

#: Columns of the company look-up table (:func:`company_words`, :func:`company_lookup`), and their types.
_LOOKUP_TYPES: dict[str, Any] = {"sid": "int64", "token": object, "word": object, "rare": bool,
                                 "n_words": "int64"}
COMPANY_LOOKUP = list(_LOOKUP_TYPES)


def company_words(frame: pd.DataFrame) -> pd.DataFrame:
    """``(sid, word, token, n_words)``: every search-index spelling of every word of the staged
    companies' names, and how many words each name has (pure)."""
    rows = []
    for r in frame[["id", "kind", "comp_key"]].to_dict("records"):
        if r["kind"] != ContactKind.COMPANY or not r["comp_key"]:
            continue
        name = sorted(set(str(r["comp_key"]).split()))
        rows += [(int(r["id"]), w, s, len(name)) for w in name for s in sorted(spellings(w))]
    return pd.DataFrame(rows, columns=["sid", "word", "token", "n_words"])


def postings_sql(words: pd.DataFrame) -> tuple[str, list[object]]:
    """``(word, n)``: how many stored companies hold each word of ``words`` (a
    :func:`company_words` frame) in their name, in any of its spellings, in the live search
    index (pure). The spellings are written in, so DuckDB reads only the row groups of the
    token-sorted index that can hold them; a contact's rows are all in one part of the index."""
    pairs = sorted({(str(t), str(w)) for t, w in zip(words["token"], words["word"], strict=True)})
    spelt = f"(SELECT * FROM (VALUES {', '.join(['(?, ?)'] * len(pairs))}) v(token, word))"
    marks = ", ".join("?" * len(pairs))
    parts = [f"SELECT w.word, count(DISTINCT t1.contact_id) AS n FROM {table} t1 "
             f"JOIN {spelt} w ON w.token = t1.token JOIN contacts c ON c.id = t1.contact_id AND c.is_company "
             f"WHERE t1.slot = 0 AND t1.token IN ({marks}){f' AND {live}' if live else ''} GROUP BY w.word"
             for table, live in NAME_SOURCES]
    params: list[object] = [v for _part in parts for v in [*(x for pair in pairs for x in pair),
                                                            *(token for token, _w in pairs)]]
    return f"SELECT word, sum(n) FROM ({' UNION ALL '.join(parts)}) q GROUP BY word", params


def company_lookup(words: pd.DataFrame, held: Mapping[str, int], limit: int = RARE_WORD) -> pd.DataFrame:
    """:data:`COMPANY_LOOKUP` rows (pure): per staged company, the spellings of its rarest words
    that stored companies hold, as many as at most ``limit`` of them hold together (``held``: how
    many hold each word, :func:`postings_sql`; the longer word first among equally rare ones),
    marked ``rare``; where even its rarest word is held by more, the spellings of all its words
    (:func:`company_parts` then asks for all but one)."""
    if words.empty:  # no company staged (most edits): none of pandas' work on no rows
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _LOOKUP_TYPES.items()})
    names: dict[int, dict[str, int]] = {}
    for sid, word in words[["sid", "word"]].itertuples(index=False):
        names.setdefault(int(sid), {})[str(word)] = int(held.get(str(word), 0))
    rare: set[tuple[int, str]] = set()
    for sid, mine in names.items():
        total = 0
        # a word no stored company holds (a typo, say) finds nothing: it is not what a
        # duplicate is found by, and the name's other words are
        for word in sorted((w for w in mine if mine[w] > 0), key=lambda w: (mine[w], -len(w), w)):
            total += mine[word]
            if total > limit:
                break
            rare.add((sid, word))
    out = words.assign(rare=[(int(s), str(w)) in rare for s, w in zip(words["sid"], words["word"],
                                                                       strict=True)])
    with_rare = {sid for sid, _w in rare}
    out = out[out["rare"] | ~out["sid"].isin(with_rare)]
    return out[COMPANY_LOOKUP].astype(_LOOKUP_TYPES)


def company_parts(lookup: pd.DataFrame | str) -> tuple[list[str], list[object]]:
    """``SELECT sid, contact_id`` parts (to join with ``UNION``) finding, per staged company, the
    stored companies whose name holds one of its rare words or, where it has none, all of its
    words but one, and at least two (its only word, for a one-word name), and their parameters
    (pure).

    ``lookup`` is a :func:`company_lookup` frame, written into the statement (with its tokens
    as a filter DuckDB checks against each row group's token range), or the name of a table
    holding one, joined. Persons are never looked up for a company: they are never compared.
    """
    params: list[object] = []
    if isinstance(lookup, str):
        words, only = lookup, ""
    else:
        if lookup.empty:
            return [], []
        rows = [(int(s), str(t), str(w), bool(r), int(n)) for s, t, w, r, n in
                zip(*(lookup[c].tolist() for c in COMPANY_LOOKUP), strict=True)]
        row = "(?::BIGINT, ?, ?, ?::BOOLEAN, ?::INTEGER)"
        words = f"(SELECT * FROM (VALUES {', '.join([row] * len(rows))}) v({', '.join(COMPANY_LOOKUP)}))"
        params = [v for r in rows for v in r]
        tokens = sorted({r[1] for r in rows})
        only = f" AND t1.token IN ({', '.join('?' * len(tokens))})"
    parts: list[str] = []
    out_params: list[object] = []
    for table, live in NAME_SOURCES:
        parts.append(
            f"SELECT w.sid, t1.contact_id FROM {table} t1 JOIN {words} w ON w.token = t1.token "
            f"JOIN contacts c ON c.id = t1.contact_id AND c.is_company "
            f"WHERE t1.slot = 0{only}{f' AND {live}' if live else ''} GROUP BY w.sid, t1.contact_id "
            "HAVING bool_or(w.rare) "
            "OR count(DISTINCT w.word) >= greatest(least(2, max(w.n_words)), max(w.n_words) - 1)")
        out_params += params + (tokens if only else [])
    return parts, out_params


def literal_name_parts(lasts: pd.DataFrame, firsts: pd.DataFrame) -> tuple[list[str], list[object]]:
    """``SELECT sid, contact_id`` parts (to join with ``UNION``) finding, per staged contact,
    the stored ones whose name holds one of its last-name words and, unless its first words
    are ``*``, one of its first-name words, with their parameters (pure)."""
    parts: list[str] = []
    params: list[object] = []
    for sid in sorted(set(lasts["sid"])):
        last = sorted(set(lasts.loc[lasts["sid"] == sid, "token"]))
        first = sorted(set(firsts.loc[firsts["sid"] == sid, "token"]))
        pair = bool(first) and "*" not in first  # also one of the given name's spellings
        for table, live in NAME_SOURCES:
            join = (f" JOIN {table} t2 ON t2.contact_id = t1.contact_id AND t2.slot = 0 "
                    f"AND t2.token IN ({', '.join('?' * len(first))})") if pair else ""
            where = " AND ".join(["t1.slot = 0", f"t1.token IN ({', '.join('?' * len(last))})",
                                  *([live] if live else [])])
            parts.append(f"SELECT {int(sid)} AS sid, t1.contact_id FROM {table} t1{join} WHERE {where}")
            params += (first if pair else []) + last
    return parts, params


#: Columns of the place look-up table (:func:`place_words`, :func:`near_parts`).
PLACE_LOOKUP = ["sid", "token"]


def place_words(places: Mapping[int, tuple[object, object, object, object]]) -> pd.DataFrame:
    """``(sid, token)``: the search-index words of each staged person's street, postcode, city
    and employer (``places``: sid -> those four texts), pure. A street's words that begin with
    a digit are left out (a house number is no place), and the employer's legal form."""
    rows: set[tuple[int, str]] = set()
    for sid, (street, zip_code, city, company) in places.items():
        for text, letters in ((street, True), (zip_code, False), (city, False)):
            if isinstance(text, str):  # the index's own words of the text (both folded forms)
                rows |= {(int(sid), w) for w in python_tokens([(int(sid), 0, text)])[0]
                         if not letters or w[0].isalpha()}
        key = nz.company_key(company) if isinstance(company, str) else None
        if key:
            rows |= {(int(sid), t) for w in str(key).split() for t in spellings(w)}
    return pd.DataFrame(sorted(rows), columns=PLACE_LOOKUP)


def near_parts(places: pd.DataFrame, namesakes: pd.DataFrame | str,
               words: str = "") -> tuple[list[str], list[object]]:
    """``SELECT sid, contact_id`` parts (to join with ``UNION``) finding, among each staged
    person's ``namesakes`` (``sid, contact_id``), those whose contact information or employer in
    the search index holds one of its :func:`place_words` ``places``, with their parameters
    (pure). The words' distinct tokens are written in, so DuckDB reads only the row groups of
    the token-sorted index that hold them. The pairs and words are written in too where
    ``namesakes`` is a frame; where it names a table, they are joined from it and from the
    table ``words`` (written in, a batch edit of many persons has a parameter per pair)."""
    if places.empty or (isinstance(namesakes, pd.DataFrame) and namesakes.empty):
        return [], []
    tokens = sorted({str(t) for t in places["token"]})
    params: list[object] = []
    if isinstance(namesakes, str):
        named, spelt = namesakes, words
    else:
        pairs = sorted({(int(s), str(t)) for s, t in zip(places["sid"], places["token"], strict=True)})
        people = sorted({(int(s), int(c)) for s, c in zip(namesakes["sid"], namesakes["contact_id"],
                                                          strict=True)})
        spelt = f"(SELECT * FROM (VALUES {', '.join(['(?::BIGINT, ?)'] * len(pairs))}) v(sid, token))"
        row = "(?::BIGINT, ?::BIGINT)"
        named = f"(SELECT * FROM (VALUES {', '.join([row] * len(people))}) v(sid, contact_id))"
        params += [v for pair in pairs for v in pair]
        params += [v for person in people for v in person]
    params += tokens
    parts = [f"SELECT n.sid, t1.contact_id FROM {table} t1 JOIN {spelt} w ON w.token = t1.token "
             f"JOIN {named} n ON n.sid = w.sid AND n.contact_id = t1.contact_id "
             f"WHERE t1.token IN ({', '.join('?' * len(tokens))}) "
             f"AND (t1.slot = 1 OR (t1.slot >= {SLOT_INFO} AND t1.slot < {SLOT_CUSTOM}))"
             f"{f' AND {live}' if live else ''}"
             for table, live in NAME_SOURCES]
    return parts, params * len(parts)
