"""Every notebook in notebooks/ runs top to bottom (nbclient) against a copy of the sample store."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .helpers import copy_store

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
@pytest.mark.usefixtures("kernel_dirs")
def test_notebook_runs_top_to_bottom(
    notebook: Path, sample_store_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = copy_store(sample_store_file, tmp_path / "crm.duckdb")
    monkeypatch.setenv("CRMDATA_DB", str(db))
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}
    ).execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    state = (
        nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    )
    if "dashboard" in notebook.read_text() or "editor" in notebook.read_text():
        names = {m["model_name"] for m in state.values()}
        assert {"ButtonModel", "HTMLModel"} <= names  # the dashboard really rendered widgets


def test_notebooks_default_to_the_sample_store() -> None:
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        assert 'os.environ.get("CRMDATA_DB", "../data/crm.duckdb")' in source
