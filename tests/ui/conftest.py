"""Fixtures of the dashboard tests: one sample store built per session, a fresh copy per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crmdata import Store

from .browser_kit import app, browser, env, lab_url, page, root_dir  # noqa: F401 - the browser fixtures
from .helpers import build_sample_store, copy_store


@pytest.fixture(scope="session")
def sample_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_store(tmp_path_factory.mktemp("sample") / "crm.duckdb")


@pytest.fixture
def sample_path(sample_store_file: Path, tmp_path: Path) -> Path:
    return copy_store(sample_store_file, tmp_path / "crm.duckdb")


@pytest.fixture
def sample(sample_path: Path) -> Iterator[Store]:
    s = Store(sample_path)
    yield s
    s.close()


@pytest.fixture
def kernel_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernels started by the test keep their IPython profile and runtime files in its own folder."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter-runtime"))
