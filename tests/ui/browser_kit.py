"""What the browser tests share: JupyterLab and Voilà on 127.0.0.1, driven by Debian's chromium.

Follows the project's recipe (shared/guides/browser-testing.md): isolated HOME and Jupyter
folders, JupyterLab with the listed flags, ``POST /api/shutdown`` to stop it, every
non-local request aborted, a fresh notebook name per test. A failing test saves a screenshot
to test-artifacts/. With ``CRMDATA_SCREENSHOTS=<folder>`` the tests also save the screenshots
used in the README.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright import sync_api as playwright

from crmdata import Store
from crmdata.search.api import search
from crmdata.ui.grid import HEADER_HEIGHT, ROW_HEIGHT
from crmdata.ui.grid_state import DEFAULT_COLUMNS, column_widths

from .helpers import copy_store

expect = playwright.expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BIN = Path(sys.executable).parent
expect.set_options(timeout=60_000)

#: Marks of every browser test module: slow, and skipped where there is no chromium.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM} (make chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def _stop(proc: subprocess.Popen[Any], shutdown_url: str | None = None) -> None:
    if shutdown_url:
        try:
            urllib.request.urlopen(urllib.request.Request(shutdown_url, method="POST"), timeout=10)
        except OSError:
            pass
    else:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, sample_store_file: Path) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")
    settings = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false, "doNotDisturbMode": true}'
    )
    db = copy_store(sample_store_file, tmp_path_factory.mktemp("store") / "crm.duckdb")
    return dict(
        os.environ,
        HOME=str(home),
        JUPYTER_PLATFORM_DIRS="1",
        JUPYTER_CONFIG_DIR=str(home / "jcfg"),
        JUPYTER_DATA_DIR=str(home / "jdata"),
        JUPYTER_RUNTIME_DIR=str(home / "jrun"),
        IPYTHONDIR=str(home / "ipy"),
        CRMDATA_DB=str(db),
        _LAB_SETTINGS=str(home / "lab-settings"),
    )


@pytest.fixture(scope="module")
def root_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nbroot")


@pytest.fixture(scope="module")
def lab_url(env: dict[str, str], root_dir: Path) -> Iterator[str]:
    port = free_port()
    cmd = [
        str(BIN / "jupyter-lab"),
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.disable_check_xsrf=True",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        f"--LabApp.user_settings_dir={env['_LAB_SETTINGS']}",
        f"--LabApp.workspaces_dir={root_dir}/.ws",
        "--ServerApp.terminals_enabled=False",
    ]
    with open(root_dir.parent / "lab.log", "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_http(f"http://127.0.0.1:{port}/api/status")
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop(proc, f"http://127.0.0.1:{port}/api/shutdown")


@pytest.fixture(scope="module")
def app(
    env: dict[str, str], tmp_path_factory: pytest.TempPathFactory, sample_store_file: Path
) -> Iterator[tuple[str, Path]]:
    """``crmdata app`` (Voilà) on its own copy of the sample store: (url, store path)."""
    folder = tmp_path_factory.mktemp("app")
    db = copy_store(sample_store_file, folder / "crm.duckdb")
    port = free_port()
    cmd = [str(BIN / "crmdata"), "--db", str(db), "app", f"--port={port}"]
    with open(folder / "voila.log", "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_http(f"http://127.0.0.1:{port}/voila/static/")
            yield f"http://127.0.0.1:{port}", db
        finally:
            os.killpg(proc.pid, signal.SIGTERM)  # crmdata app and the Voilà it started
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


@pytest.fixture(scope="module")
def browser(env: dict[str, str]) -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROME_ARGS, env={**env})
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    tall = bool(os.environ.get("CRMDATA_SCREENSHOTS"))  # README shots: the whole dashboard in view
    ctx = browser.new_context(viewport={"width": 1500, "height": 2600 if tall else 1000})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1") else r.abort())
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    ctx.close()


@contextmanager
def screenshot_on_failure(page: Any, name: str) -> Iterator[None]:
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        raise


def readme_shot(page: Any, locator: Any, name: str) -> None:
    """Save a README screenshot when CRMDATA_SCREENSHOTS names a folder."""
    folder = os.environ.get("CRMDATA_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        locator.screenshot(path=str(Path(folder) / f"{name}.png"))


def open_notebook(page: Any, lab_url: str, root_dir: Path, notebook: str) -> Any:
    name = f"{Path(notebook).stem}-{uuid.uuid4().hex[:8]}.ipynb"
    shutil.copy(ROOT / "notebooks" / notebook, root_dir / name)
    page.goto(f"{lab_url}/lab/tree/{name}?reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle")
    page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
    page.locator(".lm-Menu-itemLabel:text-is('Run All Cells')").click()
    return page.locator(".jp-OutputArea-output")



def total(db: str, query: str = "", **filters: Any) -> str:
    """How many contacts a search finds, as the dashboard writes it (``1,234``)."""
    with Store(db) as store:
        return f"{search(store.db, store.user, query, **filters).total:,}"


def count(db: str) -> int:
    with Store(db) as store:
        return store.count()


HEADER_RGB = (0xEE, 0xF2, 0xF7)  # grid_style header_background_color


class Grid:
    """Clicks on the grid's canvas by column and row, for the columns shown."""

    def __init__(self, page: Any, dash: Any) -> None:
        self.page = page
        self.node = dash.locator(".crm-grid .lm-DataGrid").first
        self.columns = list(DEFAULT_COLUMNS)

    def _x(self, label: str) -> tuple[float, float]:
        self.node.scroll_into_view_if_needed()
        widths = column_widths(self.columns)
        box = self.node.bounding_box()
        left = box["x"]
        for name, width in widths.items():
            if name == label:
                return left, left + width
            left += width
        raise KeyError(label)

    def cell(self, row: int, label: str) -> None:
        x0, x1 = self._x(label)
        y = self.node.bounding_box()["y"] + HEADER_HEIGHT + row * ROW_HEIGHT + ROW_HEIGHT / 2
        self.page.mouse.click((x0 + x1) / 2, y)

    def sort(self, label: str, how: str) -> None:
        """``how``: the menu command, ``sort:Asc`` or ``sort:Desc``."""
        _x0, x1 = self._x(label)
        y = self.node.bounding_box()["y"] + HEADER_HEIGHT - 8
        self.page.mouse.move(x1 - 8, y)
        self.page.mouse.click(x1 - 8, y)
        menu = self.page.locator(".ipydatagrid-context-menu")
        expect(menu).to_be_visible()
        menu.locator(f".lm-Menu-item[data-command='{how}']").click()

    def drawn_boundaries(self) -> list[int]:
        """Where the header's column lines are drawn (x in pixels, left to right): the pixels
        near its top edge that are not the header colour."""
        shot = Image.open(io.BytesIO(self.node.screenshot())).convert("RGB")
        xs = [x for x in range(shot.width) if shot.getpixel((x, 4)) != HEADER_RGB]
        lines = [x for i, x in enumerate(xs) if i == 0 or xs[i - 1] != x - 1]
        return [x for x in lines if 0 < x < shot.width - 20]

    def expected_boundaries(self) -> list[int]:
        """Where the column lines of the chosen columns belong."""
        out, right = [], 0
        for width in column_widths(self.columns).values():
            right += width
            out.append(right)
        return out

    def columns_drawn(self) -> bool:
        drawn = self.drawn_boundaries()
        expected = self.expected_boundaries()[: len(drawn)]
        return len(drawn) >= 3 and all(abs(d - e) <= 2 for d, e in zip(drawn, expected, strict=True))

    def open_by_name(self, db: str, query: str, name: str) -> None:
        """Click ``name`` in the grid, where the library lists it for ``query`` (best match)."""
        with Store(db) as store:
            names = list(search(store.db, store.user, query).frame["display_name"])
        self.cell(names.index(name), "Name")


def wait_for(check: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except playwright.Error:  # the grid was being replaced (another set of columns)
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)
