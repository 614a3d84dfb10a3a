"""What the full-text index holds per contact: its schema, and the documents built from the store.

One document per contact (:mod:`crmdata.search.fulltext` keeps them in a folder beside the
store): its id, one text field per kind of searched field (name, company, position, notes,
industry, contact information, custom values, tags), every word under both folded forms at the
same position (:mod:`crmdata.search.normalise`), and beside each text field one of the same
words spelled backwards (:data:`REVERSED`: a word sought by its end, ``*mann``, is a word
sought by its beginning there, which the term dictionary finds without reading every word);
what a page and its count need besides the words (kind, a person's company, share type,
managers, where the name sorts: :mod:`crmdata.search.ranked`) and the ids its filters name
(temperature level, contact type, tags: :mod:`crmdata.search.index_filters`); and what a result page shows of
the contact besides its own row (:class:`Held`). A document is the JSON text tantivy reads
(``IndexWriter.add_json``), built from the store's rows: for a few contacts by index look-ups
and folded in Python, for many at a time wholly by DuckDB in one statement, so that building an
index does not pass every text through Python (the two agree, tested).
"""

from __future__ import annotations

import base64
import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import tantivy

from ..db import Tx
from .index import SLOT_CUSTOM, SLOT_INFO, SLOT_TAG, SOURCE_ID_USES, source_sql
from .normalise import fold, fold_column_sql, fold_sql, reversed_sql, reversed_text, words, words_sql

#: Bumped whenever documents are built differently: an index of another format is rebuilt.
FORMAT = 6
#: Text fields of a document, one per kind of searched field.
FIELDS = ("name", "company", "position", "tag", "industry", "info", "custom", "notes")
_SUFFIX = "_rev"
#: Each text field's words spelled backwards (:func:`~crmdata.search.normalise.reversed_text`),
#: both forms of a word, in no order and without positions: only looked up by the beginning.
REVERSED = {name: name + _SUFFIX for name in FIELDS}
#: How much a match in each field weighs (names before companies before streets and notes).
WEIGHTS = {"name": 8.0, "company": 4.0, "position": 2.0, "tag": 2.0, "industry": 1.5,
           "info": 1.0, "custom": 1.0, "notes": 0.7}
#: The score of a word matched only by its beginning, a pattern or ``~`` (before weights),
#: below an exact word's BM25 score added on top of it.
LOOSE_SCORE = 0.2
#: Contacts read per batch while building.
_BATCH = 20_000
#: Contacts tokenised in Python rather than in DuckDB.
_PYTHON_TOKENS = 2_000


def field_of(slot: int) -> str:
    """Pure: the document field a slot of :func:`crmdata.search.index.source_sql` goes to."""
    if slot >= SLOT_TAG:
        return "tag"
    if slot >= SLOT_CUSTOM:
        return "custom"
    if slot > SLOT_INFO:
        return "info"
    return _COLUMN_FIELDS[slot]


#: The contact columns' slots (see crmdata.search.index.source_sql) and their fields.
_COLUMN_FIELDS = {0: "name", 1: "company", 2: "position", 3: "notes", 4: "industry"}


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=False, indexed=True, fast=True)
    # what a page and its count need beside the words (crmdata.search.ranked): company or
    # person, a person's company, who may view it, and where its name sorts
    sb.add_integer_field("kind", stored=False, indexed=True, fast=True)
    sb.add_integer_field("employer", stored=False, indexed=True, fast=True)
    sb.add_integer_field("share", stored=False, indexed=True, fast=False)
    sb.add_integer_field("manager", stored=False, indexed=True, fast=False)
    sb.add_unsigned_field("order", stored=False, indexed=False, fast=True)
    # what the filters a page answers name (crmdata.search.index_filters): temperature level,
    # contact type and tags, by id
    sb.add_integer_field("status", stored=False, indexed=True, fast=False)
    sb.add_integer_field("contact_type", stored=False, indexed=True, fast=False)
    sb.add_integer_field("tag_id", stored=False, indexed=True, fast=False)
    # what a result page shows of the contact besides its row in ``contacts`` (see Held)
    sb.add_bytes_field("page", stored=True, indexed=False, fast=False)
    for name in FIELDS:
        sb.add_text_field(name, stored=False, tokenizer_name="whitespace", index_option="position")
    for name in FIELDS:
        sb.add_text_field(REVERSED[name], stored=False, tokenizer_name="whitespace", index_option="basic")
    return sb.build()


