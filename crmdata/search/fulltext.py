"""The full-text index: a tantivy index beside the store file, a derived cache of the search texts.

The store file ``crm.duckdb`` gets a folder ``crm.duckdb.search`` holding a tantivy index with
one document per contact: its id and one text field per kind of searched field (name,
company, position, notes, industry, contact information, custom values, tags). Every word is
indexed under both folded forms at the same position (:mod:`crmdata.search.normalise`), so the
query language's words, prefixes, ``?``/``*`` patterns, ``~`` and phrases are tantivy term,
regex, fuzzy and regex-phrase queries over the same words the DuckDB index holds.

The folder is a cache that can never disagree with the store unnoticed. Every writer logs the
contacts whose searched texts it changed in the store's ``search_changes`` (in the same
transaction as the change, :mod:`crmdata.search.index`); the index's state file names the last
log entry it reflects and the store it belongs to. Before each search the log is read from
there on and the contacts of newer entries are re-indexed; an entry meaning "every contact"
(an import), a log that does not continue the recorded one (another store file), or an index of
another format or without its state is rebuilt from the store. A search inside a write transaction, an
in-memory store or an index that cannot be written (another process is updating it) is
answered by the DuckDB index instead: same results, slower. A search with filters or another
sort than relevance has the hits checked by the store itself (the contact must still exist, be
visible to the user and pass the filters); one by relevance without filters is counted and
ordered by the index, whose documents also carry each contact's kind, company, share type,
managers and name order (:mod:`crmdata.search.ranked`), and only the page's rows are read from
the store, with the access rule: a page row the store does not give back sends the search
through the store. The documents also keep what a result page shows of each contact besides
its own row (:class:`Held`: contact information, custom values, tag ids, name), so a page
reads from the store only its rows, their companies' names, their last activity and titles.
Either way a search never shows a contact the store no longer has or the user may not view.

Scores: BM25 on the words, times a weight per field (names first, streets and notes last);
an exact word scores above a word only matched by its beginning, a pattern or ``~``. Contacts
re-indexed in memory since the folder was last written are scored with the word statistics of
those few: the field weights and exact-before-loose hold, but their order among equally good
matches of the folder may differ until they are written there (:data:`FLUSH_AT`).
"""

from __future__ import annotations

import json
import shutil
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy

from ..db import Tx
from ..schema import SEARCH_STORE_ID
from .index import SLOT_CUSTOM, SLOT_INFO, SLOT_TAG, SOURCE_ID_USES, source_sql
from .normalise import fold, fold_sql, words, words_sql

#: Bumped whenever documents are built differently: an index of another format is rebuilt.
FORMAT = 4
#: Text fields of a document, one per kind of searched field.
FIELDS = ("name", "company", "position", "tag", "industry", "info", "custom", "notes")
#: How much a match in each field weighs (names before companies before streets and notes).
WEIGHTS = {"name": 8.0, "company": 4.0, "position": 2.0, "tag": 2.0, "industry": 1.5,
           "info": 1.0, "custom": 1.0, "notes": 0.7}
#: The score of a word matched only by its beginning, a pattern or ``~`` (before weights),
#: below an exact word's BM25 score added on top of it.
LOOSE_SCORE = 0.2
#: More changed contacts than this since the folder's log entry, and more than half of the
#: documents: rebuild instead of catch up (an import into a large store adds its own only).
REBUILD_AT = 50_000
#: Contacts re-indexed in memory before they are written to the folder (one commit to disk,
#: with its file syncs, per that many changed contacts rather than per search after an edit).
FLUSH_AT = 1_000
_RECENT_HEAP = 15_000_000
#: Contacts read per batch while building.
_BATCH = 20_000
#: Contacts tokenised in Python rather than in DuckDB.
_PYTHON_TOKENS = 2_000
_WRITER_HEAP = 128_000_000


class IndexUnavailable(Exception):
    """The full-text index cannot answer now (the DuckDB index will); internal, never shown."""


