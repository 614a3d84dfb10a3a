"""Why a contact matched a query: the field its words were found in, or the company it came with.

For one page of search results, :func:`match_reasons` looks the query's words up in the index
rows of just those contacts and names the first field each was found in ("street:
Müllerstraße 5", "email: lore@x.de", "name"), or "via company Müller GmbH" for a person
listed because its company matched. Words of a phrase are looked up by their first word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..model import INFO_TYPE_LABELS, InfoType
from .api import _resolve
from .index import LIVE_TOKENS, SLOT_CUSTOM, SLOT_INFO, SLOT_TAG, SOURCE_ID_USES, source_sql
from .parse import Query, parse
from .sql import atom_predicate

if TYPE_CHECKING:
    from ..store import Store

#: The contact columns' slots (see crmdata.search.index.source_sql).
_FIELD_SLOTS = {0: "name", 1: "company", 2: "position", 3: "description", 4: "industry"}
_MAX_TEXT = 60


def slot_label(slot: int) -> str:
    """Pure: what a slot of the index is, in words."""
    if slot in _FIELD_SLOTS:
        return _FIELD_SLOTS[slot]
    if slot >= SLOT_TAG:
        return "tag"
    if slot >= SLOT_CUSTOM:
        return "custom field"
    if slot > SLOT_INFO:
        return "contact information"
    return "field"


def _short(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def match_reasons(store: Store, query: str | Query, ids: Sequence[int]) -> dict[int, str]:
    """For each of ``ids`` that the query's words were found in: where (see the module doc)."""
    parsed = query if isinstance(query, Query) else parse(query or "")
    ids = [int(i) for i in ids]
    if parsed.is_empty or not ids:
        return {}
    with store.db.read() as tx:
        resolved = _resolve(tx, parsed)
        preds: list[str] = []
        params: list[object] = []
        for ti, term in enumerate(parsed.terms):
            sql, p = atom_predicate(term.atoms[0], resolved.get((ti, 0)))
            preds.append(f"({sql})")
            params += p
        hits = tx.rows(
            f"SELECT contact_id, min(slot) FROM {LIVE_TOKENS} AS s "
            f"WHERE contact_id IN (SELECT unnest(?::BIGINT[])) AND ({' OR '.join(preds)}) "
            "GROUP BY contact_id",
            [ids, *params],
        )
        found = {int(c): int(s) for c, s in hits}
        texts = {
            (int(c), int(s)): str(t)
            for c, s, t in tx.rows(
                source_sql("IN (SELECT unnest(?::BIGINT[]))") + "",
                [[cid for cid in found]] * SOURCE_ID_USES,
            )
            if t is not None
        } if found else {}
        kinds = {
            (int(c), SLOT_INFO + int(n)): int(t)
            for c, n, t in tx.rows(
                "SELECT contact_id, row_number() OVER (PARTITION BY contact_id ORDER BY id), info_type "
                "FROM contact_info WHERE contact_id IN (SELECT unnest(?::BIGINT[]))",
                [[cid for cid, slot in found.items() if SLOT_INFO < slot < SLOT_CUSTOM]],
            )
        }
        companies = tx.rows(
            "SELECT p.id, co.id, co.display_name FROM contacts p JOIN contacts co ON co.id = p.company_id "
            "WHERE p.id IN (SELECT unnest(?::BIGINT[])) AND NOT p.is_company",
            [[i for i in ids if i not in found]],
        )
    out: dict[int, str] = {}
    for cid, slot in found.items():
        kind = kinds.get((cid, slot))
        label = INFO_TYPE_LABELS[InfoType(kind)].lower() if kind is not None else slot_label(slot)
        text = texts.get((cid, slot), "")
        out[cid] = label if slot == 0 or not text else f"{label}: {_short(text)}"
    company_hits = _company_hits(store, parsed, [int(co) for _p, co, _n in companies])
    for person, company, name in companies:
        if int(company) in company_hits:
            out[int(person)] = f"via company {name}"
    return out


def _company_hits(store: Store, parsed: Query, companies: list[int]) -> set[int]:
    """The companies among ``companies`` that the query matches themselves."""
    if not companies:
        return set()
    return set(match_reasons(store, parsed, companies))
