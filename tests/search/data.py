"""Generated test contacts inserted straight into a store, and reference answers in Python.

The reference answers read the raw tables (not the search index) and match words with plain
Python (regular expressions, jellyfish's Damerau-Levenshtein), so they check the search
independently of how it is built.
"""

from __future__ import annotations

import datetime as dt
import random
import re

import jellyfish
import pandas as pd

from crmdata import Store, numbering
from crmdata.derived import contacts_changed
from crmdata.search.normalise import fold
from crmdata.search.parse import Atom, Query

FIRST = ["Lore", "Anna", "Jürgen", "José", "Zoë", "Mark", "Marc", "Sven", "Ole", "Ørjan", "Heike"]
LAST = ["Hamann", "Müller", "Mueller", "Muller", "Smith", "Smyth", "Smithers", "Schmidt",
        "Schmitt", "O'Brien", "Łukasiewicz", "Meier", "Maier", "Mayer", "Johnson", "Johansson",
        "Anderson", "Olsen", "Straße"]
COMPANIES = ["Müller GmbH", "Smith & Sons", "O'Brien Ltd", "Acme 50% Deals", "Under_score Inc",
             "Back\\slash Co", "Semi;colon AG", "Oak Tree Partners", "Orbit Data", "Zeta Systems"]
TITLES = ["Sales Manager", "CEO", "Head of IT", "Büroleiterin", None]
NOTES = ["Met at the 50% off fair", "likes a_b testing", "it's complicated", "drop;table users",
         r"path C:\temp\x", "Gebäude an der Straße 5", "call about the Smith account", None, None]
INDUSTRIES = ["Retail", "Software", "Logistics", None]
DOMAINS = ["gmail.com", "example.org", "mueller.de"]
CITIES = ["München", "Köln", "Berlin", "Zürich", "Oslo"]
TAGS = ["Lead", "Customer", "Supplier", "Staff"]  # the default tags, ids 1..4
SEGMENTS = ["Mid-market", "Enterprise", "Small business"]


