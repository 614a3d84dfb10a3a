"""The full-text index beside the store: relevance order, and a cache that never disagrees with
the store (absent, behind, of another store, holding a contact the store no longer has)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import tantivy

from crmdata import Store
from crmdata.derived import contacts_changed
from crmdata.errors import CrmDataError
from crmdata.search import api, documents, fulltext, fulltext_query
from crmdata.search.api import search
from crmdata.search.parse import parse

from .data import add_contacts, populate


def _ids(store: Store, text: str, **options: object) -> list[int]:
    return [int(i) for i in search(store.db, store.user, text, page_size=1000, **options).frame["id"]]  # type: ignore[arg-type]


def _no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make a search that would fall back to the store's own index fail the test."""
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("answered by the store's index, not the full-text index")
    monkeypatch.setattr(api, "_resolve", refuse)


def _state(store: Store) -> dict[str, object]:
    folder = fulltext.folder_of(str(store.db.path))
    return dict(json.loads((folder / "crmdata-state.json").read_text()))


def _with_street(store: Store, first: str, last: str, street: str) -> int:
    cs = store.change(region="DE")
    new = cs.create_person(first, last)
    cs.add_info(new, "address", street=street, city="Berlin")
    return int(cs.commit(on_duplicate="save").created[new])


def test_a_name_hit_ranks_above_a_street_hit(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    street = _with_street(store, "Bernd", "Schulz", "Hauptstraße 5")
    add_contacts(store, [{"first": "Olga", "last": "Zander", "notes": "met at Hauptstraße"}])
    (name,) = add_contacts(store, [{"first": "Ida", "last": "Hauptstraße"}])
    _no_fallback(monkeypatch)
    ranked = _ids(store, "hauptstrasse", sort="relevance")
    assert ranked[0] == name and street in ranked[1:]
    assert search(store.db, store.user, "hauptstrasse").total == 3


def test_an_exact_word_ranks_above_similar_spellings_and_longer_words(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    meyer, meier, maier = add_contacts(store, [
        {"first": "Uwe", "last": "Meyer"}, {"first": "Uwe", "last": "Meier"},
        {"first": "Uwe", "last": "Maier"}])
    hamannsen, hamann = add_contacts(store, [{"first": "Anna", "last": "Hamannsen"},
                                             {"first": "Lore", "last": "Hamann"}])
    _no_fallback(monkeypatch)
    fuzzy = _ids(store, "meier~", sort="relevance")
    assert fuzzy[0] == meier and set(fuzzy) == {meyer, meier, maier}  # by name: Maier first
    prefix = _ids(store, "hamann", sort="relevance")
    assert prefix == [hamann, hamannsen]  # by name, Anna Hamannsen would come first
    # another sort orders by its own key; the set found is the same
    assert set(_ids(store, "meier~", sort="display_name")) == set(fuzzy)


def test_relevance_pages_follow_one_order(store: Store) -> None:
    populate(store, n=120, seed=5)
    whole = _ids(store, "o*", sort="relevance")
    assert len(whole) > 25
    pages = [search(store.db, store.user, "o*", sort="relevance", page=p).frame
             for p in range(1, -(-len(whole) // 25) + 1)]
    assert [int(i) for f in pages for i in f["id"]] == whole
    # no query: sorted by name
    assert search(store.db, store.user, "", sort="relevance", page_size=1000).total > 0


def test_an_absent_index_is_built_and_an_index_behind_catches_up(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cid,) = add_contacts(store, [{"first": "Greta", "last": "Altname", "email": "greta@alt.example"}])
    assert _ids(store, "altname") == [cid]
    shutil.rmtree(fulltext.folder_of(str(store.db.path)))  # the cache is gone
    cs = store.change(region="DE")
    cs.update(cid, last_name="Neuname")
    cs.commit(on_duplicate="save")
    _no_fallback(monkeypatch)
    assert _ids(store, "altname") == [] and _ids(store, "neuname") == [cid]
    seen = _state(store)["seq"]
    cs = store.change(region="DE")  # edits the index has not seen yet: it is behind
    cs.update(cid, last_name="Drittname")
    cs.add_info(cid, "email", "greta@drei.example")
    cs.commit(on_duplicate="save")
    assert _state(store)["seq"] == seen
    assert _ids(store, "neuname") == [] and _ids(store, "drittname") == [cid]
    assert _ids(store, '"greta drittname"') == _ids(store, "drei.example") == [cid]
    assert _state(store)["seq"] == seen  # re-indexed in memory; the folder is written later
    fulltext._OPEN.clear()  # another process: nothing in memory, the folder is behind
    assert _ids(store, "neuname") == [] and _ids(store, "drittname") == [cid]
    monkeypatch.setattr(fulltext, "FLUSH_AT", 0)  # past the mark: written to the folder
    cs = store.change(region="DE")
    cs.update(cid, last_name="Viertname")
    cs.commit(on_duplicate="save")
    assert _ids(store, "drittname") == [] and _ids(store, "viertname") == [cid]
    assert int(str(_state(store)["seq"])) > int(str(seen))
    fulltext._OPEN.clear()
    assert _ids(store, "viertname") == [cid] and _ids(store, "greta") == [cid]


def test_writes_without_a_journal_entry_are_seen(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    (cid,) = add_contacts(store, [{"first": "Hugo", "last": "Vorher"}])
    assert _ids(store, "vorher") == [cid]
    with store.db.transaction() as tx:
        tx.execute("UPDATE contacts SET last_name = 'Nachher' WHERE id = ?", [cid])
        contacts_changed(tx, "SELECT CAST(? AS BIGINT)", [cid])
    _no_fallback(monkeypatch)
    assert _ids(store, "vorher") == [] and _ids(store, "nachher") == [cid]


def test_a_contact_the_store_no_longer_has_is_never_returned(store: Store) -> None:
    keep, gone = add_contacts(store, [{"first": "Karl", "last": "Bleibt"}, {"first": "Karl", "last": "Geht"}])
    assert set(_ids(store, "karl")) == {keep, gone}
    with store.db.transaction() as tx:
        tx.execute("DELETE FROM contacts WHERE id = ?", [gone])
        contacts_changed(tx, "SELECT CAST(? AS BIGINT)", [gone])
    # pretend the index had caught up although it still holds the deleted contact
    state = _state(store)
    with store.db.read() as tx:
        state["seq"] = int(tx.scalar("SELECT max(seq) FROM search_changes"))
    (fulltext.folder_of(str(store.db.path)) / "crmdata-state.json").write_text(json.dumps(state))
    with store.db.read() as tx:
        ids, _scores = fulltext_query.find(fulltext.index_for(str(store.db.path)).searcher(tx), parse("karl"))
    assert gone in ids  # the index is stale ...
    result = search(store.db, store.user, "karl")
    assert [int(i) for i in result.frame["id"]] == [keep] and result.total == 1  # ... the result is not


def test_an_index_of_another_store_is_rebuilt(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    (cid,) = add_contacts(store, [{"first": "Lena", "last": "Eigen"}])
    assert _ids(store, "eigen") == [cid]
    state = _state(store)
    state["store"] = "another store"
    (fulltext.folder_of(str(store.db.path)) / "crmdata-state.json").write_text(json.dumps(state))
    rebuilt: list[int] = []
    real = fulltext.FullTextIndex.rebuild

    def counting(self: fulltext.FullTextIndex, *args: object, **kwargs: object) -> int:
        rebuilt.append(real(self, *args, **kwargs))  # type: ignore[arg-type]
        return rebuilt[-1]
    monkeypatch.setattr(fulltext.FullTextIndex, "rebuild", counting)
    assert _ids(store, "eigen") == [cid] and len(rebuilt) == 1
    assert _ids(store, "eigen") == [cid] and len(rebuilt) == 1  # once only


def test_a_search_inside_a_write_sees_the_write_and_leaves_the_index_alone(store: Store) -> None:
    (cid,) = add_contacts(store, [{"first": "Mia", "last": "Vorlaeufig"}])
    assert _ids(store, "vorlaeufig") == [cid]
    seq = _state(store)["seq"]
    with pytest.raises(RuntimeError), store.db.transaction() as tx:
        tx.execute("UPDATE contacts SET last_name = 'Zurueck' WHERE id = ?", [cid])
        contacts_changed(tx, "SELECT CAST(? AS BIGINT)", [cid])
        assert _ids(store, "zurueck") == [cid]  # the store's index answers inside the transaction
        raise RuntimeError("the write fails")
    assert _state(store)["seq"] == seq
    assert _ids(store, "zurueck") == [] and _ids(store, "vorlaeufig") == [cid]


def test_each_hit_says_which_field_matched(store: Store) -> None:
    street = _with_street(store, "Bernd", "Schulz", "Hauptstraße 5")
    notes, name = add_contacts(store, [{"first": "Olga", "last": "Zander", "notes": "met at Hauptstraße"},
                                       {"first": "Ida", "last": "Hauptstraße"}])
    (company,) = add_contacts(store, [{"company": "Hauptstrasse Logistik"}])
    (person,) = add_contacts(store, [{"first": "Paul", "last": "Fahrer", "company_of": company}])
    result = search(store.db, store.user, "hauptstrasse", sort="relevance")
    got = {cid: (m.field, m.value) for cid, m in result.matches.items()}
    assert got[name] == ("name", "") and got[company] == ("name", "")
    assert got[street] == ("address", "Hauptstraße 5 Berlin")
    assert got[notes] == ("description", "met at Hauptstraße")
    assert got[person] == ("via company", "Hauptstrasse Logistik")
    assert result.matches[street].describe() == "address: Hauptstraße 5 Berlin"
    assert search(store.db, store.user, "").matches == {}


@pytest.mark.parametrize(("query", "texts", "expected"), [
    ("muller", [(101, "Müllerstraße 1"), (0, "Anna Müller")], (0, "Anna Müller")),  # name outweighs
    ("muller", [(3, "Müller told us"), (101, "Müllerweg")], (101, "Müllerweg")),  # a street, notes
    ('"lore hamann"', [(3, "hamann lore"), (101, "lore.hamann@x.de")], (101, "lore.hamann@x.de")),
    ("sm?th", [(2, "Smithers"), (4, "Smyth & Co")], (4, "Smyth & Co")),
    ("meier~", [(2_000_001, "Mayer"), (3, "nothing")], (2_000_001, "Mayer")),
    ("zzz", [(0, "Anna")], None),
])
def test_best_slot(query: str, texts: list[tuple[int, str]], expected: tuple[int, str] | None) -> None:
    from crmdata.search.matched import best_slot

    assert best_slot(parse(query), texts) == expected


def test_an_import_leaves_the_index_built(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crmdata.csvio.exporter import write_frame
    from crmdata.sample import CUSTOM_FIELDS, generate

    csv = tmp_path / "contacts.csv"
    write_frame(generate(60, seed=2).contacts, csv)
    steps: list[str] = []
    store.import_onlyoffice(csv, custom_field_types=CUSTOM_FIELDS, progress=steps.append)
    assert steps[-1] == "Updating the search index"
    with store.db.read() as tx:
        head = int(tx.scalar("SELECT max(seq) FROM search_changes"))
        count = int(tx.scalar("SELECT count(*) FROM contacts"))
    assert _state(store)["seq"] == head  # built by the import, not by the first search
    rebuilt: list[object] = []
    monkeypatch.setattr(fulltext.FullTextIndex, "rebuild", lambda *a, **k: rebuilt.append(a))
    some = search(store.db, store.user, "a*").total
    assert some > 0 and rebuilt == []
    monkeypatch.undo()
    assert store.refresh_search_index(rebuild=True) == count
    assert search(store.db, store.user, "a*").total == some
    assert Store(":memory:").refresh_search_index() is None


def test_an_import_into_a_larger_store_indexes_its_own_contacts_only(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import of fewer contacts than the store holds is logged contact by contact, and the
    index adds those (no rebuild of the others); one of more than half the store is logged as
    "every contact" and rebuilds. Thresholds scaled down; batches of 7 contacts, so that both
    ways of reading a batch (a range of ids, a list of them) are taken."""
    from crmdata.csvio.exporter import write_frame
    from crmdata.sample import CUSTOM_FIELDS, generate
    from crmdata.search import index

    monkeypatch.setattr(index, "LOG_EVERY_AT", 5)
    monkeypatch.setattr(fulltext, "REBUILD_AT", 5)
    monkeypatch.setattr(fulltext, "FLUSH_AT", 5)  # written to the folder, not held in memory
    monkeypatch.setattr(documents, "_BATCH", 7)
    rebuilt: list[int] = []
    real = fulltext.FullTextIndex.rebuild

    def counted(self: fulltext.FullTextIndex, tx: object, fresh: bool = False) -> int:
        rebuilt.append(1)
        return real(self, tx, fresh)  # type: ignore[arg-type]

    monkeypatch.setattr(fulltext.FullTextIndex, "rebuild", counted)

    def imported(rows: int, seed: int) -> None:
        csv = tmp_path / f"contacts-{seed}.csv"
        write_frame(generate(rows, seed=seed).contacts, csv)
        store.import_onlyoffice(csv, custom_field_types=CUSTOM_FIELDS)

    imported(60, 2)
    assert rebuilt == [1]  # all of the store is new
    store.delete(_ids(store, "a*")[:3])  # holes in the ids: a later batch is read as a list
    imported(20, 3)
    assert rebuilt == [1]  # 20 of 77: added, not rebuilt
    with store.db.read() as tx:
        logged = int(tx.scalar("SELECT count(*) FROM search_changes WHERE contact_id IS NOT NULL"))
        count = int(tx.scalar("SELECT count(*) FROM contacts"))
        assert fulltext.index_for(str(store.db.path)).searcher(tx).disk.num_docs == count
    assert logged >= 20
    for query in ("a*", "e*", "gmbh", "*er", "müller~"):
        assert sorted(_ids(store, query)) == sorted(_ids(store, query, engine="store")), query
    imported(100, 4)
    assert rebuilt == [1, 1]  # 100 of 177: the store is rebuilt
    assert sorted(_ids(store, "a*")) == sorted(_ids(store, "a*", engine="store"))


def test_a_folder_that_cannot_be_written_leaves_the_search_to_the_store_index(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cid,) = add_contacts(store, [{"first": "Rita", "last": "Readonly"}])

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(fulltext.FullTextIndex, "_open", refuse)
    monkeypatch.setattr(fulltext.FullTextIndex, "_write_state", refuse)
    shutil.rmtree(fulltext.folder_of(str(store.db.path)), ignore_errors=True)
    fulltext._OPEN.clear()
    assert _ids(store, "readonly") == [cid]
    with pytest.raises(CrmDataError, match="cannot be written"):
        store.refresh_search_index()


#: Words sought by their end (in the reversed words), and patterns beside them that are not.
ENDINGS = ["*mann", "?eier", "*ma?n", "*üller", "*uller", "*ueller", "*strasse", "*ße", "?mith",
           "*0", "*son", "*ανος", "*mann*", "h*ann", "*mann.de", "?eier *mann"]


def _both(store: Store, queries: list[str], monkeypatch: pytest.MonkeyPatch,
          ) -> dict[str, tuple[list[int], int]]:
    """Per query: the ids and the total the store's own index gives, checked against the
    full-text index's (which must answer); the reference."""
    reference = {q: (sorted(_ids(store, q, engine="store")),
                     search(store.db, store.user, q, engine="store").total) for q in queries}
    with monkeypatch.context() as patched:
        _no_fallback(patched)
        for q in queries:
            assert (sorted(_ids(store, q)), search(store.db, store.user, q).total) == reference[q], q
    return reference


def _endings_store(store: Store) -> dict[str, int]:
    populate(store, n=120, seed=3)
    names = ["Hoffmann", "Neumann", "Mann", "Biedermann", "Geier", "Meier", "Smith", "Thorsen",
             "Großstraße", "Stéven"]
    ids = add_contacts(store, [{"first": "Eva", "last": n, "notes": "bei Hausmann" if n == "Geier" else None}
                               for n in names] + [
        {"company": "Maßmann Söhne", "notes": "ruft ab 0800 an, Stefan Στέφανος"},
        {"first": "Ida", "last": "Ziegler", "email": "ida@hoffmann.de"}])
    return dict(zip([*names, "company", "ida"], ids, strict=True))


def test_words_sought_by_their_end_find_what_the_store_index_finds(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _endings_store(store)
    found = _both(store, ENDINGS, monkeypatch)
    mann = {made[n] for n in ("Hoffmann", "Neumann", "Mann", "Biedermann", "company")}
    assert mann <= set(found["*mann"][0])
    assert {made["Geier"], made["Meier"]} <= set(found["?eier"][0])
    assert made["ida"] in found["*mann.de"][0] and made["Großstraße"] in found["*ße"][0]
    assert [q for q in ENDINGS if found[q][1] == 0] == [], found
    # the scores are those of the pattern run over the words themselves, as before
    with store.db.read() as tx:
        view = fulltext.index_for(str(store.db.path)).searcher(tx)
    for q in ("*mann", "?eier", "*ma?n", "*üller"):
        ids, scores = fulltext_query.find(view, parse(q))
        with monkeypatch.context() as forwards:
            forwards.setattr(fulltext_query, "sought_backwards", lambda _atom: False)
            old_ids, old_scores = fulltext_query.find(view, parse(q))
        assert dict(zip(ids, scores, strict=True)) == dict(zip(old_ids, old_scores, strict=True)), q
    assert sorted(_ids(store, "*mann", sort="relevance")) == found["*mann"][0]


def test_an_edit_held_in_memory_is_found_by_its_end(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _endings_store(store)
    assert made["Stéven"] not in _ids(store, "*mann")
    seq = _state(store)["seq"]
    cs = store.change(region="DE")
    cs.update(made["Stéven"], last_name="Zimmermann")
    cs.update(made["Hoffmann"], last_name="Hofer")
    cs.commit(on_duplicate="save")
    found = _both(store, ENDINGS, monkeypatch)
    assert _state(store)["seq"] == seq  # the edits are held in memory, not yet in the folder
    assert made["Stéven"] in found["*mann"][0] and made["Hoffmann"] not in found["*mann"][0]
    assert made["Stéven"] in found["*ma?n"][0] and made["Hoffmann"] in _ids(store, "*ofer")


def _format_4_schema() -> tantivy.Schema:
    """The index schema of format 4: the text fields without their reversed words."""
    sb = tantivy.SchemaBuilder()
    for name in ("id", "kind", "employer", "share", "manager"):
        fast = name not in ("share", "manager")
        sb.add_integer_field(name, stored=False, indexed=True, fast=fast)
    sb.add_unsigned_field("order", stored=False, indexed=False, fast=True)
    sb.add_bytes_field("page", stored=True, indexed=False, fast=False)
    for name in documents.FIELDS:
        sb.add_text_field(name, stored=False, tokenizer_name="whitespace", index_option="position")
    return sb.build()


def _write_format_4(store: Store, claimed: int) -> None:
    """Replace the store's index folder by one of format 4 (documents without reversed words),
    up to date with the store, its state naming format ``claimed``."""
    folder = fulltext.folder_of(str(store.db.path))
    state = _state(store)
    fulltext._OPEN.clear()
    shutil.rmtree(folder)
    index = tantivy.Index(_format_4_schema(), str(folder.mkdir() or folder))
    writer = index.writer(15_000_000, 1)
    with store.db.read() as tx:
        for _cid, doc in documents.all_documents(tx):
            writer.add_json(json.dumps({k: v for k, v in json.loads(doc).items()
                                        if k not in documents.REVERSED.values()}))
    writer.commit()
    writer.wait_merging_threads()
    (folder / "crmdata-state.json").write_text(json.dumps({**state, "format": claimed}))


@pytest.mark.parametrize("claimed", [documents.FORMAT - 1, documents.FORMAT])
def test_an_index_folder_of_the_previous_format_is_rebuilt(
    store: Store, monkeypatch: pytest.MonkeyPatch, claimed: int
) -> None:
    """A folder of format 4 is rebuilt on first use: by its state's format, or, if its state
    says otherwise, because its schema is not this one."""
    made = _endings_store(store)
    assert made["Neumann"] in _ids(store, "*mann")
    _write_format_4(store, claimed)
    with pytest.raises(ValueError, match="schema does not match"):
        tantivy.Index(documents.SCHEMA, str(fulltext.folder_of(str(store.db.path))))
    rebuilt: list[int] = []
    real = fulltext.FullTextIndex.rebuild

    def counting(self: fulltext.FullTextIndex, *args: object, **kwargs: object) -> int:
        rebuilt.append(real(self, *args, **kwargs))  # type: ignore[arg-type]
        return rebuilt[-1]
    monkeypatch.setattr(fulltext.FullTextIndex, "rebuild", counting)
    found = _both(store, ENDINGS, monkeypatch)
    assert made["Neumann"] in found["*mann"][0] and len(rebuilt) == 1
    assert _state(store)["format"] == documents.FORMAT
    fulltext._OPEN.clear()
    tantivy.Index(documents.SCHEMA, str(fulltext.folder_of(str(store.db.path))))  # this schema now
