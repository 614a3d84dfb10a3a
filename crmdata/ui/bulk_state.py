"""The contact list's selection and what can be done to it at once (plain Python, no widgets).

Ticked rows, or every contact the search finds, make the selection; each action calls the
library once (:func:`crmdata.edit.bulk.bulk_change`, :meth:`Store.merge`, :meth:`Store.delete`,
:meth:`Store.export_onlyoffice`) and keeps its message. Bulk changes and merges are one
change set each, so the last one can be undone from here; a delete is asked for first and
cannot be undone (as in the CLI).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from ..edit.bulk import BulkChange, bulk_change, selection
from ..search.api import matching_ids
from .contacts_state import ContactsState
from .view_model import Notice, Observable


class BulkState(Observable):
    """The selected contact ids of a :class:`ContactsState` and the bulk actions on them."""

    def __init__(self, contacts: ContactsState) -> None:
        super().__init__()
        self.contacts = contacts
        self.store = contacts.store
        self.selected: dict[int, None] = {}  # ordered set
        self.last_change_set: int | None = None
        self.pending_delete: str | None = None  # the dry run's words while a delete is asked
        self.export_csv: bytes | None = None
        self._after_change: list[Callable[[], None]] = []

    # -- selecting ---------------------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self.selected)

    def select(self, contact_id: int, on: bool = True) -> None:
        if on:
            self.selected[int(contact_id)] = None
        else:
            self.selected.pop(int(contact_id), None)
        self.pending_delete = None
        self.changed()

    def select_page(self, ids: Iterable[int]) -> None:
        for cid in ids:
            self.selected[int(cid)] = None
        self.pending_delete = None
        self.changed()

    def unselect(self, ids: Iterable[int]) -> None:
        for cid in ids:
            self.selected.pop(int(cid), None)
        self.pending_delete = None
        self.changed()

    def select_all_matching(self) -> None:
        """Select every contact the current search and filters find (all pages)."""
        c = self.contacts

        def run() -> None:
            ids = matching_ids(self.store.db, self.store.user, c.query, c.filters)
            self.selected = dict.fromkeys(ids)
            self.notice = Notice("info", f"Selected all {len(ids):,} contacts that match.")

        self.guard(run, notify=False)
        self.pending_delete = None
        self.changed()

    def clear(self) -> None:
        self.selected = {}
        self.pending_delete = None
        self.notice = None
        self.changed()

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after the store changed (the list searches again)."""
        self._after_change.append(callback)

    def _done(self, text: str) -> None:
        self.notice = Notice("success", text)
        for callback in list(self._after_change):
            callback()

    # -- acting ------------------------------------------------------------------------------
    def apply(self, change: BulkChange) -> bool:
        """Make one change on every selected contact as one change set."""

        def run() -> bool:
            ids = selection(self.selected)
            jid = bulk_change(self.store.change(), ids, change)
            if jid is None:
                self.notice = Notice("info", f"Nothing to change: all {len(ids):,} already had it.")
                return True
            self.last_change_set = jid
            self._done(
                f"{change.describe()} on {len(ids):,} contacts (change set {jid}; `crmdata undo {jid}`)."
            )
            return True

        ok = self.guard(run, notify=False)
        self.changed()
        return bool(ok)

    def merge(self) -> bool:
        """Merge the selected contacts into one (the library's survivorship), one change set."""

        def run() -> bool:
            ids = selection(self.selected)
            result = self.store.merge(self.store.plan_merge(ids))
            self.last_change_set = int(result.change_set_id)
            self.selected = {int(result.survivor_id): None}
            self._done(str(result))
            return True

        ok = self.guard(run, notify=False)
        self.changed()
        return bool(ok)

    def ask_delete(self) -> None:
        """The confirmation step: say what a delete would remove (a dry run), change nothing."""

        def run() -> None:
            report = self.store.delete(selection(self.selected), dry_run=True)
            self.pending_delete = f"{report} This cannot be undone."

        self.guard(run, notify=False)
        self.changed()

    def confirm_delete(self) -> bool:
        if self.pending_delete is None:
            self.ask_delete()
            return False

        def run() -> bool:
            report = self.store.delete(selection(self.selected))
            self.selected = {}
            self._done(str(report))
            return True

        self.pending_delete = None
        ok = self.guard(run, notify=False)
        self.changed()
        return bool(ok)

    def cancel_delete(self) -> None:
        self.pending_delete = None
        self.changed()

    def export(self) -> bytes | None:
        """The selected contacts as an ONLYOFFICE CSV file's bytes (kept for the download link)."""

        def run() -> bytes:
            ids = selection(self.selected)
            with tempfile.TemporaryDirectory(prefix="crmdata-export-") as folder:
                path = Path(folder) / "contacts.csv"
                written = self.store.export_onlyoffice(path, ids=ids)
                data = path.read_bytes()
            self.notice = Notice("success", f"Exported {written:,} contacts.")
            return data

        self.export_csv = self.guard(run, notify=False)
        self.changed()
        return self.export_csv

    def undo_last(self) -> bool:
        """Undo the last bulk change or merge made here."""
        jid = self.last_change_set
        if jid is None:
            return False

        def run() -> bool:
            undo_id, = self.store.undo(jid)
            self.last_change_set = None
            self._done(f"Change set {jid} undone (as change set {undo_id}).")
            return True

        ok = self.guard(run, notify=False)
        self.changed()
        return bool(ok)

