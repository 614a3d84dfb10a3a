"""Realistic duplicates: copies of an entity's row varied the way a second data entry varies.

A duplicate row starts as a copy of its entity's components and gets some of: a typo, a
nickname, transliteration (Müller/Mueller), upper case, another phone format, another legal
form (GmbH/G.m.b.H.), another website spelling, a move (new address and landline), missing
fields, or another email address. Every duplicate keeps at least one anchor that a
normaliser can match: the transliterated lower-case (last or company) name, an email, or the
phone digits; :func:`keep_an_anchor` enforces that after the variations.
"""

from __future__ import annotations

import numpy as np

from . import names as N
from .entities import WHOLE, Components, Part, Rng, addresses, digits, obj, subscriber_lengths, unique_suffix
from .text import PHONE_STYLES, has_special, split_legal_form, transliterate, typo

_REVERSE_NICK: dict[str, str] = {}
for _formal, _nicks in N.NICKNAMES.items():
    for _nick in _nicks:
        _REVERSE_NICK.setdefault(_nick, _formal)


def other_style(rng: Rng, loc: np.ndarray, style: np.ndarray) -> np.ndarray:
    """A phone style different from ``style`` in each row's locale."""
    counts = np.asarray([len(PHONE_STYLES[name]) for name in N.LOCALES])[loc]
    shift = 1 + (rng.random(len(loc)) * (counts - 1)).astype(np.int64)
    return (style + shift) % counts


def vary_companies(rng: Rng, rows: Components, idx: np.ndarray) -> None:
    """Vary the company duplicate rows ``idx`` of ``rows`` in place."""
    k = len(idx)
    if not k:
        return
    u = rng.random((10, k))
    loc = rows["loc"][idx]
    core = rows["core"][idx].copy()
    legal = rows["legal"][idx].copy()
    for j in np.flatnonzero(u[0] < 0.5):  # another spelling of the legal form
        options = N.LEGAL_VARIANTS.get(legal[j], ("",))
        legal[j] = options[int(u[1, j] * len(options))]
    for j in np.flatnonzero(u[2] < 0.25):  # a typo in the first word
        head, _, rest = core[j].partition(" ")
        core[j] = typo(head, u[3, j], u[1, j]) + (" " + rest if rest else "")
    for j in np.flatnonzero(u[4] < 0.5):
        if has_special(core[j]):
            core[j] = transliterate(core[j])
    upper = u[5] < 0.05
    core[upper] = obj([c.upper() for c in core[upper]])
    rows["core"][idx] = core
    rows["legal"][idx] = legal
    rows["company_name"][idx] = obj([f"{c} {lf}" if lf else c for c, lf in zip(core, legal, strict=True)])

    restyle = u[6] < 0.5
    rows["ph_style"][idx[restyle]] = other_style(rng, loc[restyle], rows["ph_style"][idx[restyle]])
    _move(rng, rows, idx[u[7] < 0.15], "w_")
    web = rows["domain"][idx]
    fmt = (u[8] * 4).astype(np.int64)
    variant = np.select([fmt == 0, fmt == 1, fmt == 2], ["http://" + web + "/", "www." + web,
                                                         "https://" + web], default="http://www." + web)
    change_web = (u[8] < 0.3) & (rows["website"][idx] != "")
    rows["website"][idx[change_web]] = variant[change_web]
    _drop(rows, idx[u[9] < 0.3], rng.random(int((u[9] < 0.3).sum())),
          (("website",), ("email_work",), ("ph_sub", "fax_sub"), ("w_street", "w_zip"), ("segment",)))


