"""The portal sync panel driven from Python against the local portal double."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crmdata import Store
from crmdata.ui.contacts import ContactsDashboard
from tests.onlyoffice_double import Portal


@pytest.fixture
def portal() -> Iterator[tuple[Portal, str]]:
    double = Portal()
    url = double.serve()
    yield double, url
    double.stop()


def test_pull_preview_and_push_from_the_dashboard(portal: tuple[Portal, str], tmp_path: Path) -> None:
    double, url = portal
    lore = double.add(False, first_name="Lore", last_name="Panel")
    twin = double.add(False, first_name="Lore", last_name="Panel")
    store = Store(tmp_path / "crm.duckdb")
    dash = ContactsDashboard(store)
    panel = dash.syncer
    panel.portal.value, panel.login.value, panel.password.value = url, double.login, double.password
    panel.pull_go.click()
    assert "2 new" in panel.banner.value and panel.password.value == ""
    assert "of 2 contacts" in dash.count.value
    ids = sorted(int(i) for i in store.contacts()["id"])
    store.merge(store.plan_merge(ids, survivor=ids[0]))
    panel.password.value = double.password
    panel.preview_go.click()
    assert "crm/contact/merge" in panel.table.value and lore in double.contacts and twin in double.contacts
    panel.password.value = double.password
    panel.push_go.click()
    assert "needs confirmation" in panel.banner.value and twin in double.contacts
    panel.password.value, panel.allow.value = double.password, True
    panel.push_go.click()
    assert twin not in double.contacts and "2 contact(s) done" in panel.banner.value


def test_pull_with_photos_from_the_dashboard(portal: tuple[Portal, str], tmp_path: Path) -> None:
    import io

    from PIL import Image

    double, url = portal
    lore = double.add(False, first_name="Lore", last_name="Bild")
    out = io.BytesIO()
    Image.new("RGB", (50, 50), (20, 160, 60)).save(out, "PNG")
    double.put_photo(lore, out.getvalue())
    store = Store(tmp_path / "crm.duckdb")
    panel = ContactsDashboard(store).syncer
    panel.portal.value, panel.login.value, panel.password.value = url, double.login, double.password
    panel.photos.value = True
    panel.pull_go.click()
    assert "1 photo(s) changed" in panel.banner.value
    cid = int(store.contacts()["id"].iloc[0])
    assert not store.photo(cid).is_default


def test_a_wrong_password_shows_a_message_not_a_traceback(portal: tuple[Portal, str], tmp_path: Path) -> None:
    double, url = portal
    dash = ContactsDashboard(Store(tmp_path / "crm.duckdb"))
    panel = dash.syncer
    panel.portal.value, panel.login.value, panel.password.value = url, double.login, "wrong-password"
    panel.pull_go.click()
    assert "did not accept the login" in panel.banner.value and "Traceback" not in panel.banner.value
    assert "wrong-password" not in panel.banner.value
