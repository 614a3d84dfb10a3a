"""The duplicate review's view model: a queue of candidate clusters and the merge plan of one.

:meth:`ReviewState.scan` runs :meth:`crmdata.Store.find_duplicates` (with a progress
callback) and turns its pairs into a queue of clusters, best score first. For the current
cluster the state keeps the library's :class:`~crmdata.merge.plan.MergePlan`; per-field
choices and the survivor are changes to that plan. Merge, Not a duplicate and Skip move
through the queue; the last merge can be undone (the cluster then comes back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..dedupe import DEFAULT_THRESHOLD
from ..dedupe.review_quality import threshold_curve
from ..errors import CrmDataError
from ..merge.batch import clusters_of
from .view_model import Notice, Observable, one_connection

if TYPE_CHECKING:
    from ..store import Store

#: The scan's threshold until the reviewer moves it (the duplicate finder's own default).
DEFAULT_SCAN_THRESHOLD = DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Candidate:
    """One queue item: contacts that likely are one, with the pairs that say so."""

    ids: tuple[int, ...]
    score: float  # the best pair score in the cluster
    pairs: tuple[tuple[int, int, float, str], ...]  # (id1, id2, score, reasons)

    @property
    def reasons(self) -> list[str]:
        return [f"#{a} and #{b} ({score:.2f}): {why}" for a, b, score, why in self.pairs]


def candidates_from(pairs: pd.DataFrame) -> list[Candidate]:
    """A duplicate report's clusters as the review queue, best first (the grouping is the
    library's :func:`crmdata.merge.batch.clusters_of`, the one ``merge --auto`` uses)."""
    return [Candidate(c.ids, c.score, c.pairs) for c in clusters_of(pairs)]


@dataclass(frozen=True)
class CompareRow:
    """One row of the side-by-side view: a field, each contact's value, what the merge keeps."""

    field: str
    values: tuple[str, ...]  # in the order of the plan's records ("" when empty)
    chosen_from: int | None
    differs: bool
    why: str


def compare_rows(plan: Any) -> list[CompareRow]:
    """Pure: a merge plan as side-by-side rows (one value per contact, differing ones flagged)."""
    ids = [r.id for r in plan.records]
    rows = []
    for f in plan.fields:
        shown = dict(f.alternatives)
        values = tuple(str(shown.get(i, "")) for i in ids)
        rows.append(CompareRow(f.field, values, f.source_contact_id, bool(f.conflict), f.why))
    return rows


