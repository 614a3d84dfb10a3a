"""The batch pipeline on a generated base: accuracy, decisions, access, reasons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crmdata import Store
from crmdata.dedupe import api, explain
from crmdata.dedupe.compare import COMPARISONS
from crmdata.errors import CrmDataError, NotFound
from crmdata.model import ShareType


def test_finds_the_generated_duplicates_with_reasons(
    sample_store: Store, generated_store_file: tuple[Path, dict[int, int]]
) -> None:
    report = sample_store.find_duplicates()
    truth = api.truth_pairs(generated_store_file[1])
    quality = api.evaluate(report.cluster_pairs(), truth)
    assert quality["f1"] >= 0.95, quality
    pairs = report.pairs
    assert list(pairs.columns) == api.PAIR_COLUMNS
    assert (pairs["contact_id_1"] < pairs["contact_id_2"]).all()
    assert pairs["score"].between(api.DEFAULT_THRESHOLD, 1.0).all()
    assert pairs["score"].is_monotonic_decreasing  # the review queue: most probable first
    assert pairs["reasons"].str.contains("prior").all()
    assert pairs["cluster_id"].notna().all()  # every reported pair belongs to a cluster
    assert set(report.blocking["rule"]) >= {"email", "phone", "person_name", "company_name"}
    assert (report.blocking["pairs"] >= report.blocking["only_this_rule"]).all()
    assert report.models["P"].method == "em"
    assert report.models["C"].method in ("em", "prior")  # few companies: EM sessions may be too small
    # not every score about 1.00: below the threshold, the scores sort safe merges from risky ones
    graded = sample_store.find_duplicates(keep_model=False, threshold=0.3).pairs["score"]
    assert (graded < 0.99).sum() >= 10 and graded.round(2).nunique() >= 10


def test_each_pair_keeps_its_waterfall(sample_store: Store) -> None:
    report = sample_store.find_duplicates(keep_model=False)
    row = report.pairs.iloc[len(report.pairs) // 2]
    frame = report.waterfall(int(row["contact_id_2"]), int(row["contact_id_1"]))
    assert list(frame.columns) == explain.WATERFALL_COLUMNS
    assert frame["step"].iloc[0] == "prior" and frame["step"].iloc[-1] == "total"
    steps = frame.iloc[1:-1]
    parts = frame["weight"].iloc[0] + (steps["weight"] + steps["tf_weight"]).sum()
    assert frame["total"].iloc[-1] == pytest.approx(parts)
    assert frame["total"].iloc[-1] == pytest.approx(row["match_weight"], abs=0.01)
    assert frame["probability"].iloc[-1] == pytest.approx(row["score"], abs=1e-3)
    assert set(steps["comparison"]) == {c.name for c in COMPARISONS[str(row["kind"])]}
    with pytest.raises(CrmDataError, match="not a reported pair"):
        report.waterfall(1, 10_000)


def test_calibration_on_the_generated_base(
    sample_store: Store, generated_store_file: tuple[Path, dict[int, int]]
) -> None:
    """Scored pairs above 0.05: predicted and observed match rates agree (a sanity bound on the
    expected calibration error of this small base; the 0.05 goal is measured on the labelled
    sets of the benchmark)."""
    entity = generated_store_file[1]
    report = sample_store.find_duplicates(keep_model=False, threshold=0.05)
    p = report.pairs["score"].to_numpy()
    y = np.array([entity[a] == entity[b] for a, b in zip(report.pairs["contact_id_1"],
                                                          report.pairs["contact_id_2"], strict=True)])
    bins = np.minimum((p * 10).astype(int), 9)
    ece = sum((bins == b).sum() / len(p) * abs(p[bins == b].mean() - y[bins == b].mean())
              for b in range(10) if (bins == b).any())
    assert ece <= 0.08, ece


def test_memory_limit_and_spill_folder(sample_store: Store, tmp_path: Path) -> None:
    with sample_store.db.read() as tx:
        limit = tx.scalar("SELECT current_setting('memory_limit')")
    report = sample_store.find_duplicates(keep_model=False, memory_limit="256MB",
                                          temp_directory=tmp_path / "spill")
    assert len(report.pairs) and (tmp_path / "spill").is_dir()
    with sample_store.db.read() as tx:  # the run's own settings are undone
        assert tx.scalar("SELECT current_setting('preserve_insertion_order')") is True
        assert tx.scalar("SELECT current_setting('memory_limit')") == limit
    with pytest.raises(CrmDataError, match="memory limit"):
        sample_store.find_duplicates(memory_limit="lots")
    with pytest.raises(CrmDataError, match="threshold"):
        sample_store.find_duplicates(threshold=1.0)


def test_custom_fields_take_part_by_setting(store: Store) -> None:
    from crmdata.dedupe.settings import MatchSettings

    with store.db.transaction() as tx:
        MatchSettings(date_fields=("Born on",), text_fields=("Customer No",)).save(tx)
    with store.db.read() as tx:
        got = MatchSettings.load(tx)
    assert got.date_fields == ("born on",) and got.text_fields == ("customer no",)
    with pytest.raises(CrmDataError, match="text_fields"):
        MatchSettings(text_fields="Customer No")  # type: ignore[arg-type]


def test_not_duplicate_sticks(sample_store: Store) -> None:
    first = sample_store.find_duplicates(keep_model=False)
    a, b = (int(x) for x in first.pairs.iloc[0][["contact_id_1", "contact_id_2"]])
    assert sample_store.decide(b, a, "not_duplicate") == (a, b)
    again = sample_store.find_duplicates(keep_model=False)
    found = set(zip(again.pairs["contact_id_1"], again.pairs["contact_id_2"], strict=True))
    assert (a, b) not in found
    assert (a, b) not in again.cluster_pairs()
    assert len(again.pairs) >= len(first.pairs) - 3  # the rest is unaffected


def test_confirmed_pairs_are_kept_with_full_score(sample_store: Store) -> None:
    sample_store.decide(1, 2, "duplicate")
    report = sample_store.find_duplicates(keep_model=False)
    row = report.pairs[(report.pairs["contact_id_1"] == 1) & (report.pairs["contact_id_2"] == 2)]
    assert len(row) == 1 and row["score"].iloc[0] == 1.0 and row["reasons"].iloc[0] == "decided: duplicate"


def test_decisions_train_logistic_regression(
    sample_store: Store, generated_store_file: tuple[Path, dict[int, int]]
) -> None:
    entity = generated_store_file[1]
    report = sample_store.find_duplicates(keep_model=False)
    with sample_store.db.read() as tx:
        persons = sorted(int(r[0]) for r in tx.rows("SELECT id FROM contacts WHERE NOT is_company"))
    person_set = set(persons)
    same = [(a, b) for a, b in zip(report.pairs["contact_id_1"], report.pairs["contact_id_2"], strict=True)
            if a in person_set and entity[a] == entity[b]][:60]
    other = [(a, b) for a, b in zip(persons, persons[1:], strict=False) if entity[a] != entity[b]][:60]
    for a, b in same:
        sample_store.decide(a, b, "duplicate")
    for a, b in other:
        sample_store.decide(a, b, "not_duplicate")
    trained = sample_store.find_duplicates(keep_model=False)
    assert trained.models["P"].method == "labels" and trained.models["P"].platt is not None
    # no company decisions
    assert trained.models["C"].method != "labels" and trained.models["C"].platt is None


def test_restricted_contacts_never_appear_in_another_users_pairs(sample_store: Store) -> None:
    sample_store.add_user("olaf")
    everyone = sample_store.find_duplicates(keep_model=False)
    hidden = sorted(set(everyone.pairs["contact_id_1"].head(30)))
    with sample_store.db.transaction() as tx:
        tx.execute(f"UPDATE contacts SET share_type = {int(ShareType.NONE)} "
                   f"WHERE id IN ({', '.join(map(str, hidden))})")
    olaf = sample_store.as_user("olaf").find_duplicates(keep_model=False)
    seen = set(olaf.pairs["contact_id_1"]) | set(olaf.pairs["contact_id_2"])
    assert not seen & set(hidden)
    assert olaf.contacts == everyone.contacts - len(hidden)
    admin = sample_store.find_duplicates(keep_model=False)  # the managers (admins) still see them
    assert set(hidden) <= set(admin.pairs["contact_id_1"]) | set(admin.pairs["contact_id_2"])
    with pytest.raises(NotFound):
        sample_store.as_user("olaf").decide(hidden[0], hidden[0] + 1, "not_duplicate")


def test_decide_refuses_nonsense(store: Store) -> None:
    with pytest.raises(CrmDataError, match="itself"):
        store.decide(3, 3, "duplicate")
    with pytest.raises(CrmDataError, match="not_duplicate"):
        store.decide(1, 2, "maybe")
    with pytest.raises(NotFound):
        store.decide(1, 2, "duplicate")


def test_empty_store_has_no_pairs(store: Store) -> None:
    report = store.find_duplicates()
    assert report.pairs.empty and report.candidates == 0 and report.contacts == 0
