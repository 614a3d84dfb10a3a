"""``crmdata duplicates --input contacts.parquet --output pairs.parquet``: a base outside any store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from crmdata import Store
from crmdata.cli import cli
from crmdata.dedupe import keys
from crmdata.dedupe.batch import REQUIRED, read_contacts
from crmdata.errors import CrmDataError
from crmdata.model import InfoType

pytestmark = pytest.mark.slow


def _export(store: Store, target: Path, limit: int | None = None) -> Path:
    """The store's contacts as a data-lake export would hold them (lists of emails, phones, sites)."""
    with store.db.read() as tx:
        raw = keys.contacts_frame(tx, store.user)
        info = tx.df(f"""SELECT contact_id, info_type, list(data ORDER BY id) AS v FROM contact_info
                         WHERE info_type IN ({int(InfoType.EMAIL)}, {int(InfoType.PHONE)},
                         {int(InfoType.WEBSITE)}) GROUP BY contact_id, info_type""")
    raw = raw.sort_values("id", ignore_index=True)
    if limit:
        raw = raw.head(limit)
    for name, kind in (("email", InfoType.EMAIL), ("phone", InfoType.PHONE), ("website", InfoType.WEBSITE)):
        part = info[info["info_type"] == int(kind)].set_index("contact_id")["v"]
        raw[name] = raw["id"].map(part).map(lambda v: list(v) if isinstance(v, (list, tuple)) or
                                             hasattr(v, "tolist") else None)
    raw.to_parquet(target, index=False)
    return target


def test_a_parquet_base_gives_the_pairs_of_the_same_base_in_a_store(sample_store: Store,
                                                                    tmp_path: Path) -> None:
    source = _export(sample_store, tmp_path / "contacts.parquet")
    in_store = sample_store.find_duplicates(keep_model=False)
    out = tmp_path / "pairs.parquet"
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "never.duckdb"), "duplicates", "--input",
                                      str(source), "--output", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "never.duckdb").exists()  # no store opened or made
    pairs = pd.read_parquet(out)
    assert len(pairs) > 100
    pd.testing.assert_frame_equal(pairs, in_store.pairs, check_dtype=False)


def test_a_parquet_input_without_the_required_columns_names_them(tmp_path: Path) -> None:
    source = tmp_path / "contacts.parquet"
    pd.DataFrame({"id": [1, 2], "first_name": ["Anna", "Anne"],
                  "email": ["a@x.de", "a@x.de"]}).to_parquet(source)
    with pytest.raises(CrmDataError, match="lacks the required columns is_company, last_name, company_name"):
        read_contacts(source)
    result = CliRunner().invoke(cli, ["duplicates", "--input", str(source)])
    assert result.exit_code != 0
    assert "Error:" in result.output and "is_company, last_name, company_name" in result.output
    assert set(REQUIRED) == {"id", "is_company", "first_name", "last_name", "company_name"}


@pytest.mark.spark
def test_the_spark_engine_on_a_parquet_base_writes_the_same_pairs(sample_store: Store,
                                                                  tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    source = _export(sample_store, tmp_path / "contacts.parquet", limit=600)
    got = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"{engine}.parquet"
        result = CliRunner().invoke(cli, ["duplicates", "--engine", engine, "--spark-master", "local[2]",
                                          "--input", str(source), "--output", str(out)],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        got[engine] = pd.read_parquet(out)
    assert len(got["duckdb"]) > 10
    pd.testing.assert_frame_equal(got["duckdb"], got["spark"])
