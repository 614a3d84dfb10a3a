"""Lookups: what the change set's read brought is used as is; a part it left out is read on
first use (pure: a literal loader records what it was asked for)."""

from __future__ import annotations

from typing import Any

from crmdata.edit.working_copy import Lookups, Part
from crmdata.model import ListType

TABLES: dict[Part, list[Any]] = {
    Part.LIST_ITEMS: [{"id": 3, "list_type": int(ListType.TEMPERATURE), "title": "Hot"},
          {"id": 9, "list_type": int(ListType.CONTACT_TYPE), "title": "Partner"}],
    Part.USERS: [{"id": 1, "login": "Admin"}, {"id": 4, "login": "mia"}],
    Part.NEXT_TAG_ID: ["17"],
}


def test_lookups_read_a_part_the_read_left_out_once_on_first_use() -> None:
    asked: list[Part] = []

    def load(label: Part) -> list[Any]:
        asked.append(label)
        return TABLES[label]

    lk = Lookups({Part.CUSTOM_FIELDS: [{"id": 5, "label": "Birthday", "field_type": 4, "scope": 5,
                                        "mask": None}],
                  Part.TAGS: [{"id": 2, "title": "VIP", "title_key": "vip"}]}, load)
    assert lk.tags == {"vip": (2, "VIP")} and lk.field("birthday") == (5, None)
    assert asked == []  # what the read brought needs no statement
    assert lk.list_item(ListType.TEMPERATURE, " hot ") == (3, None)
    assert lk.list_item(ListType.TEMPERATURE, "Partner") == (None, "there is no temperature level 'Partner'")
    assert lk.list_item(ListType.CONTACT_TYPE, 9) == (9, None)
    assert asked == [Part.LIST_ITEMS]
    assert lk.users == {"admin": 1, "mia": 4} and lk.user_logins == {1: "Admin", 4: "mia"}
    assert asked == [Part.LIST_ITEMS, Part.USERS]
    assert lk.next_tag_id == 17
    lk.next_tag_id += 1
    assert lk.next_tag_id == 18
    assert asked == [Part.LIST_ITEMS, Part.USERS, Part.NEXT_TAG_ID]
    assert Lookups({Part.NEXT_TAG_ID: ["4"]}, load).next_tag_id == 4  # brought by the read
    assert asked == [Part.LIST_ITEMS, Part.USERS, Part.NEXT_TAG_ID]
