"""The access rule on every path of the library (issue 17, items 3 to 5).

Rule: every value that comes from another contact (company name, deal, history, merge
candidate, duplicate pair) passes the view check of that other contact; every write to a
contact passes its edit check, whichever command makes it.

The store is the generated sample (2,000 rows) with the users admin, alice and bob. Admin
restricts a company to alice (``SECRET``), links a public person to it, gives a restricted
person a deal whose participant is public, history and a photo, and makes a company that bob
may only read (``READONLY``). Then bob walks every read path (nothing of the hidden contacts
may show: no marker text, no id) and every write path (nothing of the read-only or hidden
contacts may change). :data:`READS` and :data:`WRITES` name every public verb of ``Store``
and every change-set operation; a new verb without an entry fails
:func:`test_every_path_is_in_the_matrix`.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from PIL import Image

from crmdata import AccessDenied, CrmDataError, NotFound, Store
from crmdata.activity import add_deals, add_history
from crmdata.csvio.plain import export_plain
from crmdata.edit import ChangeSet
from crmdata.listing import page_extras
from crmdata.model import ShareType
from crmdata.search.filters import Filters

from .csvio.helpers import write_oo

#: Text that exists only in contacts bob may not view.
MARKERS = ("Zyxwv", "zyxwv")
#: Columns that hold contact ids in the frames the library returns.
ID_COLUMNS = ("id", "contact_id", "contact_id_1", "contact_id_2", "company_id", "survivor", "target")


@dataclass
class World:
    path: Path
    secret: int  # company restricted to alice
    public_person: int  # a public person linked to SECRET, in SECRET's deal
    hidden: int  # a restricted person (alice), main contact of the deal, with history and photo
    hidden_twin: int  # a public duplicate of HIDDEN (same name and email)
    readonly: int  # a company bob may only read
    readonly_email: str
    deal: int
    admin_change: int  # an admin change set on READONLY and HIDDEN

    def hidden_ids(self) -> set[int]:
        return {self.secret, self.hidden}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 60), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def built_world(probe_store_file: Path, tmp_path_factory: pytest.TempPathFactory) -> World:
    """The world, built once; read tests share it, write tests get a copy (:func:`world`)."""
    path = tmp_path_factory.mktemp("world17") / "crm.duckdb"
    shutil.copyfile(probe_store_file, path)
    with Store(path) as admin:
        cs = admin.change()
        secret = cs.create_company("Zyxwv Secret Holding", notes="zyxwv notes")
        cs.set_access(secret, ShareType.NONE, ["alice"])
        hidden = cs.create_person("Quirin", "Hiddenmann", title="Zyxwv agent")
        cs.add_info(hidden, "email", "quirin.hiddenmann@probe.example")
        cs.set_access(hidden, ShareType.NONE, ["alice"])
        readonly = cs.create_company("Readonly Probe  GmbH")
        cs.add_info(readonly, "email", "INFO@READONLY-PROBE.EXAMPLE")
        cs.add_tags(readonly, "probe")
        cs.set_access(readonly, ShareType.READ, ["alice"])
        public = cs.create_person("Pia", "Publicova")
        cs.link_company(public, secret)
        made = cs.commit(on_duplicate="save").created
        ids = {k: made[v] for k, v in
               (("secret", secret), ("hidden", hidden), ("readonly", readonly), ("public", public))}
        cs = admin.change()
        twin = cs.create_person("Quirin", "Hiddenmann")
        cs.add_info(twin, "email", "quirin.hiddenmann@probe.example")
        ids["twin"] = cs.commit(on_duplicate="save").created[twin]
        deal, = add_deals(admin.db, admin.user, pd.DataFrame({
            "contact_id": [ids["hidden"]], "title": ["Zyxwv Deal"], "bid_value": [12345.0],
            "participant_ids": [[ids["public"]]]}))
        add_history(admin.db, admin.user, pd.DataFrame({
            "contact_id": [ids["hidden"], ids["public"]], "category": ["Call", "Note"],
            "content": ["zyxwv call", "about the deal"], "deal_id": [deal, deal]}))
        admin.set_photo(ids["hidden"], _png())
        cs = admin.change()
        cs.update(ids["readonly"], notes="set by admin")
        cs.update(ids["hidden"], notes="zyxwv set by admin")
        change = cs.commit(on_duplicate="save").change_set_id
        assert change is not None
        admin.checkpoint()
    return World(path, ids["secret"], ids["public"], ids["hidden"], ids["twin"],
                 ids["readonly"], "INFO@READONLY-PROBE.EXAMPLE", deal, change)


@pytest.fixture
def world(built_world: World, tmp_path: Path) -> World:
    """A private copy of the world for a test that writes."""
    path = tmp_path / "crm.duckdb"
    shutil.copyfile(built_world.path, path)
    return replace(built_world, path=path)


# -- what bob may see ------------------------------------------------------------------------------
def _texts(value: Any) -> str:
    if isinstance(value, pd.DataFrame):
        return value.to_csv(index=False)
    if isinstance(value, dict):
        return "\n".join(f"{k}={_texts(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return "\n".join(_texts(v) for v in value)
    if hasattr(value, "__dict__"):
        return _texts(vars(value))
    return str(value)


def _ids(value: Any) -> set[int]:
    out: set[int] = set()
    if isinstance(value, pd.DataFrame):
        if {"field", "before", "after"} <= set(value.columns):  # a history: links to other contacts
            links = value[value["field"].isin(ID_COLUMNS)]
            out |= {int(v) for col in ("before", "after") for v in links[col].dropna()}
        for col in ID_COLUMNS:
            if col == "id" and "contact_id" in value.columns:
                continue  # the row's own id (an info row, an event), not a contact's
            if col in value.columns:
                out |= {int(v) for v in value[col].dropna()}
    elif isinstance(value, dict):
        for k, v in value.items():
            if k in ID_COLUMNS and isinstance(v, int):
                out.add(v)
            out |= _ids(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            out |= _ids(v)
    elif hasattr(value, "__dict__"):
        out |= _ids(vars(value))
    return out


def _preview_link(s: Store, w: World) -> Any:
    cs = s.change()
    cs.link_company(w.public_person, w.secret)
    return cs.preview()


def _preview_twin(s: Store, w: World) -> Any:
    """The write-back duplicate check: a new contact like HIDDEN finds only the public twin."""
    cs = s.change()
    p = cs.create_person("Quirin", "Hiddenmann")
    cs.add_info(p, "email", "quirin.hiddenmann@probe.example")
    return cs.preview()


def _export(s: Store, w: World) -> str:
    target = w.path.parent / "bob-export.csv"
    s.export_onlyoffice(target)
    return target.read_text(encoding="utf-8-sig")


def _export_contacts(s: Store, w: World, fmt: str) -> str:
    target = w.path.parent / f"bob-export.{fmt}"
    s.export_contacts(target, fmt=fmt)
    return target.read_text(encoding="utf-8-sig")


def _plain_export(s: Store, w: World) -> str:
    target = w.path.parent / "bob-plain.csv"
    export_plain(s.contacts(), target, {"display_name": "Name", "company_name": "Company"})
    return target.read_text(encoding="utf-8-sig")


#: Read paths: name -> call. Each result must hold no marker and no hidden id.
READS: dict[str, Callable[[Store, World], Any]] = {
    "contacts": lambda s, w: s.contacts(),
    "contacts(ids)": lambda s, w: s.contacts([w.public_person, w.hidden, w.secret]),
    "info": lambda s, w: s.info(),
    "tag_links": lambda s, w: s.tag_links(),
    "custom_values": lambda s, w: s.custom_values(),
    "tags": lambda s, w: s.tags(),
    "summary": lambda s, w: s.summary(),
    "count": lambda s, w: s.count(),
    "last_activity": lambda s, w: s.last_activity(),
    "contact(public person)": lambda s, w: s.contact(w.public_person),
    "contact(readonly)": lambda s, w: s.contact(w.readonly),
    "search(all)": lambda s, w: s.search("", page_size=10_000),
    "search(company name)": lambda s, w: s.search("Zyxwv", page_size=10_000),
    "search(person)": lambda s, w: s.search("Publicova"),
    "search(with opportunities)": lambda s, w: s.search("", Filters(show="with_opportunities"),
                                                        page_size=10_000),
    "export_onlyoffice": _export,
    "export_plain": _plain_export,
    "export_contacts(vcard)": lambda s, w: _export_contacts(s, w, "vcard"),
    "export_contacts(google)": lambda s, w: _export_contacts(s, w, "google"),
    "kept_values(public person)": lambda s, w: s.kept_values(w.public_person),
    "find_duplicates": lambda s, w: s.find_duplicates().pairs,
    "history(public person)": lambda s, w: s.history(w.public_person),
    "check": lambda s, w: s.check(),
    "clean(preview)": lambda s, w: s.clean().preview(),
    "photo(public person)": lambda s, w: s.photo(w.public_person),
    "photo_suggestions(public person)": lambda s, w: s.photo_suggestions(w.public_person, timeout=0.01),
    "page_extras": lambda s, w: page_extras(s.db, s.user, [w.public_person, w.hidden, w.secret]),
    "preview(link to hidden company)": _preview_link,
    "preview(duplicate of hidden)": _preview_twin,
    "plan_merge(twin, public)": lambda s, w: s.plan_merge([w.hidden_twin, w.public_person]),
    "plan_merge(twin, public).table": lambda s, w: s.plan_merge([w.hidden_twin, w.public_person]).table(),
}
#: Read paths that name a hidden contact: each must answer "there is no contact" and nothing else.
NOT_FOUND: dict[str, Callable[[Store, World], Any]] = {
    "contact(hidden)": lambda s, w: s.contact(w.hidden),
    "contact(secret)": lambda s, w: s.contact(w.secret),
    "history(hidden)": lambda s, w: s.history(w.hidden),
    "photo(hidden)": lambda s, w: s.photo(w.hidden),
    "photo_suggestions(hidden)": lambda s, w: s.photo_suggestions(w.hidden, timeout=0.01),
    "plan_merge(twin, hidden)": lambda s, w: s.plan_merge([w.hidden_twin, w.hidden]),
    "decide(twin, hidden)": lambda s, w: s.decide(w.hidden_twin, w.hidden, "not_duplicate"),
    "undo(admin change on hidden)": lambda s, w: s.undo(w.admin_change),
    "history event on hidden deal": lambda s, w: add_history(s.db, s.user, pd.DataFrame(
        {"contact_id": [w.public_person], "category": ["Note"], "content": ["x"], "deal_id": [w.deal]})),
}


@pytest.mark.parametrize("name", list(READS))
def test_bob_reads_nothing_of_hidden_contacts(built_world: World, name: str) -> None:
    world = built_world
    with Store(world.path, user="bob") as bob:
        result = READS[name](bob, world)
    text = _texts(result)
    assert not [m for m in MARKERS if m in text], (name, text[:2000])
    assert not (_ids(result) & world.hidden_ids()), name
    # "contact 2001", "(#2001)", "=#2001"; not an info row's "Phone #2001"
    named = [m for i in world.hidden_ids() for m in re.finditer(rf"contact {i}\b|(?<!\w )#{i}\b", text)]
    assert not named, (name, [text[max(0, m.start() - 60):m.end() + 20] for m in named])


@pytest.mark.parametrize("name", list(NOT_FOUND))
def test_bob_is_told_hidden_contacts_do_not_exist(built_world: World, name: str) -> None:
    world = built_world  # every call here refuses, so the shared world stays as it is
    with Store(world.path, user="bob") as bob:
        with pytest.raises(CrmDataError) as err:
            NOT_FOUND[name](bob, world)
    message = str(err.value) + " " + _texts(getattr(err.value, "problems", []))
    assert isinstance(err.value, NotFound) or "there is no" in message.lower(), (name, message)
    assert not [m for m in MARKERS if m in message] and "Hiddenmann" not in message


def test_the_public_persons_detail_shows_no_hidden_company_or_deal(built_world: World) -> None:
    """Items 3 and 4 as the issue states them, and what alice (a manager) still sees."""
    world = built_world
    with Store(world.path, user="bob") as bob:
        d = bob.contact(world.public_person)
        assert d.fields["company"] is None and d.fields["company_id"] is None
        assert d.deals.empty
        assert d.history["deal_id"].isna().all() and list(d.history["content"]) == ["about the deal"]
        row = bob.contacts([world.public_person]).iloc[0]
        assert pd.isna(row.company_name) and pd.isna(row.company_id)
        hit = bob.search("Publicova").iloc[0]
        assert hit.company_name is None and pd.isna(hit.company_id)
    with Store(world.path, user="alice") as alice:
        d = alice.contact(world.public_person)
        assert d.fields["company"] == "Zyxwv Secret Holding" and d.fields["company_id"] == world.secret
        assert list(d.deals["title"]) == ["Zyxwv Deal"] and float(d.deals["bid_value"].iloc[0]) == 12345.0
        assert alice.search("Publicova").iloc[0].company_name == "Zyxwv Secret Holding"


# -- what bob may not write ------------------------------------------------------------------------
def _rows_of(path: Path, ids: set[int]) -> dict[str, pd.DataFrame]:
    """Every row that belongs to the given contacts, table by table."""
    where = {
        "contacts": "id IN ({ids})", "contact_info": "contact_id IN ({ids})",
        "contact_tags": "contact_id IN ({ids})", "custom_values": "contact_id IN ({ids})",
        "contact_managers": "contact_id IN ({ids})", "photos": "contact_id IN ({ids})",
        "deals": "contact_id IN ({ids})", "deal_participants": "contact_id IN ({ids})",
        "history_events": "contact_id IN ({ids})", "dedupe_decisions": "id1 IN ({ids}) OR id2 IN ({ids})",
    }
    listed = ", ".join(map(str, sorted(ids)))
    with Store(path) as s, s.db.read() as tx:
        return {t: tx.df(f"SELECT * FROM {t} WHERE {w.format(ids=listed)} ORDER BY ALL")
                for t, w in where.items()}


def _commit(build: Callable[[ChangeSet, World], Any]) -> Callable[[Store, World], Any]:
    def run(s: Store, w: World) -> Any:
        cs = s.change()
        build(cs, w)
        return cs.commit(on_duplicate="save")
    return run


def _import(rows: list[dict[str, str]], via: str = "import_onlyoffice",
            **options: Any) -> Callable[[Store, World], Any]:
    """An import of ``rows`` as bob, through ``via`` (``import_onlyoffice``, or the
    format-recognising ``import_contacts``)."""
    def run(s: Store, w: World) -> Any:
        filled = [{k: v.format(ro=w.readonly, hidden=w.hidden, email=w.readonly_email) for k, v in r.items()}
                  for r in rows]
        extra = [k for r in filled for k in r if k == "Id"]
        source = write_oo(w.path.parent / "bob.csv", filled, extra=list(dict.fromkeys(extra)))
        return getattr(s, via)(source, **options)
    return run


def _merge(s: Store, w: World) -> Any:
    other = int(s.search("", Filters(show="companies")).query("id != @w.readonly").id.iloc[0])
    return s.merge(s.plan_merge([other, w.readonly], survivor=other))


def _merge_into(s: Store, w: World) -> Any:
    other = int(s.search("", Filters(show="companies")).query("id != @w.readonly").id.iloc[0])
    return s.merge(s.plan_merge([other, w.readonly], survivor=w.readonly))


def _clean(s: Store, w: World) -> Any:
    cleanup = s.clean()
    assert w.readonly in set(cleanup.skipped["contact_id"]), "the read-only company has fixable findings"
    return cleanup.commit()


#: Write paths: name -> call as bob on READONLY (may view, not edit) and HIDDEN (may not view).
#: Each must refuse with a clear error, or succeed without touching those two.
WRITES: dict[str, Callable[[Store, World], Any]] = {
    "update": _commit(lambda cs, w: cs.update(w.readonly, notes="bob was here")),
    "update(hidden)": _commit(lambda cs, w: cs.update(w.hidden, notes="bob was here")),
    "set_temperature": _commit(lambda cs, w: cs.set_temperature(w.readonly, "Hot")),
    "set_contact_type": _commit(lambda cs, w: cs.set_contact_type(w.readonly, "Client")),
    "link_company(person of readonly)": _commit(lambda cs, w: cs.link_company(w.readonly, None)),
    "add_info": _commit(lambda cs, w: cs.add_info(w.readonly, "phone", "+49 30 1234567")),
    "change_info": _commit(lambda cs, w: cs.change_info(
        w.readonly, int(Store(w.path).info([w.readonly]).id.iloc[0]), "x@y.example")),
    "delete_info": _commit(lambda cs, w: cs.delete_info(
        w.readonly, int(Store(w.path).info([w.readonly]).id.iloc[0]))),
    "set_primary": _commit(lambda cs, w: cs.set_primary(
        w.readonly, int(Store(w.path).info([w.readonly]).id.iloc[0]))),
    "set_custom": _commit(lambda cs, w: cs.set_custom(w.readonly, "Segment", "B2B")),
    "add_tags (tag)": _commit(lambda cs, w: cs.add_tags(w.readonly, "bobs")),
    "remove_tags (tag)": _commit(lambda cs, w: cs.remove_tags(w.readonly, "probe")),
    "set_access": _commit(lambda cs, w: cs.set_access(w.readonly, ShareType.NONE, ["bob"])),
    "set_access(hidden)": _commit(lambda cs, w: cs.set_access(w.hidden, ShareType.NONE, ["bob"])),
    "delete": lambda s, w: s.delete(w.readonly),
    "delete(hidden)": lambda s, w: s.delete(w.hidden),
    "merge(readonly removed)": _merge,
    "merge(readonly survives)": _merge_into,
    "merge(hidden)": lambda s, w: s.merge(s.plan_merge([w.hidden_twin, w.hidden])),
    "clean": _clean,
    "set_photo": lambda s, w: s.set_photo(w.readonly, _png()),
    "set_photo(hidden)": lambda s, w: s.set_photo(w.hidden, _png()),
    "remove_photo(hidden)": lambda s, w: s.remove_photo(w.hidden),
    "undo(admin change)": lambda s, w: s.undo(w.admin_change),
    "add_deals": lambda s, w: add_deals(s.db, s.user,
                                        pd.DataFrame({"contact_id": [w.readonly], "title": ["bob deal"]})),
    "add_deals(participant)": lambda s, w: add_deals(s.db, s.user, pd.DataFrame(
        {"contact_id": [w.hidden_twin], "title": ["bob deal"], "participant_ids": [[w.readonly]]})),
    "add_history": lambda s, w: add_history(s.db, s.user, pd.DataFrame(
        {"contact_id": [w.readonly], "category": ["Note"], "content": ["bob"]})),
    "decide(readonly)": lambda s, w: s.decide(w.readonly, w.hidden, "duplicate"),
    "import_onlyoffice(person of readonly, --manager --tag)": _import(
        [{"First Name": "Ben", "Last Name": "Probe", "Company Name": "Readonly Probe  GmbH"}],
        managers=["bob"], tags=["bobs"]),
    "import_onlyoffice(update by email)": _import(
        [{"Company Name": "Readonly Probe  GmbH", "Email (work)": "{email}", "Note": "bob"}],
        duplicates="update"),
    "import_onlyoffice(update by id)": _import(
        [{"Id": "{ro}", "Company Name": "Readonly Probe  GmbH", "Note": "bob"}]),
    "import_onlyoffice(update hidden by id)": _import(
        [{"Id": "{hidden}", "First Name": "Quirin", "Note": "bob"}]),
    "import_contacts(update by email)": _import(
        [{"Company Name": "Readonly Probe  GmbH", "Email (work)": "{email}", "Note": "bob"}],
        via="import_contacts", duplicates="update"),
    "sync_pull": lambda s, w: s.sync_pull(portal="http://127.0.0.1:9", login="bob", password="x"),
    "sync_push": lambda s, w: s.sync_push(portal="http://127.0.0.1:9", login="bob", password="x"),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_bob_writes_nothing_to_contacts_he_may_not_edit(world: World, name: str) -> None:
    guarded = {world.readonly, world.hidden, world.secret}
    before = _rows_of(world.path, guarded)
    with Store(world.path, user="bob") as bob:
        try:
            WRITES[name](bob, world)
        except (AccessDenied, NotFound) as err:
            assert "Zyxwv" not in str(err) and "Hiddenmann" not in str(err), str(err)
        except CrmDataError as err:  # a refusal with a list of problems (imports, bulk writes)
            text = str(err) + _texts(getattr(err, "problems", []))
            assert "may not edit" in text or "there is no" in text.lower(), text
            assert "Zyxwv" not in text and "Hiddenmann" not in text, text
    after = _rows_of(world.path, guarded)
    for table, frame in before.items():
        pd.testing.assert_frame_equal(after[table], frame, obj=f"{name}: {table}")


def test_bob_may_still_do_what_he_may(world: World) -> None:
    """The guard refuses only what the rule refuses: bob edits, tags and links the public
    person, imports a person of the read-only company, and undoes his own import."""
    with Store(world.path, user="bob") as bob:
        cs = bob.change()
        cs.update(world.public_person, title="Prober")
        cs.add_tags(world.public_person, "bobs")
        cs.link_company(world.public_person, world.readonly)
        assert cs.commit().status == "committed"
        assert bob.contact(world.public_person).fields["company"] == "Readonly Probe  GmbH"
        ben = {"First Name": "Ben", "Last Name": "Probe", "Company Name": "Readonly Probe  GmbH"}
        report = _import([ben],
                         managers=["bob"], tags=["bobs"])(bob, world)
        assert report.imported == 1
        bob.undo(report.journal_id)
        assert bob.search("Probe Ben").empty


#: Store members that are not a path to contact data, with the reason.
NOT_CONTACT_PATHS = {
    "as_user": "opens the same store as another user",
    "users": "the user list", "add_user": "admins only (tested in test_store)",
    "temperature_levels": "list definitions", "contact_types": "list definitions",
    "custom_fields": "field definitions",
    "match_settings": "which custom fields matching reads",
    "set_match_settings": "admins only (tested in tests/cli/test_match_settings)",
    "checkpoint": "file housekeeping", "close": "file housekeeping",
    "refresh_search_index": "file housekeeping (the full-text index is filtered by access when read)",
    "change": "the change-set operations are listed one by one", "preview": "see READS",
}


def test_every_path_is_in_the_matrix() -> None:
    """Every public verb of ``Store`` and every change-set operation is in READS, NOT_FOUND or
    WRITES (or named as not a contact path): a new path must be added here to pass."""
    covered = " ".join([*READS, *NOT_FOUND, *WRITES])
    verbs = {n for n in dir(Store) if not n.startswith("_") and callable(getattr(Store, n))}
    ops = {n for n in dir(ChangeSet) if not n.startswith("_") and callable(getattr(ChangeSet, n))}
    ops -= {"pin", "targets", "commit", "preview", "create_person", "create_company"}  # not writes to others
    missing = sorted(n for n in verbs | ops if n not in NOT_CONTACT_PATHS and n not in covered)
    assert missing == []


# -- the write gate every journal entry passes -----------------------------------------------------
def _forgetful_write(s: Store, cid: int, *, make_manager: bool = False) -> None:
    """A writer that forgets its own edit check (as a new path might): it changes a contact
    and journals the change; the journal's gate must refuse it."""
    from crmdata import journal

    with s.db.transaction() as tx:
        before = journal.capture(tx, "contacts", ("id",), "id = ?", [cid])
        managers = journal.capture(tx, "contact_managers", ("contact_id", "user_id"), "contact_id = ?", [cid])
        tx.execute("UPDATE contacts SET notes = 'forgotten check' WHERE id = ?", [cid])
        if make_manager:
            tx.execute("INSERT INTO contact_managers VALUES (?, ?)", [cid, s.user.id])
        changes = journal.diff("contacts", ("id",), before,
                               journal.capture(tx, "contacts", ("id",), "id = ?", [cid]), "id")
        changes += journal.diff("contact_managers", ("contact_id", "user_id"), managers, journal.capture(
            tx, "contact_managers", ("contact_id", "user_id"), "contact_id = ?", [cid]))
        journal.record(tx, s.user, "sync", "a path without its own check", changes)


