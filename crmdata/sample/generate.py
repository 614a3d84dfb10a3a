"""``generate(n, seed)``: a seeded, deterministic sample contact base in the ONLYOFFICE layout.

The steps: draw companies and persons (:mod:`.entities`), pick which of them get duplicates
(clusters of 2 to 4 rows) and which company row each person names, put the rows in creation
order (every person after the company row it names, duplicates entered some time after
their original), gather every component into that order once, vary the duplicate rows
(:mod:`.variants`) and render the ONLYOFFICE export columns. Deals and history are drawn for
the rows (:mod:`.events`). The truth (which rows are the same real entity) is returned beside
the contacts, never inside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CrmDataError
from ..model import BASE_COLUMNS, INFO_CAPTIONS, CustomFieldType
from . import entities, events, variants
from .entities import Components, empty, obj
from .names import INDUSTRY_SEGMENTS, LOCALES
from .text import format_phones

#: The day the sample's history is "recent" relative to (fixed, so samples are reproducible).
DEFAULT_AS_OF = date(2026, 11, 1)

#: The sample's custom fields: label -> (type, mask), in column order.
CUSTOM_FIELDS: dict[str, tuple[CustomFieldType, Any]] = {
    "Birthday": (CustomFieldType.DATE, None),
    "Newsletter": (CustomFieldType.CHECKBOX, None),
    "Segment": (CustomFieldType.SELECT, list(INDUSTRY_SEGMENTS)),
    "Customer number": (CustomFieldType.TEXT, {"size": 20}),
}

#: Share of real entities that are companies.
COMPANY_SHARE = 0.2
#: Largest share of duplicate rows a sample may have.
MAX_DUP_RATE = 0.5


@dataclass
class Sample:
    """A generated contact base and what belongs to it, keyed by 1-based data-row number."""

    contacts: pd.DataFrame
    custom_fields: dict[str, tuple[CustomFieldType, Any]]
    deals: pd.DataFrame
    history: pd.DataFrame
    truth: pd.DataFrame
    dates: pd.DataFrame  # row, created_at, updated_at


def generate(n: int, seed: int = 0, dup_rate: float = 0.1, *, as_of: date = DEFAULT_AS_OF,
             part: int = 0, parts: int = 1) -> Sample:
    """``n`` contact rows, of which about ``dup_rate`` are duplicates of another row.

    The same ``(n, seed, dup_rate, as_of, part, parts)`` always gives identical frames. A base
    too large to generate at once is made of ``parts`` samples (``part`` 0, 1, ..., each with a
    seed of its own): their email addresses, domains and customer numbers never meet, so that
    two parts hold different people, as the contacts of one real base do. ``part=0, parts=1``
    is the plain sample.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise CrmDataError(f"The number of sample rows must be a whole number of at least 0, not {n!r}.")
    if not 0 <= dup_rate <= MAX_DUP_RATE:
        raise CrmDataError(f"The duplicate rate must be between 0 and {MAX_DUP_RATE}, not {dup_rate!r}.")
    if not (isinstance(part, int) and isinstance(parts, int) and 0 <= part < parts):
        raise CrmDataError(f"A sample's part must be a whole number from 0 to parts - 1, not part={part!r} "
                           f"of parts={parts!r}.")
    n = int(n)
    share = entities.Part(part, parts)
    rng = np.random.default_rng(seed)
    n_dup = min(int(round(n * dup_rate)), n // 2)  # never more duplicates than entities
    n_ent = n - n_dup
    n_comp = int(round(n_ent * COMPANY_SHARE)) if n_ent > 1 else 0

    comp = entities.companies(rng, n_comp, share)
    pers = entities.persons(rng, n_ent - n_comp, comp, share)
    per_entity = _combine(rng, comp, pers, share)
    # "build" rows: the entities, then their duplicates; only numbers are decided here
    src = _duplicate_sources(rng, n_ent, n_dup)
    built = np.concatenate([np.arange(n_ent), src])
    built_company = per_entity["is_company"][built]
    built_link = _choose_company_rows(rng, built, built_company, per_entity["employer"][built])
    order = _row_order(rng, built, built_company, built_link)
    # one gather puts every component in file order; text work happens on these arrays
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    entity = built[order]
    rows = {key: col[entity] for key, col in per_entity.items()}
    del comp, pers, per_entity  # the per-entity arrays are not needed any more (memory at 1M rows)
    company_row = built_link[order]
    company_row = np.where(company_row >= 0, pos[np.maximum(company_row, 0)], -1)
    dup_pos = pos[n_ent:]
    original_pos = pos[:n_ent]  # the original row of entity e is built row e
    is_company = rows["is_company"]
    variants.vary_companies(rng, rows, dup_pos[is_company[dup_pos]])
    variants.vary_persons(rng, rows, dup_pos[~is_company[dup_pos]], share)
    variants.keep_an_anchor(rows, dup_pos, original_pos[src])
    _unclash_company_names(rows, original_pos[entity])
    _name_companies(rows, company_row)

    contacts = _render(rows)
    rows = {key: rows[key] for key in ("loc", "is_company")}  # all deals and history need
    file_row = np.arange(1, n + 1, dtype=np.int64)
    truth = pd.DataFrame({"row": file_row, "entity_id": entity + 1})
    deals = events.deals(rng, rows, entity, company_row, file_row, as_of)
    history = events.history(rng, rows, file_row, as_of)
    # drawn from a stream of their own, so adding them changed none of the other files
    dates = events.contact_dates(np.random.default_rng([seed, 1]), n, deals, history, as_of)
    return Sample(contacts, dict(CUSTOM_FIELDS), deals, history, truth, dates)


def _combine(rng: entities.Rng, comp: Components, pers: Components, share: entities.Part) -> Components:
    """Companies then persons as one set of equally long row components."""
    n_c, n_p = len(comp["loc"]), len(pers["loc"])
    keys = set(comp) | set(pers)
    rows: Components = {}
    for key in sorted(keys):
        a = comp.get(key)
        b = pers.get(key)
        if a is None:
            a = np.full(n_c, -1) if key == "employer" else empty(n_c)
        if b is None:
            b = empty(n_p)
        rows[key] = np.concatenate([a, b])
    loc = rows["loc"].astype(np.int64)
    rows["loc"] = loc
    rows["employer"] = rows["employer"].astype(np.int64)
    rows["is_company"] = np.arange(n_c + n_p) < n_c
    rows.update(entities.shared_lists(rng, loc))
    rows["ph_style"] = rng.integers(0, 6, n_c + n_p)
    rows["mob_style"] = rng.integers(0, 6, n_c + n_p)
    rows["company_name"] = np.concatenate([comp["company_name"], empty(n_p)])
    clients = rows["contact_type"] == "Client"
    prefix = np.where(loc == 0, "K-", "C-")
    number = obj([f"{i:07d}" for i in np.arange(n_c + n_p) * share.of + share.at + 10001])
    rows["custno"] = np.where(clients & (rng.random(n_c + n_p) < 0.8), prefix + number, "").astype(object)
    return rows


def _duplicate_sources(rng: entities.Rng, n_ent: int, n_dup: int) -> np.ndarray:
    """The entity each duplicate row copies: clusters of 2-4 rows (1-3 copies per entity)."""
    if not n_dup:
        return np.zeros(0, dtype=np.int64)
    extra = rng.choice([1, 2, 3], n_dup, p=[0.7, 0.2, 0.1])
    cut = int(np.searchsorted(np.cumsum(extra), n_dup)) + 1
    extra = extra[:cut]
    extra[-1] -= int(extra.sum()) - n_dup
    chosen = rng.choice(n_ent, len(extra), replace=False)
    return np.repeat(chosen, extra).astype(np.int64)


def _unclash_company_names(rows: Components, original: np.ndarray) -> None:
    """A varied company name that equals another company's name goes back to its own original.

    ``original`` is, per row, the row of its entity's original. Persons are linked to companies
    by exact name, so a name must mean one entity.
    """
    comp_rows = np.flatnonzero(rows["is_company"])
    frame = pd.DataFrame({"name": rows["company_name"][comp_rows], "entity": original[comp_rows]})
    owners = frame.groupby("name", sort=False)["entity"].nunique()
    clashing = set(owners.index[owners > 1])
    for i in comp_rows:
        o = original[i]
        if rows["company_name"][i] in clashing and i != o:
            for key in ("company_name", "core", "legal"):
                rows[key][i] = rows[key][o]


def _choose_company_rows(
    rng: entities.Rng, entity: np.ndarray, is_company: np.ndarray, employer: np.ndarray
) -> np.ndarray:
    """Which company row each person names: its employer's original row, or for a duplicate
    person at times a duplicate row of that company (another spelling), or none (left out).

    Works on built rows (row e is the original of entity e); -1 for none and for companies.
    """
    n = len(entity)
    company_row = np.where(employer >= 0, employer, -1)
    is_dup = np.arange(n) != entity
    dup_company = np.flatnonzero(is_company & is_dup)
    by_entity = entities.group_lists(entity[dup_company], dup_company)
    u = rng.random((3, n))
    for i in np.flatnonzero(is_dup & ~is_company & (employer >= 0)).tolist():
        if u[0, i] < 0.12:
            company_row[i] = -1  # left out on this entry
        elif u[1, i] < 0.5 and int(employer[i]) in by_entity:
            options = by_entity[int(employer[i])]
            company_row[i] = options[int(u[2, i] * len(options))]
    return company_row


def _name_companies(rows: Components, company_row: np.ndarray) -> None:
    """Each person's "Company Name" is the name on the company row it links to."""
    linked = company_row >= 0
    names = empty(len(company_row))
    names[linked] = rows["company_name"][company_row[linked]]
    rows["company_name"] = np.where(rows["is_company"], rows["company_name"], names).astype(object)


def _row_order(
    rng: entities.Rng, built: np.ndarray, is_company: np.ndarray, company_row: np.ndarray
) -> np.ndarray:
    """The file order of the built rows, as a CRM export in creation order would have them.

    Companies and persons are entered in two interleaved streams; a person comes right after
    the company row it names when that company was entered later; a duplicate is entered some
    time after its original. Keeping the streams in order also keeps memory access sequential
    when the rows are gathered, which is most of the speed at a million rows.
    """
    n = len(built)
    is_dup = built != np.arange(n)
    u = rng.random(n)
    key = np.zeros(n)
    for kind in (True, False):  # companies first: persons' keys depend on them
        original = np.flatnonzero(~is_dup & (is_company == kind))
        key[original] = np.arange(len(original)) / max(len(original), 1)
        dup = np.flatnonzero(is_dup & (is_company == kind))
        start = key[built[dup]]
        key[dup] = start + (1.0 - start) * u[dup]
        if not kind:
            rows = np.flatnonzero(~is_company & (company_row >= 0))
            after = key[company_row[rows]] + 1e-9 * (1.0 + u[rows])
            key[rows] = np.maximum(key[rows], after)
    return np.argsort(key, kind="stable")


def _phones(loc: np.ndarray, area: np.ndarray, sub: np.ndarray, style: np.ndarray) -> np.ndarray:
    """Rendered phone numbers ("" where there is none)."""
    out = empty(len(loc))
    for li, name in enumerate(LOCALES):
        m = np.flatnonzero((loc == li) & (sub != ""))
        out[m] = format_phones(name, area[m], sub[m], style[m])
    return out


def _render(rows: Components) -> pd.DataFrame:
    """The ONLYOFFICE export columns (all strings) of the rows."""
    n = len(rows["loc"])
    is_company = rows["is_company"]
    cols: dict[str, np.ndarray] = {
        "Company/Person": np.where(is_company, "Company", "Person").astype(object),
        "First Name": rows["first"],
        "Last Name": rows["last"],
        "Company Name": rows["company_name"],
        "Position": rows["position"],
        "Note": rows["note"],
        "Contact Temperature Level": rows["temperature"],
        "Contact Type": rows["contact_type"],
        "Contact Tag List": rows["tags"],
    }
    loc = rows["loc"]
    filled = {
        "Phone (work)": _phones(loc, rows["ph_area"], rows["ph_sub"], rows["ph_style"]),
        "Phone (mobile)": _phones(loc, rows["mob_area"], rows["mob_sub"], rows["mob_style"]),
        "Phone (fax)": _phones(loc, rows["ph_area"], rows["fax_sub"], rows["ph_style"]),
        "Email (work)": rows["email_work"],
        "Email (home)": rows["email_home"],
        "Web site (work)": rows["website"],
        "Skype (work)": rows["skype"],
        "X (Twitter) (work)": rows["twitter"],
        "LinkedIn (work)": rows["linkedin"],
        "Facebook (work)": rows["facebook"],
    }
    for part in ("street", "city", "state", "zip", "country"):
        filled[f"Address (work) {part}"] = rows[f"w_{part}"]
        home = rows[f"h_{part}"]
        filled[f"Address (home) {part}"] = np.where(is_company, "", home).astype(object)
        filled[f"Address (billing) {part}"] = np.where(is_company, home, "").astype(object)
    for caption in INFO_CAPTIONS:
        cols[caption] = filled[caption] if caption in filled else empty(n)
    cols["Birthday"] = np.where(is_company, "", rows["birthday"]).astype(object)
    cols["Newsletter"] = rows["newsletter"]
    cols["Segment"] = np.where(is_company, rows["segment"], "").astype(object)
    cols["Customer number"] = rows["custno"]
    # copy=False keeps one block per column: consolidating 100 object columns costs seconds
    frame = pd.DataFrame(cols, copy=False)
    assert list(frame.columns) == [*BASE_COLUMNS, *INFO_CAPTIONS, *CUSTOM_FIELDS]
    return frame
