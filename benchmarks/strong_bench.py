"""Recall where a strong identifier is shared: the duplicate issue's second goal, on labelled data.

``python -m benchmarks.run strong`` (or ``python -m benchmarks.strong_bench``). For each labelled
set of the duplicate benchmark, the true pairs whose two records share a strong identifier (the
same email, the same phone digits, or the same street, house number and postcode) and whose
names differ at most by typos (each part at most two edits apart, Damerau-Levenshtein), by
order (first and last name swapped), by case or by a nickname (crmdata's nickname groups):
how many of them lie inside one of crmdata's reported clusters. The households the goal asks to
keep apart are counted too: pairs of different people at one street, house number and postcode
with one last name and different first names, and how many of them crmdata put in one cluster.
The run is ``Store.find_duplicates()`` with its defaults on the duplicate benchmark's stores.
"""

from __future__ import annotations

import json
from typing import Any

import jellyfish
import pandas as pd

from . import linkage_data as data
from .dedupe_bench import SETS
from .linkage_metrics import cluster_pairs

HEADING = "## Duplicates sharing a strong identifier (issue 16, second goal)"
#: Edits per name part that still count as typos.
MAX_EDITS = 2


def _norm(value: object) -> str:
    return " ".join(str(value).lower().split()) if isinstance(value, str) else ""


def _digits(value: object) -> str:
    return "".join(ch for ch in str(value) if ch.isdigit())[-9:] if isinstance(value, str) else ""


def _nicknames(a: str, b: str) -> bool:
    from crmdata.dedupe.normalise import NICKNAME_GROUPS

    groups = set(NICKNAME_GROUPS.get(a, ())) & set(NICKNAME_GROUPS.get(b, ()))
    return bool(groups)


def _close(a: str, b: str) -> bool:
    return bool(a) and bool(b) and (
        jellyfish.damerau_levenshtein_distance(a, b) <= MAX_EDITS or _nicknames(a, b)
    )


def names_differ_only_slightly(f1: str, l1: str, f2: str, l2: str) -> bool:
    """Typos (at most two edits per part), swapped order, case or a nickname (pure)."""
    return (_close(f1, f2) and _close(l1, l2)) or (_close(f1, l2) and _close(l1, f2))


def strong_identifier(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Same email, same phone digits (the last nine), or same street, number and postcode (pure)."""
    if a["email"] and a["email"] == b["email"]:
        return True
    if len(a["phone"]) >= 6 and a["phone"] == b["phone"]:
        return True
    return bool(a["street"] and a["zip"]) and (a["street"], a["number"], a["zip"]) == (
        b["street"], b["number"], b["zip"])


def _prepared(recs: pd.DataFrame) -> dict[int, dict[str, Any]]:
    out = {}
    for r in recs.to_dict("records"):
        out[int(r["uid"])] = {
            "entity": r["entity"], "kind": r["kind"], "first": _norm(r["first_name"]),
            "last": _norm(r["last_name"]), "email": _norm(r["email"]), "phone": _digits(r["phone"]),
            "street": _norm(r["street"]), "number": _norm(r["street_number"]), "zip": _norm(r["zip"]),
        }
    return out


def subsets(recs: pd.DataFrame) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(true pairs with a strong identifier and slightly different names, household pairs)."""
    rows = _prepared(recs)
    strong = set()
    for a, b in data.truth_pairs(recs):
        x, y = rows[a], rows[b]
        if x["kind"] == "P" and strong_identifier(x, y) and names_differ_only_slightly(
                x["first"], x["last"], y["first"], y["last"]):
            strong.add((a, b))
    homes: dict[tuple[str, str, str, str], list[int]] = {}
    for uid, r in rows.items():
        if r["kind"] == "P" and r["street"] and r["zip"] and r["last"] and r["first"]:
            homes.setdefault((r["street"], r["number"], r["zip"], r["last"]), []).append(uid)
    households = set()
    for members in homes.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                x, y = rows[a], rows[b]
                if x["entity"] != y["entity"] and not _close(x["first"], y["first"]):
                    households.add((min(a, b), max(a, b)))
    return strong, households


def measure(name: str) -> dict[str, Any]:
    from crmdata import Store

    db, ids_path = data.store(name, "api")
    uid_of = {int(k): int(v) for k, v in json.loads(ids_path.read_text(encoding="utf-8")).items()}
    recs = data.records(name)
    strong, households = subsets(recs)
    report = Store(db, keep_open=True).find_duplicates()
    found = cluster_pairs({uid_of[int(c)]: k for c, k in report.clusters.items()})
    return {"strong": len(strong), "strong_found": len(strong & found),
            "households": len(households), "households_merged": len(households & found)}


def run(quick: bool = False) -> str:
    names = SETS[:1] if quick else SETS
    rows = []
    for name in names:
        print(f"  {name} ...", flush=True)
        r = measure(name)
        recall = r["strong_found"] / r["strong"] if r["strong"] else float("nan")
        rows.append(f"| {name} | {r['strong']:,} | {r['strong_found']:,} | **{recall:.4f}** | "
                    f"{r['households']:,} | {r['households_merged']:,} |")
    return "\n".join([
        HEADING,
        "",
        "Command: `python -m benchmarks.run strong`. True pairs of persons that share an email, the "
        "last nine digits of a phone, or street, house number and postcode, and whose names differ "
        f"at most by typos (each part at most {MAX_EDITS} edits apart), order, case or a nickname of "
        "crmdata's nickname groups; recall is the share of them inside one of crmdata's reported "
        "clusters (`find_duplicates()` with its defaults, the duplicate benchmark's stores). "
        "Households: pairs of different people with one last name at one street, house number and "
        "postcode whose first names are more than two edits apart; *merged* counts those crmdata put "
        "in one cluster. Goal: recall >= 0.99, households kept apart.",
        "",
        "| data | strong pairs | found | recall | households | merged |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ])


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