SCHEMA = _schema()

#: One searched text: contact id, slot, its words (form A) joined by spaces, and for a text
#: whose forms differ (it has an umlaut), the words of both forms (else None, None).
WordRow = tuple[int, int, str, Sequence[str] | None, Sequence[str] | None]
#: A contact's attributes: id, is a company, its company's id, share type, lower-cased display
#: name (as DuckDB lower-cases it), manager user ids, temperature level, contact type, tag ids.
Attrs = tuple[int, bool, int | None, int, str | None, Sequence[int] | None, int | None, int | None,
              Sequence[int] | None]
#: The attributes of the contacts whose id is ``{member}``.
_ATTRS_SQL = ("SELECT c.id, c.is_company, c.company_id, c.share_type, lower(c.display_name), "
              "(SELECT list(m.user_id) FROM contact_managers m WHERE m.contact_id = c.id), "
              "c.status_id, c.contact_type_id, "
              "(SELECT list(t.tag_id) FROM contact_tags t WHERE t.contact_id = c.id) "
              "FROM contacts c WHERE c.id {member}")
#: What a result page shows of the contacts whose id is ``{member}`` besides their rows in
#: ``contacts``, as JSON per contact and part: 0 contact information, 1 custom values, 2 tags.
_HELD_SQL = (
    "SELECT contact_id, 0, to_json(list(json_array(info_type, data, is_primary, id, street, city, state, "
    "zip, country))) FROM contact_info WHERE contact_id {member} GROUP BY contact_id "
    "UNION ALL SELECT contact_id, 1, to_json(list(json_array(field_id, value))) FROM custom_values "
    "WHERE contact_id {member} GROUP BY contact_id "
    "UNION ALL SELECT contact_id, 2, to_json(list(tag_id)) FROM contact_tags "
    "WHERE contact_id {member} GROUP BY contact_id")
#: The parts of :data:`_HELD_SQL` of one contact, as JSON texts (None: it has none).
HeldJson = list[str | None]


@dataclass(frozen=True)
class Held:
    """What a document keeps of its contact for a result page, as the store had it when the
    document was made: its contact information ``(info_type, data, is_primary, id, street,
    city, state, zip, country)``, custom values ``(field_id, value)``, tag ids, lower-cased
    display name and (for a person) company id. Titles, other contacts' names and the
    contact's own row are read from the store with the page."""

    info: list[tuple[Any, ...]]
    custom: list[tuple[Any, ...]]
    tags: list[int]
    name: str | None
    employer: int | None = None


def held_bytes(parts: HeldJson | None, lowered: str | None) -> bytes:
    """Pure: the ``page`` value of a document from its contact's :data:`_HELD_SQL` parts and
    lower-cased display name."""
    info, custom, tags = parts or (None, None, None)
    return f"[{info or '[]'},{custom or '[]'},{tags or '[]'},{json.dumps(lowered)}]".encode()


def held_of(raw: bytes, employer: int | None = None) -> Held:
    """Pure: a document's ``page`` value read back (``employer``: its ``employer`` field)."""
    info, custom, tags, name = json.loads(raw)
    return Held([tuple(r) for r in info], [tuple(r) for r in custom], [int(t) for t in tags], name,
                None if employer is None or employer < 0 else int(employer))


def _held(tx: Tx, member: str, params: Sequence[object]) -> dict[int, HeldJson]:
    out: dict[int, HeldJson] = {}
    for cid, part, text in tx.rows(_HELD_SQL.format(member=member), list(params) * 3):
        out.setdefault(int(cid), [None, None, None])[int(part)] = text
    return out


#: The ``order`` of a contact without a display name (after every name, as NULLS LAST).
LAST_ORDER = 2**64 - 1


def order_key(lowered: str | None) -> int:
    """Pure: a number that sorts as the first 8 bytes of a lower-cased name (DuckDB compares
    text by its UTF-8 bytes); names equal there are told apart by the store."""
    if lowered is None:
        return LAST_ORDER
    return int.from_bytes(lowered.encode()[:8].ljust(8, b"\0"), "big")


