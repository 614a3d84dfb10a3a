"""The real-world entities of a sample: companies and persons as column arrays, before duplicates.

Each function takes the seeded numpy generator and returns a dict of equally long numpy
object arrays ("components"), one entry per entity. Strings are built with numpy object
arithmetic or list comprehensions over small vocabularies, so a million entities take
seconds. Duplicates (:mod:`.variants`) copy and vary these components before they are
rendered into the ONLYOFFICE layout (:mod:`.generate`).
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import names as N
from .text import email_local, slug

Components = dict[str, np.ndarray]
Rng = np.random.Generator


def obj(values: object) -> np.ndarray:
    """An object array of Python strings (what every text component is)."""
    return np.asarray(values, dtype=object)


def empty(n: int) -> np.ndarray:
    return np.full(n, "", dtype=object)


def pick(rng: Rng, table: tuple[str, ...], size: int) -> np.ndarray:
    return obj(table)[rng.integers(0, len(table), size)]


def pick_by_locale(rng: Rng, loc: np.ndarray, tables: dict[str, tuple[str, ...]]) -> np.ndarray:
    """One value per row from the table of the row's locale."""
    u = rng.random(len(loc))
    out = empty(len(loc))
    for li, name in enumerate(N.LOCALES):
        m = loc == li
        table = obj(tables[name])
        out[m] = table[(u[m] * len(table)).astype(np.int64)]
    return out


def weighted(rng: Rng, values: tuple[str, ...], weights: tuple[float, ...], size: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return obj(values)[rng.choice(len(values), size, p=p / p.sum())]


def mapped(values: np.ndarray, func: object) -> np.ndarray:
    """``func`` applied once per distinct value (names repeat a lot, so this is cheap)."""
    codes, uniques = pd.factorize(values, sort=False)
    table = obj([func(u) for u in uniques])  # type: ignore[operator]
    return table[codes]


def digits(rng: Rng, lengths: np.ndarray) -> np.ndarray:
    """Random digit strings of the given lengths (at most 10), never starting with 0 or 1."""
    head = rng.integers(2, 10, len(lengths))
    tail = rng.integers(0, 10**9, len(lengths))
    full = (head * 10**9 + tail).astype(str)
    out = empty(len(lengths))
    for length in np.unique(lengths):
        m = lengths == length
        out[m] = full[m].astype(f"<U{int(length)}").astype(object)  # astype truncates
    return out


def group_lists(keys: np.ndarray, values: np.ndarray) -> dict[int, list[int]]:
    """``{key: values with that key}`` (values keep their order), without a pandas groupby."""
    if not len(keys):
        return {}
    order = np.argsort(keys, kind="stable")
    k, v = keys[order], values[order].tolist()
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]).tolist()
    ends = starts[1:] + [len(v)]
    return {key: v[a:b] for key, a, b in zip(k[starts].tolist(), starts, ends, strict=True)}


class Part(NamedTuple):
    """Which of ``of`` independently generated samples of one base this is (``at`` from 0).
    The parts of one base never share an email address, a domain or a customer number, as the
    contacts of one real base don't."""

    at: int = 0
    of: int = 1


#: The plain sample: a base of one part.
WHOLE = Part()


def unique_suffix(values: np.ndarray, make: object, share: Part = WHOLE) -> np.ndarray:
    """Values made unique: the k-th repeat (k >= 0) gets the number ``k * share.of + share.at + 1``
    and becomes ``make(value, number)``, except that number 1 leaves it as it is; "" stays.
    The numbers of different parts never meet, so neither do their values."""
    filled = np.flatnonzero(values != "")
    s = pd.Series(values[filled], dtype=object)
    number = s.groupby(s, sort=False).cumcount().to_numpy() * share.of + share.at + 1
    out = values.copy()
    for i, k in zip(filled[number > 1].tolist(), number[number > 1].tolist(), strict=True):
        out[i] = make(values[i], k)  # type: ignore[operator]
    return out