def vary_persons(rng: Rng, rows: Components, idx: np.ndarray, share: Part = WHOLE) -> None:
    """Vary the person duplicate rows ``idx`` of ``rows`` in place (not their company link)."""
    k = len(idx)
    if not k:
        return
    u = rng.random((14, k))
    first = rows["first"][idx].copy()
    last = rows["last"][idx].copy()
    for j in np.flatnonzero(u[0] < 0.3):  # a typo, more often in the last name
        if u[1, j] < 0.6:
            last[j] = typo(last[j], u[2, j], u[3, j])
        else:
            first[j] = typo(first[j], u[2, j], u[3, j])
    for j in np.flatnonzero(u[4] < 0.35):  # nickname or back to the formal name
        nicks = N.NICKNAMES.get(first[j])
        if nicks:
            first[j] = nicks[int(u[5, j] * len(nicks))]
        elif first[j] in _REVERSE_NICK:
            first[j] = _REVERSE_NICK[first[j]]
    for j in np.flatnonzero(u[6] < 0.45):  # Müller -> Mueller
        if has_special(first[j]) or has_special(last[j]):
            first[j], last[j] = transliterate(first[j]), transliterate(last[j])
    upper = u[7] < 0.05
    last[upper] = obj([x.upper() for x in last[upper]])
    rows["first"][idx] = first
    rows["last"][idx] = last

    loc = rows["loc"][idx]
    restyle = u[8] < 0.6
    for key in ("ph_style", "mob_style"):
        rows[key][idx[restyle]] = other_style(rng, loc[restyle], rows[key][idx[restyle]])
    moved = idx[u[9] < 0.12]
    has_work_addr = rows["w_street"][moved] != ""
    _move(rng, rows, moved[has_work_addr], "w_")
    _move(rng, rows, moved[~has_work_addr], "h_")

    alt = idx[u[10] < 0.12]  # another email address this time: a private one
    if len(alt):
        free = obj([N.FREEMAIL[N.LOCALES[li]][int(x * len(N.FREEMAIL[N.LOCALES[li]]))]
                    for li, x in zip(rows["loc"][alt], rng.random(len(alt)), strict=True)])
        number = rng.integers(1, 99, len(alt))
        rows["email_work"][alt] = ""
        rows["email_home"][alt] = unique_suffix(obj([
            f"{transliterate(f).lower().replace(' ', '')}{transliterate(la).lower().replace(' ', '')}"
            f"{n}@{d}".replace("'", "")
            for f, la, n, d in zip(rows["first"][alt], rows["last"][alt], number, free, strict=True)
        ]), lambda v, k: v.replace("@", f".{k}@", 1), share)
    promoted = idx[u[11] < 0.08]
    rows["position"][promoted] = ""
    dropping = u[12] < 0.35
    _drop(rows, idx[dropping], u[13][dropping],
          (("email_work",), ("email_home",), ("ph_sub",), ("mob_sub",), ("position",),
           ("w_street", "w_city", "w_zip"), ("birthday",), ("tags",), ("linkedin",)))
    lose_number = rng.random(k) < 0.7  # a second entry rarely carries the customer number
    rows["custno"][idx[lose_number]] = ""


def _move(rng: Rng, rows: Components, idx: np.ndarray, prefix: str) -> None:
    """The rows moved: a new address in their locale, and a new landline there if they had one."""
    if not len(idx):
        return
    loc = rows["loc"][idx]
    new = addresses(rng, loc)
    for part in ("street", "city", "state", "zip", "country"):
        rows[prefix + part][idx] = new[part]
    had_phone = rows["ph_sub"][idx] != ""
    lengths = subscriber_lengths(rng, loc, new["area"])
    fresh = digits(rng, lengths)
    rows["ph_area"][idx[had_phone]] = new["area"][had_phone]
    rows["ph_sub"][idx[had_phone]] = fresh[had_phone]


def _drop(rows: Components, idx: np.ndarray, u: np.ndarray, groups: tuple[tuple[str, ...], ...]) -> None:
    """Empty one group of fields per row (chosen by ``u``): a field left out on entry."""
    choice = (u * len(groups)).astype(np.int64)
    for g, keys in enumerate(groups):
        sel = idx[choice == g]
        for key in keys:
            rows[key][sel] = ""
    if "w_street" in {k for keys in groups for k in keys}:  # a half-empty address is no address
        for part in ("street", "city", "state", "zip", "country"):
            gone = idx[rows["w_street"][idx] == ""]
            rows["w_" + part][gone] = ""


def _name_key(text: str) -> str:
    return transliterate(split_legal_form(text)[0]).lower().strip()


def keep_an_anchor(rows: Components, idx: np.ndarray, src: np.ndarray) -> int:
    """Give back the original name to duplicates that share nothing else with their entity.

    Anchors: the normalised last (or company core) name, any email, or any phone number.
    Returns how many rows needed it.
    """
    fixed = 0
    for i, s in zip(idx, src, strict=True):
        if rows["is_company"][i]:
            same_name = _name_key(rows["core"][i]) == _name_key(rows["core"][s])
        else:
            same_name = transliterate(rows["last"][i]).lower() == transliterate(rows["last"][s]).lower()
        if same_name or _emails(rows, i) & _emails(rows, s) or _phones(rows, i) & _phones(rows, s):
            continue
        fixed += 1
        if rows["is_company"][i]:
            rows["core"][i] = rows["core"][s]
            legal = rows["legal"][i]
            rows["company_name"][i] = f"{rows['core'][s]} {legal}" if legal else rows["core"][s]
        else:
            rows["last"][i] = rows["last"][s]
    return fixed


def _emails(rows: Components, i: int) -> set[str]:
    return {e.lower() for key in ("email_work", "email_home") for e in rows[key][i].split(",") if e}


def _phones(rows: Components, i: int) -> set[str]:
    out = set()
    if rows["ph_sub"][i]:
        out.add(rows["ph_area"][i] + rows["ph_sub"][i])
    if rows["mob_sub"][i]:
        out.add(rows["mob_area"][i] + rows["mob_sub"][i])
    return out
