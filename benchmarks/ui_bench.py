"""Contacts dashboard latency: a widget event to the rendered table, beside the library call alone.

The store is a copy of the search benchmark's cached sample (1,000,000 generated contacts;
20,000 with ``--quick``), opened as the notebooks and the app open it: ``Store(path,
linger=crmdata.ui.LINGER)``, which keeps the file between actions while no other process asks
for it (the first action after a pause takes it afresh, with a cold cache). For each
case a widget value is set from Python (the search box, a temperature chip, the show
dropdown, a tag, the stale date, the sort, the next-page button) and the time until the
observer chain returns is measured: the search, the page's extras (last activity,
thumbnails), building the rows, the grid's table of the page, and the grid's answer to the
browser's request for the rows it draws (the 25 rows serialised as they are sent; no browser
is attached). The baseline, measured in the same
run, is the library alone for the same question: ``search()`` plus ``page_extras()``.
Goal: p95 under 300 ms at 1M contacts.

Run: ``.venv/bin/python -m benchmarks.ui_bench [--quick | --size N]`` (``--size``: another number
of generated contacts, e.g. 100000 when the machine is too busy for the full size; printed, not
written to docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .common import CACHE
from .search_bench import FULL_N, QUICK_N, build


def _own_copy(n: int) -> tuple[Path, float | None]:
    """A copy of the search benchmark's store, so a search benchmark running at the same time
    (which holds its file) does not make this one wait."""
    source, built = build(n)
    path = CACHE / f"ui-{n}.duckdb"
    if not path.exists():
        part = path.with_suffix(".part")
        shutil.copy(source, part)
        part.replace(path)
    return path, built


def _stats(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95


def _timed(
    action: Callable[[], Any], reps: int, reset: Callable[[], Any] | None = None
) -> tuple[float, float]:
    action()
    if reset:
        reset()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        action()
        times.append((time.perf_counter() - t) * 1000)
        if reset:
            reset()
    return _stats(times)


def run(quick: bool = False, size: int | None = None) -> str:
    from crmdata import Store
    from crmdata.listing import page_extras
    from crmdata.search.api import search
    from crmdata.ui import LINGER
    from crmdata.ui.contacts import ContactsDashboard

    n = size or (QUICK_N if quick else FULL_N)
    reps = 7 if quick else 15
    path, built = _own_copy(n)
    store = Store(path, linger=LINGER)
    started = time.perf_counter()
    d = ContactsDashboard(store, with_editor=False)
    first_ms = (time.perf_counter() - started) * 1000
    hot = next(t for t in d.temps if "crm-temp-hot" in t._dom_classes)
    tag = d.state.choices.tags[0]
    stale = dt.date(2026, 6, 1)

    def header_sort(column: str, desc: bool) -> None:  # as the browser reports a header menu's sort
        d.grid.grid._transforms = [{"type": "sort", "column": column, "desc": desc}]

    def set_search(q: str) -> Callable[[], None]:
        return lambda: setattr(d.search, "value", q)

    cases: list[tuple[str, Callable[[], Any], Callable[[], Any] | None, dict[str, Any]]] = [
        ("search: plain word", set_search("hamann"), set_search(""), {"query": "hamann"}),
        ("search: ? wildcard", set_search("sm?th"), set_search(""), {"query": "sm?th"}),
        ("search: phrase", set_search('"Lore Hamann"'), set_search(""), {"query": '"Lore Hamann"'}),
        ("search: ~ similar", set_search("schmitt~"), set_search(""), {"query": "schmitt~"}),
        (
            "filter: temperature chip Hot",
            lambda: setattr(hot, "value", True),
            lambda: setattr(hot, "value", False),
            {"temperatures": ["Hot"]},
        ),
        (
            "filter: show persons",
            lambda: setattr(d.show, "value", "persons"),
            lambda: setattr(d.show, "value", "all"),
            {"show": "persons"},
        ),
        (
            f"filter: tag {tag}",
            lambda: setattr(d.tag_input, "value", tag),  # typed, Enter
            lambda: d.tag_chips.children[0].click(),  # its chip removed
            {"tags": [tag]},
        ),
        (
            "filter: no activity since",
            lambda: setattr(d.stale, "value", stale),
            lambda: setattr(d.stale, "value", None),
            {"no_activity_since": stale},
        ),
        (
            "sort: last activity",
            lambda: setattr(d.sort, "value", "last_activity"),
            lambda: setattr(d.sort, "value", "display_name"),
            {"sort": "last_activity"},
        ),
        (
            "sort: grid header Temperature ↓",
            lambda: header_sort("Temperature", True),
            lambda: header_sort("Name", False),
            {"sort": "temperature", "descending": True},
        ),
        ("next page", d.next.click, d.prev.click, {"page": 2}),
    ]
    drawn: list[float] = []  # when the table was last redrawn (the facet counts follow it)

    def serve_page() -> None:
        """What the browser asks of the grid after a redraw: every cell of the page it shows."""
        g = d.grid.grid
        g._handle_comm_msg(g, {"type": "data-request", "r1": 0, "r2": max(0, len(d.state.rows) - 1),
                               "c1": 0, "c2": len(d.grid.shown().columns) - 1}, None)

    def on_redraw() -> None:
        serve_page()
        drawn.append(time.perf_counter())

    d.state.observe(on_redraw)

    def until_drawn(action: Callable[[], Any]) -> Callable[[], float]:
        def timed() -> float:
            drawn.clear()
            start = time.perf_counter()
            action()
            return (drawn[-1] - start) * 1000 if drawn else float("nan")
        return timed

    rows = []
    worst = 0.0
    for label, action, reset, asked in cases:
        page_times: list[float] = []
        timed_page = until_drawn(action)

        def measured(page: Callable[[], float] = timed_page, out: list[float] = page_times) -> None:
            out.append(page())

        full_med, full_p95 = _timed(measured, reps, reset)
        med, p95 = _stats(page_times[1:])
        if d.state.notice is not None:
            raise RuntimeError(f"{label}: {d.state.notice.text}")
        query = asked.pop("query", "")

        def library(q: str = query, opts: dict[str, Any] = asked) -> None:
            result = search(store.db, store.user, q, **opts)
            page_extras(store.db, store.user, [int(i) for i in result.frame["id"]])

        lmed, lp95 = _timed(library, reps)
        worst = max(worst, p95)
        rows.append(f"| {label} | {med:.0f} | {p95:.0f} | {lmed:.0f} | {lp95:.0f} | {med - lmed:+.0f} "
                    f"| {full_med:.0f} | {full_p95:.0f} |")
    d.state.set_query("")
    pages = [list(d.state.rows)]
    d.state.go_to_page(2)
    pages.append(list(d.state.rows))
    flip = iter(range(10**6))

    def redraw() -> None:  # the view's own part: the grid redrawn with other contacts each time
        d.state.rows = pages[next(flip) % 2]
        d.render()
        serve_page()

    render_med, render_p95 = _timed(redraw, reps)
    bulk_reps = 2 if quick else 3  # each one writes and undoes 1,000 contacts
    bulk_rows = _bulk(d, store, bulk_reps)
    store.close()
    option = f" --size {size}" if size else " --quick" if quick else ""
    cmd = f"`.venv/bin/python -m benchmarks.ui_bench{option}`"
    verdict = "met" if worst < 300 else "NOT met"
    return "\n".join(
        [
            "## Contacts dashboard latency",
            "",
            f"{'Quick run' if quick else 'Full run' if n == FULL_N else 'Run'}: {n:,} generated contacts "
            "(the search benchmark's store"
            + (f", imported in {built:.0f} s" if built else ", cached")
            + f"), {reps} repetitions per case, "
            "the store opened as the notebooks and the app open it, kept between actions (`linger=LINGER`, "
            f"{LINGER:g} s). "
            "*Dashboard* is a widget value set from Python until the grid has its new page and has "
            "answered the browser's request for the rows it draws (no browser attached); "
            "*library* is `search()` + `page_extras()` for "
            "the same question, measured in the same run; *with facets* is until the facet counts beside "
            "the filter values are shown too (they are counted after the table is drawn). Times in ms.",
            "",
            f"Building the dashboard (lists, first page) took {first_ms:.0f} ms. "
            f"Goal p95 < 300 ms: **{verdict}** (worst p95 {worst:.0f} ms).",
            f"Redrawing the grid alone (25 rows from the state, served as the browser asks; no search): "
            f"median {render_med:.0f} ms, "
            f"p95 {render_p95:.0f} ms: the rest of each dashboard figure is the library's search.",
            "",
            "| case | dashboard median | dashboard p95 | library median | library p95 | overhead (median) "
            "| with facets median | with facets p95 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Bulk actions on {BULK_N:,} selected persons (one change set each, through the bulk bar; "
            f"{bulk_reps} repetitions after one warm-up, each undone before the next, the undo not "
            "counted). *Library* is "
            "`bulk_change()` alone on the same selection, in the same run. Times in ms.",
            "",
            "| bulk action | dashboard median | dashboard p95 | library median | library p95 |",
            "|---|---:|---:|---:|---:|",
            *bulk_rows,
            "",
            f"Reproduce: {cmd}",
            "",
        ]
    )


#: How many contacts the bulk actions change at once.
BULK_N = 1_000


def _bulk(d: Any, store: Any, reps: int) -> list[str]:
    """Time the bulk bar's changes on BULK_N selected contacts against ``bulk_change`` alone."""
    from crmdata.edit.bulk import BulkChange, bulk_change
    from crmdata.search.api import matching_ids

    d.state.set_query("")
    ids = matching_ids(store.db, store.user, "", show="persons", limit=BULK_N)
    d.bulk.selected = dict.fromkeys(ids)
    bar = d.bulk_bar
    level = d.state.choices.temperatures[0][0]

    def add_tag() -> None:
        bar.tag.value = "Bench bulk"
        bar.tag_add.click()

    def set_temperature() -> None:
        bar.temperature.value = level
        bar.temperature_set.click()

    def restrict_access() -> None:
        bar.access.value = "restricted"
        bar.access_set.click()

    cases: list[tuple[str, Callable[[], Any], BulkChange]] = [
        ("add tag", add_tag, BulkChange(add_tags=("Bench bulk",))),
        (f"temperature {level}", set_temperature, BulkChange(temperature=level)),
        ("access restricted", restrict_access, BulkChange(access="restricted")),
    ]
    rows = []
    for label, action, change in cases:

        def undo() -> None:
            if d.bulk.last_change_set is not None:
                d.bulk.undo_last()

        def library(c: BulkChange = change) -> None:
            d.bulk.last_change_set = bulk_change(store.change(), ids, c)

        med, p95 = _timed(action, reps, undo)
        if d.bulk.notice is not None and d.bulk.notice.kind == "error":
            raise RuntimeError(f"bulk {label}: {d.bulk.notice.text}")
        lmed, lp95 = _timed(library, reps, undo)
        rows.append(f"| {label} | {med:.0f} | {p95:.0f} | {lmed:.0f} | {lp95:.0f} |")
    return rows


if __name__ == "__main__":
    args = sys.argv[1:]
    chosen = int(args[args.index("--size") + 1]) if "--size" in args else None
    print(run(quick="--quick" in args, size=chosen))
