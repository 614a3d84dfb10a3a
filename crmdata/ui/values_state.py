"""Cleaning up one field's spellings from a dashboard (plain Python, no widgets).

Calls :func:`crmdata.edit.clusters.cluster_values` for the clusters and
:func:`crmdata.edit.clusters.merge_values` for the chosen ones: one change set, which
:meth:`ValuesState.undo_last` reverts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..edit.clusters import Method, ValueCluster, cluster_values, merge_values
from .view_model import Notice, Observable

if TYPE_CHECKING:
    from ..store import Store


class ValuesState(Observable):
    """The clusters of one field and the value chosen to keep for each (None: leave it)."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.field = "company_name"
        self.method: Method = "key"
        self.clusters: list[ValueCluster] = []
        self.keep: list[str | None] = []
        self.last_change_set: int | None = None
        self._after_change: list[Callable[[], None]] = []

    def on_change(self, callback: Callable[[], None]) -> None:
        self._after_change.append(callback)

    def find(self, field: str | None = None, method: Method | None = None) -> None:
        self.field = field or self.field
        self.method = method or self.method

        def run() -> None:
            self.clusters = cluster_values(self.store.db, self.store.user, self.field, method=self.method)
            self.keep = [c.suggested for c in self.clusters]
            self.notice = Notice("info", f"{len(self.clusters):,} clusters of spellings found.")

        self.guard(run, notify=False)
        self.changed()

    def choose(self, index: int, value: str | None) -> None:
        """Keep ``value`` for cluster ``index`` (None: leave this cluster as it is)."""
        self.keep[index] = value

    def apply(self) -> bool:
        """Write the chosen value over every other spelling of the chosen clusters, at once."""
        choices = {
            value: keep
            for cluster, keep in zip(self.clusters, self.keep, strict=True)
            if keep is not None
            for value, _n in cluster.values
            if value != keep
        }

        def run() -> bool:
            jid = merge_values(self.store.change(), self.field, choices)
            self.last_change_set = jid
            self.notice = Notice(
                "success", f"{len(choices):,} spellings replaced as change set {jid} (`crmdata undo {jid}`)."
            )
            for callback in list(self._after_change):
                callback()
            self.clusters = cluster_values(self.store.db, self.store.user, self.field, method=self.method)
            self.keep = [c.suggested for c in self.clusters]
            return True

        ok = self.guard(run, notify=False)
        self.changed()
        return bool(ok)

    def undo_last(self) -> bool:
        jid = self.last_change_set
        if jid is None:
            return False

        def run() -> bool:
            self.store.undo(jid)
            self.last_change_set = None
            self.notice = Notice("success", f"Change set {jid} undone.")
            for callback in list(self._after_change):
                callback()
            return True

        ok = self.guard(run, notify=False)
        if ok:
            self.find()
        else:
            self.changed()
        return bool(ok)
