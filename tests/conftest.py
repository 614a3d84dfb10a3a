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


@pytest.fixture(scope="session")
def probe_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue-17 probe store, built once through the real CLI: ``crmdata sample generate``
    (2,000 rows), ``sample load``, and the users alice and bob beside admin. Tests copy it
    (:func:`probe_store_copy`) rather than change it."""
    from click.testing import CliRunner

    from crmdata.cli import cli

    folder = tmp_path_factory.mktemp("sample17")
    db = str(folder / "crm.duckdb")
    for args in (["sample", "generate", "--rows", "2000", "--out", str(folder / "s")],
                 ["--db", db, "sample", "load", str(folder / "s")],
                 ["--db", db, "add-user", "alice"], ["--db", db, "add-user", "bob"],
                 ["--db", db, "checkpoint"]):
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return folder / "crm.duckdb"


@pytest.fixture
def probe_store_copy(probe_store_file: Path, tmp_path: Path) -> Path:
    """A private copy of the probe store (the checkpointed file holds every commit)."""
    import shutil

    target = tmp_path / "crm.duckdb"
    shutil.copyfile(probe_store_file, target)
    return target


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Spark tests share one worker under pytest-xdist, so the suite starts one JVM, not one per core."""
    for item in items:
        if item.get_closest_marker("spark"):
            item.add_marker(pytest.mark.xdist_group("spark"))