# -- places ----------------------------------------------------------------------------------
_NUMBERS = obj([str(i) for i in range(1000)])
_ZIP3 = obj([f"{i:03d}" for i in range(1000)])
_ZIP2 = obj([f"{i % 100:02d}" for i in range(1000)])
_UK_INWARD = obj([f"{i % 10}{chr(65 + i % 26)}{chr(65 + (i // 26) % 26)}" for i in range(1000)])


def addresses(rng: Rng, loc: np.ndarray) -> Components:
    """Street, city, state, zip, country and phone area code per row, in the row's locale."""
    n = len(loc)
    out = {k: empty(n) for k in ("street", "city", "state", "zip", "country", "area")}
    number = _NUMBERS[rng.integers(1, 180, n)] + np.where(rng.random(n) < 0.08, "a", "").astype(object)
    u_street = rng.random(n)
    u_city = rng.random(n)
    zip_tail = rng.integers(0, 1000, n)
    for li, name in enumerate(N.LOCALES):
        m = np.flatnonzero(loc == li)
        if not len(m):
            continue
        cities = N.CITIES[name]
        ci = (u_city[m] * len(cities)).astype(np.int64)
        city, state, prefix, area = (obj([c[k] for c in cities])[ci] for k in range(4))
        streets = obj(N.STREETS[name])
        st = streets[(u_street[m] * len(streets)).astype(np.int64)]
        out["street"][m] = st + " " + number[m] if name == "de" else number[m] + " " + st
        out["city"][m] = city
        out["state"][m] = state
        tails = zip_tail[m]
        if name == "de":
            out["zip"][m] = prefix + _ZIP3[tails]
        elif name == "us":
            out["zip"][m] = prefix + _ZIP2[tails]
        else:
            out["zip"][m] = prefix + " " + _UK_INWARD[tails]
        out["country"][m] = N.COUNTRIES[name][0]
        out["area"][m] = area
    return out


