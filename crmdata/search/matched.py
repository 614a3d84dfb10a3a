"""Where a query matched a contact: the best-weighted field a term was found in, and its text.

The same words, forms and operators as the search itself (:mod:`crmdata.search.parse`,
:mod:`crmdata.search.normalise`), checked in Python over the searched texts of one page of
contacts: a few dozen short texts, cheaper than another look-up in an index. "Best" follows
the relevance weights (:data:`crmdata.search.documents.WEIGHTS`: a name before a company
before a street), so the field shown is the one that ranked the contact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz.distance import DamerauLevenshtein

from ..model import INFO_TYPE_LABELS, InfoType
from .documents import WEIGHTS, field_of
from .index import SLOT_CUSTOM, SLOT_INFO, SLOT_TAG, SOURCE_ID_USES, source_sql
from .normalise import fold, words
from .parse import Atom, Query, Term

if TYPE_CHECKING:
    from ..db import Tx

_COLUMN_LABELS = {0: "name", 1: "company", 2: "position", 3: "description", 4: "industry"}
_MAX_TEXT = 60


@dataclass(frozen=True)
class Match:
    """Where a contact matched: ``field`` in words ("name", "email", "address", "tag", "via
    company") and the text found there (shortened; the company's name for "via company")."""

    field: str
    value: str

    def describe(self) -> str:
        """``name``, ``email: lore@x.de`` or ``via company Müller GmbH``."""
        if self.field == "via company":
            return f"via company {self.value}"
        return self.field if self.field == "name" or not self.value else f"{self.field}: {self.value}"


def slot_label(slot: int, info_type: int | None = None) -> str:
    """Pure: what a slot of the index is, in words (an info slot by its type when known)."""
    if slot in _COLUMN_LABELS:
        return _COLUMN_LABELS[slot]
    if slot >= SLOT_TAG:
        return "tag"
    if slot >= SLOT_CUSTOM:
        return "custom field"
    if slot > SLOT_INFO:
        if info_type is None:
            return "contact information"
        return INFO_TYPE_LABELS[InfoType(info_type)].lower()
    return "field"


@lru_cache(maxsize=256)
def _pattern(form: str) -> re.Pattern[str]:
    return re.compile("".join("." if c == "?" else ".*" if c == "*" else re.escape(c) for c in form),
                      re.DOTALL)


def _atom_ok(atom: Atom, forms: set[str]) -> bool:
    for q in atom.forms:
        for w in forms:
            if atom.kind == "exact" and w == q:
                return True
            if atom.kind == "prefix" and w.startswith(q):
                return True
            if atom.kind == "pattern" and _pattern(q).fullmatch(w):
                return True
            k = atom.distance
            if atom.kind == "fuzzy" and DamerauLevenshtein.distance(q, w, score_cutoff=k) <= k:
                return True
    return False


def _term_in(term: Term, seq: Sequence[set[str]]) -> bool:
    n = len(term.atoms)
    return any(all(_atom_ok(a, seq[i + j]) for j, a in enumerate(term.atoms))
               for i in range(len(seq) - n + 1))


def best_slot(query: Query, texts: Iterable[tuple[int, str]]) -> tuple[int, str] | None:
    """Pure: the ``(slot, text)`` of the best-weighted text (then the lowest slot) in which a
    term of the query matches; None when none does."""
    best: tuple[float, int, str] | None = None
    for slot, text in texts:
        weight = WEIGHTS[field_of(slot)]
        if best is not None and (weight, -slot) <= (best[0], -best[1]):
            continue
        seq = [{a, b} for a, b in zip(words(fold(text)), words(fold(text, umlauts=True)), strict=False)]
        if any(_term_in(t, seq) for t in query.terms):
            best = (weight, slot, text)
    return None if best is None else (best[1], best[2])


def _short(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def page_matches(tx: Tx, query: Query, ids: Sequence[int]) -> dict[int, Match]:
    """For the contacts ``ids`` that the query's words were found in themselves: where."""
    if query.is_empty or not ids:
        return {}
    # a literal list of a page's ids is looked up in the contact id indexes
    member = "IN (" + ", ".join("?" * len(ids)) + ")" if len(ids) <= 50 else "IN (SELECT unnest(?::BIGINT[]))"
    params = list(ids) if len(ids) <= 50 else [list(ids)]
    by_contact: dict[int, list[tuple[int, str]]] = {}
    for cid, slot, text in tx.rows(source_sql(member), params * SOURCE_ID_USES):
        if text:
            by_contact.setdefault(int(cid), []).append((int(slot), str(text)))
    info = [cid for cid, texts in by_contact.items() if any(SLOT_INFO < s < SLOT_CUSTOM for s, _t in texts)]
    kinds: Mapping[tuple[int, int], int] = {}
    if info:
        kinds = {(int(c), SLOT_INFO + int(n)): int(t) for c, n, t in tx.rows(
            "SELECT contact_id, row_number() OVER (PARTITION BY contact_id ORDER BY id), info_type "
            "FROM contact_info WHERE contact_id IN (SELECT unnest(?::BIGINT[]))", [info])}
    return matches_in(query, by_contact, kinds)


def matches_in(query: Query, texts: Mapping[int, Iterable[tuple[int, str]]],
               info_types: Mapping[tuple[int, int], int]) -> dict[int, Match]:
    """Pure: where the query matched each contact, from its searched ``(slot, text)`` pairs
    (:func:`crmdata.search.index.contact_texts`) and the info type of each info slot."""
    if query.is_empty:
        return {}
    found = {cid: hit for cid, held in texts.items()
             if (hit := best_slot(query, ((s, t) for s, t in held if t)))}
    return {cid: Match(slot_label(slot, info_types.get((cid, slot))), "" if slot == 0 else _short(text))
            for cid, (slot, text) in found.items()}