def _tokens(wa: Sequence[str], wb: Sequence[str]) -> list[dict[str, Any]]:
    """Pure: the tokens of a text with two forms, both forms of a word at the word's position."""
    out = []
    for i, (a, b) in enumerate(zip(wa, wb, strict=False)):
        out.append({"offset_from": 0, "offset_to": 0, "position": i, "text": a, "position_length": 1})
        if b != a:
            out.append({"offset_from": 0, "offset_to": 0, "position": i, "text": b, "position_length": 1})
    return out


def _document(attrs: Attrs, rows: Iterable[tuple[int, str, Sequence[str] | None, Sequence[str] | None]],
              held: HeldJson | None = None) -> str:
    """Pure: one contact's document (JSON) from its attributes, its ``(slot, words, words A,
    words B)`` rows and what it keeps for a result page (:func:`held_bytes`).

    Each text is one value of its field (tantivy leaves a gap between values, so a phrase never
    spans two). A text with one form is split at its spaces by tantivy; one with two forms is
    handed over as tokens, both forms of a word at the word's position. Its words reversed
    (:func:`reversed_words`) are one value of the field's :data:`REVERSED` field."""
    cid, is_company, company_id, share, lowered, managers, status, contact_type, tags = attrs
    doc: dict[str, Any] = {"id": cid, "kind": 1 if is_company else 0, "share": int(share or 0),
                           "employer": -1 if company_id is None else int(company_id)}
    if managers:
        doc["manager"] = [int(u) for u in managers]
    if status is not None:
        doc["status"] = int(status)
    if contact_type is not None:
        doc["contact_type"] = int(contact_type)
    if tags:
        doc["tag_id"] = [int(t) for t in tags]
    doc["order"] = order_key(lowered)
    doc["page"] = base64.b64encode(held_bytes(held, lowered)).decode("ascii")
    for slot, joined, wa, wb in rows:
        value: Any = joined if wa is None or wb is None else {"text": joined, "tokens": _tokens(wa, wb)}
        field = field_of(slot)
        doc.setdefault(field, []).append(value)
        doc.setdefault(REVERSED[field], []).append(reversed_words(joined, wb))
    return json.dumps(doc, ensure_ascii=False)


def reversed_words(joined: str, wb: Sequence[str] | None) -> str:
    """Pure: the reversed field's value of a text: its words (form A, ``joined``, then any form B
    ``wb``; a word under both forms comes twice, which a field without frequencies ignores)
    spelled backwards, as :func:`json_sql` makes it."""
    return reversed_text(joined if wb is None else joined + " " + " ".join(wb))


def documents(rows: Iterable[WordRow], attrs: Iterable[Attrs], held: Mapping[int, HeldJson] | None = None,
              ) -> Iterator[tuple[int, str]]:
    """``(contact id, document)`` of every contact of ``attrs`` (each has one, words or not),
    its words from ``rows`` (ordered by contact id), what it keeps for a page from ``held``."""
    held_words: dict[int, list[tuple[int, str, Sequence[str] | None, Sequence[str] | None]]] = {}
    for contact_id, slot, joined, wa, wb in rows:
        held_words.setdefault(int(contact_id), []).append((slot, joined, wa, wb))
    for row in sorted(attrs, key=lambda a: int(a[0])):
        cid = int(row[0])
        yield cid, _document(row, held_words.get(cid, ()), (held or {}).get(cid))


def _attrs(tx: Tx, member: str, params: Sequence[object]) -> list[Attrs]:
    return [(int(r[0]), bool(r[1]), r[2], int(r[3] or 0), r[4], r[5], r[6], r[7], r[8])
            for r in tx.rows(_ATTRS_SQL.format(member=member), list(params))]


_UMLAUTS = "äöü"


def _python_rows(tx: Tx, member: str, params: Sequence[object]) -> list[WordRow]:
    """The word rows of a few contacts (those whose id is ``{member}``), their texts read by id
    and folded in Python."""
    texts = tx.rows(f"SELECT * FROM ({source_sql(member)}) ORDER BY 1, 2", list(params) * SOURCE_ID_USES)
    out: list[WordRow] = []
    for c, s, t in texts:
        wa = words(fold(t)) if t else []
        if not wa:
            continue
        lowered = unicodedata.normalize("NFC", t).lower()
        wb = words(fold(t, umlauts=True)) if any(u in lowered for u in _UMLAUTS) else None
        out.append((int(c), int(s), " ".join(wa), wa if wb else None, wb))
    return out