def populate(store: Store, n: int = 240, seed: int = 7) -> None:
    """Insert ``n`` seeded contacts (a fifth companies) with info, tags, custom values,
    deals, history, managers and mixed share types; then refresh derived data."""
    rng = random.Random(seed)
    anna = store.add_user("anna", "Anna User")
    ben = store.add_user("ben", "Ben User")
    base = dt.datetime(2022, 1, 1)
    contacts, info, tags, custom, managers, deals, parts, history = [], [], [], [], [], [], [], []
    companies: list[int] = []
    for cid in range(1, n + 1):
        is_company = cid % 5 == 1
        created = base + dt.timedelta(days=rng.randrange(900), hours=rng.randrange(24))
        updated = created + dt.timedelta(days=rng.randrange(300))
        share = rng.choice([0, 1, 1, 2])
        company_id = None
        if is_company:
            first = last = None
            cname = f"{rng.choice(COMPANIES)} {cid}" if rng.random() < 0.5 else rng.choice(COMPANIES)
            companies.append(cid)
            title = None
        else:
            first, last, cname = rng.choice(FIRST), rng.choice(LAST), None
            title = rng.choice(TITLES)
            if companies and rng.random() < 0.5:
                company_id = rng.choice(companies)
        contacts.append((
            cid, is_company, first, last, cname, title, company_id, rng.choice(NOTES),
            rng.choice(INDUSTRIES), rng.choice([1, 2, 3, None]), rng.choice([4, 5, 6, 7, None]),
            share, created, updated,
        ))
        local = f"{(first or 'info').lower()}.{(last or 'co').lower()}".replace("'", "")
        info.append((len(info) + 1, cid, 1, 1, f"{local}@{rng.choice(DOMAINS)}", True,
                     None, None, None, None, None))
        info.append((len(info) + 1, cid, 0, 1, f"+49 30 {rng.randrange(1000, 9999)} 0{cid}", True,
                     None, None, None, None, None))
        if rng.random() < 0.5:
            city = rng.choice(CITIES)
            info.append((len(info) + 1, cid, 7, 5, f"Hauptstraße {cid}, {city}", True,
                         f"Hauptstraße {cid}", city, None, f"{10000 + cid}", "Deutschland"))
        for tag in rng.sample(range(1, 5), rng.randrange(3)):
            tags.append((cid, tag))
        if rng.random() < 0.6:
            custom.append((cid, 1, rng.choice(SEGMENTS)))
        if rng.random() < 0.5:
            custom.append((cid, 2, rng.choice(["true", "false"])))
        if rng.random() < 0.3:
            custom.append((cid, 3, f"19{rng.randrange(50, 99)}-0{rng.randrange(1, 9)}-1{rng.randrange(9)}"))
        if share == 0 or rng.random() < 0.2:
            for uid in rng.sample([anna.id, ben.id], rng.randrange(1, 3)):
                managers.append((cid, uid))
        if rng.random() < 0.15:
            deals.append((len(deals) + 1, f"Deal {cid}", cid, base))
        if rng.random() < 0.1 and deals:
            parts.append((rng.randrange(1, len(deals) + 1), cid))
        if rng.random() < 0.4:
            for _ in range(rng.randrange(1, 3)):
                history.append((len(history) + 1, cid, "Note", "called",
                                base + dt.timedelta(days=rng.randrange(1100))))
    with store.db.transaction() as tx:
        tx.executemany(
            "INSERT INTO contacts (id, is_company, first_name, last_name, company_name, title, "
            "company_id, notes, industry, status_id, contact_type_id, share_type, created_by, "
            "created_at, updated_by, updated_at, display_name) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, 1, ?, '')", contacts)
        tx.executemany(
            "INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary, "
            "street, city, state, zip, country) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", info)
        tx.executemany("INSERT INTO contact_tags VALUES (?, ?)", tags)
        tx.execute(
            "INSERT INTO custom_fields (id, label, field_type, scope, sort_order) VALUES "
            "(1, 'Segment', 0, 0, 1), (2, 'Newsletter', 3, 0, 2), (3, 'Birthday', 5, 5, 3)")
        tx.executemany("INSERT INTO custom_values (contact_id, field_id, value) VALUES (?, ?, ?)",
                       custom)
        tx.executemany("INSERT INTO contact_managers VALUES (?, ?)", list(dict.fromkeys(managers)))
        tx.executemany("INSERT INTO deals (id, title, contact_id, created_by, created_at) "
                       "VALUES (?, ?, ?, 1, ?)", deals)
        tx.executemany("INSERT INTO deal_participants VALUES (?, ?)", list(dict.fromkeys(parts)))
        tx.executemany("INSERT INTO history_events (id, contact_id, category, content, event_at, "
                       "created_by) VALUES (?, ?, ?, ?, ?, 1)", history)
        contacts_changed(tx, "SELECT id FROM contacts")


# -- reference answers -----------------------------------------------------------------------

def raw(store: Store) -> dict[str, pd.DataFrame]:
    """The raw tables the reference reads (as the administrator sees them: everything)."""
    with store.db.read() as tx:
        return {
            "contacts": tx.df("SELECT * FROM contacts ORDER BY id"),
            "info": tx.df("SELECT * FROM contact_info ORDER BY contact_id, id"),
            "tags": tx.df("SELECT ct.contact_id, t.title FROM contact_tags ct "
                          "JOIN tags t ON t.id = ct.tag_id"),
            "custom": tx.df("SELECT v.contact_id, v.value, f.field_type, f.label, v.field_id "
                            "FROM custom_values v JOIN custom_fields f ON f.id = v.field_id"),
            "managers": tx.df("SELECT m.contact_id, u.login FROM contact_managers m "
                              "JOIN users u ON u.id = m.user_id"),
            "deals": tx.df("SELECT contact_id FROM deals WHERE contact_id IS NOT NULL "
                           "UNION SELECT contact_id FROM deal_participants"),
            "history": tx.df("SELECT contact_id, event_at FROM history_events"),
        }


def _s(v: object) -> str | None:
    return None if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA else str(v)


