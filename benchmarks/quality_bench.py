"""Data-quality check and cleanup speed on generated contact bases.

Stores are built once per size (a generated ONLYOFFICE export imported with ``clone``, the
sample's history events added, and ``updated_at`` spread over three years so that staleness
has something to find) and reused; every measurement runs in a fresh process. Beside
``crmdata check`` the same run measures, as baselines, ``store.contacts()`` (reading every
visible contact once into pandas) and the check without the rules that need a library per
distinct value. The cleanup is measured on a copy: build the change set, dry run, commit, undo.
"""

from __future__ import annotations

import shutil
import sys

from .common import CACHE, in_subprocess, remove_store, sample_csv

BUILD = """
import numpy as np, pandas as pd
from crmdata import Store
from crmdata.activity import add_history
from crmdata.sample import CUSTOM_FIELDS, generate
t = time.perf_counter()
store = Store({db!r}, keep_open=True)
report = store.import_onlyoffice({path!r}, custom_field_types=CUSTOM_FIELDS, duplicates='clone')
hist = generate({n}, seed=1).history
ids = pd.Series(report.contact_ids, index=range(1, len(report.contact_ids) + 1))
hist = hist.assign(contact_id=hist['row'].map(ids)).dropna(subset=['contact_id'])
add_history(store.db, store.user, hist[['contact_id', 'category', 'content', 'event_at']])
with store.db.transaction() as tx:
    tx.execute("UPDATE contacts SET updated_at = TIMESTAMP '2026-11-01' "
               "- to_days(CAST(hash(id) % 1100 AS INTEGER))")
store.checkpoint()  # the file alone is then complete (it is renamed and copied)
store.close()
out = {{'seconds': time.perf_counter() - t, 'contacts': report.imported, 'events': len(hist)}}
"""

CHECK = """
import datetime as dt
from crmdata import Store
from crmdata.quality import select
rules = {rules!r}
store = Store({db!r})
t = time.perf_counter()
found = store.check(rules, as_of=dt.date(2026, 11, 1))
out = {{'seconds': time.perf_counter() - t, 'findings': len(found)}}
"""

READ = """
from crmdata import Store
store = Store({db!r})
t = time.perf_counter()
frame = store.contacts()
out = {{'seconds': time.perf_counter() - t, 'rows': len(frame)}}
"""

CLEAN = """
import datetime as dt
from crmdata import Store
from crmdata.quality.clean import undo
store = Store({db!r}, keep_open=True)
t = time.perf_counter()
cs = store.clean(as_of=dt.date(2026, 11, 1))
t_plan = time.perf_counter() - t
t = time.perf_counter(); preview = cs.preview(); t_preview = time.perf_counter() - t
t = time.perf_counter(); result = cs.commit(); t_commit = time.perf_counter() - t
t = time.perf_counter(); left = store.check(as_of=dt.date(2026, 11, 1)); t_after = time.perf_counter() - t
t = time.perf_counter(); store.undo(result.change_set_ids); t_undo = time.perf_counter() - t
out = {{'plan': t_plan, 'preview': t_preview, 'commit': t_commit, 'undo': t_undo, 'after': t_after,
        'left': len(left), 'entries': len(result.change_set_ids),
        'fixes': len(cs.fixes), 'contacts': len(set(cs.fixes['contact_id'])), 'ops': len(cs),
        'changes': len(preview.changes)}}
"""

LIBRARY_RULES = ("email_invalid", "email_format", "phone_invalid", "phone_format", "url_invalid",
                 "custom_invalid", "name_case")


def build(n: int) -> str:
    """The path of a ready store of ``n`` generated contacts (built on first use)."""
    db = CACHE / f"bench-quality-{n}.duckdb"
    if not db.exists():
        part = db.with_suffix(".part.duckdb")
        remove_store(part)
        in_subprocess(BUILD.format(db=str(part), path=str(sample_csv(n)), n=n))
        part.replace(db)
    return str(db)


def _check_rows(n: int, db: str) -> list[str]:
    from crmdata.quality.rules import RULES

    sql_only = [r.name for r in RULES if r.name not in LIBRARY_RULES]
    no_phone = [r.name for r in RULES if not r.name.startswith("phone_")]
    res = {
        "store.contacts() (baseline: read every contact)": in_subprocess(READ.format(db=db)),
        "check, SQL-only rules (baseline)": in_subprocess(CHECK.format(db=db, rules=sql_only)),
        "check, all rules but the two phone rules": in_subprocess(CHECK.format(db=db, rules=no_phone)),
        "crmdata check (all 15 rules)": in_subprocess(CHECK.format(db=db, rules=None)),
    }
    base = res["store.contacts() (baseline: read every contact)"]["seconds"]
    return [f"| {n:,} | {name} | {r['seconds']:.1f} | {r.get('findings', '')} | "
            f"{r['peak_rss_mib']:,.0f} | {r['seconds'] / base:.2f} |" for name, r in res.items()]


def run(quick: bool = False) -> str:
    sizes = [20_000] if quick else [100_000, 1_000_000]
    clean_size = 20_000  # the cleanup costs ~5 ms per fixed contact (see the text); 20k keeps the run short
    lines = [
        "## Data-quality check and cleanup (issue 8)",
        "",
        "Command: `python -m benchmarks.quality_bench" + (" --quick" if quick else "") + "`. "
        "Generated bases (`crmdata.sample.generate(n, seed=1)` imported with `clone`, history added, "
        "`updated_at` spread over 3 years). Goal: `crmdata check` on 1M contacts under 60 s. "
        "Each figure is a fresh process; x baseline is against reading every contact with "
        "`store.contacts()` in the same run.",
        "",
        "| contacts | what | seconds | findings | peak RSS MiB | x baseline |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for n in sizes:
        lines += _check_rows(n, build(n))
    src = build(clean_size)
    copy = CACHE / f"bench-quality-clean-{clean_size}.duckdb"
    shutil.copyfile(src, copy)
    try:
        r = in_subprocess(CLEAN.format(db=str(copy)))
    finally:
        copy.unlink(missing_ok=True)
    lines += [
        "",
        f"Cleanup of the {clean_size:,}-contact base (all fixable rules), committed as one: "
        f"{r['fixes']:,.0f} fixes on {r['contacts']:,.0f} contacts ({r['ops']:,.0f} staged operations, "
        f"{r['changes']:,.0f} before/after lines).",
        "",
        "| step | seconds |",
        "|---|---:|",
        f"| check + plan (`store.clean()`) | {r['plan']:.1f} |",
        f"| dry run (`preview()`) | {r['preview']:.1f} |",
        f"| commit (one transaction, {r['entries']:,.0f} journal entries of up to 500 contacts) | "
        f"{r['commit']:.1f} |",
        f"| check again after the commit (all rules; {r['left']:,.0f} findings left) | {r['after']:.1f} |",
        f"| undo of every entry (`Store.undo` of the change set ids, one transaction) | {r['undo']:.1f} |",
        "",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