class IndexBehind(Exception):
    """The index needs more work than the caller allowed (a rebuild, or many changed contacts)."""


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
    # what a result page shows of the contact besides its row in ``contacts`` (see Held)
    sb.add_bytes_field("page", stored=True, indexed=False, fast=False)
    for name in FIELDS:
        sb.add_text_field(name, stored=False, tokenizer_name="whitespace", index_option="position")
    return sb.build()


SCHEMA = _schema()

# -- documents ------------------------------------------------------------------------------------

#: One searched text: contact id, slot, its words (form A) joined by spaces, and for a text
#: whose forms differ (it has an umlaut), the words of both forms (else None, None).
WordRow = tuple[int, int, str, Sequence[str] | None, Sequence[str] | None]
#: A contact's attributes: id, is a company, its company's id, share type, lower-cased display
#: name (as DuckDB lower-cases it), manager user ids.
Attrs = tuple[int, bool, int | None, int, str | None, Sequence[int] | None]
#: The attributes of the contacts whose id is ``{member}``.
_ATTRS_SQL = ("SELECT c.id, c.is_company, c.company_id, c.share_type, lower(c.display_name), "
              "(SELECT list(m.user_id) FROM contact_managers m WHERE m.contact_id = c.id) "
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


def _document(attrs: Attrs, rows: Iterable[tuple[int, str, Sequence[str] | None, Sequence[str] | None]],
              held: HeldJson | None = None) -> tantivy.Document:
    """One contact's document from its attributes, its ``(slot, words, words A, words B)`` rows
    and what it keeps for a result page (:func:`held_bytes`).

    Each text is one value of its field (tantivy leaves a gap between values, so a phrase never
    spans two). A text with one form is split at its spaces by tantivy; one with two forms is
    handed over as tokens, both forms of a word at the word's position."""
    cid, is_company, company_id, share, lowered, managers = attrs
    doc = tantivy.Document()
    doc.add_integer("id", cid)
    doc.add_integer("kind", 1 if is_company else 0)
    doc.add_integer("employer", -1 if company_id is None else int(company_id))
    doc.add_integer("share", int(share or 0))
    for user_id in managers or ():
        doc.add_integer("manager", int(user_id))
    doc.add_unsigned("order", order_key(lowered))
    doc.add_bytes("page", held_bytes(held, lowered))
    for slot, joined, wa, wb in rows:
        name = field_of(slot)
        if wa is None or wb is None:
            doc.add_text(name, joined)
            continue
        tokens = []
        for i, (a, b) in enumerate(zip(wa, wb, strict=False)):
            tokens.append(tantivy.Token(a, i, 0, 0))
            if b != a:
                tokens.append(tantivy.Token(b, i, 0, 0))
        doc.add_pre_tokenized_text(name, tantivy.PreTokenizedString(joined, tokens))
    return doc


def documents(rows: Iterable[WordRow], attrs: Iterable[Attrs], held: Mapping[int, HeldJson] | None = None,
              ) -> Iterator[tuple[int, tantivy.Document]]:
    """``(contact id, document)`` of every contact of ``attrs`` (each has one, words or not),
    its words from ``rows`` (ordered by contact id), what it keeps for a page from ``held``."""
    held_words: dict[int, list[tuple[int, str, Sequence[str] | None, Sequence[str] | None]]] = {}
    for contact_id, slot, joined, wa, wb in rows:
        held_words.setdefault(int(contact_id), []).append((slot, joined, wa, wb))
    for row in sorted(attrs, key=lambda a: int(a[0])):
        cid = int(row[0])
        yield cid, _document(row, held_words.get(cid, ()), (held or {}).get(cid))


def _attrs(tx: Tx, member: str, params: Sequence[object]) -> list[Attrs]:
    return [(int(r[0]), bool(r[1]), r[2], int(r[3] or 0), r[4], r[5])
            for r in tx.rows(_ATTRS_SQL.format(member=member), list(params))]


_UMLAUTS = "äöü"


def _python_rows(tx: Tx, ids: Sequence[int]) -> list[WordRow]:
    """The word rows of a few contacts, their texts read by id and folded in Python."""
    # a literal list of a few ids is looked up in the contact id indexes; an array is scanned
    member, params = (("IN (" + ", ".join("?" * len(ids)) + ")", list(ids)) if len(ids) <= 50
                      else ("IN (SELECT unnest(?::BIGINT[]))", [list(ids)]))
    texts = tx.rows(f"SELECT * FROM ({source_sql(member)}) ORDER BY 1, 2", params * SOURCE_ID_USES)
    out: list[WordRow] = []
    for c, s, t in texts:
        wa = words(fold(t)) if t else []
        if not wa:
            continue
        lowered = unicodedata.normalize("NFC", t).lower()
        wb = words(fold(t, umlauts=True)) if any(u in lowered for u in _UMLAUTS) else None
        out.append((int(c), int(s), " ".join(wa), wa if wb else None, wb))
    return out


def _sql_rows(tx: Tx, member: str, params: Sequence[object]) -> list[WordRow]:
    """The word rows of many contacts, folded by DuckDB (same forms, tested), in contact order."""
    lowered = "lower(nfc_normalize(text))"
    has_umlaut = " OR ".join(f"contains({lowered}, '{u}')" for u in _UMLAUTS)
    sql = (f"SELECT contact_id, slot, array_to_string(wa, ' '), CASE WHEN two THEN wa END, "
           f"CASE WHEN two THEN {words_sql(fold_sql('text', umlauts=True))} END FROM ("
           f"SELECT contact_id, slot::INTEGER AS slot, text, {words_sql(fold_sql('text'))} AS wa, "
           f"({has_umlaut}) AS two FROM ({source_sql(member)}) "
           "WHERE text IS NOT NULL AND text <> '') WHERE len(wa) > 0")
    rows = tx.rows(sql, list(params) * SOURCE_ID_USES)
    rows.sort(key=lambda r: r[0])  # documents() takes each contact's texts together
    return rows


def _all_documents(tx: Tx) -> Iterator[tuple[int, tantivy.Document]]:
    """The documents of every contact (see :func:`_documents_in`)."""
    return _documents_in(tx, [int(r[0]) for r in tx.rows("SELECT id FROM contacts ORDER BY id")])


def _documents_in(tx: Tx, ids: Sequence[int]) -> Iterator[tuple[int, tantivy.Document]]:
    """The documents of the contacts ``ids`` (ascending) that still exist, :data:`_BATCH` at a
    time (memory stays bounded): a batch of ids that lie close together, as an import's do, is
    read as a range of ids (the contacts between that it does not name are left out), a batch
    spread over the table by its ids."""
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start:start + _BATCH]
        if chunk[-1] - chunk[0] >= 2 * len(chunk):
            yield from _documents_of(tx, chunk)
            continue
        bounds, wanted = [chunk[0], chunk[-1]], set(chunk)
        found = documents(_sql_rows(tx, "BETWEEN ? AND ?", bounds), _attrs(tx, "BETWEEN ? AND ?", bounds),
                          _held(tx, "BETWEEN ? AND ?", bounds))
        yield from ((cid, doc) for cid, doc in found if cid in wanted)


