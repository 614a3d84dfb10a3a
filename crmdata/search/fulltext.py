"""The full-text index: a tantivy index beside the store file, a derived cache of the search texts.

The store file ``crm.duckdb`` gets a folder ``crm.duckdb.search`` holding a tantivy index with
one document per contact (:mod:`crmdata.search.documents`): its id and one text field per kind
of searched field (name, company, position, notes, industry, contact information, custom
values, tags). Every word is indexed under both folded forms at the same position
(:mod:`crmdata.search.normalise`), and once more spelled backwards in a field beside, so the
query language's words, prefixes, ``?``/``*`` patterns, ``~`` and phrases are tantivy term,
regex, fuzzy and regex-phrase queries over the same words the DuckDB index holds (a word
sought by its end, ``*mann``, by its beginning over the backward words).

The folder is a cache that can never disagree with the store unnoticed. Every writer logs the
contacts whose searched texts it changed in the store's ``search_changes`` (in the same
transaction as the change, :mod:`crmdata.search.index`); the index's state file names the last
log entry it reflects and the store it belongs to. Before each search the log is read from
there on and the contacts of newer entries are re-indexed; an entry meaning "every contact"
(an import), a log that does not continue the recorded one (another store file), or an index of
another format or without its state is rebuilt from the store. A search inside a write transaction, an
in-memory store or an index that cannot be written (another process is updating it) is
answered by the DuckDB index instead: same results, slower. A search with other filters than
those the documents hold or another sort than relevance or display name has the hits checked
by the store itself (the contact must still exist, be visible to the user and pass the
filters); one by relevance or display name without filters or with those
(:mod:`crmdata.search.index_filters`) is counted and ordered by the index, whose documents
also carry each contact's kind, company, share type, managers, temperature level, contact
type, tags and name order (:mod:`crmdata.search.ranked`), and only the page's rows are read
from the store, with the access rule: a page row the store does not give back sends the search
through the store. The documents also keep what a result page shows of each contact besides
its own row (:class:`~crmdata.search.documents.Held`: contact information, custom values, tag
ids, name), so a page reads from the store only its rows, their companies' names, their last
activity and titles.
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
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy

from ..db import Tx
from ..schema import SEARCH_STORE_ID
from .documents import FORMAT, SCHEMA, all_documents, documents_in, documents_of

#: More changed contacts than this since the folder's log entry, and more than half of the
#: documents: rebuild instead of catch up (an import into a large store adds its own only).
REBUILD_AT = 50_000
#: Contacts re-indexed in memory before they are written to the folder (one commit to disk,
#: with its file syncs, per that many changed contacts rather than per search after an edit).
FLUSH_AT = 1_000
_RECENT_HEAP = 15_000_000
_WRITER_HEAP = 128_000_000


class IndexUnavailable(Exception):
    """The full-text index cannot answer now (the DuckDB index will); internal, never shown."""


class IndexBehind(Exception):
    """The index needs more work than the caller allowed (a rebuild, or many changed contacts)."""


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
        for _cid, doc in documents_in(tx, ids):
            writer.add_json(doc)
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
        for _cid, doc in all_documents(tx):
            writer.add_json(doc)
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
        for _cid, doc in documents_of(tx, ids):
            self._writer.add_json(doc)
        self._writer.commit()
        self._index.reload()
        self.ids |= set(ids)
        self.base, self.upto = base, head

    def view(self) -> tuple[tantivy.Searcher | None, frozenset[int]]:
        if self._index is None or not self.ids:
            return None, frozenset()
        return self._index.searcher(), frozenset(self.ids)


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
