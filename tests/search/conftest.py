"""A populated store shared by the search tests of one module (built once, read many times)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from crmdata import Store

from .data import populate, raw


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("search") / "crm.duckdb"
    store = Store(path, keep_open=True)
    populate(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def tables(populated: Store) -> dict[str, pd.DataFrame]:
    return raw(populated)