def field_texts(tables: dict[str, pd.DataFrame]) -> dict[int, list[str]]:
    """Every searched text of every contact, one string per field occurrence."""
    out: dict[int, list[str]] = {}
    for r in tables["contacts"].itertuples():
        if r.is_company:
            names = [_s(r.company_name)]
        else:
            names = [" ".join(x for x in (_s(r.first_name), _s(r.last_name)) if x), _s(r.company_name)]
        out[int(r.id)] = [t for t in [*names, _s(r.title), _s(r.notes), _s(r.industry)] if t]
    for r in tables["info"].itertuples():
        parts = [_s(getattr(r, p)) for p in ("street", "city", "state", "zip", "country")]
        text = " ".join(p for p in parts if p) if any(parts) and r.info_type == 7 else _s(r.data)
        if text:
            out.setdefault(int(r.contact_id), []).append(text)
    for r in tables["custom"].itertuples():
        if r.field_type not in (3, 4):
            out.setdefault(int(r.contact_id), []).append(str(r.value))
    for r in tables["tags"].itertuples():
        out.setdefault(int(r.contact_id), []).append(str(r.title))
    return out


_WORD = re.compile(r"[^\W_]+")


def _word_forms(text: str) -> list[set[str]]:
    a, b = _WORD.findall(fold(text)), _WORD.findall(fold(text, umlauts=True))
    return [{x, y} for x, y in zip(a, b, strict=True)]


def _atom_ok(atom: Atom, forms: set[str]) -> bool:
    for q in atom.forms:
        for w in forms:
            if atom.kind == "exact" and w == q:
                return True
            if atom.kind == "prefix" and w.startswith(q):
                return True
            if atom.kind == "pattern":
                regex = "".join("." if c == "?" else ".*" if c == "*" else re.escape(c) for c in q)
                if re.fullmatch(regex, w, flags=re.DOTALL):
                    return True
            if atom.kind == "fuzzy" and jellyfish.damerau_levenshtein_distance(q, w) <= atom.distance:
                return True
    return False


def reference_hits(texts: dict[int, list[str]], query: Query) -> set[int]:
    """Contacts where every term's atoms are adjacent words of one of their texts."""
    hits = set()
    for cid, items in texts.items():
        seqs = [_word_forms(t) for t in items]
        if all(
            any(
                any(all(_atom_ok(a, seq[i + j]) for j, a in enumerate(term.atoms))
                    for i in range(len(seq) - len(term.atoms) + 1))
                for seq in seqs)
            for term in query.terms
        ):
            hits.add(cid)
    return hits


def visible(tables: dict[str, pd.DataFrame], login: str | None) -> set[int]:
    """Contacts a user may view (None: the administrator)."""
    c = tables["contacts"]
    if login is None:
        return set(c["id"].astype(int))
    managed = set(tables["managers"].loc[tables["managers"]["login"] == login, "contact_id"].astype(int))
    return {int(r.id) for r in c.itertuples() if r.share_type in (1, 2) or int(r.id) in managed}


def with_company_persons(tables: dict[str, pd.DataFrame], hits: set[int], seen: set[int]) -> set[int]:
    c = tables["contacts"]
    companies = {int(r.id) for r in c.itertuples() if r.is_company and int(r.id) in hits & seen}
    persons = {int(r.id) for r in c.itertuples()
               if not r.is_company and pd.notna(r.company_id) and int(r.company_id) in companies}
    return hits | persons


def add_contacts(store: Store, rows: list[dict[str, object]]) -> list[int]:
    """Insert literal contacts (keys: first, last, company, title, notes, email, tags, company_of,
    share); returns their ids. For small tests that need exact control over every text."""
    ids = []
    with store.db.transaction() as tx:
        for row in rows:
            cid = numbering.next_id(tx, "contacts")
            is_company = "company" in row
            tx.execute(
                "INSERT INTO contacts (id, is_company, first_name, last_name, company_name, title, "
                "notes, company_id, share_type, created_by, created_at, updated_by, updated_at, "
                "display_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, now(), 1, now(), '')",
                [cid, is_company, row.get("first"), row.get("last"), row.get("company"),
                 row.get("title"), row.get("notes"), row.get("company_of"), row.get("share", 1)])
            if row.get("email"):
                tx.execute(
                    "INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary) "
                    "VALUES (?, ?, 1, 1, ?, TRUE)",
                    [numbering.next_id(tx, "contact_info"), cid, row["email"]])
            for tag in row.get("tags", ()):  # type: ignore[attr-defined]
                tag_id = tx.scalar("SELECT id FROM tags WHERE title_key = lower(?)", [tag])
                tx.execute("INSERT INTO contact_tags VALUES (?, ?)", [cid, tag_id])
            ids.append(cid)
        contacts_changed(tx, "SELECT unnest(?::BIGINT[])", [ids])
    return ids
