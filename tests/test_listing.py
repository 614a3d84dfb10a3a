"""List extras of a search page: last activity and 40 px thumbnails, for visible contacts only."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image

from crmdata import Store
from crmdata.listing import page_extras
from crmdata.model import ShareType


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (300, 300), (10, 200, 10)).save(buf, "PNG")
    return buf.getvalue()


def test_last_activity_thumbnails_and_access(store: Store) -> None:
    cs = store.change()
    ann = cs.create_person("Ann", "Berg")
    acme = cs.create_company("Acme")
    secret = cs.create_person("Sid", "Secret")
    cs.set_access(secret, ShareType.NONE, [])
    ids = cs.commit(on_duplicate="save").created
    a, c, s = ids[ann], ids[acme], ids[secret]
    with store.db.transaction() as tx:  # two history events for Ann
        tx.executemany(
            "INSERT INTO history_events (id, contact_id, category, content, event_at, created_by) "
            "VALUES (?, ?, 'Note', 'x', ?, 1)",
            [(1, a, dt.datetime(2026, 3, 1, 9)), (2, a, dt.datetime(2026, 5, 2, 10))])
    store.set_photo(c, _png())
    store.add_user("bob")
    got = page_extras(store.db, store.user, [a, c, s])
    assert got[a].last_activity == dt.datetime(2026, 5, 2, 10) and got[c].last_activity is None
    assert not got[a].has_photo and got[a].thumb == store.photo(a, "40").data  # the default person image
    assert got[c].has_photo and got[c].thumb == store.photo(c, "40").data
    assert got[c].thumb_data_uri().startswith("data:image/")
    assert set(page_extras(store.db, store.as_user("bob").user, [a, c, s])) == {a, c}  # Sid is restricted
    assert page_extras(store.db, store.user, []) == {}