def subscriber_lengths(rng: Rng, loc: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Subscriber number length per row: DE 7-8, UK fills 10 digits, US 7."""
    alen = mapped(area, len).astype(np.int64)
    de = 7 + (rng.random(len(loc)) < 0.5)
    return np.where(loc == 0, de, np.where(loc == 1, 10 - alen, 7))


MOBILE_AREAS: dict[str, tuple[str, ...]] = {
    "de": ("151", "152", "160", "162", "170", "171", "172", "176", "177", "179"),
    "uk": ("7700", "7911", "7400", "7824", "7507", "7961"),
    "us": ("917", "646", "310", "415", "312", "512", "206", "617"),
}


# -- companies ---------------------------------------------------------------------------------
def companies(rng: Rng, count: int, share: Part = WHOLE) -> Components:
    """``count`` companies with unique names and domains, addresses, phones and lists."""
    loc = rng.choice(len(N.LOCALES), count, p=np.asarray(N.LOCALE_WEIGHTS))
    core, core_slug = _company_cores(rng, loc)
    legal = empty(count)
    for li, name in enumerate(N.LOCALES):
        m = loc == li
        forms, weights = zip(*N.LEGAL_FORMS[name], strict=True)
        legal[m] = weighted(rng, forms, weights, int(m.sum()))
    names = core + " " + legal
    for _ in range(6):  # redraw clashing names with a city in them
        clash = np.flatnonzero(pd.Series(names).duplicated().to_numpy())
        if not len(clash):
            break
        place = addresses(rng, loc[clash])["city"]
        core[clash] = core[clash] + " " + place
        core_slug[clash] = core_slug[clash] + "-" + mapped(place, slug)
        names[clash] = core[clash] + " " + legal[clash]
    clash = np.flatnonzero(pd.Series(names).duplicated().to_numpy())
    for k, i in enumerate(clash, 2):  # still clashing after six redraws: number them
        core[i] = f"{core[i]} {k}"
        core_slug[i] = f"{core_slug[i]}-{k}"
    names = core + " " + legal

    addr = addresses(rng, loc)
    tld = obj([N.TLD[N.LOCALES[i]] for i in range(len(N.LOCALES))])[loc]
    domain = unique_suffix(core_slug + "." + tld, lambda v, k: v.replace(".", f"{k}.", 1), share)
    sub_len = subscriber_lengths(rng, loc, addr["area"])
    u = rng.random((6, count))
    mailbox = obj([("info", "kontakt", "office", "vertrieb"), ("info", "hello", "enquiries", "sales"),
                   ("info", "contact", "sales", "hello")])
    boxes = mailbox[loc, (u[0] * 4).astype(np.int64)]
    has_fax = u[1] < np.where(loc == 0, 0.4, 0.1)
    has_billing = u[2] < 0.15
    billing = scatter(has_billing, addresses(rng, loc[has_billing]))
    comp: Components = {
        "loc": loc,
        "core": core,
        "legal": legal,
        "company_name": names,
        "domain": domain,
        "website": np.where(u[3] < 0.6, "https://www." + domain, "www." + domain).astype(object),
        "email_work": np.where(u[4] < 0.85, boxes + "@" + domain, "").astype(object),
        "ph_area": addr["area"],
        "ph_sub": digits(rng, sub_len),
        "fax_sub": np.where(has_fax, digits(rng, sub_len), "").astype(object),
        "facebook": only(u[5] < 0.2, lambda r: "https://www.facebook.com/"
                         + obj([c.replace("-", "") for c in core_slug[r]])),
        "segment": weighted(rng, ("",) + N.INDUSTRY_SEGMENTS, (0.2, 0.35, 0.25, 0.12, 0.08), count),
    }
    for part in ("street", "city", "state", "zip", "country"):
        comp[f"w_{part}"] = addr[part]
        comp[f"h_{part}"] = billing[part]
    return comp


def _company_cores(rng: Rng, loc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Company names without legal form ("Müller Logistik", "Schäfer & Voß", "Nordwind") and
    their slugs for domains ("mueller-logistik"), built from the slugs of their parts."""
    n = len(loc)
    last = pick_by_locale(rng, loc, N.LAST_NAMES)
    last2 = pick_by_locale(rng, loc, N.LAST_NAMES)
    branch = pick_by_locale(rng, loc, N.BRANCHES)
    brand = pick_by_locale(rng, loc, N.BRAND_HEADS) + pick_by_locale(rng, loc, N.BRAND_TAILS)
    pattern = rng.choice(5, n, p=[0.3, 0.15, 0.2, 0.2, 0.15])
    s_last, s_last2, s_branch, s_brand = (mapped(v, slug) for v in (last, last2, branch, brand))
    conditions = [pattern == 0, pattern == 1, pattern == 2, pattern == 3]
    core = np.select(
        conditions,
        [last + " " + branch, last + " & " + last2, brand + " " + branch, brand],
        default=np.where(loc == 0, branch + " " + last, last + " " + branch),
    ).astype(object)
    joined = np.where(loc == 0, "-und-", "-and-")
    core_slug = np.select(
        conditions,
        [s_last + "-" + s_branch, s_last + joined + s_last2, s_brand + "-" + s_branch, s_brand],
        default=np.where(loc == 0, s_branch + "-" + s_last, s_last + "-" + s_branch),
    ).astype(object)
    return core, core_slug


# -- persons -----------------------------------------------------------------------------------
def only(mask: np.ndarray, make: object) -> np.ndarray:
    """``make(rows)`` where ``mask`` holds, "" elsewhere: text is built only where it is used."""
    out = empty(len(mask))
    rows = np.flatnonzero(mask)
    if len(rows):
        out[rows] = make(rows)  # type: ignore[operator]
    return out


def scatter(mask: np.ndarray, parts: Components) -> Components:
    """Components computed for the rows of ``mask`` spread to full length ("" elsewhere)."""
    out = {}
    for key, values in parts.items():
        full = empty(len(mask))
        full[mask] = values
        out[key] = full
    return out


def persons(rng: Rng, count: int, company: Components, share: Part = WHOLE) -> Components:
    """``count`` persons; most work for one of ``company``'s companies and use its domain."""
    n_comp = len(company["loc"])
    linked = (rng.random(count) < 0.7) & (n_comp > 0)
    employer = np.where(linked, rng.integers(0, max(n_comp, 1), count), -1)
    emp = np.maximum(employer, 0)
    own_loc = rng.choice(len(N.LOCALES), count, p=np.asarray(N.LOCALE_WEIGHTS))
    loc = np.where(linked & (rng.random(count) < 0.9), company["loc"][emp], own_loc) if n_comp else own_loc
    first = pick_by_locale(rng, loc, N.FIRST_NAMES)
    last = pick_by_locale(rng, loc, N.LAST_NAMES)
    f_local = mapped(first, email_local)
    l_local = mapped(last, email_local)
    initial = mapped(f_local, lambda f: f[:1])
    domain = only(linked, lambda r: company["domain"][emp[r]])

    u = rng.random((16, count))
    pattern = (u[0] * 5).astype(np.int64)

    def work_mail(r: np.ndarray) -> np.ndarray:
        f, la, i, p = f_local[r], l_local[r], initial[r], pattern[r]
        local = np.select([p == 0, p == 1, p == 2, p == 3], [f + "." + la, i + "." + la, f, la + "." + f],
                          default=i + la)
        return local + "@" + domain[r]

    has_work_mail = linked & (u[1] < 0.85)
    work = unique_suffix(only(has_work_mail, work_mail),
                         lambda v, k: "" if not v else v.replace("@", f"{k}@", 1), share)
    second = np.flatnonzero(has_work_mail & (u[2] < 0.05))
    extra = pd.Series(initial[second] + l_local[second] + "@" + domain[second], dtype=object)
    free_box = (~extra.isin(set(work)) & ~extra.duplicated()).to_numpy()  # not a colleague's box
    second = second[free_box]
    work[second] = work[second] + "," + extra.to_numpy()[free_box]

    free = pick_by_locale(rng, loc, N.FREEMAIL)
    year = _NUMBERS[rng.integers(60, 100, count)]

    def home_mail(r: np.ndarray) -> np.ndarray:
        base = f_local[r] + "." + l_local[r]
        return np.where(u[3, r] < 0.4, base + year[r], base) + "@" + free[r]

    home = unique_suffix(only(u[4] < np.where(linked, 0.25, 0.8), home_mail),
                         lambda v, k: "" if not v else v.replace("@", f".{k}@", 1), share)

    own_work_addr = ~linked & (u[6] < 0.3)
    needs_own = own_work_addr | ~linked
    own_addr = scatter(needs_own, addresses(rng, loc[needs_own]))
    area = np.where(linked, company["ph_area"][emp] if n_comp else "", own_addr["area"])
    has_work_phone = np.where(linked, u[7] < 0.7, u[7] < 0.2)
    has_mobile = u[9] < 0.6

    def mobile_area(r: np.ndarray) -> np.ndarray:
        out = empty(len(r))
        for li, name in enumerate(N.LOCALES):
            m = loc[r] == li
            table = obj(MOBILE_AREAS[name])
            out[m] = table[(u[8, r[m]] * len(table)).astype(np.int64)]
        return out

    has_home_addr = u[10] < 0.25
    home_addr = scatter(has_home_addr, addresses(rng, loc[has_home_addr]))
    positions = pick_by_locale(rng, loc, N.POSITIONS)
    handle = obj([f"{h:x}" for h in range(0x1000, 0x2000)])[rng.integers(0, 0x1000, count)]
    mobile_len = np.where(loc == 0, 7 + (u[12] < 0.5), np.where(loc == 1, 6, 7))

    comp: Components = {
        "loc": loc,
        "employer": employer,
        "first": first,
        "last": last,
        "domain": domain,
        "position": only(u[11] < np.where(linked, 0.85, 0.3), lambda r: positions[r]),
        "email_work": work,
        "email_home": home,
        "ph_area": only(has_work_phone, lambda r: area[r]),
        "ph_sub": only(has_work_phone, lambda r: digits(rng, subscriber_lengths(rng, loc[r], area[r]))),
        "mob_area": only(has_mobile, mobile_area),
        "mob_sub": only(has_mobile, lambda r: digits(rng, mobile_len[r])),
        "linkedin": only(u[13] < 0.3, lambda r: "https://www.linkedin.com/in/" + f_local[r] + "-"
                         + l_local[r] + "-" + handle[r]),
        "twitter": only(u[14] < 0.08, lambda r: "@" + f_local[r] + "_" + l_local[r]),
        "skype": only(u[15] < 0.05, lambda r: "live:" + f_local[r] + "." + l_local[r]),
        "birthday": _birthdays(rng, count),
    }
    from_company = linked & (u[5] < 0.5)
    for part in ("street", "city", "state", "zip", "country"):
        w = only(from_company, lambda r, part=part: company[f"w_{part}"][emp[r]])
        w[own_work_addr] = own_addr[part][own_work_addr]
        comp[f"w_{part}"] = w
        comp[f"h_{part}"] = home_addr[part]
    return comp


_DAYS = obj([f"{i:02d}" for i in range(32)])
_YEARS = obj([str(i) for i in range(1900, 2100)])


def _birthdays(rng: Rng, count: int) -> np.ndarray:
    """40 % of persons have a birthday, written dd.mm.yyyy as the portal's German culture does."""
    start = np.datetime64("1950-01-01", "D")
    all_days = start + rng.integers(0, (date(2004, 12, 31) - date(1950, 1, 1)).days, count)
    has = rng.random(count) < 0.4

    def written(rows: np.ndarray) -> np.ndarray:
        days = all_days[rows]
        year = days.astype("datetime64[Y]")
        month = days.astype("datetime64[M]")
        y = year.astype(np.int64) + 1970
        mo = (month - year).astype(np.int64) + 1
        d = (days - month).astype(np.int64) + 1
        return _DAYS[d] + "." + _DAYS[mo] + "." + _YEARS[y - 1900]

    return only(has, written)


def shared_lists(rng: Rng, loc: np.ndarray) -> Components:
    """Temperature, contact type, tags, note and newsletter flag: common to both kinds."""
    count = len(loc)
    tags_n = rng.choice(4, count, p=[0.35, 0.35, 0.2, 0.1])
    tag_idx = rng.integers(0, len(N.TAGS), (count, 3))
    bits = np.where(np.arange(3) < tags_n[:, None], np.left_shift(1, tag_idx), 0)
    mask = np.bitwise_or.reduce(bits, axis=1)
    tags = mapped(mask, lambda b: ",".join(sorted(t for j, t in enumerate(N.TAGS) if b >> j & 1)))
    has_note = rng.random(count) < 0.25
    note = np.where(loc == 0, pick(rng, N.NOTES["de"], count), pick(rng, N.NOTES["en"], count))
    return {
        "temperature": weighted(rng, ("",) + N.TEMPERATURES, (0.3, 0.3, 0.25, 0.15), count),
        "contact_type": weighted(rng, ("",) + N.CONTACT_TYPES, (0.2, 0.45, 0.15, 0.12, 0.08), count),
        "tags": tags,
        "note": np.where(has_note, note, "").astype(object),
        "newsletter": weighted(rng, ("", "true", "false"), (0.3, 0.4, 0.3), count),
    }
