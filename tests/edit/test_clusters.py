"""Value clustering: OpenRefine's fingerprint and nearest neighbours on literal tables, then
making a cluster one value on a real store (one change set, undone whole) and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crmdata import CrmDataError, Store
from crmdata.cli import cli
from crmdata.edit.clusters import cluster_counts, cluster_values, fingerprint, merge_values, value_counts

from ..builders import company, person, row_counts


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("Weber & Suess G.m.b.H.", "gmbh suess weber"),
        ("Weber und Suess GmbH", "gmbh suess weber"),
        ("  WEBER   &  SUESS ", "suess weber"),
        ("Zoë's Café", "cafe zoes"),
        ("Bau Nord Bau", "bau nord"),
    ],
)
def test_fingerprint(value: str, key: str) -> None:
    assert fingerprint(value) == key


COUNTS = [
    ("Weber und Suess GmbH", 5),
    ("Weber & Suess G.m.b.H.", 3),
    ("WEBER & SUESS", 2),
    ("Müller Bau GmbH", 4),
    ("Mueller Bau GmbH", 1),
    ("Müller", 7),
    ("Schmidt AG", 2),
]


def test_key_collision_groups_same_fingerprints_only() -> None:
    (only,) = cluster_counts(COUNTS, "key")
    assert only.values == (("Weber und Suess GmbH", 5), ("Weber & Suess G.m.b.H.", 3))
    assert only.suggested == "Weber und Suess GmbH" and only.contacts == 8


def test_nearest_neighbour_adds_close_spellings_not_shared_words() -> None:
    clusters = {c.suggested: [v for v, _n in c.values] for c in cluster_counts(COUNTS, "nearest")}
    assert clusters == {
        "Weber und Suess GmbH": ["Weber und Suess GmbH", "Weber & Suess G.m.b.H.", "WEBER & SUESS"],
        "Müller Bau GmbH": ["Müller Bau GmbH", "Mueller Bau GmbH"],
    }  # "Müller" alone shares one word with "Müller Bau GmbH": not the same company


def test_ties_prefer_a_spelling_not_in_capitals() -> None:
    (c,) = cluster_counts([("ACME GMBH", 1), ("Acme GmbH", 1)], "key")
    assert c.suggested == "Acme GmbH"


def test_bad_field_and_method_are_errors(store: Store) -> None:
    with pytest.raises(CrmDataError, match="cannot be clustered"):
        cluster_values(store.db, store.user, "birthday_of_cat")
    with pytest.raises(CrmDataError, match="not key or nearest"):
        cluster_counts(COUNTS, "magic")  # type: ignore[arg-type]


def _weber(store: Store) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for name, n in (("Weber und Suess GmbH", 2), ("Weber & Suess G.m.b.H.", 1), ("WEBER & SUESS", 1)):
        out[name] = [company(store, name) for _ in range(n)]
    return out


def test_making_a_cluster_one_value_is_one_change_set_and_undone_whole(store: Store) -> None:
    ids = _weber(store)
    person(store, "Ann", "Weber", title="Sales mgr.")
    person(store, "Bo", "Suess", title="Sales Mgr")
    (positions,) = cluster_values(store.db, store.user, "position")
    assert {v for v, _ in positions.values} == {"Sales mgr.", "Sales Mgr"}
    clusters = cluster_values(store.db, store.user, "company_name", method="nearest")
    assert len(clusters) == 1 and clusters[0].contacts == 4
    journal = row_counts(store)["journal"]
    jid = merge_values(store.change(), "company_name", {"Weber & Suess G.m.b.H.": "Weber und Suess GmbH",
                                               "WEBER & SUESS": "Weber und Suess GmbH"})
    assert jid is not None and row_counts(store)["journal"] == journal + 1
    assert value_counts(store.db, store.user, "company_name") == [("Weber und Suess GmbH", 4)]
    store.undo(jid)
    counts = dict(value_counts(store.db, store.user, "company_name"))
    assert counts == {name: len(v) for name, v in ids.items()}


def test_tags_and_cities(store: Store) -> None:
    a = person(store, "A", "One")
    b = person(store, "B", "Two")
    cs = store.change()
    cs.add_tags(a, "Trade fair, 2025")
    cs.add_tags(b, "Trade fair 2025")
    cs.add_info(a, "address", street="Hauptstr. 1", city="München")
    cs.add_info(b, "address", street="Ring 2", city="Munchen")
    cs.commit(on_duplicate="save")
    (tags,) = cluster_values(store.db, store.user, "tag")
    merge_values(store.change(), "tag", {v: tags.suggested for v, _n in tags.values})
    assert sorted(store.contact(a).tags) == sorted(store.contact(b).tags) == [tags.suggested]
    (cities,) = cluster_values(store.db, store.user, "city")
    merge_values(store.change(), "city", {"Munchen": "München"})
    assert value_counts(store.db, store.user, "city") == [("München", 2)]
    with pytest.raises(CrmDataError, match="No spelling is to be replaced"):
        merge_values(store.change(), "city", {"München": "München"})


def test_cli_lists_clusters_and_applies_them(store_path: Path) -> None:
    with Store(store_path) as store:
        _weber(store)
    runner = CliRunner()
    listed = runner.invoke(cli, ["--db", str(store_path), "values", "cluster", "--field", "company_name",
                                 "--method", "nearest"])
    assert listed.exit_code == 0, listed.output
    assert "Weber & Suess G.m.b.H." in listed.output and "WEBER & SUESS" in listed.output
    applied = runner.invoke(cli, ["--db", str(store_path), "values", "cluster", "--field", "company_name",
                                  "--method", "nearest", "--apply", "--yes"])
    assert applied.exit_code == 0, applied.output
    assert "as change set" in applied.output and "crmdata undo" in applied.output
    with Store(store_path) as store:
        assert value_counts(store.db, store.user, "company_name") == [("Weber und Suess GmbH", 4)]
    bad = runner.invoke(cli, ["--db", str(store_path), "values", "cluster", "--field", "nope"])
    assert bad.exit_code != 0 and "Error: Values of 'nope' cannot be clustered" in bad.output