# -- the index folder --------------------------------------------------------------------------


@dataclass
class _State:
    seq: int  # the last entry of ``search_changes`` reflected
    store: str  # the store's id (meta ``search_store_id``)
    format: int = FORMAT


#: The log's last entry, and whether an entry after ``?`` asks for every contact (the entries
#: are read from ``?`` on only: the log is in ``seq`` order, so its cost stays that of the
#: entries after it however long the log grows).
_HEAD_SQL = ("SELECT (SELECT max(seq) FROM search_changes), "
             "EXISTS (SELECT 1 FROM search_changes WHERE seq > ? AND contact_id IS NULL), "
             f"(SELECT value FROM meta WHERE key = '{SEARCH_STORE_ID}')")
#: The contacts logged after ``?``.
_CHANGED_SQL = "SELECT DISTINCT contact_id FROM search_changes WHERE seq > ? AND contact_id IS NOT NULL"


class FullTextIndex:
    """The index folder of one store file (one object per folder and process)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.state_file = folder / "crmdata-state.json"
        self.lock = threading.Lock()
        self._index: tantivy.Index | None = None
        self._recent = _Recent()

    def _read_state(self) -> _State | None:
        try:
            data = json.loads(self.state_file.read_text())
            state = _State(int(data["seq"]), str(data["store"]), int(data["format"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return state if state.format == FORMAT else None

    def _write_state(self, state: _State) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state.__dict__))
        tmp.replace(self.state_file)

    def _open(self, fresh: bool) -> tantivy.Index:
        """The index; ``fresh``: one made anew. Files that are not an index of this schema are
        replaced by a new index (the folder is a cache)."""
        if fresh:
            self._index = None
            if self.folder.exists():
                shutil.rmtree(self.folder)
        if self._index is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            try:
                self._index = tantivy.Index(SCHEMA, str(self.folder), reuse=True)
            except ValueError:
                if fresh:
                    raise
                return self._open(fresh=True)
        return self._index

    def searcher(self, tx: Tx, max_changes: int | None = None) -> View:
        """A view of the index that reflects the store as ``tx`` sees it (caught up first).

        With ``max_changes``, an index that needs a rebuild or more re-indexed contacts than
        that raises :class:`IndexBehind` instead (for a caller on a time budget)."""
        with self.lock:
            state = self._read_state()
            head, everything, store = tx.one(_HEAD_SQL, [state.seq if state else -1]) or (0, True, "")
            head = int(head or 0)
            if state is not None and self._index is None and (self.folder / "meta.json").exists():
                try:
                    self._index = tantivy.Index(SCHEMA, str(self.folder), reuse=True)
                except ValueError:  # not an index of this schema: made anew below
                    state = None
            current = (state is not None and self._index is not None and state.store == str(store)
                       and head >= state.seq and not everything)
            if not current:
                if max_changes is not None:
                    raise IndexBehind("the full-text index must be rebuilt")
                self.rebuild(tx, fresh=state is None)
                self._recent.clear()
            elif state is not None and head > max(state.seq, self._recent.seq(state.seq)):
                self._catch_up(tx, state, head, max_changes)
            index = self._index
            assert index is not None
            index.reload()
            return View(index.searcher(), *self._recent.view())

    def _catch_up(self, tx: Tx, state: _State, head: int, max_changes: int | None) -> None:
        """Re-index the contacts logged since the index last looked: in memory (no write to
        disk), or, past :data:`FLUSH_AT` of them, into the folder."""
        since = self._recent.seq(state.seq)
        ids = sorted(int(r[0]) for r in tx.rows(_CHANGED_SQL, [since]))
        if max_changes is not None and len(ids) > max_changes:
            raise IndexBehind(f"{len(ids)} contacts to re-index")
        if len(self._recent.ids | set(ids)) <= FLUSH_AT:
            self._recent.apply(tx, state.seq, head, ids)
            return
        self._flush(tx, state, head)
        self._recent.clear()

    def _flush(self, tx: Tx, state: _State, head: int) -> None:
        """Write the contacts logged since the folder's state into the folder."""
        ids = sorted(int(r[0]) for r in tx.rows(_CHANGED_SQL, [state.seq]))
        assert self._index is not None
        if len(ids) > REBUILD_AT and 2 * len(ids) > self._index.searcher().num_docs:
            self.rebuild(tx)
            return
        writer = self._writer(self._index)
        for cid in ids:
            writer.delete_documents_by_term("id", cid)
        for _cid, doc in _documents_in(tx, ids):
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        self._write_state(_State(head, state.store))

    def _writer(self, index: tantivy.Index) -> Any:
        try:
            return index.writer(_WRITER_HEAP, 1)
        except ValueError as exc:  # another process holds the writer lock
            raise IndexUnavailable(str(exc)) from exc

    def rebuild(self, tx: Tx, fresh: bool = False) -> int:
        """Index every contact afresh; returns how many. ``fresh``: remove the folder first
        (its files are not an index of this format); otherwise searches of other processes go
        on over the old documents until the new ones are committed."""
        head, _everything, store = tx.one(_HEAD_SQL, [-1]) or (0, True, "")
        writer = self._writer(self._open(fresh=fresh))
        writer.delete_all_documents()
        count = 0
        for _cid, doc in _all_documents(tx):
            writer.add_document(doc)
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        self._write_state(_State(int(head or 0), str(store)))
        return count


