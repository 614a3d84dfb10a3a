"""Shared fixtures: real DuckDB store files in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdata import Store


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "crm.duckdb"


@pytest.fixture
def store(store_path: Path) -> Store:
    s = Store(store_path)
    yield s
    s.close()
