"""Duplicates of a base outside any store: contacts read from Parquet, pairs written to Parquet.

For a contact base exported from elsewhere (a data lake, another CRM): the same
normalisation (:func:`.keys.key_frame`), blocking, model and clustering as a store's run, on
either engine, in an in-memory database that vanishes afterwards. The input has one row per
contact; :data:`REQUIRED` columns must be there (an error names any missing), the
:data:`OPTIONAL` ones are read when present. ``email``, ``phone`` and ``website`` hold one
value or a list of values. The output has the columns of a store's report
(:data:`.api.PAIR_COLUMNS`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from ..db import Database, Tx
from ..errors import CrmDataError
from ..model import DEFAULT_PHONE_REGION, InfoType
from . import keys
from .api import DEFAULT_THRESHOLD, PAIR_COLUMNS, DuplicateReport, Progress, run
from .settings import MatchSettings

#: Columns every input must have.
REQUIRED = ("id", "is_company", "first_name", "last_name", "company_name")
#: Columns read when present (missing ones are empty).
OPTIONAL = ("company_id", "street", "zip", "city", "country", "birthday", "custom",
            "email", "phone", "website")
_INFO = {"email": InfoType.EMAIL, "phone": InfoType.PHONE, "website": InfoType.WEBSITE}


def read_contacts(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(raw fields as :func:`.keys.key_frame` reads them, contact info rows) of a Parquet file."""
    source = Path(path)
    if not source.exists():
        raise CrmDataError(f"There is no Parquet file at {source}.")
    try:
        names = pq.read_schema(source).names
    except Exception as exc:  # pyarrow raises ArrowInvalid and OSError kinds
        raise CrmDataError(f"{source} is not a readable Parquet file ({exc}).") from exc
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise CrmDataError(
            f"{source} lacks the required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(it has {', '.join(names) or 'none'}; needed: {', '.join(REQUIRED)}; "
            f"optional: {', '.join(OPTIONAL)})."
        )
    frame = pd.read_parquet(source, columns=[c for c in (*REQUIRED, *OPTIONAL) if c in names])
    ids = pd.to_numeric(frame["id"], errors="coerce")
    if ids.isna().any() or not ids.is_unique:
        raise CrmDataError(f"{source}: the column id must hold a distinct whole number on every row.")
    raw = pd.DataFrame({"id": ids.astype("int64"),
                        "is_company": frame["is_company"].fillna(False).astype(bool)})
    for col in ("first_name", "last_name", "company_name", "street", "zip", "city", "country", "custom"):
        raw[col] = _text(frame[col]) if col in frame else None
    raw["company_id"] = pd.to_numeric(frame["company_id"], errors="coerce").astype("Int64") \
        if "company_id" in frame else pd.array([pd.NA] * len(frame), dtype="Int64")
    raw["birthday"] = _text(frame["birthday"]) if "birthday" in frame else None
    info = []
    for col, kind in _INFO.items():
        if col not in frame:
            continue
        values = frame[["id", col]].assign(id=raw["id"]).explode(col).dropna()
        values = values[values[col].astype(str).str.strip() != ""]
        info.append(pd.DataFrame({"contact_id": values["id"].astype("int64"), "info_type": int(kind),
                                  "data": values[col].astype(str), "email_key": None, "e164": None}))
    rows = pd.concat(info, ignore_index=True) if info else pd.DataFrame(
        columns=["contact_id", "info_type", "data", "email_key", "e164"])
    return raw, rows.astype({"contact_id": "int64", "info_type": "int64", "data": "string",
                             "email_key": "string", "e164": "string"})


def _text(values: pd.Series) -> pd.Series:
    """Text values (dates as ISO text), missing ones None."""
    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
            return None
        if hasattr(v, "isoformat"):
            return v.isoformat()
        return str(v)

    return values.map(one).astype(object)


def find_duplicates_in(
    path: str | Path,
    *,
    output: str | Path | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    default_region: str = DEFAULT_PHONE_REGION,
    memory_limit: str | float | None = None,
    temp_directory: str | Path | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    progress: Progress | None = None,
) -> DuplicateReport:
    """The duplicate report of the contacts in the Parquet file ``path`` (see the module),
    written to the Parquet file ``output`` when given."""
    if output is not None and Path(output).suffix.lower() != ".parquet":
        raise CrmDataError(f"The pairs of a Parquet input are written to a .parquet file, not {output}.")
    raw, info = read_contacts(path)

    def build(tx: Tx, _chosen: MatchSettings) -> keys.KeyCounts:
        frame, first_groups = keys.key_frame(raw, default_region)
        return keys.load(tx, frame, first_groups, default_region=default_region, info=info)

    db = Database(":memory:")
    try:
        report = run(db, build, threshold=threshold, keep_model=False, settings=MatchSettings(),
                     memory_limit=memory_limit, temp_directory=temp_directory, engine=engine,
                     spark_master=spark_master, progress=progress)
    finally:
        db.close()
    if output is not None:
        target = Path(output)
        target.parent.mkdir(parents=True, exist_ok=True)
        report.pairs[PAIR_COLUMNS].to_parquet(target, index=False)
    return report
