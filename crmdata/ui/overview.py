"""The overview: the contact base at a glance as bar charts; a click on a bar filters the list.

Counts come from :func:`crmdata.search.facets.overview_counts` (kind, temperature, top tags,
stale or active). Each bar is a button whose click sets the contacts dashboard's own filter
widgets, so the list below shows exactly the contacts the bar counted. Duplicate groups and
quality findings need a scan, so they are counted on request (**Count findings**).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from functools import partial
from typing import Any

import ipywidgets as w

from ..search.facets import overview_counts
from .view_model import error_text
from .widgets import button, classed

STALE_DAYS = 365


def _bar(label: str, n: int, most: int, css: str, on_click: Callable[[], Any]) -> w.HBox:
    width = 0 if most <= 0 else max(2, round(220 * n / most))
    b = button(label, css, on_click, tooltip=f"Show the {n:,} contacts")
    b.layout = w.Layout(width="170px")
    bar = w.HTML(
        f"<div style='display:flex;align-items:center;gap:6px'><div class='crm-bar' "
        f"style='width:{width}px;height:14px;background:#5b8def;border-radius:2px'></div>"
        f"<span class='crm-bar-count'>{n:,}</span></div>"
    )
    return classed(w.HBox([b, bar]), "crm-overview-row")


class Overview:
    """Bar charts over a :class:`~crmdata.ui.contacts.ContactsDashboard`'s store that filter it."""

    def __init__(self, dashboard: Any) -> None:
        self.dashboard = dashboard
        self.charts = classed(w.HBox([]), "crm-overview-charts")
        self.findings = classed(w.HTML(""), "crm-overview-findings")
        self.count_findings = button("Count findings", "crm-overview-findings-go", self._findings)
        self.widget = classed(
            w.VBox([self.charts, w.HBox([self.count_findings, self.findings])]), "crm-overview"
        )

    def refresh(self) -> None:
        d = self.dashboard
        try:
            f = overview_counts(d.state.store.db, d.state.store.user, stale_days=STALE_DAYS)
        except Exception as exc:  # noqa: BLE001 - shown as a message
            self.charts.children = (w.HTML(html.escape(error_text(exc))),)
            return
        cutoff = dt.date.today() - dt.timedelta(days=STALE_DAYS)
        charts: list[tuple[str, list[tuple[str, int, Callable[[], Any]]]]] = [
            ("Kind", [("Companies", f.get("kind", "company"), lambda: self._show("companies")),
                      ("Persons", f.get("kind", "person"), lambda: self._show("persons"))]),
            ("Temperature", [(t, f.get("temperature", t), partial(self._temperature, t))
                             for t, _c in d.state.choices.temperatures]),
            ("Top tags", [(t, n, partial(self._tag, t)) for t, n in sorted(
                f.counts.get("tag", {}).items(), key=lambda p: (-p[1], p[0].lower()))[:6]]),
            (f"Activity ({STALE_DAYS} days)", [
                ("Stale", f.get("stale", "stale"), lambda: self._stale(cutoff)),
                ("Active", f.get("stale", "active"), self._all),
            ]),
        ]
        boxes = []
        for title, bars in charts:
            most = max((n for _l, n, _c in bars), default=0)
            rows = [_bar(label, n, most, "crm-overview-bar", click) for label, n, click in bars]
            head = w.HTML(f"<b>{html.escape(title)}</b>")
            boxes.append(classed(w.VBox([head, *rows]), "crm-overview-chart"))
        for old in self.charts.children:
            old.close()
        self.charts.children = tuple(boxes)

    # -- a click filters the list (through the dashboard's own widgets) -----------------------
    def _reset(self) -> None:
        self.dashboard.clear.click()

    def _all(self) -> None:
        self._reset()

    def _show(self, show: str) -> None:
        self._reset()
        self.dashboard.show.value = show

    def _temperature(self, title: str) -> None:
        self._reset()
        d = self.dashboard
        for (t, _c), chip in zip(d.state.choices.temperatures, d.temps, strict=True):
            if t == title:
                chip.value = True

    def _tag(self, tag: str) -> None:
        self._reset()
        self.dashboard.tag_input.value = tag

    def _stale(self, cutoff: dt.date) -> None:
        self._reset()
        self.dashboard.state.set_filters(not_updated_since=cutoff, no_activity_since=cutoff)

    def _findings(self) -> None:
        """Quality findings by severity and open duplicate groups (both scan the base)."""
        store = self.dashboard.state.store
        self.findings.value = "<i>Counting …</i>"
        try:
            checked = store.check(stale_days=STALE_DAYS)
            by = checked["severity"].value_counts().to_dict() if len(checked) else {}
            n_groups = len(set(store.find_duplicates().clusters.values()))
        except Exception as exc:  # noqa: BLE001 - shown as a message
            self.findings.value = html.escape(error_text(exc))
            return
        parts = ", ".join(f"{n:,} {html.escape(str(k))}" for k, n in by.items()) or "none"
        self.findings.value = (
            f"<span class='crm-findings-text'>Quality findings: {parts} · "
            f"open duplicate groups: {n_groups:,}</span>"
        )
