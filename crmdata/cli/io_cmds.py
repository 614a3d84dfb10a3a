"""Commands about the store as a whole: info and users."""

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


COMMANDS = [info, users, add_user]