@dataclass(frozen=True)
class View:
    """What a search reads: the folder's index, and the contacts re-indexed in memory since
    (``stale``: their documents in the folder are out of date; ``recent``: their new ones)."""

    disk: tantivy.Searcher
    recent: tantivy.Searcher | None = None
    stale: frozenset[int] = frozenset()


class _Recent:
    """Contacts re-indexed since the folder's state, held in memory by this process (an
    index in RAM: a commit there writes no file), until :data:`FLUSH_AT` of them go to disk."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.base = -1  # the folder state it sits on
        self.upto = -1  # the last log entry it reflects
        self.ids: set[int] = set()
        self._index: tantivy.Index | None = None
        self._writer: Any = None

    def seq(self, base: int) -> int:
        """The last log entry reflected, over a folder at ``base`` (a folder another process
        moved on makes what is held here moot)."""
        if self.base != base:
            self.clear()
            self.base = self.upto = base
        return self.upto

    def apply(self, tx: Tx, base: int, head: int, ids: Sequence[int]) -> None:
        if self._index is None:
            self._index = tantivy.Index(SCHEMA)
            self._writer = self._index.writer(_RECENT_HEAP, 1)
        for cid in ids:
            self._writer.delete_documents_by_term("id", cid)
        for _cid, doc in _documents_of(tx, ids):
            self._writer.add_document(doc)
        self._writer.commit()
        self._index.reload()
        self.ids |= set(ids)
        self.base, self.upto = base, head

    def view(self) -> tuple[tantivy.Searcher | None, frozenset[int]]:
        if self._index is None or not self.ids:
            return None, frozenset()
        return self._index.searcher(), frozenset(self.ids)


def _documents_of(tx: Tx, ids: Sequence[int]) -> Iterator[tuple[int, tantivy.Document]]:
    """The documents of the contacts ``ids`` that still exist."""
    if not ids:
        return iter(())
    if len(ids) <= _PYTHON_TOKENS:
        rows: Iterable[WordRow] = _python_rows(tx, ids)
    else:
        rows = _sql_rows(tx, "= ANY(?::BIGINT[])", [list(ids)])
    member, params = (("IN (" + ", ".join("?" * len(ids)) + ")", list(ids)) if len(ids) <= 50
                      else ("IN (SELECT unnest(?::BIGINT[]))", [list(ids)]))
    return documents(rows, _attrs(tx, member, params), _held(tx, member, params))


#: Index folders this process keeps open, most recently used last (an index let go of is
#: opened again when needed; what it held in memory is read again from the store's log).
_OPEN: OrderedDict[str, FullTextIndex] = OrderedDict()
_OPEN_LOCK = threading.Lock()
_KEEP_OPEN = 16


def folder_of(store_path: str) -> Path:
    """The index folder beside a store file."""
    return Path(f"{store_path}.search")


def index_for(store_path: str) -> FullTextIndex:
    """The process's one :class:`FullTextIndex` of a store file."""
    key = str(Path(store_path).resolve())
    with _OPEN_LOCK:
        if key not in _OPEN:
            _OPEN[key] = FullTextIndex(folder_of(key))
            while len(_OPEN) > _KEEP_OPEN:
                _OPEN.popitem(last=False)
        _OPEN.move_to_end(key)
        return _OPEN[key]
