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
from collections.abc import Mapping, Sequence
from typing import Any, cast

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
    for old, new in _FOLDS:
        text = text.replace(old, new)
    return text


_FOLDS = ((".", ""), ("-", ""), ("_", ""), (" ", ""), ("ae", "a"), ("oe", "o"), ("ue", "u"))
#: What :func:`.keys.domain_rows_sql` strips from a website to leave its host.
_SCHEME, _PATH, _WWW = re.compile(r"^[a-z][a-z0-9+.-]*://"), re.compile(r"[/?#:].*\Z"), re.compile(r"^www\.")


def _text(value: object) -> str | None:
    """A text value, or None for any kind of missing value."""
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def _has_at(text: str) -> bool:
    """SQL ``text LIKE '%_@_%'``: an ``@`` with a character on each side."""
    return "@" in text[1:-1]


def _dot_inside(text: str) -> bool:
    """SQL ``text LIKE '%_._%'``."""
    return "." in text[1:-1]


def _email_keys(info: pd.DataFrame, names: Mapping[int, tuple[object, object]]) -> pd.DataFrame:
    """:func:`.keys.email_rows_sql` over a frame: ``(id, k, loc, named)`` of each contact's
    distinct email keys; ``names`` holds each contact's ``(first_key, last_key)``."""
    out: dict[tuple[int, str], tuple[str | None, bool]] = {}
    for cid, data, key in zip(info["contact_id"], info["data"], info["email_key"], strict=True):
        if data is None or pd.isna(data) or not _has_at(str(data)):
            continue
        k = str(key) if key is not None and not pd.isna(key) and key != "" else str(data).strip(" ").lower()
        if (int(cid), k) in out:
            continue
        domain = k.split("@")[1] if "@" in k else ""
        loc = k[: len(k) - len(domain)] if len(k) - len(domain) > 6 else None
        first, last = names.get(int(cid), (None, None))
        named = loc is not None and any(
            isinstance(n, str) and len(n) >= 3 and _fold(n) in _fold(loc) for n in (last, first))
        out[(int(cid), k)] = (loc, named)
    return pd.DataFrame([(i, k, loc, named) for (i, k), (loc, named) in out.items()],
                        columns=["id", "k", "loc", "named"])


def _domain_keys(info: pd.DataFrame, email: pd.DataFrame, companies: set[int]) -> pd.DataFrame:
    """:func:`.keys.domain_rows_sql` over frames: ``(id, k)``, the web domains of companies."""
    found: set[tuple[int, str]] = set()
    for cid, data in zip(info["contact_id"], info["data"], strict=True):
        if int(cid) in companies and data is not None and not pd.isna(data):
            host = _WWW.sub("", _PATH.sub("", _SCHEME.sub("", str(data).strip(" ").lower(), count=1),
                                          count=1), count=1)
            if _dot_inside(host):
                found.add((int(cid), host))
    for cid, k in zip(email["id"], email["k"], strict=True):
        domain = str(k).split("@")[1] if "@" in str(k) else ""
        if int(cid) in companies and domain and domain not in keys.FREEMAIL:
            found.add((int(cid), domain))
    return pd.DataFrame(sorted(found), columns=["id", "k"])


