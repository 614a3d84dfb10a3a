"""Why a contact matched a query: the field its words were found in, or the company it came with.

For one page of search results, :func:`match_reasons` names the best field a word of the query
was found in (:mod:`crmdata.search.matched`: "street: Müllerstraße 5", "email: lore@x.de",
"name"), or "via company Müller GmbH" for a person listed because its company matched. A search
result carries the same for its page (``SearchResult.matches``); this is for ids in hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .matched import page_matches, slot_label
from .parse import Query, parse

if TYPE_CHECKING:
    from ..db import Database

__all__ = ["match_reasons", "slot_label"]


def match_reasons(db: Database, query: str | Query, ids: Sequence[int]) -> dict[int, str]:
    """For each of ``ids`` that the query's words were found in: where (see the module doc)."""
    parsed = query if isinstance(query, Query) else parse(query or "")
    ids = [int(i) for i in ids]
    if parsed.is_empty or not ids:
        return {}
    with db.read() as tx:
        found = page_matches(tx, parsed, ids)
        companies = tx.rows(
            "SELECT p.id, co.id, co.display_name FROM contacts p JOIN contacts co ON co.id = p.company_id "
            "WHERE p.id IN (SELECT unnest(?::BIGINT[])) AND NOT p.is_company",
            [[i for i in ids if i not in found]],
        )
        company_hits = page_matches(tx, parsed, [int(co) for _p, co, _n in companies])
    out = {cid: m.describe() for cid, m in found.items()}
    for person, company, name in companies:
        if int(company) in company_hits:
            out[int(person)] = f"via company {name}"
    return out
