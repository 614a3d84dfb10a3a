"""Every command is documented: docs/cli.md (generated with cog) is current and covers them all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
from cogapp import Cog

from crmdata.cli import cli

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_command_has_a_section_in_the_reference() -> None:
    headings = {line.strip() for line in REFERENCE.read_text(encoding="utf-8").splitlines()
                if line.startswith("## ")}
    missing = [" ".join(p) for p in _commands(cli) if f"## crmdata {' '.join(p)}" not in headings]
    assert not missing, f"not in docs/cli.md (run `make cli-docs`): {missing}"


def test_the_reference_is_what_the_code_says() -> None:
    """``cog --check``: the generated help matches the commands' own (run `make cli-docs`)."""
    assert Cog().main(["cog", "--check", str(REFERENCE)]) == 0


def test_the_readme_links_the_reference() -> None:
    readme = (REFERENCE.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/cli.md" in readme
