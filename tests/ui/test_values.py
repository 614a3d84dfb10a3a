"""The "Clean up values" panel, driven from Python on a copy of the sample store."""

from __future__ import annotations

from crmdata import Store
from crmdata.edit.clusters import cluster_values, value_counts
from crmdata.ui.contacts import ContactsDashboard


def test_find_choose_apply_and_undo(sample: Store) -> None:
    d = ContactsDashboard(sample)
    panel = d.values
    panel.field.value = "company_name"
    panel.method.value = "nearest"
    panel.find.click()
    expected = cluster_values(sample.db, sample.user, "company_name", method="nearest")
    assert len(expected) > 2
    assert len(panel.list.children) == min(100, len(expected))
    first, second = expected[0], expected[1]
    picks = [row.children[0] for row in panel.list.children]
    assert picks[0].value == first.suggested
    picks[1].value = second.values[-1][0]  # keep another spelling of the second cluster
    for pick in picks[2:]:
        pick.value = pick.options[0][1]  # leave the others
    before = dict(value_counts(sample.db, sample.user, "company_name"))
    panel.apply.click()
    assert "spellings replaced as change set" in panel.banner.value
    after = dict(value_counts(sample.db, sample.user, "company_name"))
    assert after[first.suggested] == first.contacts
    assert after[second.values[-1][0]] == second.contacts
    for value, _n in expected[2].values:
        assert after[value] == before[value]  # left as it was
    panel.undo.click()
    assert dict(value_counts(sample.db, sample.user, "company_name")) == before