@pytest.mark.parametrize("make_manager", [False, True])
def test_the_journal_refuses_a_write_that_forgot_its_check(world: World, make_manager: bool) -> None:
    """Item 5's one place: whichever code writes, the entry is refused (and the transaction
    rolled back) when the user could not edit the contact before it, even when the same
    write makes the user a manager."""
    before = _rows_of(world.path, {world.readonly, world.hidden})
    with Store(world.path, user="bob") as bob:
        with pytest.raises(AccessDenied, match="may view but not edit contact"):
            _forgetful_write(bob, world.readonly, make_manager=make_manager)
        with pytest.raises(NotFound, match=f"There is no contact {world.hidden}"):
            _forgetful_write(bob, world.hidden, make_manager=make_manager)
    after = _rows_of(world.path, {world.readonly, world.hidden})
    for table, frame in before.items():
        pd.testing.assert_frame_equal(after[table], frame, obj=table)
    with Store(world.path, user="alice") as alice:  # a manager passes the same gate
        _forgetful_write(alice, world.readonly)
        assert alice.contact(world.readonly).fields["notes"] == "forgotten check"


@pytest.mark.parametrize("how", ["merge", "delete"])
def test_a_company_merged_or_deleted_by_bob_takes_its_hidden_persons_along(world: World, how: str) -> None:
    """The one cascade the gate lets through: persons bob may not see, linked to a public
    company bob merges away or deletes, follow the company (re-pointed or unlinked) and
    change in nothing else; bob learns nothing of them."""
    with Store(world.path) as admin:
        cs = admin.change()
        gone = cs.create_company("Probe Going GmbH")
        stay = cs.create_company("Probe Staying GmbH")
        made = cs.commit(on_duplicate="save").created
        gone_id, stay_id = made[gone], made[stay]
        cs = admin.change()
        cs.link_company(world.hidden, gone_id)
        cs.commit(on_duplicate="save")
        hidden_before = admin.contact(world.hidden).fields
    with Store(world.path, user="bob") as bob:
        if how == "merge":
            result = bob.merge(bob.plan_merge([stay_id, gone_id], survivor=stay_id))
            assert result.counts["persons moved"] == 0
        else:
            report = bob.delete(gone_id)
            assert "Hiddenmann" not in str(report)
    with Store(world.path) as admin:
        hidden_after = admin.contact(world.hidden).fields
    assert hidden_after["company_id"] == (stay_id if how == "merge" else None)
    same = {k for k in hidden_before if k not in ("company_id", "company", "version", "updated_by",
                                                  "updated_at")}
    assert {k: hidden_after[k] for k in same} == {k: hidden_before[k] for k in same}


