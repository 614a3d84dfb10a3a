"""Temperature levels, contact types, tags and custom field definitions with ONLYOFFICE's rules."""

from __future__ import annotations

import pytest

from crmdata import AccessDenied, Conflict, Store, ValidationFailed
from crmdata.edit import lists
from crmdata.model import CustomFieldType, FieldScope, ListType

from ..builders import person


def test_list_rules(store: Store) -> None:
    levels = lists.ListEditor(store.db, store.user, ListType.TEMPERATURE)
    assert levels.add("warm", "#000000") == 2  # existing title (any case): existing id
    with pytest.raises(ValidationFailed, match="needs a colour"):
        levels.add("Boiling")
    boiling = levels.add("Boiling", "#ff0000")
    cid = person(store, temperature="Boiling")
    with pytest.raises(Conflict, match="1 contact"):
        levels.rename("boiling", "Very hot")
    with pytest.raises(Conflict, match="1 contact"):
        levels.delete("Boiling")
    levels.set_color("Boiling", "#00ff00")  # always allowed
    assert store.temperature_levels().set_index("id").loc[boiling, "color"] == "#00ff00"
    cs = store.change()
    cs.set_temperature(cid, None)
    cs.commit()
    levels.rename("Boiling", "Very hot")
    levels.reorder(["Very hot", "Hot", "Warm", "Cold"])
    assert list(store.temperature_levels()["title"]) == ["Very hot", "Hot", "Warm", "Cold"]
    for title in ("Very hot", "Hot", "Warm"):
        levels.delete(title)
    with pytest.raises(Conflict, match="last one"):
        levels.delete("Cold")
    types = lists.ListEditor(store.db, store.user, ListType.CONTACT_TYPE)
    types.add("Reseller")  # contact types have no colour
    assert "Reseller" in set(store.contact_types()["title"])
    store.add_user("olaf")
    with pytest.raises(AccessDenied):
        olaf = store.as_user("olaf")
        lists.ListEditor(olaf.db, olaf.user, ListType.CONTACT_TYPE).add("Mine")


def test_tags(store: Store) -> None:
    tid = lists.create_tag(store.db, store.user, "  Trade   fair ")
    with pytest.raises(Conflict, match="already exists"):
        lists.create_tag(store.db, store.user, "TRADE FAIR")
    a, b = person(store, "A"), person(store, "B")
    for cid in (a, b):
        cs = store.change()
        cs.add_tags(cid, "trade fair")
        cs.commit()
    assert store.contact(a).tags == ["Trade fair"]
    assert lists.delete_tag(store.db, store.user, "Trade Fair") == 2
    assert store.contact(a).tags == [] and store.contact(a).fields["version"] == 3
    assert tid not in set(store.tags()["tag"])
    assert lists.delete_unused_tags(store.db, store.user) == 4  # the four default tags


def test_custom_field_rules(store: Store) -> None:
    size = lists.add_custom_field(store.db, store.user, "Size", CustomFieldType.SELECT, FieldScope.PERSON,
                                  ["S", "M"])
    with pytest.raises(ValidationFailed, match="cannot be saved"):
        lists.add_custom_field(store.db, store.user, "Bad", CustomFieldType.TEXT, mask={"size": 500})
    cid = person(store)
    cs = store.change()
    cs.set_custom(cid, "Size", "M")
    cs.commit()
    with pytest.raises(ValidationFailed) as err:
        lists.edit_custom_field(store.db, store.user, size, mask=["S", "L"], field_type=CustomFieldType.TEXT)
    text = str(err.value)
    assert "type cannot change" in text
    with pytest.raises(ValidationFailed, match="can only be added"):
        lists.edit_custom_field(store.db, store.user, size, mask=["S", "L"])
    lists.edit_custom_field(store.db, store.user, size, label="T-shirt size", mask=["S", "M", "L"])
    assert store.contact(cid).custom == {"T-shirt size": "M"}
    assert lists.delete_custom_field(store.db, store.user, size) == 1
    assert store.contact(cid).custom == {}
    with store.db.read() as tx:
        assert tx.scalar("SELECT count(*) FROM journal WHERE action = 'lists'") == 3
