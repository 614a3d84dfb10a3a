"""``crmdata duplicates`` on the generated store: a table by default, read-only unless asked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from crmdata import Store
from crmdata.cli import cli

pytestmark = pytest.mark.slow  # two duplicate runs over 2,000 contacts


def _models(path: Path) -> list[tuple[object, ...]]:
    with Store(path) as store, store.db.read() as tx:
        return tx.rows("SELECT kind, model FROM dedupe_models ORDER BY kind")


def test_duplicates_is_a_read_only_table_unless_save_model(sample_store: Store, tmp_path: Path) -> None:
    path = Path(sample_store.db.path)
    sample_store.close()
    assert _models(path) == []
    result = CliRunner().invoke(cli, ["--db", str(path), "duplicates"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split()[:3] == ["contact_id_1", "contact_id_2", "cluster_id"]
    assert "None" not in result.stdout and "\r" not in result.output  # no bar drawn off a terminal
    assert _models(path) == []  # nothing written
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(cli, ["--db", str(path), "duplicates", "--save-model", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    pairs = pd.read_csv(out)
    assert len(pairs) and pairs["contact_id_1"].dtype == np.int64 and pairs["cluster_id"].dtype == np.int64
    assert _models(path) != []
