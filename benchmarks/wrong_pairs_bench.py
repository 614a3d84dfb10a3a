"""What the wrong pairs in crmdata's clusters share: where the precision of issue 16 is lost.

``python -m benchmarks.run wrong_pairs`` (or ``python -m benchmarks.wrong_pairs_bench``). For
each labelled set of the duplicate benchmark, every pair of records of two different true
people inside one of crmdata's reported clusters (``find_duplicates()`` with its defaults, the
duplicate benchmark's stores) is put in the first class below whose description fits the two
records as they are in the data. A class says what a reviewer would have to go on; the first
one has nothing that tells the two people apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd

from . import linkage_data as data
from .dedupe_bench import SETS
from .linkage_metrics import cluster_pairs
from .strong_bench import _close, _digits, _norm

HEADING = "## Wrong pairs in crmdata's clusters, by what the two records share (issue 16, precision)"

_FIELDS = ("first", "last", "street", "number", "zip", "dob", "email", "phone")


def _record(r: dict[Hashable, Any]) -> dict[str, str]:
    return {"first": _norm(r["first_name"]), "last": _norm(r["last_name"]), "street": _norm(r["street"]),
            "number": _norm(r["street_number"]), "zip": _norm(r["zip"]), "dob": _norm(r["dob"]),
            "email": _norm(r["email"]), "phone": _digits(r["phone"])}


def _same(a: dict[str, str], b: dict[str, str], field: str) -> bool:
    return bool(a[field]) and a[field] == b[field]


def _home(a: dict[str, str], b: dict[str, str]) -> bool:
    return _same(a, b, "street") and a["number"] == b["number"]


def _indistinguishable(a: dict[str, str], b: dict[str, str]) -> bool:
    both = [f for f in _FIELDS if a[f] and b[f]]
    return {"first", "last"} <= set(both) and all(a[f] == b[f] for f in both)


#: (class, test) in the order they are tried; the first that fits a pair is its class.
CLASSES: tuple[tuple[str, Callable[[dict[str, str], dict[str, str]], bool]], ...] = (
    ("every field both records hold is the same (namesakes at one address, twins, Jr./Sr.)",
     _indistinguishable),
    ("one last name and address, other first names, same birthday (a birthday copied in a household)",
     lambda a, b: _same(a, b, "last") and _home(a, b) and _same(a, b, "dob") and a["first"] != b["first"]),
    ("one last name and address, first names at most two edits apart (Gary and Mary, Daniel and Danielle)",
     lambda a, b: _same(a, b, "last") and _home(a, b) and a["first"] != b["first"]
     and _close(a["first"], b["first"])),
    ("one last name and address, other first names",
     lambda a, b: _same(a, b, "last") and _home(a, b)),
    ("one first name and address, last name missing on one side",
     lambda a, b: _same(a, b, "first") and _home(a, b) and not (a["last"] and b["last"])),
    ("one first name and address, other last names",
     lambda a, b: _same(a, b, "first") and _home(a, b)),
    ("one first and last name, other addresses",
     lambda a, b: _same(a, b, "first") and _same(a, b, "last")),
    ("anything else", lambda a, b: True),
)


def classify(a: dict[str, str], b: dict[str, str]) -> str:
    """The first class of :data:`CLASSES` whose test the two records pass (pure)."""
    return next(name for name, test in CLASSES if test(a, b))


def measure(name: str) -> dict[str, Any]:
    from crmdata import Store

    db, ids_path = data.store(name, "api")
    uid_of = {int(k): int(v) for k, v in json.loads(ids_path.read_text(encoding="utf-8")).items()}
    recs = data.records(name)
    entity = dict(zip(recs["uid"].astype(int), recs["entity"], strict=True))
    rows = {int(r["uid"]): _record(r) for r in recs.to_dict("records")}
    report = Store(db, keep_open=True).find_duplicates()
    found = cluster_pairs({uid_of[int(c)]: k for c, k in report.clusters.items()})
    wrong = [(a, b) for a, b in found if entity[a] != entity[b]]
    counts = pd.Series([classify(rows[a], rows[b]) for a, b in wrong], dtype="object").value_counts()
    return {"pairs": len(found), "wrong": len(wrong), "classes": counts.to_dict()}


def run(quick: bool = False) -> str:
    names = SETS[:1] if quick else SETS
    results = {}
    for name in names:
        print(f"  {name} ...", flush=True)
        results[name] = measure(name)
    head = "| class | " + " | ".join(names) + " |"
    rule = "|---|" + "---:|" * len(names)
    lines = [f"| {cls} | " + " | ".join(f"{results[n]['classes'].get(cls, 0):,}" for n in names) + " |"
             for cls, _test in CLASSES]
    total = "| **wrong pairs / pairs in clusters** | " + " | ".join(
        f"**{results[n]['wrong']:,}** / {results[n]['pairs']:,}" for n in names) + " |"
    return "\n".join([
        HEADING,
        "",
        "Command: `python -m benchmarks.run wrong_pairs`. Every pair of records of two different true "
        "people inside one of crmdata's reported clusters (`find_duplicates()` with its defaults, the "
        "duplicate benchmark's stores), in the first class that fits the two records as the data has "
        "them (names, street and number, postcode, birthday, email, phone digits; lower-cased; "
        "\"two edits\" is Damerau-Levenshtein). Precision is 1 - wrong pairs / pairs in clusters.",
        "",
        head,
        rule,
        *lines,
        total,
        "",
    ])


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
