"""The duplicate review driven from Python: scan, choose, merge, undo, not a duplicate, skip."""

from __future__ import annotations

import pandas as pd
import pytest

from crmdata import Store
from crmdata.errors import NotFound
from crmdata.ui.review import ReviewDashboard, compare_html
from crmdata.ui.review_state import candidates_from, compare_rows


@pytest.fixture
def review(sample: Store) -> ReviewDashboard:
    d = ReviewDashboard(sample)
    d.scan_button.click()
    return d


def test_candidates_group_clusters_and_order_by_score() -> None:
    pairs = pd.DataFrame(
        {
            "contact_id_1": [1, 1, 2, 7, 5],
            "contact_id_2": [2, 3, 3, 9, 6],
            "cluster_id": pd.array([10, 10, 10, pd.NA, 20], dtype="Int64"),
            "score": [0.9, 0.7, 0.8, 0.95, 0.6],
            "reasons": ["a", "b", "c", "d", "e"],
        }
    )
    got = candidates_from(pairs)  # a pair outside any cluster is not a group (nor merged by --auto)
    assert [c.ids for c in got] == [(1, 2, 3), (5, 6)]
    assert got[0].score == 0.9 and [p[:2] for p in got[0].pairs] == [(1, 2), (2, 3), (1, 3)]
    assert got[1].reasons == ["#5 and #6 (0.60): e"]


def test_scan_fills_the_queue_best_first(review: ReviewDashboard, sample: Store) -> None:
    s = review.state
    assert s.queue and s.position == 0
    scores = [c.score for c in s.queue]
    assert scores == sorted(scores, reverse=True)
    assert f"Group 1 of {len(s.queue)}" in review.status.value
    assert review.progress.bar.value == review.progress.bar.max and review.progress.bar.bar_style == "success"
    assert "Why these match" in review.reasons.value
    plan = s.plan
    assert set(plan.ids) == set(s.current.ids)
    html = review.compare.value
    for r in plan.records:
        assert f"#{r.id}" in html
    differs = [row.field for row in compare_rows(plan) if row.differs]
    assert html.count("class='crm-diff'") == len(differs)
    assert [c.description for c in review.choices.children] == [f.replace("_", " ") for f in differs]


def test_choose_a_value_then_merge_and_undo(review: ReviewDashboard, sample: Store) -> None:
    s = review.state
    while s.current is not None and not s.plan.conflicts:  # a group whose contacts differ
        review.skip.click()
    before = sample.count()
    ids = s.current.ids
    conflict = s.plan.conflicts[0]
    other = next(cid for cid, _shown in conflict.alternatives if cid != conflict.source_contact_id)
    review.choices.children[0].value = other
    kept = s.plan.field(conflict.field)
    assert kept.source_contact_id == other
    survivor = s.plan.survivor_id
    review.merge.click()
    assert sample.count() == before - (len(ids) - 1)
    assert "Merged" in review.banner.value and "1 merged" in review.status.value
    for cid in ids:
        if cid != survivor:
            with pytest.raises(NotFound):
                sample.contact(cid)
    if conflict.field in ("first_name", "last_name", "company_name", "title", "notes"):
        assert sample.contact(survivor).fields[conflict.field] == kept.value
    review.undo.click()
    assert sample.count() == before and s.current.ids == ids
    assert "Merge undone" in review.banner.value and review.undo.disabled


def test_survivor_can_be_changed(review: ReviewDashboard, sample: Store) -> None:
    s = review.state
    other = [i for i in s.current.ids if i != s.plan.survivor_id][0]
    review.survivor.value = other
    assert s.plan.survivor_id == other
    review.merge.click()
    assert sample.contact(other).id == other


def test_not_a_duplicate_is_remembered_and_skip_moves_on(review: ReviewDashboard, sample: Store) -> None:
    s = review.state
    first = s.current.ids
    review.not_dup.click()
    assert "1 not duplicates" in review.status.value and s.position == 1
    second = s.current.ids
    review.skip.click()
    assert "1 skipped" in review.status.value and s.position == 2
    again = ReviewDashboard(sample)
    again.scan_button.click()
    queued = [c.ids for c in again.state.queue]
    assert first not in queued and second in queued


def test_compare_html_marks_the_kept_values(review: ReviewDashboard) -> None:
    html = compare_html(review.state.plan)
    assert "merge keeps" in html and "crm-chosen" in html


def test_review_before_scanning_shows_nothing_to_decide(sample: Store) -> None:
    d = ReviewDashboard(sample)
    assert "Not scanned yet" in d.status.value
    assert d.body.layout.display == "none"
    d.merge.click()
    d.skip.click()
    assert d.state.merged == 0 and d.state.skipped == 0


def test_only_differences_hides_fields_that_read_the_same(review: ReviewDashboard) -> None:
    plan = review.state.plan
    rows = compare_rows(plan)
    same = [r for r in rows if len(set(r.values)) <= 1]
    differ = [r for r in rows if len(set(r.values)) > 1]
    assert same and differ
    full = compare_html(plan)
    assert full.count("<tr") == len(rows) + 2  # header, fields, linked records
    review.only_diff.value = True
    shown = review.compare.value
    assert shown.count("<tr") == len(differ) + 2
    for r in same:
        assert f"<th>{r.field.replace('_', ' ')}</th>" not in shown
    review.only_diff.value = False
    assert review.compare.value == full


def test_weights_chart_shows_every_comparison_of_the_best_pair(review: ReviewDashboard) -> None:
    s = review.state
    frame = s.weights()
    assert frame is not None
    a, b, score, _r = s.current.pairs[0]
    assert frame["probability"].iloc[-1] == pytest.approx(score, abs=1e-3)
    svg = review.weights.value
    assert "Match weights" in svg and svg.count("class='crm-weight-bar'") == len(frame)
    for name in frame["comparison"].iloc[1:-1]:
        assert f"{name}: " in svg


def test_threshold_chart_follows_the_decisions(review: ReviewDashboard, sample: Store) -> None:
    s = review.state
    assert "once you have merged" in review.quality.value
    first = s.current
    review.not_dup.click()
    second = s.current
    review.merge.click()
    reviewed = s.reviewed_pairs()
    assert len(reviewed) == len(first.pairs) + len(second.pairs)
    assert reviewed["duplicate"].sum() == len(second.pairs)
    curve = s.quality()
    top = curve[curve["threshold"] <= min(p[2] for p in (*first.pairs, *second.pairs))].iloc[-1]
    assert top["reviewed"] == len(reviewed)
    assert top["precision"] == pytest.approx(len(second.pairs) / len(reviewed))
    assert "crm-curve-precision" in review.quality.value
    assert f"{len(reviewed)} reviewed" in review.quality.value
    review.undo.click()  # the merge is undone: its verdict no longer counts
    assert s.reviewed_pairs()["duplicate"].sum() == 0


def test_the_threshold_slider_sets_the_next_scan(review: ReviewDashboard) -> None:
    groups = len(review.state.queue)
    review.threshold.value = 0.3
    review.scan_button.click()
    assert review.state.report.pairs["score"].min() >= 0.3
    assert len(review.state.queue) >= groups
