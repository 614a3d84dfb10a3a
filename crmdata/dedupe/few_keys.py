"""Match keys of a handful of contacts as Arrow tables, for the write-back check.

A batch run builds its key tables as DuckDB temporary tables (:mod:`.keys`): a dozen
statements, each planned and run (planning their expressions costs more than running them on
a few rows), which is nothing beside a run over a whole store and most of a save's time when
the store is checked for the few contacts of one edit. Here the same keys are made in Python
(names and places with the same normalisers; the email, website and phone keys by the rules
of :func:`.keys.email_rows_sql` and :func:`.keys.domain_rows_sql`, which a test holds equal)
and handed to the scoring statement as registered tables under the names the comparison SQL
reads (``{prefix}c``, ``{prefix}email``, ``{prefix}phone``, ``{prefix}domain``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from ..db import Tx
from ..matchkeys import phone_e164, phone_sql
from ..model import InfoType
from . import fellegi, keys, train
from .compare import TF_KEYS

#: The info types whose rows give keys.
_INFO_TYPES = f"{int(InfoType.EMAIL)}, {int(InfoType.PHONE)}, {int(InfoType.WEBSITE)}"


def _fold(text: str) -> str:
    """:func:`.keys.fold_sql` in Python: separators dropped, umlaut spellings folded."""
    for old, new in keys.FOLDS:
        text = text.replace(old, new)
    return text


#: What :func:`.keys.domain_rows_sql` strips from a website to leave its host.
_SCHEME, _PATH, _WWW = re.compile(r"^[a-z][a-z0-9+.-]*://"), re.compile(r"[/?#:].*\Z"), re.compile(r"^www\.")


def _text(value: object) -> str | None:
    """A text value, or None for any kind of missing value."""
    plain = keys.plain(value)
    return None if plain is None else str(plain)


def _has_at(text: str) -> bool:
    """SQL ``text LIKE '%_@_%'``: an ``@`` with a character on each side."""
    return "@" in text[1:-1]


def _dot_inside(text: str) -> bool:
    """SQL ``text LIKE '%_._%'``."""
    return "." in text[1:-1]


Row = tuple[int, str | None, str | None, str | None]  # contact id, data, email key, E.164 key
EmailKey = tuple[int, str, str | None, bool]  # contact id, key, name part, named


def _email_keys(rows: list[Row], names: Mapping[int, tuple[object, object]]) -> list[EmailKey]:
    """:func:`.keys.email_rows_sql` in Python: ``(id, k, loc, named)`` of each contact's distinct
    email keys; ``names`` holds each contact's ``(first_key, last_key)``."""
    out: dict[tuple[int, str], tuple[str | None, bool]] = {}
    for cid, data, key, _e164 in rows:
        k = key if key else (data.strip(" ").lower() if data is not None else None)
        if k is None or not _has_at(k) or (cid, k) in out:
            continue
        domain = k.split("@")[1] if "@" in k else ""
        loc = k[: len(k) - len(domain)] if len(k) - len(domain) > 6 else None
        first, last = names.get(cid, (None, None))
        named = loc is not None and any(
            isinstance(n, str) and len(n) >= 3 and _fold(n) in _fold(loc) for n in (last, first))
        out[(cid, k)] = (loc, named)
    return [(i, k, loc, named) for (i, k), (loc, named) in out.items()]


def _domain_keys(websites: list[Row], emails: list[EmailKey],
                 companies: set[int]) -> list[tuple[int, str]]:
    """:func:`.keys.domain_rows_sql` in Python: ``(id, k)``, the web domains of companies."""
    found: set[tuple[int, str]] = set()
    for cid, data, _key, _e164 in websites:
        if cid in companies and data is not None:
            host = _WWW.sub("", _PATH.sub("", _SCHEME.sub("", data.strip(" ").lower(), count=1), count=1),
                            count=1)
            if _dot_inside(host):
                found.add((cid, host))
    for cid, k, _loc, _named in emails:
        domain = k.split("@")[1] if "@" in k else ""
        if cid in companies and domain and domain not in keys.FREEMAIL:
            found.add((cid, domain))
    return sorted(found)