#: The document texts' field by slot (:func:`field_of`), in SQL.
_FIELD_SQL = (f"CASE WHEN slot >= {SLOT_TAG} THEN 'tag' WHEN slot >= {SLOT_CUSTOM} THEN 'custom' "
              f"WHEN slot > {SLOT_INFO} THEN 'info' "
              + " ".join(f"WHEN slot = {k} THEN '{v}'" for k, v in _COLUMN_FIELDS.items()) + " END")
#: How often the membership test appears in :func:`json_sql`.
JSON_ID_USES = SOURCE_ID_USES + 4


def _token_sql(word: str) -> str:
    return f"{{'offset_from': 0, 'offset_to': 0, 'position': i - 1, 'text': {word}, 'position_length': 1}}"


def json_sql(member: str) -> str:
    """``(id, document)`` of the contacts whose id is ``{member}``, in id order: what
    :func:`_document` makes of :func:`_python_rows`, :func:`_attrs` and :func:`_held`, made by
    DuckDB (its folding, the same forms, the same reversal: tests/search/test_normalise.py; the
    same documents: tests/search/test_documents.py). ``member`` appears :data:`JSON_ID_USES` times.

    Texts without words are left out by the aggregates' ``FILTER`` (a field of none such gives
    NULL, which the outer ``string_agg`` skips), not by a ``WHERE``: DuckDB would push that
    below the projection that makes the words and so fold and split every text twice."""
    lowered = "lower(nfc_normalize(text))"
    has_umlaut = " OR ".join(f"contains({lowered}, '{u}')" for u in _UMLAUTS)
    tokens = (f"flatten(list_transform(range(1, least(len(wa), len(wb)) + 1), lambda i: "
              f"CASE WHEN wb[i] = wa[i] THEN [{_token_sql('wa[i]')}] "
              f"ELSE [{_token_sql('wa[i]')}, {_token_sql('wb[i]')}] END))")
    value = ("CASE WHEN wb IS NULL THEN to_json(joined) "
             f"ELSE to_json({{'text': joined, 'tokens': {tokens}}}) END")
    name = "lower(c.display_name)"
    order = f"coalesce(('0x' || rpad(left(hex({name}), 16), 16, '0'))::UBIGINT, {LAST_ORDER}::UBIGINT)"
    page = (f"to_base64(encode('[' || coalesce(h.info, '[]') || ',' || coalesce(h.custom, '[]') || ',' "
            f"|| coalesce(h.tags, '[]') || ',' || coalesce(to_json({name}), 'null') || ']'))")
    return f"""
    WITH t AS (
        SELECT contact_id, {_FIELD_SQL} AS field, wa,
               CASE WHEN two THEN {words_sql(fold_sql('text', umlauts=True))} END AS wb
        FROM (SELECT contact_id, slot::INTEGER AS slot, text, {words_sql(fold_column_sql('text'))} AS wa,
                     ({has_umlaut}) AS two
              FROM ({source_sql(member)}) WHERE text IS NOT NULL AND text <> '')),
    w AS (SELECT *, joined || coalesce(' ' || array_to_string(wb, ' '), '') AS every
          FROM (SELECT *, array_to_string(wa, ' ') AS joined FROM t)),
    f AS (SELECT contact_id, field, '[' || string_agg({value}, ',') FILTER (WHERE len(wa) > 0) || ']' AS vals,
                 '[' || string_agg(to_json({reversed_sql('every')}), ',') FILTER (WHERE len(wa) > 0) || ']'
                 AS backwards
          FROM w GROUP BY contact_id, field),
    d AS (SELECT contact_id, string_agg(to_json(field) || ':' || vals || ',' || to_json(field || '{_SUFFIX}')
                                        || ':' || backwards, ',') AS texts
          FROM f GROUP BY contact_id),
    h AS (SELECT contact_id, max(CASE WHEN part = 0 THEN j END) AS info,
                 max(CASE WHEN part = 1 THEN j END) AS custom, max(CASE WHEN part = 2 THEN j END) AS tags
          FROM ({_HELD_SQL.format(member=member)}) q(contact_id, part, j) GROUP BY contact_id)
    SELECT c.id, '{{"id":' || c.id || ',"kind":' || (CASE WHEN c.is_company THEN 1 ELSE 0 END)
           || ',"employer":' || coalesce(c.company_id, -1) || ',"share":' || coalesce(c.share_type, 0)
           || coalesce(',"manager":' || (SELECT to_json(list(m.user_id)) FROM contact_managers m
                                         WHERE m.contact_id = c.id), '')
           || coalesce(',"status":' || c.status_id, '')
           || coalesce(',"contact_type":' || c.contact_type_id, '')
           || coalesce(',"tag_id":' || h.tags, '')
           || ',"order":' || {order} || ',"page":"' || {page} || '"' || coalesce(',' || d.texts, '') || '}}'
    FROM contacts c LEFT JOIN h ON h.contact_id = c.id LEFT JOIN d ON d.contact_id = c.id
    WHERE c.id {member} ORDER BY c.id"""


