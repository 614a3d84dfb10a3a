"""A dashboard's kernel keeps the store file between actions, yet hands it to another process
as soon as that process asks (``crmdata.ui.LINGER``): a real kernel, a real second process."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from crmdata import Store
from crmdata.ui import LINGER

OPEN = """
import os
from crmdata import Store
from crmdata.db import host
from crmdata.ui import LINGER
store = Store(os.environ["CRMDATA_DB"], linger=LINGER)
print(len(store.search('"Lore Hamann"')), os.path.realpath(os.environ["CRMDATA_DB"]) in host.HOST._attached)
"""
AGAIN = 'print(len(store.search("zyxwvu")))'


def _printed(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.slow
@pytest.mark.usefixtures("kernel_dirs")
def test_the_kernel_keeps_the_file_and_gives_it_up_when_another_process_asks(
    sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRMDATA_DB", str(sample_path))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(OPEN), nbformat.v4.new_code_cell(AGAIN)])
    client = NotebookClient(nb, timeout=120, kernel_name="python3")
    with client.setup_kernel():
        client.execute_cell(nb.cells[0], 0)
        assert _printed(nb.cells[0]).split() == ["1", "True"]  # found, and the file is still attached
        asked = time.monotonic()
        other = Store(sample_path)  # this process: waits its turn, which the kernel hands over
        cs = other.change()
        lore = int(other.search('"Lore Hamann"')["id"].iloc[0])
        cs.update(lore, last_name="Zyxwvu")
        cs.commit(on_duplicate="save")
        other.close()
        assert time.monotonic() - asked < LINGER  # not held until the kernel's linger ran out
        client.execute_cell(nb.cells[1], 1)
        assert _printed(nb.cells[1]).split() == ["1"]  # the kernel takes the file afresh: sees the edit