def _phone_keys(tx: Tx, phones: list[Row], region_of: Mapping[int, str | None],
                default_region: str) -> list[tuple[int, str]]:
    """``(id, k)``: the distinct E.164 keys of the phone rows, as :func:`.keys.build` reads them."""
    todo = sorted({(data, region_of.get(cid)) for cid, data, _key, e164 in phones if not e164 and data})
    read: dict[tuple[str, str | None], str | None] = {}
    if todo:  # the SQL rule first, as a batch run reads them, then phonenumbers
        text = pa.string()
        tx.register("_fk_phones", pa.table({"data": pa.array([d for d, _r in todo], text),
                                            "region": pa.array([r for _d, r in todo], text)}))
        try:
            ruled = tx.rows(f"SELECT data, region, {phone_sql('data', 'region')} FROM _fk_phones")
        finally:
            tx.unregister("_fk_phones")
        read = {(d, r): k if k is not None else phone_e164(d, r or default_region) for d, r, k in ruled}
    found: dict[tuple[int, str], None] = {}
    for cid, data, _key, e164 in phones:
        k = e164 or (read.get((data, region_of.get(cid))) if data else None)
        if k:
            found[(cid, k)] = None
    return list(found)


def info_keys(tx: Tx, info: pd.DataFrame, frame: pd.DataFrame,
              default_region: str) -> dict[str, pd.DataFrame]:
    """The ``email`` (id, k, loc, named), ``phone`` and ``domain`` (id, k) keys of the contacts of
    the key frame ``frame`` from their info rows ``info`` (``contact_id, info_type, data,
    email_key, e164``), as :func:`.keys.build` makes its tables. A phone without a stored key is
    read by the SQL rule (one statement, only then) and, failing that, by :mod:`phonenumbers`."""
    ids = [int(i) for i in frame["id"]]
    names = dict(zip(ids, zip(frame["first_key"], frame["last_key"], strict=True), strict=True))
    region_of = dict(zip(ids, (_text(r) for r in frame["region"]), strict=True))
    companies = {i for i, kind in zip(ids, frame["kind"], strict=True) if kind == "C"}
    by_type: dict[int, list[Row]] = {int(t): [] for t in (InfoType.EMAIL, InfoType.PHONE, InfoType.WEBSITE)}
    for cid, itype, data, key, e164 in zip(info["contact_id"], info["info_type"], info["data"],
                                           info["email_key"], info["e164"], strict=True):
        if int(cid) in names and int(itype) in by_type:
            by_type[int(itype)].append((int(cid), _text(data), _text(key), _text(e164)))
    emails = _email_keys(by_type[int(InfoType.EMAIL)], names)
    domains = _domain_keys(by_type[int(InfoType.WEBSITE)], emails, companies)
    phones = _phone_keys(tx, by_type[int(InfoType.PHONE)], region_of, default_region)
    return {"email": pd.DataFrame(emails, columns=["id", "k", "loc", "named"]),
            "phone": pd.DataFrame(phones, columns=["id", "k"]),
            "domain": pd.DataFrame(domains, columns=["id", "k"])}


def key_table(frame: pd.DataFrame, info_keys: Mapping[str, pd.DataFrame],
              models: Mapping[str, fellegi.Model]) -> pd.DataFrame:
    """The key frame of :func:`.keys.key_frame` with what the batch run's ``{prefix}c`` adds:
    per contact its number of email, phone and domain keys (missing when none) and each
    term-frequency key's frequency in its kind's model (pure)."""
    cols: dict[str, list[Any]] = {c: list(frame[c]) for c in keys.KEY_COLUMNS}
    for name in ("email", "phone", "domain"):
        counts = Counter(int(i) for i in info_keys[name]["id"])
        cols[f"n_{name}"] = [counts.get(int(i)) for i in cols["id"]]
    for k in TF_KEYS:
        cols[f"tf_{k}"] = [train.tf_of(models.get(kind), k, v)
                           for kind, v in zip(cols["kind"], cols[k], strict=True)]
    return pd.DataFrame(cols, dtype=object)


