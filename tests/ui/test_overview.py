"""The overview's bar charts: counts as the search counts them, a click lists those contacts."""

from __future__ import annotations

import datetime as dt

from crmdata import Store
from crmdata.search.api import search
from crmdata.search.facets import overview_counts
from crmdata.ui.contacts import ContactsDashboard


def _bars(d: ContactsDashboard) -> dict[str, tuple[int, object]]:
    out = {}
    for chart in d.overview.charts.children:
        for row in chart.children[1:]:
            button, bar = row.children
            count = int(bar.value.split("crm-bar-count'>")[1].split("<")[0].replace(",", ""))
            out[button.description] = (count, button)
    return out


def test_bars_count_and_filter_the_list(sample: Store) -> None:
    d = ContactsDashboard(sample)
    assert d.overview.charts.children == ()  # counted only when opened
    d.widget.children[2].selected_index = 0
    bars = _bars(d)
    assert bars["Companies"][0] == search(sample.db, sample.user, show="companies").total
    assert bars["Hot"][0] == search(sample.db, sample.user, temperatures=["Hot"]).total
    cutoff = dt.date.today() - dt.timedelta(days=365)
    stale = search(sample.db, sample.user, not_updated_since=cutoff, no_activity_since=cutoff).total
    assert 0 < bars["Stale"][0] == stale < sample.count()  # the sample's dates spread over years
    bars["Hot"][1].click()  # type: ignore[attr-defined]
    assert d.state.filters.temperatures == ("Hot",) and d.state.total == bars["Hot"][0]
    bars["Persons"][1].click()  # type: ignore[attr-defined]
    assert d.state.filters.temperatures == () and d.state.filters.show == "persons"
    assert d.state.total == bars["Persons"][0]
    bars["Stale"][1].click()  # type: ignore[attr-defined]
    assert d.state.total == stale
    tag, (n, tag_button) = next((k, v) for k, v in bars.items() if k not in
                                {"Companies", "Persons", "Hot", "Warm", "Cold", "Stale", "Active"})
    tag_button.click()  # type: ignore[attr-defined]
    assert d.state.filters.tags == (tag,) and d.state.total == n
    assert overview_counts(sample.db, sample.user).get("kind", "person") == bars["Persons"][0]


def test_findings_are_counted_on_request(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.overview.count_findings.click()
    assert "Quality findings:" in d.overview.findings.value
    assert "open duplicate groups:" in d.overview.findings.value
