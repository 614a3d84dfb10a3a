"""``crmdata edit / tag / delete / history / undo / fill-keys`` on a real store file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from crmdata import Store
from crmdata.cli import cli


def run(db: Path, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], input=input, catch_exceptions=False)
    return result.exit_code, result.output


def test_edit_tag_history_undo_delete(store_path: Path) -> None:
    Store(store_path).close()
    code, out = run(store_path, "edit", "person", "--set", "first_name=Lore", "--set", "last_name=Hamann",
                    "--add", "email=lore@example.com", "--region", "DE", "--add", "phone=030 1234567")
    assert code == 0, out
    assert "created contact 1" in out
    code, out = run(store_path, "edit", "1", "--set", "title=CEO", "--dry-run")
    assert code == 0 and "CEO" in out and "nothing was written" in out
    assert Store(store_path).contact(1).fields["title"] is None
    code, out = run(store_path, "edit", "1", "--set", "title=CEO", "--set", "temperature=Hot")
    assert code == 0 and "updated 1 contact" in out
    code, out = run(store_path, "edit", "1", "--add", "email=broken", "--set", "temperature=Tepid")
    assert code == 1 and "broken" in out and "Tepid" in out  # both problems at once
    code, out = run(store_path, "edit", "1", "--add", "fax=1")  # a type the user typed: no traceback
    assert code == 1 and out.startswith("Error: 'fax' is not a contact info type") and "email" in out
    code, out = run(store_path, "edit", "person", "--set", "first_name=Twin",
                    "--add", "email=LORE@example.com")
    assert code == 1 and "likely duplicate" in out and "save-duplicates" in out
    code, out = run(store_path, "tag", "1", "--add", "VIP", "--add", "Lead")
    assert code == 0, out
    assert Store(store_path).contact(1).tags == ["Lead", "VIP"]
    code, out = run(store_path, "history", "1", "--format", "csv")
    assert code == 0 and "title" in out and "CEO" in out
    code, out = run(store_path, "undo", "3", "--dry-run")  # the tag change set
    assert code == 0 and "can be undone" in out
    code, out = run(store_path, "undo", "3")
    assert code == 0 and Store(store_path).contact(1).tags == []
    code, out = run(store_path, "edit", "1", "--set", "title=CTO", "--version", "1")
    assert code == 1 and "after you read it" in out
    code, out = run(store_path, "delete", "1", input="n\n")
    assert code == 1 and "Would delete 1 contact(s) with 2 info rows" in out
    assert Store(store_path).count() == 1
    code, out = run(store_path, "delete", "1", "--yes")
    assert code == 0 and "Deleted 1 contact(s)" in out
    assert Store(store_path).count() == 0
    code, out = run(store_path, "history", "1")
    assert code == 1 and "There is no contact 1" in out


def test_fill_keys(store_path: Path) -> None:
    store = Store(store_path)
    cs = store.change(region="DE")
    ref = cs.create_person("A")
    cs.add_info(ref, "phone", "030 1234567")
    cs.commit()
    with store.db.transaction() as tx:
        tx.execute("UPDATE contact_info SET e164 = NULL")
    store.close()
    code, out = run(store_path, "fill-keys", "--region", "DE")
    assert code == 0 and "1 phone(s)" in out
