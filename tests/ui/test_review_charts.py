"""The review charts from literal frames: one bar per step, signs coloured, the curve drawn."""

from __future__ import annotations

import json

import pandas as pd

from crmdata.dedupe.explain import waterfall
from crmdata.dedupe.review_quality import threshold_curve
from crmdata.ui.review_charts import quality_html, threshold_svg, weights_svg


def test_weights_svg_draws_every_step_with_its_sign() -> None:
    frame = waterfall(json.dumps({"prior": -10.0, "platt": None, "steps": [
        ["email", 2, "shared email", 12.5, 0.0], ["first_name", 0, "different first name", -3.0, 0.0],
        ["address", None, "no address to compare", 0.0, 0.0]]}))
    svg = weights_svg(frame)
    assert svg.count("class='crm-weight-bar'") == 5  # prior, three comparisons, total
    assert svg.count("fill='#2e7d32'") == 2 and svg.count("fill='#c62828'") == 2  # +12.5, +0; -10, -3
    assert "email: shared email" in svg and "match weight -0.5 bits" in svg


def test_threshold_svg_marks_the_scan_threshold() -> None:
    curve = threshold_curve(pd.DataFrame({"score": [0.95, 0.7], "duplicate": [True, False]}))
    svg = threshold_svg(curve, 0.9)
    assert "crm-curve-precision" in svg and "crm-curve-recall" in svg and "stroke-dasharray" in svg
    assert "2 reviewed pair(s), 1 duplicate(s)" in quality_html(curve, 0.9)
    empty = threshold_curve(pd.DataFrame({"score": [], "duplicate": []}))
    assert "<svg" not in quality_html(empty, 0.9)