def info_keys(tx: Tx, info: pd.DataFrame, frame: pd.DataFrame,
              default_region: str) -> dict[str, pd.DataFrame]:
    """The ``email`` (id, k, loc, named), ``phone`` and ``domain`` (id, k) keys of the contacts of
    the key frame ``frame`` from their info rows ``info`` (``contact_id, info_type, data,
    email_key, e164``), as :func:`.keys.build` makes its tables. A phone without a stored key is
    read by the SQL rule (one statement, only then) and, failing that, by :mod:`phonenumbers`."""
    known = frame.set_index("id")
    info = info[info["contact_id"].isin(known.index)]
    by_type = {t: info[info["info_type"] == int(t)]
               for t in (InfoType.EMAIL, InfoType.PHONE, InfoType.WEBSITE)}
    names = dict(zip(known.index, zip(known["first_key"], known["last_key"], strict=True), strict=True))
    email = _email_keys(by_type[InfoType.EMAIL], names)
    companies = {int(i) for i in known.index[known["kind"] == "C"]}
    domain = _domain_keys(by_type[InfoType.WEBSITE], email, companies)
    phones = by_type[InfoType.PHONE]
    rows = pd.DataFrame({"id": phones["contact_id"].astype("int64"),
                         "data": [_text(d) for d in phones["data"]],
                         "region": [_text(r) for r in phones["contact_id"].map(known["region"])],
                         "k": [_text(k) or None for k in phones["e164"]]}, index=phones.index)
    missing = rows["k"].isna() & rows["data"].notna()
    if missing.any():
        todo = rows.loc[missing, ["data", "region"]].drop_duplicates()
        tx.register("_fk_phones", arrow(todo))
        try:
            ruled = tx.rows(f"SELECT data, region, {phone_sql('data', 'region')} FROM _fk_phones")
        finally:
            tx.unregister("_fk_phones")
        read = {(d, r): k if k is not None else phone_e164(d, r or default_region) for d, r, k in ruled}
        rows.loc[missing, "k"] = [read.get((d, r)) for d, r in
                                  zip(rows.loc[missing, "data"], rows.loc[missing, "region"], strict=True)]
    phone = rows.loc[rows["k"].notna(), ["id", "k"]].drop_duplicates().reset_index(drop=True)
    return {"email": email, "phone": phone, "domain": domain}


def key_table(frame: pd.DataFrame, info_keys: Mapping[str, pd.DataFrame],
              models: Mapping[str, fellegi.Model]) -> pd.DataFrame:
    """The key frame of :func:`.keys.key_frame` with what the batch run's ``{prefix}c`` adds:
    per contact its number of email, phone and domain keys (missing when none) and each
    term-frequency key's frequency in its kind's model (pure)."""
    out = frame[list(keys.KEY_COLUMNS)].copy()
    for name in ("email", "phone", "domain"):
        counts = info_keys[name].groupby("id").size()
        out[f"n_{name}"] = out["id"].map(counts).astype("Int64")
    for k in TF_KEYS:
        out[f"tf_{k}"] = pd.array([train.tf_of(models.get(kind), k, v)
                                   for kind, v in zip(out["kind"], out[k], strict=True)], dtype="Float64")
    return out


#: Arrow types of the key tables' columns (text unless named here), as the batch run's tables have them.
_TYPES: dict[str, pa.DataType] = {
    "id": pa.int64(), "company_id": pa.int64(), "n_email": pa.int64(), "n_phone": pa.int64(),
    "n_domain": pa.int64(), "named": pa.bool_(), "id1": pa.int64(), "id2": pa.int64(),
    **{f"tf_{k}": pa.float64() for k in TF_KEYS},
}


def arrow(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table with the key tables' column types, whatever pandas inferred
    (a column of missing values stays text, not a type DuckDB would guess)."""
    schema = pa.schema([(c, _TYPES.get(c, pa.string())) for c in frame.columns])
    clean = frame.astype(object).mask(frame.isna(), cast(Any, None))
    return pa.Table.from_pandas(clean, schema=schema, preserve_index=False)


def register_side(tx: Tx, prefix: str, frame: pd.DataFrame, info: pd.DataFrame,
                  models: Mapping[str, fellegi.Model], default_region: str) -> list[str]:
    """Register ``{prefix}c``, ``{prefix}email``, ``{prefix}phone`` and ``{prefix}domain`` for the
    contacts of the key frame ``frame`` with their info rows ``info``; returns the names
    registered, for the caller to unregister."""
    found = info_keys(tx, info, frame, default_region)
    tables = {"c": key_table(frame, found, models), **found}
    names = []
    for name, table in tables.items():
        tx.register(f"{prefix}{name}", arrow(table))
        names.append(f"{prefix}{name}")
    return names


def info_rows_sql(ids: Sequence[int]) -> str:
    """The info rows that give keys (emails, phones, websites) of the contacts ``ids``, looked
    up by contact (pure)."""
    ctes, t = keys.picked_sql(ids, ("contact_info",))
    return (f"WITH {', '.join(ctes)} SELECT contact_id, info_type, data, email_key, e164 "
            f"FROM {t['contact_info']} WHERE info_type IN ({_INFO_TYPES})")
