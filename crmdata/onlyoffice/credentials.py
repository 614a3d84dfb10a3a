"""Where a portal password comes from: the ``CRMDATA_PORTAL_PASSWORD`` environment variable,
else the OS keyring (service ``crmdata`` with the portal address, user the login), else a prompt.

The password is handed to the client as a function, asked for only when a token is needed, and
kept nowhere else: not in the store, the journal, a log or an error message.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable

ENV_VAR = "CRMDATA_PORTAL_PASSWORD"
KEYRING_SERVICE = "crmdata"


def keyring_service(url: str) -> str:
    """The keyring service name a portal's password is kept under (``crmdata <address>``)."""
    return f"{KEYRING_SERVICE} {url.strip().rstrip('/')}"


def from_keyring(url: str, login: str) -> str | None:
    """The password kept in the OS keyring, or None (no keyring backend, or nothing kept)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    try:
        return keyring.get_password(keyring_service(url), login)
    except (KeyringError, RuntimeError):
        return None


def password_source(url: str, login: str, *, prompt: Callable[[str], str] | None = None) -> Callable[[], str]:
    """A function that returns the password: environment, keyring, then ``prompt`` (default:
    :func:`getpass.getpass`). Nothing is read until it is called."""

    def get() -> str:
        value = os.environ.get(ENV_VAR)
        if value:
            return value
        value = from_keyring(url, login)
        if value:
            return value
        ask = prompt or getpass.getpass
        return ask(f"Password for {login} at {url}: ")

    return get
