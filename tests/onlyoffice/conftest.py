"""The portal the sync tests talk to: the local double (tests/onlyoffice_double.py) on 127.0.0.1,
or a real ONLYOFFICE portal when ``CRMDATA_TEST_PORTAL`` (its address),
``CRMDATA_TEST_PORTAL_LOGIN`` and ``CRMDATA_PORTAL_PASSWORD`` are set. Tests seed their contacts
through the API, so the same tests run against both; tests that inject faults need the double."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crmdata import Store
from crmdata.onlyoffice import PortalClient
from tests.onlyoffice_double import Portal


@dataclass
class PortalUnderTest:
    url: str
    login: str
    password: str
    double: Portal | None
    client: PortalClient

    def person(self, first: str, last: str, **extra: Any) -> int:
        body = {"firstName": first, "lastName": last, "shareType": 1, **extra}
        return int(self.client.call("POST", "crm/contact/person.json", body=body).response["id"])

    def company(self, name: str, **extra: Any) -> int:
        body = {"companyName": name, "shareType": 1, **extra}
        return int(self.client.call("POST", "crm/contact/company.json", body=body).response["id"])

    def info(self, pid: int, *items: tuple[int, int, str, bool]) -> None:
        self.client.call(
            "POST",
            f"crm/contact/{pid}/batch.json",
            body={
                "items": [{"infoType": t, "category": c, "data": d, "isPrimary": p} for t, c, d, p in items]
            },
        )

    def tag(self, pid: int, name: str) -> None:
        self.client.call("POST", f"crm/contact/{pid}/tag.json", body={"tagName": name})

    def status(self, pid: int, title: str) -> None:
        statuses = self.client.get("crm/contact/status.json")
        sid = next(int(s["id"]) for s in statuses if s["title"] == title)
        self.client.call("PUT", f"crm/contact/{pid}/status.json", body={"contactStatusid": sid})

    def custom(self, pid: int, label: str, value: str) -> None:
        defs = self.client.get("crm/contact/customfield/definitions.json")
        fid = next((int(d["id"]) for d in defs if d["label"] == label), None)
        if fid is None:
            fid = int(
                self.client.call(
                    "POST", "crm/contact/customfield.json", body={"label": label, "fieldType": 0}
                ).response["id"]
            )
        self.client.call("POST", f"crm/contact/{pid}/customfield/{fid}.json", body={"fieldValue": value})

    def set_photo(self, pid: int, data: bytes, name: str = "photo.png") -> str:
        """Upload a photo through the API (PUT changephoto, multipart); returns the address."""
        got = self.client.call(
            "PUT", f"crm/contact/{pid}/changephoto.json", files={"photo": (name, data, "image/png")}
        )
        return str(got.response)

    def photo(self, pid: int) -> bytes | None:
        """The contact's photo as the portal serves it (82 px), None for the default avatar."""
        from crmdata.onlyoffice.photos import handler_url, read_photo

        return read_photo(self.client, handler_url(self.client.contact(pid))).data

    def read(self, pid: int) -> dict[str, Any]:
        item = self.client.contact(pid)
        item["tags"] = self.client.contact_tags(pid)
        return item

    def exists(self, pid: int) -> bool:
        from crmdata.onlyoffice import PortalNotFound

        try:
            self.client.contact(pid)
        except PortalNotFound:
            return False
        return True

    def kw(self) -> dict[str, str]:
        return {"portal": self.url, "login": self.login, "password": self.password}


@pytest.fixture
def portal() -> Iterator[PortalUnderTest]:
    real = os.environ.get("CRMDATA_TEST_PORTAL")
    if real:
        login = os.environ["CRMDATA_TEST_PORTAL_LOGIN"]
        password = os.environ["CRMDATA_PORTAL_PASSWORD"]
        with PortalClient(real, login, password) as client:
            yield PortalUnderTest(real, login, password, None, client)
        return
    double = Portal()
    url = double.serve()
    with PortalClient(url, double.login, double.password) as client:
        yield PortalUnderTest(url, double.login, double.password, double, client)
    double.stop()


@pytest.fixture
def double(portal: PortalUnderTest) -> Portal:
    """The local double itself, for tests that inject faults (skipped against a real portal)."""
    if portal.double is None:
        pytest.skip("fault injection needs the local portal double")
    return portal.double


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "crm.duckdb") as s:
        yield s


def linked(store: Store, portal_id: int) -> int:
    """The crmdata id of a portal contact."""
    with store.db.read() as tx:
        return int(tx.scalar("SELECT contact_id FROM sync_links WHERE portal_id = ?", [portal_id]))


def png(color: tuple[int, int, int], size: tuple[int, int] = (120, 90)) -> bytes:
    """A plain image of one colour."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def mean_color(data: bytes) -> tuple[int, ...]:
    """The average colour of an image (renditions are re-encoded, so colours are compared roughly)."""
    import io

    from PIL import Image, ImageStat

    with Image.open(io.BytesIO(data)) as img:
        return tuple(round(v) for v in ImageStat.Stat(img.convert("RGB")).mean)


def near(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return all(abs(x - y) <= 12 for x, y in zip(a, b, strict=True))


def dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
