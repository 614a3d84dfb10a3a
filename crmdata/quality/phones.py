"""The phone rules' library work: each distinct phone read once by :mod:`phonenumbers`.

Phones are the one rule whose library calls dominate a large check (one call per distinct
number, and a large base has about as many distinct numbers as contacts). So the calls can run
in worker processes, started before the SQL rules and collected after them (:class:`PhoneJob`):
the workers parse while the main process runs the other rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from ..access import User
from ..countries import region_pairs
from ..db import Tx
from ..edit import validate
from ..model import DEFAULT_PHONE_REGION
from .check_sql import INTERNATIONAL_SQL_RE, countries_sql, phone_candidates_sql

#: Phones per task handed to a worker process.
CHUNK = 20_000
#: Fewer distinct phones than this are parsed in the calling process (workers cost a start-up).
POOL_THRESHOLD = 4 * CHUNK

Progress = Callable[[Iterable[Any], int], Iterable[Any]]
Facts = list[tuple[str | None, str | None]]


def phone_facts(text: str, region: str) -> tuple[str | None, str | None]:
    """(E.164, international form) of one phone read in ``region``; (None, None) when it is no
    usable number. One library parse, with the same steps as
    :func:`crmdata.edit.validate.normalise_phone` (which words the problem), and stricter in one
    way: a number that is possible only locally (no area code) is not usable in a CRM."""
    import phonenumbers

    text = text.strip()
    if len(text) > validate.MAX_EMAIL_PHONE_LENGTH or not any(ch.isdigit() for ch in text):
        return None, None
    try:
        number = phonenumbers.parse(text, (region or DEFAULT_PHONE_REGION).upper())
    except phonenumbers.NumberParseException:
        return None, None
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None, None
    return (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def phone_problem(data: str, region: str) -> str:
    """What is wrong with a phone :func:`phone_facts` refused, in the editing code's words."""
    _e164, problem = validate.normalise_phone(data, region or DEFAULT_PHONE_REGION)
    if problem:
        return problem if not region or "region" in problem else f"{problem} (read for region {region})"
    where = f" in region {region}" if region else ""
    return f"'{data.strip()}' is a local number without area code{where}"


def _facts_chunk(pairs: list[tuple[str, str]]) -> list[tuple[str | None, str | None]]:
    return [phone_facts(k, r) for k, r in pairs]


class PhoneJob:
    """:func:`phone_facts` of many (value, region) pairs, started now and collected later.

    With ``workers`` > 1 and enough pairs, the pairs go to that many worker processes at once,
    so the caller can do other work (the SQL rules) meanwhile; otherwise they are parsed in
    :meth:`result`.
    """

    def __init__(self, pairs: list[tuple[str, str]], workers: int, *,
                 threshold: int = POOL_THRESHOLD, chunk: int = CHUNK) -> None:
        self.pairs = pairs
        self._pool: Any = None
        self._futures: list[Any] = []
        if workers <= 1 or len(pairs) < threshold:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("spawn")  # never fork a process holding a DuckDB connection
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        self._futures = [self._pool.submit(_facts_chunk, pairs[i:i + chunk])
                         for i in range(0, len(pairs), chunk)]

    def close(self) -> None:
        """Stop the workers without waiting for their results (the check failed elsewhere)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def result(self, progress: Progress = lambda x, n: x) -> Facts:
        if self._pool is None:
            return [phone_facts(k, r) for k, r in progress(self.pairs, len(self.pairs))]
        from concurrent.futures.process import BrokenProcessPool

        out: Facts = []
        try:
            for future in progress(self._futures, len(self._futures)):
                out.extend(future.result())
        except BrokenProcessPool:  # e.g. a script read from stdin cannot be re-imported by workers
            return [phone_facts(k, r) for k, r in self.pairs]
        finally:
            self._pool.shutdown(cancel_futures=True)
        return out


def start(tx: Tx, user: User, default_region: str, workers: int) -> PhoneJob:
    """Put the phone rows the SQL pattern cannot settle in the temp table ``q_phone_rows`` and
    start the library job on their distinct (key, region) pairs (in workers when there are
    many). Rows stay in DuckDB: only the distinct pairs travel to Python and back."""
    countries = [str(r[0]) for r in tx.rows(*countries_sql(user))]
    names, regions = region_pairs(countries)
    tx.register("q_regions", pd.DataFrame({"country": names, "region": regions}, dtype=object))
    try:
        sql, params = phone_candidates_sql(user, default_region)
        tx.execute(f"CREATE OR REPLACE TEMP TABLE q_phone_rows AS {sql}", params)
    finally:
        tx.unregister("q_regions")
    pairs = [(str(k), str(r)) for k, r in tx.rows("SELECT DISTINCT key, region FROM q_phone_rows")]
    return PhoneJob(pairs, workers)


def finish(tx: Tx, job: PhoneJob, wanted: set[str], frame: Callable[[Any], pd.DataFrame],
           progress: Progress) -> dict[str, pd.DataFrame]:
    """The findings of the phone rules once the library job is done."""
    facts = job.result(progress)
    tx.register("q_facts", pd.DataFrame({
        "key": [k for k, _ in job.pairs], "region": [r for _, r in job.pairs],
        "e164": [f[0] for f in facts], "intl": [f[1] for f in facts]}, dtype=object))
    try:
        tx.execute("""CREATE OR REPLACE TEMP TABLE q_phone_facts AS
            SELECT p.contact_id, p.info_id, p.data, p.region, f.e164, f.intl
            FROM q_phone_rows p JOIN q_facts f USING (key, region)""")
    finally:
        tx.unregister("q_facts")
    out = {}
    if "phone_invalid" in wanted:
        bad = tx.rows("SELECT contact_id, info_id, data, region FROM q_phone_facts WHERE e164 IS NULL")
        out["phone_invalid"] = frame([
            (cid, "phone", iid, data, phone_problem(str(data), str(region)), None)
            for cid, iid, data, region in bad])
    if "phone_format" in wanted:
        out["phone_format"] = frame(tx.df(f"""
            SELECT contact_id, 'phone' AS field, info_id, data AS value,
                   'phone is not in international format (+country code, digit groups)' AS message,
                   intl AS fix_value
            FROM q_phone_facts WHERE e164 IS NOT NULL
              AND NOT (regexp_full_match(data, '{INTERNATIONAL_SQL_RE}')
                       AND regexp_replace(data, '[ -]', '', 'g') = e164)"""))
    tx.execute("DROP TABLE IF EXISTS q_phone_facts")
    tx.execute("DROP TABLE IF EXISTS q_phone_rows")
    return out
