"""A generated 2,000-contact store with its truth, imported once and copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from crmdata import Store
from crmdata.csvio.exporter import write_frame
from crmdata.sample import CUSTOM_FIELDS, generate

N = 2000


@pytest.fixture(scope="session")
def generated_store_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, int]]:
    """(store file, contact id -> entity id) of a generated base with about 10% duplicates."""
    folder = tmp_path_factory.mktemp("dedupe")
    sample = generate(N, seed=3)
    csv = folder / "contacts.csv"
    write_frame(sample.contacts, csv)
    path = folder / "sample.duckdb"
    store = Store(path)
    report = store.import_onlyoffice(csv, custom_field_types=CUSTOM_FIELDS, duplicates="clone")
    store.checkpoint()  # copies take the file alone
    store.close()
    ids = pd.DataFrame({"row": range(1, len(report.contact_ids) + 1), "contact_id": report.contact_ids})
    truth = sample.truth.merge(ids, on="row")
    return path, dict(zip(truth["contact_id"].astype(int), truth["entity_id"].astype(int), strict=True))


@pytest.fixture
def sample_store(generated_store_file: tuple[Path, dict[int, int]], tmp_path: Path) -> Store:
    """A private copy of the generated store (tests may write to it)."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(generated_store_file[0], path)
    store = Store(path)
    yield store
    store.close()
