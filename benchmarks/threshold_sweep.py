"""crmdata's pairwise precision / recall / F1 at several thresholds on each labelled set of the
duplicate benchmark: ``python -m benchmarks.threshold_sweep [DATASET ...]`` prints a Markdown
table. It shows what the default threshold trades: the goal "precision >= 0.99 at the default
threshold" against "F1 >= 0.99 on FEBRL". Not part of ``make bench`` (it describes a choice the
duplicate benchmark's own figures already fix).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from . import linkage_data as data
from .linkage_metrics import cluster_pairs, pairwise_scores

THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95)
DATASETS = ("FEBRL1", "FEBRL2", "FEBRL3", "FEBRL4", "pseudopeople", "generated 10k",
            "generated 10k, no birthdays")


def sweep(name: str) -> list[dict[str, float]]:
    """Scores of ``Store.find_duplicates(threshold=t)`` for each t, on a copy of the set's store."""
    from crmdata import Store

    db, ids_path = data.store(name, "api")
    uid_of = {int(k): int(v) for k, v in json.loads(ids_path.read_text(encoding="utf-8")).items()}
    truth = data.truth_pairs(data.records(name))
    with tempfile.TemporaryDirectory(prefix="crmdata-sweep-") as tmp:
        copy = Path(tmp) / "store.duckdb"
        shutil.copy(db, copy)
        store = Store(copy, keep_open=True)
        out = []
        for t in THRESHOLDS:
            report = store.find_duplicates(threshold=t)
            clusters = {uid_of[int(c)]: k for c, k in report.clusters.items()}
            out.append({"threshold": t, **pairwise_scores(cluster_pairs(clusters), truth)})
        store.close()
    return out


def main(names: list[str]) -> str:
    lines = ["| data | " + " | ".join(f"P / R / F1 at {t}" for t in THRESHOLDS) + " |",
             "|---|" + "---:|" * len(THRESHOLDS)]
    for name in names:
        cells = [f"{r['precision']:.4f} / {r['recall']:.4f} / **{r['f1']:.4f}**" for r in sweep(name)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(main(sys.argv[1:] or list(DATASETS)))
