"""The standalone app's pieces: its page, its Voilà command line, a missing store refused."""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from crmdata.cli import cli
from crmdata.ui.app import app_notebook, voila_command


def test_the_page_opens_the_store_named_by_the_environment() -> None:
    nb = app_notebook()
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 1
    assert 'os.environ.get("CRMDATA_DB"' in code[0] and "app_widget(store)" in code[0]


def test_voila_command_line() -> None:
    cmd = voila_command(Path("/tmp/x/contacts.ipynb"), port=9000, ip="127.0.0.1", open_browser=False)
    assert cmd[:3] == [sys.executable, "-m", "voila"]
    assert {"--port=9000", "--Voila.ip=127.0.0.1", "--no-browser", "--Voila.port_retries=0"} <= set(cmd)
    assert "--no-browser" not in voila_command(Path("p.ipynb"), port=1, ip="127.0.0.1", open_browser=True)


def test_app_refuses_a_missing_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.duckdb"), "app"])
    assert result.exit_code != 0
    assert "There is no store at" in result.output