@pytest.mark.parametrize("survivor", ["public person", "twin"])
def test_a_merge_by_bob_neither_shows_nor_spreads_nor_drops_a_hidden_company(world: World,
                                                                             survivor: str) -> None:
    """The public person's company is hidden from bob: his merge plan shows no company; the
    survivor keeps its own hidden link, and a twin that survives does not take it over."""
    sid = world.public_person if survivor == "public person" else world.hidden_twin
    with Store(world.path, user="bob") as bob:
        plan = bob.plan_merge([world.hidden_twin, world.public_person], survivor=sid)
        assert plan.field("company").value is None
        bob.merge(plan)
    with Store(world.path) as admin:
        kept = admin.contact(sid).fields["company_id"]
    assert kept == (world.secret if survivor == "public person" else None)


def test_the_dashboard_and_the_editor_show_bob_no_hidden_company(built_world: World) -> None:
    """Item 3's dashboard and editor dropdown: the list row of the public person has no company,
    and its editor offers no company to keep (alice sees and keeps it)."""
    from crmdata.ui.contacts_state import ContactsState
    from crmdata.ui.editor import ContactEditor

    for user, shown in (("bob", ""), ("alice", "Zyxwv Secret Holding")):
        with Store(built_world.path, user=user) as s:
            state = ContactsState(s)
            state.set_query("Publicova")
            assert [r.company for r in state.rows] == [shown]
            editor = ContactEditor(s)
            editor.open(built_world.public_person)
            options = [label for label, _id in editor.inputs["company"].options]
            assert ("Zyxwv Secret Holding" in options) is bool(shown) and "Zyxwv" not in str(options[:1])
            assert (f"company {built_world.secret}" in options) is False
