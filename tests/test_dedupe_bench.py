"""The duplicate benchmark's verdicts on the goals, from literal result tables."""

from __future__ import annotations

from benchmarks.dedupe_bench import SETS, _goals, _score_row


def _results(crm_f1: float, splink_f1: float, ece: float) -> dict:
    return {n: {"crmdata": {"f1": crm_f1, "ece": ece}, "splink": {"f1": splink_f1}} for n in SETS}


def test_goals_met_when_every_figure_is_within() -> None:
    speed = {"crmdata": {"seconds": 10.0, "peak_rss_mib": 500.0},
             "splink": {"seconds": 120.0, "peak_rss_mib": 1800.0}}
    text = "\n".join(_goals(_results(0.995, 0.98, 0.01), speed))
    assert "F1 >= 0.99 on each of FEBRL1-4: **met**" in text
    assert "F1 >= Splink's on every labelled set: **met**" in text
    assert "<= 0.05 on every labelled set: **met**" in text
    assert "= 0.08 of Splink's (met)" in text and "= 0.28 (met)" in text


def test_goals_name_what_falls_short() -> None:
    results = _results(0.995, 0.98, 0.01)
    results["FEBRL3"]["crmdata"]["f1"] = 0.95
    results["pseudopeople"]["crmdata"]["ece"] = 0.2
    speed = {"crmdata": {"seconds": 30.0, "peak_rss_mib": 1000.0},
             "splink": {"seconds": 120.0, "peak_rss_mib": 1800.0}}
    text = "\n".join(_goals(results, speed))
    assert "FEBRL1-4: **not met**" in text and "FEBRL3 0.950" in text
    assert "FEBRL3 0.950 vs 0.980 (below)" in text
    assert "calibration error <= 0.05 on every labelled set: **not met**" in text
    assert "pseudopeople 0.200" in text
    assert "= 0.25 of Splink's (not met)" in text and "= 0.56 (not met)" in text


def test_a_failed_run_is_a_row_that_says_so() -> None:
    assert _score_row("FEBRL1", "splink", {"error": "exit code -9"}).endswith("failed: exit code -9 |")
