"""Precision and recall by threshold from review decisions: literal tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from crmdata.dedupe.review_quality import CURVE_COLUMNS, threshold_curve
from crmdata.errors import CrmDataError


def test_precision_and_recall_at_each_threshold() -> None:
    reviewed = pd.DataFrame({"score": [0.99, 0.95, 0.91, 0.80, 0.60, 0.55],
                             "duplicate": [True, True, False, True, False, False]})
    got = threshold_curve(reviewed, [0.5, 0.9, 0.96, 1.0])
    assert list(got.columns) == CURVE_COLUMNS
    assert got["reviewed"].tolist() == [6, 3, 1, 0]
    assert got["duplicates"].tolist() == [3, 2, 1, 0]
    assert got["precision"].tolist()[:3] == pytest.approx([0.5, 2 / 3, 1.0])
    assert math.isnan(got["precision"].iloc[3])  # nothing reviewed that high
    assert got["recall"].tolist() == pytest.approx([1.0, 2 / 3, 1 / 3, 0.0])


def test_no_duplicates_reviewed_gives_no_recall() -> None:
    got = threshold_curve(pd.DataFrame({"score": [0.9], "duplicate": [False]}), [0.5])
    assert got["precision"].iloc[0] == 0.0 and math.isnan(got["recall"].iloc[0])


def test_the_columns_are_named_when_missing() -> None:
    with pytest.raises(CrmDataError, match="duplicate"):
        threshold_curve(pd.DataFrame({"score": [0.9]}))