class ReviewState(Observable):
    """Where the reviewer is in the queue, the plan on screen, and what was done."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.queue: list[Candidate] = []
        self.position = 0
        self.plan: Any = None
        self.scanned = False
        self.merged = self.not_duplicates = self.skipped = 0
        self.last_merge: Any = None
        self._last_candidate: Candidate | None = None
        self.threshold = DEFAULT_SCAN_THRESHOLD
        self.report: Any = None
        #: (candidate, verdict) of every group decided in this review, in order.
        self.decided: list[tuple[Candidate, bool]] = []

    # -- the queue ------------------------------------------------------------------------------
    def scan(self, progress: Callable[[str], None] | None = None, *, threshold: float | None = None) -> bool:
        """Find duplicates (long work: ``progress`` hears each step) and start at the top;
        ``threshold`` defaults to the review's own."""
        chosen = self.threshold if threshold is None else threshold
        report = self.guard(lambda: self.store.find_duplicates(progress=progress, threshold=chosen),
                            notify=False)
        if report is None:
            self.changed()
            return False
        self.report = report
        self.decided = []
        self.queue = candidates_from(report.pairs)
        self.position, self.scanned = 0, True
        self.merged = self.not_duplicates = self.skipped = 0
        self.notice = Notice(
            "info", f"{len(self.queue)} likely duplicate group(s) among {report.contacts:,} contacts."
        )
        self._load_plan()
        self.changed()
        return True

    @property
    def current(self) -> Candidate | None:
        return self.queue[self.position] if self.position < len(self.queue) else None

    def progress_text(self) -> str:
        if not self.scanned:
            return "Not scanned yet: press Find duplicates."
        done = f"{self.merged} merged · {self.not_duplicates} not duplicates · {self.skipped} skipped"
        if self.current is None:
            return f"Queue done ({len(self.queue)} groups) · {done}"
        return f"Group {self.position + 1} of {len(self.queue)} · {done}"

    # -- how good the scores are ----------------------------------------------------------------
    def reviewed_pairs(self) -> pd.DataFrame:
        """Every pair of the groups decided so far: its score and the verdict (duplicate or not)."""
        rows = [(a, b, score, verdict) for cand, verdict in self.decided for a, b, score, _r in cand.pairs]
        return pd.DataFrame(rows, columns=["id1", "id2", "score", "duplicate"])

    def quality(self) -> pd.DataFrame:
        """Precision and recall by threshold, estimated from the decisions taken in this review."""
        return threshold_curve(self.reviewed_pairs())

    def weights(self) -> pd.DataFrame | None:
        """The match-weight waterfall of the current group's best pair (None when it has none,
        e.g. a pair confirmed earlier, which carries no weights)."""
        current = self.current
        if current is None or self.report is None:
            return None
        a, b, _s, _r = current.pairs[0]
        try:
            frame: pd.DataFrame = self.report.waterfall(a, b)
        except CrmDataError:  # a pair without weights shows no chart
            return None
        return frame

    def _load_plan(self) -> None:
        self.plan = None
        current = self.current
        if current is None:
            return
        with one_connection(self.store):
            self.plan = self.guard(lambda: self.store.plan_merge(list(current.ids)), notify=False)

    def _advance(self) -> None:
        self.position += 1
        self._load_plan()

    # -- choices on the plan ----------------------------------------------------------------------
    def choose(self, field: str, contact_id: int) -> None:
        """Keep ``contact_id``'s value of ``field`` in the merged contact."""
        if self.plan is not None:
            plan = self.guard(lambda: self.plan.choose(field, int(contact_id)), notify=False)
            self.plan = plan or self.plan
        self.changed()

    def set_survivor(self, contact_id: int) -> None:
        if self.plan is not None:
            plan = self.guard(lambda: self.plan.with_survivor(int(contact_id)), notify=False)
            self.plan = plan or self.plan
        self.changed()

    # -- decisions --------------------------------------------------------------------------------
    def merge(self) -> bool:
        """Apply the plan on screen, then move to the next group."""
        if self.plan is None:
            return False
        plan, current = self.plan, self.current
        result = self.guard(lambda: self.store.merge(plan), notify=False)
        if result is not None:
            self.last_merge, self._last_candidate = result, current
            self.merged += 1
            if current is not None:
                self.decided.append((current, True))
            self.notice = Notice("success", str(result))
            self._advance()
        self.changed()
        return result is not None

    def not_duplicate(self) -> bool:
        """Remember every pair of the group as "not a duplicate" (never suggested again)."""
        current = self.current
        if current is None:
            return False

        def run() -> bool:
            for a, b, _s, _r in current.pairs:
                self.store.decide(a, b, "not_duplicate")
            return True

        if self.guard(run, notify=False):
            self.not_duplicates += 1
            self.decided.append((current, False))
            self.notice = Notice(
                "success",
                f"Contacts {', '.join(map(str, current.ids))} will not be suggested as duplicates again.",
            )
            self._advance()
        self.changed()
        return True

    def skip(self) -> None:
        if self.current is not None:
            self.skipped += 1
            self._advance()
        self.changed()

    def undo_last_merge(self) -> bool:
        """Revert the last merge; its group comes back as the current one."""
        result, candidate = self.last_merge, self._last_candidate
        if result is None or candidate is None:
            return False
        done = self.guard(lambda: self.store.undo(int(result.change_set_id)), notify=False)
        if done is not None:
            self.last_merge, self._last_candidate = None, None
            self.merged -= 1
            self.decided.remove((candidate, True))
            self.position = self.queue.index(candidate)  # back to its group (it stays in the queue)
            self._load_plan()
            self.notice = Notice(
                "success", f"Merge undone: contacts {', '.join(map(str, candidate.ids))} are back."
            )
        self.changed()
        return done is not None
