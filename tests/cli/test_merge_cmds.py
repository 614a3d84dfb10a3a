"""``crmdata merge`` through click's CliRunner on a real store file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from crmdata import NotFound, Store
from crmdata.cli import cli
from crmdata.edit import ExactKeyChecker
from crmdata.merge.batch import merge_clusters, qualifying_clusters
from crmdata.model import ShareType

#: Building test contacts needs no fuzzy duplicate check (it only warns; they are saved anyway).
QUICK = ExactKeyChecker()


def person(store: Store, first: str, email: str, **fields: object) -> int:
    cs = store.change(checker=QUICK)
    ref = cs.create_person(first, "Doe", **fields)
    cs.add_info(ref, "email", email)
    return cs.commit(on_duplicate="save").created[ref]


@pytest.fixture
def setup(store_path: Path) -> Iterator[tuple[Path, list[int]]]:
    with Store(store_path) as store:
        store.add_user("bob")
        ids = [person(store, "Jane", "jane@x.de", title="CEO", notes="first"),
               person(store, "Jane", "JANE@x.de", notes="second"),
               person(store, "Jane", "jd@x.de", industry="Retail")]
        cs = store.change(checker=QUICK)
        cs.set_access(ids[2], ShareType.NONE, ["admin"])
        cs.commit(on_duplicate="save")
    yield store_path, ids


def run(db: Path, *args: str, user: str = "admin", input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--db", str(db), "--user", user, "merge", *args], input=input)


def test_dry_run_prints_the_plan_and_changes_nothing(setup: tuple[Path, list[int]]) -> None:
    db, (a, b, c) = setup
    out = run(db, str(a), str(b), str(c), "--dry-run")
    assert out.exit_code == 0, out.output
    assert "field" in out.output and "conflict" in out.output and "notes" in out.output
    assert f"Keep {a} (Jane Doe)" in out.output and "Dry run" in out.output
    assert "drop" in out.output  # the duplicate email row
    with Store(db) as store:
        assert store.count() == 3


def test_json_plan_with_choices(setup: tuple[Path, list[int]]) -> None:
    db, (a, b, _c) = setup
    out = CliRunner().invoke(cli, ["--db", str(db), "merge", str(a), str(b), "--keep", f"notes={b}",
                                   "--survivor", str(b), "--dry-run", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = {r["field"]: r for r in json.loads(out.stdout.splitlines()[0])}
    assert rows["notes"]["value"] == "second" and rows["notes"]["from_contact"] == b
    assert rows["title"]["value"] == "CEO" and rows["title"]["from_contact"] == a
    assert rows["notes"]["conflict"] is True


def test_merge_asks_then_merges(setup: tuple[Path, list[int]]) -> None:
    db, (a, b, _c) = setup
    no = run(db, str(a), str(b), input="n\n")
    assert no.exit_code == 1 and "Nothing was merged" in no.output
    yes = run(db, str(a), str(b), input="y\n")
    assert yes.exit_code == 0, yes.output
    assert f"Merged {b} into {a}" in yes.output and "change set" in yes.output
    with Store(db) as store:
        with pytest.raises(NotFound):
            store.contact(b)
        assert store.contact(a).fields["notes"] == "first"
    change_set = yes.output.split("`crmdata undo ")[1].split("`")[0]
    undone = CliRunner().invoke(cli, ["--db", str(db), "undo", change_set])
    assert undone.exit_code == 0, undone.output
    with Store(db) as store:
        assert store.contact(b).fields["notes"] == "second"


def test_errors_are_one_line(setup: tuple[Path, list[int]]) -> None:
    db, (a, b, c) = setup
    hidden = run(db, str(a), str(c), "--yes", user="bob")
    missing = run(db, str(a), "999", "--yes", user="bob")
    assert hidden.exit_code == missing.exit_code == 1
    assert hidden.output.replace(str(c), "N") == missing.output.replace("999", "N")
    assert "Traceback" not in hidden.output
    bad = run(db, str(a), str(b), "--keep", "notes", "--dry-run")
    assert bad.exit_code == 2 and "FIELD=CONTACT_ID" in bad.output
    unknown = run(db, str(a), str(b), "--keep", f"nickname={a}", "--dry-run")
    assert unknown.exit_code == 1 and "no field nickname" in unknown.output
    one = run(db, str(a))
    assert one.exit_code == 2 and "at least two" in one.output


@pytest.mark.slow
def test_batch_merges_only_clusters_scoring_high_enough(setup: tuple[Path, list[int]]) -> None:
    db, (a, b, c) = setup
    with Store(db) as store:
        d = person(store, "Max", "max@x.de")
        e = person(store, "Max", "max@y.de")
        f = person(store, "Ann", "ann@x.de")
        g = person(store, "Ann", "ann@y.de")
        pairs = pd.DataFrame({
            "contact_id_1": [a, a, d, f, b],
            "contact_id_2": [b, c, e, g, g],
            "cluster_id": pd.array([a, a, d, f, None], dtype="Int64"),
            "score": [0.99, 0.95, 0.97, 0.6, 0.99],
        })
        clusters = qualifying_clusters(pairs, 0.9)
        assert [(cl.cluster_id, cl.ids) for cl in clusters] == [(a, (a, b, c)), (d, (d, e))]
        dry = merge_clusters(store.db, store.user, clusters, dry_run=True)
        assert list(dry["status"]) == ["would merge"] * 2 and store.count() == 7
        bob = store.as_user("bob")  # bob cannot see c: its cluster is skipped like a missing contact
        report = merge_clusters(bob.db, bob.user, qualifying_clusters(pairs, 0.9))
        assert report["status"].iloc[0] == f"skipped: There is no contact {c}; nothing was merged."
        assert report["status"].iloc[1] == "merged"
        assert store.count() == 6
        ticks: list[int] = []
        again = merge_clusters(store.db, store.user, qualifying_clusters(pairs, 0.9)[:1], tick=ticks.append)
        assert list(again["status"]) == ["merged"] and ticks == [a]
        assert store.count() == 4


@pytest.mark.slow
def test_auto_merges_high_scoring_clusters_from_duplicate_detection(store_path: Path) -> None:
    with Store(store_path) as store:
        def add(first: str, last: str, email: str, phone: str | None = None) -> int:
            cs = store.change(region="DE", checker=QUICK)
            ref = cs.create_person(first, last)
            cs.add_info(ref, "email", email)
            if phone:
                cs.add_info(ref, "phone", phone)
            return cs.commit(on_duplicate="save").created[ref]

        jane = [add("Jane", "Doe", "jane@x.de", "030 1234567"),
                add("Jane", "Doe", "JANE@x.de", "030 1234567"),
                add("Jane", "Doe", "jane@x.de", "+49 30 1234567")]
        maxes = [add("Max", "Mustermann", "max@y.de", "0171 555000"), add("Max", "Mustermann", "max@y.de")]
        anna = add("Anna", "Schmidt", "anna@z.de")
    dry = CliRunner().invoke(cli, ["--db", str(store_path), "merge", "--auto", "--min-score", "0.9",
                                   "--dry-run", "--format", "json"])
    assert dry.exit_code == 0, dry.output
    rows = json.loads(dry.stdout.splitlines()[0])
    assert [r["contacts"] for r in rows] == [", ".join(map(str, jane)), ", ".join(map(str, maxes))]
    assert {r["status"] for r in rows} == {"would merge"}
    with Store(store_path) as store:
        assert store.count() == 6
    no = CliRunner().invoke(cli, ["--db", str(store_path), "merge", "--auto"], input="n\n")
    assert no.exit_code == 1 and "Nothing was merged" in no.output
    done = CliRunner().invoke(cli, ["--db", str(store_path), "merge", "--auto", "--yes"])
    assert done.exit_code == 0, done.output
    assert "Merged 2 cluster(s), 0 skipped." in done.output
    with Store(store_path) as store:
        assert store.count() == 3
        left = set(store.contacts()["id"])
    assert anna in left and len(left & set(jane)) == 1 and len(left & set(maxes)) == 1
    again = CliRunner().invoke(cli, ["--db", str(store_path), "merge", "--auto", "--yes"])
    assert again.exit_code == 0 and "No duplicate cluster" in again.output
    usage = CliRunner().invoke(cli, ["--db", str(store_path), "merge", "--auto", "1", "2"])
    assert usage.exit_code == 2 and "--auto takes no contact ids" in usage.output
