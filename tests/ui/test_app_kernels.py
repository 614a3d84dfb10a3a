"""``crmdata app`` in a real browser: page visits do not pile up kernels, SIGTERM stops everything.

Each Voilà page visit starts a kernel. The app culls the kernels of closed pages (here after
10 idle seconds), so after several visits at most one kernel more is alive than before. A SIGTERM
to ``crmdata app`` alone (as a service manager sends it, not to its process group) stops
Voilà and every kernel it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from .browser_kit import BIN, BROWSER_MARKS, count, expect, free_port, screenshot_on_failure, wait_http
from .helpers import copy_store

pytestmark = BROWSER_MARKS

#: Short enough for a test, long enough that a loaded machine's page connects to its kernel
#: before the kernel counts as abandoned (it is idle and unconnected between running the page's
#: code and the browser connecting).
CULL_AFTER = 10
#: More visits than the one kernel allowed to outlive them, each page closed before the next.
VISITS = 4


def _kernels(app: psutil.Process) -> list[psutil.Process]:
    """The ipykernel processes started under ``app`` (Voilà's kernels)."""
    out = []
    for proc in app.children(recursive=True):
        try:
            if any("ipykernel" in part for part in proc.cmdline()):
                out.append(proc)
        except psutil.NoSuchProcess:
            continue
    return out


def _settle(app: psutil.Process, at_most: int, timeout: float = 120) -> int:
    """Wait until at most ``at_most`` kernels are alive (or the timeout); returns the count."""
    deadline = time.monotonic() + timeout
    alive = len(_kernels(app))
    while alive > at_most and time.monotonic() < deadline:
        time.sleep(0.5)
        alive = len(_kernels(app))
    return alive


def _local_context(browser: Any) -> Any:
    """A fresh browser context (one visit) that reaches nothing but 127.0.0.1."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1") else r.abort())
    return ctx


@pytest.fixture
def own_app(
    env: dict[str, str], tmp_path: Path, sample_store_file: Path
) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    """A ``crmdata app`` this test stops itself; killed with its group only if it did not."""
    db = copy_store(sample_store_file, tmp_path / "crm.duckdb")
    port = free_port()
    cmd = [str(BIN / "crmdata"), "--db", str(db), "app", f"--port={port}", f"--cull-after={CULL_AFTER}"]
    with open(tmp_path / "voila.log", "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_http(f"http://127.0.0.1:{port}/voila/static/")
            yield f"http://127.0.0.1:{port}", db, proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


def test_visits_leave_at_most_one_kernel_and_sigterm_stops_all(
    browser: Any, own_app: tuple[str, Path, subprocess.Popen[bytes]]
) -> None:
    url, db, proc = own_app
    app = psutil.Process(proc.pid)
    before = len(_kernels(app))
    contacts = count(str(db))
    for visit in range(VISITS):
        ctx = _local_context(browser)
        page = ctx.new_page()
        with screenshot_on_failure(page, f"app_visit_{visit}"):
            page.goto(url + "/")
            expect(page.locator(".crm-contacts .crm-count")).to_contain_text(
                f"of {contacts:,} contacts", timeout=180_000
            )
        ctx.close()
    assert _settle(app, before + 1) <= before + 1
    # the last page is closed too: its kernel goes as well, the app serves on
    assert _settle(app, before) == before
    wait_http(f"{url}/voila/static/")

    ctx = _local_context(browser)
    page = ctx.new_page()
    page.goto(url + "/")
    expect(page.locator(".crm-contacts .crm-count")).to_contain_text(f"of {contacts:,} contacts")
    family = [app, *app.children(recursive=True)]
    assert _kernels(app), "an open page has its kernel"
    os.kill(proc.pid, signal.SIGTERM)  # the app process only, as a service manager does
    gone, alive = psutil.wait_procs(family, timeout=30)
    ctx.close()
    assert not alive, f"still running after SIGTERM: {[p.cmdline() for p in alive]}"
    assert proc.wait(5) == 0
