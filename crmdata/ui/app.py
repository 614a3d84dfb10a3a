"""The standalone app: the contacts dashboard as a Voilà page, for people who never open a notebook.

:func:`app_notebook` builds the one-cell page (pure: a notebook object); :func:`serve` writes it
to a temporary folder and runs Voilà on it, with the store's path and user handed over in
environment variables, so the page needs no file in the working tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from ..errors import CrmDataError

#: The page's only code: open the store named by the environment, show the dashboard.
APP_SOURCE = """\
import os
from crmdata import Store
from crmdata.ui import contacts_dashboard

store = Store(os.environ.get("CRMDATA_DB", "data/crm.duckdb"), user=os.environ.get("CRMDATA_USER", "admin"),
              create=False)
contacts_dashboard(store).widget"""


def app_notebook() -> nbformat.NotebookNode:
    """The Voilà page as a notebook (one markdown title, one code cell)."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# crmdata: contacts"),
            nbformat.v4.new_code_cell(APP_SOURCE),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def voila_command(notebook: Path, *, port: int, ip: str, open_browser: bool) -> list[str]:
    """Pure: the command line that serves ``notebook`` with Voilà."""
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--Voila.port_retries=0",
    ]
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def serve(
    db: Path, *, user: str = "admin", port: int = 8866, ip: str = "127.0.0.1", open_browser: bool = False
) -> int:
    """Serve the contacts dashboard on ``http://ip:port/`` until interrupted; returns Voilà's exit code."""
    db = Path(db).resolve()
    if not db.exists():
        raise CrmDataError(
            f"There is no store at {db}.", hint="build one with `make lab` or `crmdata sample load`"
        )
    with tempfile.TemporaryDirectory(prefix="crmdata-app-") as folder:
        page = Path(folder) / "contacts.ipynb"
        nbformat.write(app_notebook(), page)
        env = {**os.environ, "CRMDATA_DB": str(db), "CRMDATA_USER": user}
        try:
            return subprocess.call(
                voila_command(page, port=port, ip=ip, open_browser=open_browser), env=env, cwd=folder
            )
        except KeyboardInterrupt:
            return 0
