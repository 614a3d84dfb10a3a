"""Why Splink's precision is low on a data set: its wrong person pairs, by what the two share.

``python -m benchmarks.splink_wrong_pairs ["generated 10k"]`` trains and runs Splink on the
data set's persons exactly as the duplicate benchmark does (:func:`benchmarks.linkage_systems.
splink_kind`), then counts the pairs inside its clusters that join two different true people:
how many share the email user name at another domain (``first.last@a`` and ``first.last@b``,
which Splink's ``EmailComparison`` rates next to an exact email match), how many share the
whole address, and how many have two different phone numbers; and, for comparison, how many
true pairs share the user name at another domain. It checks the baseline's configuration: are
its errors the recipe's, or the set-up's?

Not part of ``make bench`` (an analysis of one baseline, run by hand).
"""

from __future__ import annotations

import itertools
import logging
import sys
from collections.abc import Iterable

import pandas as pd


def user_name(email: object) -> str | None:
    """Pure: the part of an email address before the ``@`` (None without one)."""
    if not isinstance(email, str) or "@" not in email:
        return None
    return email.split("@", 1)[0] or None


def _value(row: pd.Series, column: str) -> str | None:
    value = row[column]
    return None if pd.isna(value) else str(value)


def shares(records: pd.DataFrame, pairs: Iterable[tuple[int, int]]) -> dict[str, int]:
    """Pure: of ``pairs`` (uids of ``records``, indexed by uid), how many there are, share the
    email user name at another domain, share the email, have two different phones."""
    counts = {"pairs": 0, "same user name, other domain": 0, "same email": 0, "two different phones": 0}
    for a, b in pairs:
        ra, rb = records.loc[a], records.loc[b]
        assert isinstance(ra, pd.Series) and isinstance(rb, pd.Series)  # uids are unique: one row each
        ea, eb = _value(ra, "email"), _value(rb, "email")
        pa, pb = _value(ra, "phone"), _value(rb, "phone")
        counts["pairs"] += 1
        counts["same email"] += ea is not None and ea == eb
        counts["same user name, other domain"] += (ea is not None and eb is not None and ea != eb
                                                   and user_name(ea) is not None
                                                   and user_name(ea) == user_name(eb))
        counts["two different phones"] += pa is not None and pb is not None and pa != pb
    return counts


def main() -> None:
    from . import linkage_data as data
    from . import linkage_systems as ls

    logging.disable(logging.WARNING)
    name = sys.argv[1] if len(sys.argv) > 1 else "generated 10k"
    recs = data.records(name)
    persons = recs[recs["kind"] == "P"]
    truth = {p for p in data.truth_pairs(recs) if p[0] in set(persons["uid"])}
    found, _scored = ls.splink_kind(name, "P", persons)
    clustered = {(min(a, b), max(a, b)) for members in found.groupby("cluster_id")["uid"].apply(list)
                 for a, b in itertools.combinations(sorted(int(m) for m in members), 2)}
    indexed = recs.set_index("uid")
    print(f"{name}, persons: Splink's pairs in clusters {len(clustered):,}, right {len(clustered & truth):,}")
    print("| pairs | count | same user name, other domain | same email | two different phones |")
    print("|---|---:|---:|---:|---:|")
    for label, chosen in (("Splink's wrong pairs", clustered - truth), ("true pairs", truth)):
        c = shares(indexed, sorted(chosen))
        print(f"| {label} | {c['pairs']:,} | {c['same user name, other domain']:,} | {c['same email']:,} | "
              f"{c['two different phones']:,} |")


if __name__ == "__main__":
    main()
