"""The standalone app: the contacts dashboard as a Voilà page, for people who never open a notebook.

:func:`app_notebook` builds the one-cell page (pure: a notebook object); :func:`serve` writes it
to a temporary folder and runs Voilà on it, with the store's path and user handed over in
environment variables, so the page needs no file in the working tree.

Every page visit starts a kernel (a few hundred MB). Voilà is told to cull kernels whose page
is gone (no connection) once they have been idle for ``cull_after`` seconds, so visits do not
pile up kernels; an open page keeps its kernel. A SIGTERM or SIGHUP to ``crmdata app`` (how a
service manager stops it) is passed on to Voilà, which shuts its kernels down before it exits.
"""

from __future__ import annotations

import os
import signal
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
from crmdata.ui import LINGER, app_widget

store = Store(os.environ.get("CRMDATA_DB", "data/crm.duckdb"), user=os.environ.get("CRMDATA_USER", "admin"),
              create=False, linger=LINGER)
app_widget(store)"""


def app_notebook() -> nbformat.NotebookNode:
    """The Voilà page as a notebook (one markdown title, one code cell)."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# crmdata: contacts and duplicates"),
            nbformat.v4.new_code_cell(APP_SOURCE),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


#: Seconds a kernel whose page was closed may stay idle before Voilà shuts it down.
DEFAULT_CULL_AFTER = 120


def voila_command(
    notebook: Path, *, port: int, ip: str, open_browser: bool, cull_after: int = DEFAULT_CULL_AFTER
) -> list[str]:
    """Pure: the command line that serves ``notebook`` with Voilà, culling abandoned kernels."""
    if cull_after < 1:
        raise CrmDataError(f"Kernels can be culled after 1 second at the earliest, not {cull_after}.")
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--Voila.port_retries=0",
        # a kernel whose page is gone (not connected) and idle this long is shut down
        f"--MappingKernelManager.cull_idle_timeout={cull_after}",
        f"--MappingKernelManager.cull_interval={max(1, min(60, cull_after // 2))}",
        "--MappingKernelManager.cull_connected=False",
    ]
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def serve(
    db: Path,
    *,
    user: str = "admin",
    port: int = 8866,
    ip: str = "127.0.0.1",
    open_browser: bool = False,
    cull_after: int = DEFAULT_CULL_AFTER,
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
        cmd = voila_command(page, port=port, ip=ip, open_browser=open_browser, cull_after=cull_after)
        with subprocess.Popen(cmd, env=env, cwd=folder) as voila:
            return _wait_passing_signals(voila)


def _wait_passing_signals(voila: subprocess.Popen[bytes]) -> int:
    """Wait for Voilà; a SIGTERM or SIGHUP to this process becomes a SIGTERM to Voilà (which
    then shuts its kernels down), and Ctrl+C reaches it through the terminal's process group."""

    def stop(_sig: int, _frame: object) -> None:
        if voila.poll() is None:
            voila.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        while True:
            try:
                return voila.wait()
            except KeyboardInterrupt:
                continue  # Voilà got the same Ctrl+C and is shutting down: wait for it
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
