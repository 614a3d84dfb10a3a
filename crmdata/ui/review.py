"""The duplicate review dashboard: queue, side-by-side records, per-field choices, decisions.

A view over :class:`~crmdata.ui.review_state.ReviewState`. **Find duplicates** runs the
library's scan with a progress bar; each group then shows its contacts side by side (the
rows where they differ highlighted), why they matched, a survivor picker and a choice per
differing field. **Merge**, **Not a duplicate** and **Skip** move on; **Undo last merge**
brings the last merged group back. Beside the reasons, the best pair's match weights as a
waterfall chart; below, precision and recall by threshold as the decisions taken so far
estimate them, to choose the **Threshold** of the next scan.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .review_charts import quality_html, weights_svg
from .review_state import ReviewState, compare_rows
from .widgets import Progress, banner, button, classed, show_notice, style_sheet

if TYPE_CHECKING:
    from ..store import Store


def compare_html(plan: Any, only_differences: bool = False) -> str:
    """Pure: the plan's contacts side by side as an HTML table; differing rows highlighted.
    ``only_differences`` leaves out the fields that read the same on every contact (among them
    the ones empty on all)."""
    head = "".join(f"<th>#{r.id} {html.escape(r.display_name)}</th>" for r in plan.records)
    body = []
    for row in compare_rows(plan):
        if only_differences and len(set(row.values)) <= 1:
            continue
        cells = "".join(
            f"<td{' class=crm-chosen' if r.id == row.chosen_from else ''}>{html.escape(v)}</td>"
            for r, v in zip(plan.records, row.values, strict=True)
        )
        css = " class='crm-diff'" if row.differs else ""
        body.append(
            f"<tr{css}><th>{html.escape(row.field.replace('_', ' '))}</th>{cells}"
            f"<td><small>{html.escape(row.why)}</small></td></tr>"
        )
    counts = "".join(
        f"<td>{r.deals} deal(s), {r.history} event(s)"
        + (f", {r.persons} person(s)" if plan.is_company else "")
        + "</td>"
        for r in plan.records
    )
    body.append(f"<tr><th>linked</th>{counts}<td></td></tr>")
    return (
        f"<table class='crm-compare-table'><thead><tr><th></th>{head}<th>merge keeps</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


#: The steps :func:`crmdata.dedupe.api.find_duplicates` reports (keys, blocking, vectors,
#: classification, clusters); the bar advances one step per report.
SCAN_STEPS = 5


class ReviewDashboard:
    """Widgets bound to a :class:`ReviewState`; ``.widget`` is what a notebook displays."""

    def __init__(self, store: Store) -> None:
        self.state = ReviewState(store)
        s = self.state
        self.banner = banner()
        self.progress = Progress("Scanning", steps=SCAN_STEPS)
        self.scan_button = button(
            "Find duplicates", "crm-scan", self.scan, button_style="primary", icon="search"
        )
        self.threshold = classed(
            w.FloatSlider(value=self.state.threshold, min=0.2, max=0.99, step=0.01, description="Threshold",
                          readout_format=".2f", continuous_update=False),
            "crm-threshold",
        )
        self.threshold.observe(self._threshold_changed, names="value")
        self.status = classed(w.HTML(""), "crm-review-status")
        self.weights = classed(w.HTML(""), "crm-weights")
        self.quality = classed(w.HTML(""), "crm-quality")
        self.reasons = classed(w.HTML(""), "crm-reasons")
        self.compare = classed(w.HTML(""), "crm-compare")
        self.only_diff = classed(
            w.ToggleButton(description="Only differences", value=False, icon="filter"), "crm-only-diff"
        )
        self.only_diff.observe(lambda _ch: self.render(), names="value")
        self.survivor = classed(w.Dropdown(description="Keep"), "crm-survivor")
        self.choices = classed(w.VBox([]), "crm-choices")
        self.merge = button("Merge", "crm-merge", s.merge, button_style="warning")
        self.not_dup = button("Not a duplicate", "crm-not-duplicate", s.not_duplicate)
        self.skip = button("Skip", "crm-skip", s.skip)
        self.undo = button("Undo last merge", "crm-undo-merge", s.undo_last_merge)
        self._muted = False
        self.survivor.observe(self._survivor_changed, names="value")
        body = w.VBox(
            [
                w.HBox([self.reasons, self.weights]),
                self.only_diff,
                self.compare,
                self.survivor,
                self.choices,
                w.HBox([self.merge, self.not_dup, self.skip, self.undo]),
                self.quality,
            ]
        )
        self.body = classed(body, "crm-review-body")
        self.widget = classed(
            w.VBox(
                [
                    style_sheet(),
                    self.banner,
                    w.HBox([self.scan_button, self.threshold, self.status]),
                    self.progress.box,
                    self.body,
                ]
            ),
            "crm-dashboard",
            "crm-review",
        )
        s.observe(self.render)
        self.render()

    def scan(self) -> None:
        """Run the duplicate scan with the progress bar showing each step."""
        self.progress.start("starting")
        self.scan_button.disabled = True
        try:
            ok = self.state.scan(progress=self.progress)
        finally:
            self.scan_button.disabled = False
        self.progress.finish("done" if ok else "failed", ok=ok)

    def _threshold_changed(self, change: dict[str, Any]) -> None:
        """The next scan reports pairs from this probability up (press Find duplicates again)."""
        self.state.threshold = float(change["new"])

    def _survivor_changed(self, change: dict[str, Any]) -> None:
        if not self._muted and change["new"] is not None:
            self.state.set_survivor(int(change["new"]))

    def render(self) -> None:
        s = self.state
        show_notice(self.banner, s.notice)
        self.status.value = f"<span class='crm-queue'>{html.escape(s.progress_text())}</span>"
        self.undo.disabled = s.last_merge is None
        plan, current = s.plan, s.current
        self.body.layout.display = None if s.scanned else "none"
        for b in (self.merge, self.not_dup, self.skip):
            b.disabled = current is None
        self.merge.disabled = plan is None
        old = list(self.choices.children)
        self.quality.value = quality_html(s.quality(), s.threshold) if s.scanned else ""
        weights = s.weights()
        self.weights.value = "" if weights is None else "<b>Match weights</b><br>" + weights_svg(weights)
        if current is None or plan is None:
            self.reasons.value = "<i>Nothing to review.</i>" if s.scanned else ""
            self.compare.value = ""
            self.choices.children = ()
            self.survivor.layout.display = "none"
        else:
            items = "".join(f"<li>{html.escape(r)}</li>" for r in current.reasons)
            self.reasons.value = f"<b>Why these match</b> (score {current.score:.2f})<ul>{items}</ul>"
            self.compare.value = compare_html(plan, self.only_diff.value)
            self._muted = True
            try:
                self.survivor.options = [(f"#{r.id} {r.display_name}", r.id) for r in plan.records]
                self.survivor.value = plan.survivor_id
            finally:
                self._muted = False
            self.survivor.layout.display = None
            self.choices.children = tuple(self._choice(f) for f in plan.conflicts)
        for widget in old:
            widget.close()

    def _choice(self, choice: Any) -> Any:
        """A picker of the surviving value for one field where the contacts differ."""
        options = [(f"#{cid}: {shown}", cid) for cid, shown in choice.alternatives]
        value = choice.source_contact_id if choice.source_contact_id in {c for _l, c in options} else None
        pick = classed(
            w.Dropdown(
                options=options,
                value=value,
                description=choice.field.replace("_", " "),
                style={"description_width": "140px"},
                layout=w.Layout(width="520px"),
            ),
            "crm-choose",
            f"crm-choose-{choice.field.replace(':', '-').replace(' ', '-').lower()}",
        )

        def chosen(change: dict[str, Any]) -> None:
            if change["new"] is not None:
                self.state.choose(choice.field, int(change["new"]))

        pick.observe(chosen, names="value")
        return pick


def review_dashboard(store: Store) -> ReviewDashboard:
    """Build the duplicate review dashboard on a store; display ``.widget`` in a notebook."""
    return ReviewDashboard(store)
