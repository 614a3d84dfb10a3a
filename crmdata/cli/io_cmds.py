"""Commands about the store as a whole: info, users and checkpoint."""

from __future__ import annotations

import click

from . import State
from .output import echo_frame, format_option


@click.command()
@format_option()
@click.pass_obj
def info(state: State, fmt: str) -> None:
    """Counts of contacts by kind, temperature level, contact type and tag."""
    store = state.store()
    summary = store.summary()
    if fmt == "table":
        click.echo(f"Store: {state.db_path} ({store.count()} contacts visible to {store.user.login})")
    for name, frame in summary.items():
        if fmt == "table":
            click.echo(f"\nBy {name.replace('_', ' ')}:")
        else:
            frame = frame.assign(group=name)
        echo_frame(frame, fmt)


@click.command()
@format_option()
@click.pass_obj
def users(state: State, fmt: str) -> None:
    """List the CRM users."""
    echo_frame(state.store().users(), fmt)


@click.command("add-user")
@click.argument("login")
@click.option("--name", help="Full name (default: the login).")
@click.option("--admin", is_flag=True, help="Make the user a CRM administrator.")
@click.pass_obj
def add_user(state: State, login: str, name: str | None, admin: bool) -> None:
    """Create a CRM user (administrators only)."""
    user = state.store().add_user(login, name, is_admin=admin)
    click.echo(f"Created user {user.login} (id {user.id}).")


@click.command()
@click.pass_obj
def checkpoint(state: State) -> None:
    """Write the latest commits into the store file itself.

    Recent commits may still sit in the write-ahead log beside the file (STORE.wal) until it
    grows past a limit; after this command the file alone is a complete copy (for a backup).
    """
    state.store().checkpoint()
    click.echo(f"Checkpointed {state.db_path}: the file alone now holds every commit.")


COMMANDS = [info, users, add_user, checkpoint]
