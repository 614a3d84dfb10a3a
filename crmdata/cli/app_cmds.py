"""``crmdata app``: the contacts dashboard as a standalone web page (Voilà)."""

from __future__ import annotations

import click

from . import State


@click.command("app")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8866,
    show_default=True,
    help="Port to serve the page on.",
)
@click.option("--ip", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--open/--no-open", "open_browser", default=False, show_default=True, help="Open the page in a browser."
)
@click.option(
    "--cull-after",
    type=click.IntRange(1, None),
    default=120,
    show_default=True,
    help="Seconds after which the kernel of a closed page is shut down.",
)
@click.pass_obj
def app(state: State, port: int, ip: str, open_browser: bool, cull_after: int) -> None:
    """Serve the contacts dashboard with Voilà until Ctrl+C or SIGTERM (for people who never open
    a notebook). Each visit has its own kernel; it ends a while after its page is closed."""
    from ..ui.app import serve

    raise SystemExit(
        serve(
            state.db_path, user=state.user, port=port, ip=ip, open_browser=open_browser, cull_after=cull_after
        )
    )


COMMANDS = [app]
