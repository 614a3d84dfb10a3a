"""Lookups: what the change set's read brought is used as is; a part it left out is read on
first use (pure: a literal loader records what it was asked for)."""

from __future__ import annotations

from typing import Any

from crmdata.edit.state import Lookups
from crmdata.model import ListType

TABLES: dict[str, list[Any]] = {
    "i": [{"id": 3, "list_type": int(ListType.TEMPERATURE), "title": "Hot"},
          {"id": 9, "list_type": int(ListType.CONTACT_TYPE), "title": "Partner"}],
    "u": [{"id": 1, "login": "Admin"}, {"id": 4, "login": "mia"}],
    "n": ["17"],
}


def test_lookups_read_a_part_the_read_left_out_once_on_first_use() -> None:
    asked: list[str] = []

    def load(label: str) -> list[Any]:
        asked.append(label)
        return TABLES[label]

    lk = Lookups({"f": [{"id": 5, "label": "Birthday", "field_type": 4, "scope": 5, "mask": None}],
                  "t": [{"id": 2, "title": "VIP", "title_key": "vip"}]}, load)
    assert lk.tags == {"vip": (2, "VIP")} and lk.field("birthday") == (5, None)
    assert asked == []  # what the read brought needs no statement
    assert lk.list_item(ListType.TEMPERATURE, " hot ") == (3, None)
    assert lk.list_item(ListType.TEMPERATURE, "Partner") == (None, "there is no temperature level 'Partner'")
    assert lk.list_item(ListType.CONTACT_TYPE, 9) == (9, None)
    assert asked == ["i"]
    assert lk.users == {"admin": 1, "mia": 4} and lk.user_logins == {1: "Admin", 4: "mia"}
    assert asked == ["i", "u"]
    assert lk.next_tag_id == 17
    lk.next_tag_id += 1
    assert lk.next_tag_id == 18
    assert asked == ["i", "u", "n"]
    assert Lookups({"n": ["4"]}, load).next_tag_id == 4 and asked == ["i", "u", "n"]  # brought by the read
