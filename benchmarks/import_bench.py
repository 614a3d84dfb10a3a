"""Import speed and memory: crmdata's full import beside DuckDB's raw read_csv (the floor).

Each measurement runs in a fresh process so peak RSS is its own. The floor reads the same
file with the same explicit dialect into a table of text columns; crmdata's import then does
everything an import must (parsing, validation, duplicate check by email, companies, lists,
tags, custom fields, info rows, search index, journal) inside one transaction.
"""

from __future__ import annotations

import sys

from .common import CACHE, in_subprocess, remove_store, sample_csv

RAW = """
import duckdb
t = time.perf_counter()
con = duckdb.connect({db!r})
con.execute("CREATE TABLE raw AS SELECT * FROM read_csv(?, auto_detect=false, header=true, "
            "delim=',', quote='\\"', escape='\\"', all_varchar=true, columns=?)",
            [{path!r}, {{f'c{{i}}': 'VARCHAR' for i in range({ncols})}}]).fetchall()
n = con.execute("SELECT count(*) FROM raw").fetchone()[0]
con.close()
out = {{'seconds': time.perf_counter() - t, 'rows': n}}
"""

PANDAS = """
import pandas as pd
t = time.perf_counter()
frame = pd.read_csv({path!r}, dtype=str, keep_default_na=False)
out = {{'seconds': time.perf_counter() - t, 'rows': len(frame)}}
"""

CRMDATA = """
from crmdata import Store
from crmdata.sample import CUSTOM_FIELDS
t = time.perf_counter()
store = Store({db!r})
report = store.import_onlyoffice({path!r}, custom_field_types=CUSTOM_FIELDS, duplicates='skip')
store.close()
out = {{'seconds': time.perf_counter() - t, 'rows': report.records, 'imported': report.imported}}
"""


def _measure(n: int) -> dict[str, dict[str, float]]:
    path = sample_csv(n)
    with path.open(encoding="utf-8") as fh:
        ncols = len(fh.readline().split(","))
    results = {}
    for name, code in (("duckdb read_csv (floor)", RAW), ("pandas read_csv", PANDAS),
                       ("crmdata import", CRMDATA)):
        db = CACHE / f"bench-import-{n}-{name.split()[0]}.duckdb"
        remove_store(db)
        results[name] = in_subprocess(code.format(db=str(db), path=str(path), ncols=ncols))
        remove_store(db)  # with its full-text index folder and lock files
    return results


def run(quick: bool = False) -> str:
    sizes = [20_000, 100_000] if quick else [100_000, 1_000_000]
    lines = [
        "## Import (issue: foundation)",
        "",
        "Command: `python -m benchmarks.import_bench"
        + (" --quick" if quick else "") + "` (part of `make bench`). Generated ONLYOFFICE exports "
        "(`crmdata.sample.generate(n, seed=1)`, about 10% duplicates), each measured in a fresh "
        "process on a new store file. Goal: crmdata's import within 2x of DuckDB's raw `read_csv` "
        "of the same file, under 4 GB peak RSS.",
        "",
        "| contacts | what | seconds | rows/s | peak RSS MiB | x floor |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for n in sizes:
        res = _measure(n)
        floor = res["duckdb read_csv (floor)"]["seconds"]
        for name, r in res.items():
            lines.append(
                f"| {n:,} | {name} | {r['seconds']:.2f} | {r['rows'] / r['seconds']:,.0f} | "
                f"{r['peak_rss_mib']:,.0f} | {r['seconds'] / floor:.2f} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