def _sql_documents(tx: Tx, member: str, params: Sequence[object]) -> list[tuple[int, str]]:
    """The documents of many contacts, made by DuckDB (:func:`json_sql`)."""
    return [(int(c), str(d)) for c, d in tx.rows(json_sql(member), list(params) * JSON_ID_USES)]


def all_documents(tx: Tx) -> Iterator[tuple[int, str]]:
    """The documents of every contact (see :func:`documents_in`)."""
    return documents_in(tx, [int(r[0]) for r in tx.rows("SELECT id FROM contacts ORDER BY id")])


def documents_in(tx: Tx, ids: Sequence[int]) -> Iterator[tuple[int, str]]:
    """The documents of the contacts ``ids`` (ascending) that still exist, :data:`_BATCH` at a
    time (memory stays bounded: the batch handed out and the one made meanwhile).

    With more than one batch, each next batch is made on a second connection on a thread of
    its own while the caller takes in the one before (DuckDB makes a batch on one core and lets
    go of the interpreter meanwhile); inside a transaction they are made in turn."""
    chunks = [ids[start:start + _BATCH] for start in range(0, len(ids), _BATCH)]
    with tx.side() if len(chunks) > 1 else nullcontext() as side:
        if side is None:
            for chunk in chunks:
                yield from _batch(tx, chunk)
            return
        with ThreadPoolExecutor(1, thread_name_prefix="crmdata-documents") as ahead:
            made = ahead.submit(_batch, side, chunks[0])
            for chunk in chunks[1:]:
                docs = made.result()
                made = ahead.submit(_batch, side, chunk)
                yield from docs
            yield from made.result()


def _batch(tx: Tx, chunk: Sequence[int]) -> list[tuple[int, str]]:
    """The documents of one batch of :func:`documents_in`: ids that lie close together, as an
    import's do, are read as a range of ids (the contacts between that it does not name are
    left out), ids spread over the table by their ids."""
    if chunk[-1] - chunk[0] >= 2 * len(chunk):
        return list(documents_of(tx, chunk))
    bounds, wanted = [chunk[0], chunk[-1]], set(chunk)
    return [(cid, doc) for cid, doc in _sql_documents(tx, "BETWEEN ? AND ?", bounds) if cid in wanted]


def documents_of(tx: Tx, ids: Sequence[int]) -> Iterator[tuple[int, str]]:
    """The documents of the contacts ``ids`` that still exist."""
    if not ids:
        return iter(())
    if len(ids) > _PYTHON_TOKENS:
        return iter(_sql_documents(tx, "= ANY(?::BIGINT[])", [list(ids)]))
    # a literal list of a few ids is looked up in the contact id indexes; an array is scanned
    member, params = (("IN (" + ", ".join("?" * len(ids)) + ")", list(ids)) if len(ids) <= 50
                      else ("IN (SELECT unnest(?::BIGINT[]))", [list(ids)]))
    return documents(_python_rows(tx, member, params), _attrs(tx, member, params), _held(tx, member, params))
