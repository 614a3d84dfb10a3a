"""The portal client against the local double: paging, envelopes, errors, retries, credentials."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend

from crmdata.onlyoffice import PortalClient, PortalError, PortalNotFound, PortalUnavailable, password_source
from crmdata.onlyoffice.credentials import ENV_VAR, keyring_service
from tests.onlyoffice_double import Portal

from .conftest import PortalUnderTest


def test_paging_stops_on_a_short_page_and_ignores_next_index(double: Portal, portal: PortalUnderTest) -> None:
    for i in range(1000):
        double.add(False, first_name=f"P{i}", last_name="Page")
    pages = list(portal.client.contact_pages())
    assert [len(p) for p in pages] == [1000, 0]  # a full page, then an empty one (count omitted)
    starts = [p for m, p in double.log if p == "crm/contact/filter"]
    assert len(starts) == 2
    double.add(False, first_name="One", last_name="More")
    assert [len(p) for p in portal.client.contact_pages()] == [1000, 1]


def test_error_envelopes_become_readable_errors(portal: PortalUnderTest) -> None:
    with pytest.raises(PortalNotFound, match=r"GET crm/contact/999999\.json \(HTTP 404\): Not found"):
        portal.client.contact(999999)
    with pytest.raises(PortalError, match="HTTP 400"):
        portal.client.call("PUT", "crm/contact/merge.json", body={"fromcontactid": 0, "tocontactid": 0})


def test_posts_are_not_repeated_after_a_dropped_connection(double: Portal, portal: PortalUnderTest) -> None:
    client = PortalClient(portal.url, portal.login, portal.password, retries=3, backoff=0.01)
    double.fail("POST", r"^crm/contact/person$", "drop")
    with pytest.raises(PortalUnavailable, match="may or may not have been carried out"):
        client.call("POST", "crm/contact/person.json", body={"firstName": "A", "lastName": "B"})
    assert len(double.requests("POST", r"^crm/contact/person$")) == 1
    double.fail("GET", r"^crm/contact/filter$", "drop", times=2)
    assert [len(p) for p in client.contact_pages()] == [0]  # reads are retried
    assert client.stats.retries == 2
    client.close()


class _Memory(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.kept.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.kept[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.kept.pop((service, username), None)


def test_password_from_environment_then_keyring_then_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    old = keyring.get_keyring()
    memory = _Memory()
    keyring.set_keyring(memory)
    try:
        asked: list[str] = []
        get = password_source(
            "https://office.example.com/", "admin", prompt=lambda t: asked.append(t) or "typed"
        )
        monkeypatch.delenv(ENV_VAR, raising=False)
        assert get() == "typed" and asked == ["Password for admin at https://office.example.com/: "]
        memory.set_password(keyring_service("https://office.example.com"), "admin", "kept")
        assert get() == "kept"
        monkeypatch.setenv(ENV_VAR, "from-env")
        assert get() == "from-env" and len(asked) == 1
    finally:
        keyring.set_keyring(old)
