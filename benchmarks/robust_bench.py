"""Duplicate detection on other draws of pseudopeople: does the model hold beyond one sample?

``python -m benchmarks.run robust`` (or ``python -m benchmarks.robust_bench``). Issue 16 keeps
some labelled sets aside so that nobody can tune to them. These sets stand in for such data:
pseudopeople's sample town with its noise drawn again (another seed) and with every noise
probability tripled, beside the set of the duplicate benchmark, each run by crmdata, Splink and
recordlinkage exactly as :mod:`.dedupe_bench` runs them (:mod:`.linkage_systems`: the same
configurations, a fresh process per system and set). Nothing in crmdata was chosen by looking
at these sets.
"""

from __future__ import annotations

from typing import Any

from . import linkage_data as data
from .dedupe_bench import _num, _score_row, measure

HEADING = "## Duplicate detection on other draws of pseudopeople (issue 16: robustness)"
SETS = ["pseudopeople", "pseudopeople, seed 7", "pseudopeople, 3x noise"]
SYSTEMS = ["crmdata", "splink", "recordlinkage"]


def summary(results: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """Per set: crmdata's F1 and precision beside Splink's and recordlinkage's F1."""
    lines = []
    for name in SETS:
        got = results.get(name, {})
        mine = got.get("crmdata", {})
        if "f1" not in mine:
            lines.append(f"- {name}: crmdata did not finish ({mine.get('error', 'not run')}).")
            continue
        others = "; ".join(f"{s} {_num(got[s].get('f1'), 4)}" for s in SYSTEMS[1:]
                           if "f1" in got.get(s, {}))
        lines.append(f"- {name}: crmdata F1 {_num(mine['f1'], 4)}, precision {_num(mine['precision'], 4)}, "
                     f"recall {_num(mine['recall'], 4)}; {others or 'no baseline finished'}.")
    return lines


def run(quick: bool = False) -> str:
    names = SETS[:2] if quick else SETS
    for name in names:  # build every data set and store first, outside the measured processes
        data.records(name)
        data.store(name, "api")
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for name in names:
        results[name] = {}
        for system in SYSTEMS:
            print(f"  {system} on {name} ...", flush=True)
            results[name][system] = measure(system, name)
    rows = [_score_row(name, system, results[name][system]) for name in names for system in SYSTEMS]
    return "\n".join([
        HEADING,
        "",
        "Command: `python -m benchmarks.run robust` (this whole section, one run); each row's own "
        "command is in its last column. The systems, their configurations and the scores are those "
        "of the duplicate detection section above (\"Duplicate detection (issue 16: labelled data "
        "crmdata never saw)\"): pairwise precision, recall and F1 over every pair inside a reported "
        "cluster, ECE over the pairs each system scores, seconds of linking alone, peak RSS of "
        "the system's own process.",
        "",
        *(f"- **{name}**: {data.DATASETS[name]}." for name in names),
        "",
        "| data | system | precision | recall | F1 | ECE | seconds | peak RSS MiB | found / true pairs "
        "| command |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
        "From the figures above:",
        "",
        *summary(results),
        "",
    ])


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