#: Arrow types of the key tables' columns (text unless named here), as the batch run's tables have them.
_TYPES: dict[str, pa.DataType] = {
    "id": pa.int64(), "company_id": pa.int64(), "n_email": pa.int64(), "n_phone": pa.int64(),
    "n_domain": pa.int64(), "named": pa.bool_(), "id1": pa.int64(), "id2": pa.int64(),
    **{f"tf_{k}": pa.float64() for k in TF_KEYS},
}


def arrow(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table with the key tables' column types, whatever pandas inferred
    (a column of missing values stays text, not a type DuckDB would guess)."""
    return pa.Table.from_arrays([pa.array(keys.plain_values(frame[c]), type=_TYPES.get(str(c), pa.string()))
                                 for c in frame.columns], names=[str(c) for c in frame.columns])


def side_tables(tx: Tx, frame: pd.DataFrame, info: pd.DataFrame,
                models: Mapping[str, fellegi.Model], default_region: str) -> dict[str, pd.DataFrame]:
    """The ``c``, ``email``, ``phone`` and ``domain`` tables of the contacts of the key frame
    ``frame`` with their info rows ``info``."""
    found = info_keys(tx, info, frame, default_region)
    return {"c": key_table(frame, found, models), **found}


def register(tx: Tx, prefix: str, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Register each table as ``{prefix}{name}``; returns the names, for the caller to unregister."""
    names = []
    for name, table in tables.items():
        tx.register(f"{prefix}{name}", arrow(table))
        names.append(f"{prefix}{name}")
    return names


def register_side(tx: Tx, prefix: str, frame: pd.DataFrame, info: pd.DataFrame,
                  models: Mapping[str, fellegi.Model], default_region: str) -> list[str]:
    """Register ``{prefix}c``, ``{prefix}email``, ``{prefix}phone`` and ``{prefix}domain``
    (:func:`side_tables`); returns the names registered, for the caller to unregister."""
    return register(tx, prefix, side_tables(tx, frame, info, models, default_region))


def key_rows_sql(ids: Sequence[int]) -> str:
    """The info rows that give keys (emails, phones, websites) of the contacts ``ids``, looked
    up by contact, with their stored keys but not their text (pure)."""
    ctes, t = keys.picked_sql(ids, ("contact_info",))
    return (f"WITH {', '.join(ctes)} SELECT id, contact_id, info_type, email_key, e164 "
            f"FROM {t['contact_info']} WHERE info_type IN ({_INFO_TYPES})")


def text_rows_sql(info_ids: Sequence[int]) -> str:
    """``(id, data)`` of the info rows ``info_ids``, looked up by their key (pure)."""
    return (f"WITH p AS MATERIALIZED (SELECT id, data FROM contact_info "
            f"WHERE id IN ({keys.id_list(info_ids)})) SELECT id, data FROM p")


def needs_text(info_type: int, email_key: object, e164: object, is_company: bool) -> bool:
    """Whether a stored info row's text is needed for its keys: an email or phone stored
    without its key (or with ``''``, a phone no rule could read), and a company's website."""
    if info_type == int(InfoType.EMAIL):
        return not _text(email_key)
    if info_type == int(InfoType.PHONE):
        return not _text(e164)
    return info_type == int(InfoType.WEBSITE) and is_company


def stored_info(tx: Tx, ids: Sequence[int], companies: set[int]) -> pd.DataFrame:
    """The info rows giving keys of the stored contacts ``ids`` (``contact_id, info_type, data,
    email_key, e164``; ``companies``: those of them that are companies), their text read only
    where the keys need it (:func:`needs_text`).

    Read by contact, each column costs about a block per contact in a large store (the rows of
    a few contacts lie in every part of the table), which a commit pays afresh whenever the
    file was let go since; the texts are the largest column, and stored keys make most of them
    unneeded."""
    rows = tx.df(key_rows_sql(ids))
    wanted = [int(i) for i, t, e, p, c in zip(rows["id"], rows["info_type"], rows["email_key"], rows["e164"],
                                              rows["contact_id"], strict=True)
              if needs_text(int(t), e, p, int(c) in companies)]
    text = dict(tx.rows(text_rows_sql(wanted))) if wanted else {}
    data = [text.get(int(i)) for i in rows["id"]]
    out = rows.assign(data=pd.Series(data, index=rows.index, dtype="string"))
    return out[["contact_id", "info_type", "data", "email_key", "e164"]]
