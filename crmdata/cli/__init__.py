"""The ``crmdata`` command: a thin face over the library for batch cleanup scripts.

Each command opens the store, makes one library call and prints the answer. Every
:class:`~crmdata.errors.CrmDataError` becomes ``Error: <message>`` and a non-zero exit code.
Commands live in small modules beside this one and are registered at the bottom.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import CrmDataError
from ..schema import DEFAULT_ADMIN
from ..store import DEFAULT_PATH, Store


class CliGroup(click.Group):
    """Turns crmdata's errors into ``Error: ...`` with exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CrmDataError as exc:
            raise click.ClickException(str(exc)) from exc


class State:
    """What every command needs: where the store is and who is working."""

    def __init__(self, db: Path, user: str, busy_timeout: float) -> None:
        self.db_path = db
        self.user = user
        self.busy_timeout = busy_timeout

    def store(self, *, create: bool = False) -> Store:
        return Store(
            self.db_path, user=self.user, busy_timeout=self.busy_timeout, create=create
        )


@click.group(cls=CliGroup)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_PATH,
    show_default=True,
    envvar="CRMDATA_DB",
    help="The store file (DuckDB).",
)
@click.option(
    "--user",
    default=DEFAULT_ADMIN,
    show_default=True,
    envvar="CRMDATA_USER",
    help="Run as this CRM user; reads and writes obey that user's access rights.",
)
@click.option(
    "--busy-timeout",
    type=float,
    default=10.0,
    show_default=True,
    help="Seconds to wait while another process writes the store.",
)
@click.version_option(package_name="crmdata")
@click.pass_context
def cli(ctx: click.Context, db: Path, user: str, busy_timeout: float) -> None:
    """Keep a CRM contact base current and free of duplicates."""
    ctx.obj = State(db, user, busy_timeout)


def main() -> None:
    """Console entry point."""
    cli(prog_name="crmdata")


def _register() -> None:
    from . import (
        app_cmds,
        csv_cmds,
        dedupe_cmds,
        edit_cmds,
        io_cmds,
        merge_cmds,
        photo_cmds,
        quality_cmds,
        sample_cmds,
        search_cmds,
        sync_cmds,
        values_cmds,
    )

    for module in (io_cmds, csv_cmds, search_cmds, edit_cmds, photo_cmds, dedupe_cmds,
                   merge_cmds, quality_cmds, sample_cmds, sync_cmds, app_cmds, values_cmds):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
