"""The write-back check: a few new or changed contacts against the whole store, fast.

:class:`FuzzyChecker` implements :class:`crmdata.edit.dupcheck.DuplicateChecker`. It does
not build keys for the whole store: it first fetches the few stored contacts that could
match (same email, same phone digits, the same last name and given name through the search
index's folded words, or for a company its rarer name words: :mod:`.name_words`; of a name held
by more stored persons than a batch run's block holds, only the namesakes sharing a word of the
staged person's street, postcode, city or employer), makes keys for those and for the staged
contacts in Python (:mod:`.few_keys`: a handful of statements in all, where temporary key
tables cost dozens), and scores the pairs with the same comparison
and scoring SQL and the model of the last batch run (its weights and term-frequency tables),
or the default model before any. Exact email and phone matches of :class:`ExactKeyChecker`
are always reported, whatever the score, so it stays the floor. Only contacts the user may
view are looked at; pairs decided "not duplicate" are never reported.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..access import User
from ..db import Tx
from ..edit.dupcheck import DuplicateCandidate, ExactKeyChecker, StagedContact
from ..matchkeys import unkeyed_ids
from ..model import DEFAULT_PHONE_REGION, ContactKind, InfoType
from . import compare, decisions, explain, fellegi, few_keys, keys
from .blocking import MAX_BLOCK
from .name_words import (
    NAME_SOURCES,
    RARE_WORD,
    company_lookup,
    company_parts,
    company_words,
    literal_name_parts,
    lookup_tokens,
    near_parts,
    place_words,
    postings_sql,
)
from .settings import MatchSettings

#: Probability at or above which a staged contact is reported as a likely duplicate.
CHECK_THRESHOLD = 0.5
_INFO_TYPES = (int(InfoType.EMAIL), int(InfoType.PHONE), int(InfoType.WEBSITE))


def _first_address(s: StagedContact) -> Mapping[str, Any]:
    """A staged contact's first address row (the one compared), or an empty row."""
    return next((i for i in s.info if int(i.get("info_type", -1)) == int(InfoType.ADDRESS)), None) or {}


def staged_frames(staged: Sequence[StagedContact], default_region: str) -> tuple[
        pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Key frame, given-name groups and info rows of the staged contacts (pure)."""
    fields: dict[str, list[Any]] = {c: [] for c in ("id", "is_company", "first_name", "last_name",
                                                    "company_name", "company_id", "street", "zip", "city",
                                                    "country")}
    info: dict[str, list[Any]] = {c: [] for c in ("contact_id", "info_type", "data", "email_key", "e164")}
    for s in staged:
        r = s.row
        addr = _first_address(s)
        for col, value in (("id", s.contact_id), ("is_company", bool(r.get("is_company"))),
                           ("first_name", r.get("first_name")), ("last_name", r.get("last_name")),
                           ("company_name", r.get("company_name")), ("company_id", r.get("company_id")),
                           ("street", addr.get("street")), ("zip", addr.get("zip")),
                           ("city", addr.get("city")), ("country", addr.get("country"))):
            fields[col].append(value)
        for i in s.info:
            if int(i.get("info_type", -1)) in _INFO_TYPES:
                for col, value in (("contact_id", s.contact_id), ("info_type", int(i["info_type"])),
                                   ("data", str(i.get("data") or "")), ("email_key", i.get("email_key")),
                                   ("e164", i.get("e164"))):
                    info[col].append(value)
    if len(staged) <= keys.SMALL:
        frame, first_groups = keys.few_key_frame(fields, default_region)
    else:  # a large change set: each distinct value normalised once
        raw = pd.DataFrame({**fields, "birthday": None, "custom": None})
        raw["company_id"] = raw["company_id"].astype("Int64")
        frame, first_groups = keys.key_frame(raw, default_region)
    info_df = pd.DataFrame({  # text even when every value is missing
        "contact_id": np.array(info["contact_id"], dtype=np.int64),
        "info_type": np.array(info["info_type"], dtype=np.int64),
        **{col: pd.array(info[col], dtype="string") for col in ("data", "email_key", "e164")}})
    return frame, first_groups, info_df


def staged_places(staged: Sequence[StagedContact]) -> dict[int, tuple[object, object, object, object]]:
    """Each staged person's street, postcode and city (its first address, as it is compared) and
    employer, by id (pure)."""
    out: dict[int, tuple[object, object, object, object]] = {}
    for s in staged:
        if not bool(s.row.get("is_company")):
            addr = _first_address(s)
            out[s.contact_id] = (addr.get("street"), addr.get("zip"), addr.get("city"),
                                 s.row.get("company_name"))
    return out


def candidates_sql(staged_prefix: str = "dn_", lasts: str = "_dn_lasts", firsts: str = "_dn_firsts",
                   unkeyed: str = "", words: tuple[pd.DataFrame, pd.DataFrame] | None = None,
                   keyed: tuple[pd.DataFrame, pd.DataFrame] | None = None,
                   companies: pd.DataFrame | str | None = None,
                   ) -> tuple[str, list[object]]:
    """``(sid, contact_id, by_name)``: stored contacts that could match each staged one, and
    whether this row found it by name (a contact found several ways has a row each), set-based
    (pure).

    Same email (its stored key, or the lower-cased address of a row an older import left
    without one), same phone (E.164, or the last eight digits of an unnormalised number), or the
    search index holds the staged person's last name and one spelling of the same given name
    in the contact's name, or a stored company's name holds the staged company's words
    (:func:`company_parts`; ``companies``: a look-up frame written in, or a table's name). Rows
    without keys are looked for only among the info rows the condition ``unkeyed`` selects
    (:func:`crmdata.matchkeys.unkeyed_ids`; "" for none), and the key columns are compared
    alone, so DuckDB looks them up in their indexes instead of scanning.

    The name words are the tables named ``lasts`` and ``firsts`` (``sid``, ``token``; see
    :func:`lookup_tokens`), joined, or ``words``, the same two frames, written into the
    statement as parameters (:func:`literal_name_parts`). ``keyed``, the staged contacts'
    email and phone keys (two frames of ``id, k``), are written in the same way, one key per
    part (:func:`literal_key_parts`), which DuckDB answers from the key columns' indexes; joined
    with the registered tables it reads the whole columns. Returns the SQL and its parameters.
    """
    digits = "right(regexp_replace(i.data, '[^0-9]', '', 'g'), 8)"
    catch_up = f"""
        UNION
        SELECT e.id AS sid, i.contact_id FROM {staged_prefix}email e JOIN (
            SELECT contact_id, lower(trim(data)) AS k FROM contact_info
            WHERE {unkeyed} AND info_type = {int(InfoType.EMAIL)} AND email_key IS NULL) i
          ON i.k = e.k
        UNION
        SELECT p.id, i.contact_id FROM {staged_prefix}phone p JOIN (
            SELECT contact_id, data FROM contact_info
            WHERE {unkeyed} AND info_type = {int(InfoType.PHONE)} AND e164 IS NULL) i
          ON {digits} = right(p.k, 8)""" if unkeyed else ""
    key_params: list[object] = []
    if keyed is None:
        key_sql = f"""
        SELECT e.id AS sid, i.contact_id FROM {staged_prefix}email e JOIN contact_info i
          ON i.email_key = e.k
        UNION
        SELECT p.id, i.contact_id FROM {staged_prefix}phone p JOIN contact_info i ON i.e164 = p.k"""
    else:
        key_parts, key_params = literal_key_parts(*keyed)
        key_sql = "\n        UNION".join(f"\n        {part}" for part in key_parts)
    named, named_params = company_parts(companies) if companies is not None else ([], [])
    by_company = "".join(f"\n        UNION\n        {part}" for part in named)
    others = f"SELECT sid, contact_id, false AS by_name FROM ({key_sql}{catch_up}{by_company}) k"
    if words is not None:
        parts, params = literal_name_parts(*words)
        if not parts:  # no person to look up by name
            return others, key_params + named_params
        names = "\n        UNION\n        ".join(parts)
        return (f"{others}\n        UNION ALL\n        SELECT sid, contact_id, true FROM ({names}) n",
                key_params + named_params + params)
    names = "\n        UNION".join(f"""
        SELECT l.sid, t1.contact_id FROM {lasts} l
          JOIN {table} t1 ON t1.slot = 0 AND t1.token = l.token
          JOIN {firsts} f ON f.sid = l.sid AND f.token = '*'{hide}
        UNION
        SELECT l.sid, t1.contact_id FROM {lasts} l
          JOIN {table} t1 ON t1.slot = 0 AND t1.token = l.token
          JOIN {firsts} f ON f.sid = l.sid
          JOIN {table} t2 ON t2.slot = 0 AND t2.token = f.token AND t2.contact_id = t1.contact_id{hide}"""
        for table, hide in ((t, f"\n          WHERE {live}" if live else "")
                            for t, live in NAME_SOURCES))
    return (f"{others}\n        UNION ALL\n        SELECT sid, contact_id, true FROM ({names}) n",
            key_params + named_params)


#: Up to this many staged contacts are looked up by name with their words written into the
#: statement (:func:`literal_name_parts`); more are joined with the words' registered tables.
#: Written in, the words are filters DuckDB checks against each row group's token range, so it
#: reads only the few row groups of the token-sorted index that can hold them, several times
#: faster for a few contacts (docs/benchmarks.md, "Write-back latency").
LITERAL_LOOKUPS = 8


def literal_key_parts(emails: pd.DataFrame, phones: pd.DataFrame) -> tuple[list[str], list[object]]:
    """``SELECT sid, contact_id`` parts finding, per staged contact, the stored ones with one of
    its email keys or E.164 numbers, the keys written in as parameters; a part that can find
    nothing when there are no keys at all (pure). Each part is one equality on an indexed
    column and nothing else, which DuckDB answers from the index: with a second condition, or
    with ``IN`` over two keys, it reads the whole column instead."""
    parts: list[str] = []
    params: list[object] = []
    for column, frame in (("email_key", emails), ("e164", phones)):
        pairs = zip(frame["id"], frame["k"], strict=True)
        for sid, key in sorted({(int(i), str(k)) for i, k in pairs if isinstance(k, str) and k}):
            parts.append(f"SELECT {sid} AS sid, contact_id FROM contact_info WHERE {column} = ?")
            params.append(key)
    return parts or ["SELECT NULL::BIGINT AS sid, NULL::BIGINT AS contact_id WHERE false"], params


@dataclass
class FuzzyChecker:
    """Likely duplicates of staged contacts among the stored ones (see the module docstring)."""

    threshold: float = CHECK_THRESHOLD
    default_region: str = DEFAULT_PHONE_REGION  # the editing default, so staged and stored keys agree
    max_candidates: int = 20
    max_block: int = MAX_BLOCK  # more namesakes than this: only those sharing a place or employer
    literal_lookups: int = LITERAL_LOOKUPS  # up to this many staged contacts: words written in
    rare_word: int = RARE_WORD  # a company name word held by more names is looked up with another

    def check(self, tx: Tx, user: User, staged: Sequence[StagedContact]) -> list[DuplicateCandidate]:
        exact = ExactKeyChecker(max_candidates=self.max_candidates).check(tx, user, staged)
        if not staged:
            return exact
        frame, _groups, info = staged_frames(staged, self.default_region)
        chosen = MatchSettings.load(tx)
        fitted = decisions.load_models(tx)
        models: dict[str, fellegi.Model] = {k: fitted.get(k) or fellegi.default_model(k) for k in ContactKind}
        registered: list[str] = []
        try:
            tables = few_keys.side_tables(tx, frame, info, models, self.default_region)
            registered += few_keys.register(tx, "dn_", tables)
            pairs = self._candidates(tx, frame, tables["email"], tables["phone"], staged_places(staged))
            likely = self._scored(tx, user, chosen, models, frame, pairs, registered) if pairs else []
        finally:
            for name in registered:
                tx.unregister(name)
        # names of the reported contacts only: reading them for every candidate was a scan
        # of the contacts table in every commit
        eids = sorted({int(r["id2"]) for r in likely})
        names = dict(tx.rows(f"SELECT id, display_name FROM contacts WHERE id IN "
                             f"({', '.join('?' * len(eids))})", eids)) if eids else {}
        labels = {s.contact_id: s.label for s in staged}
        found = [DuplicateCandidate(labels[int(r["id1"])], int(r["id1"]), int(r["id2"]),
                                    str(names.get(int(r["id2"]), "")), round(float(r["score"]), 4),
                                    tuple(str(r["reasons"]).split("; "))) for r in likely]
        seen = {(c.contact_id, c.existing_id) for c in exact}  # an exact match keeps its own reasons
        out = exact + [c for c in found if (c.contact_id, c.existing_id) not in seen]
        out.sort(key=lambda c: (-c.score, c.contact_id, c.existing_id))
        return out[: self.max_candidates]

    def _candidates(self, tx: Tx, frame: pd.DataFrame, emails: pd.DataFrame, phones: pd.DataFrame,
                    places: Mapping[int, tuple[object, object, object, object]]) -> list[tuple[int, int]]:
        """``(staged id, stored id)`` of the stored contacts that could match (:func:`candidates_sql`;
        the staged contacts' keys registered as ``dn_``, their ``emails`` and ``phones`` (id, k);
        ``places``: :meth:`_near_namesakes`)."""
        lasts, firsts = lookup_tokens(frame)
        named = company_words(frame)
        held = {str(w): int(n) for w, n in tx.rows(*postings_sql(named))} if not named.empty else {}
        companies = company_lookup(named, held, self.rare_word)
        few = len(set(lasts["sid"]) | set(companies["sid"])) <= self.literal_lookups
        staged_ids = sorted(int(i) for i in frame["id"])
        words = ["_dn_lasts", "_dn_firsts", "_dn_companies"] if not few else []
        if not few:
            tx.register("_dn_lasts", lasts)
            tx.register("_dn_firsts", firsts)
            tx.register("_dn_companies", companies)
        try:
            chosen: pd.DataFrame | str | None = companies if few else "_dn_companies"
            sql, params = candidates_sql(unkeyed=unkeyed_ids(tx), words=(lasts, firsts) if few else None,
                                         keyed=(emails, phones) if few else None,
                                         companies=None if companies.empty else chosen)
            # the staged contacts themselves are left out here, not in the statement: a condition
            # on contact_id pushed down into the key look-ups would turn them into scans
            rows = tx.rows(f"SELECT sid, contact_id, bool_or(by_name), bool_and(by_name) FROM ({sql}) q "
                           "GROUP BY sid, contact_id ORDER BY 1, 2", params)
        finally:
            for name in words:
                tx.unregister(name)
        staged = set(staged_ids)
        found = [(int(a), int(b), bool(named), bool(only)) for a, b, named, only in rows
                 if int(b) not in staged]
        return self._near_namesakes(tx, found, places)

    def _near_namesakes(self, tx: Tx, found: list[tuple[int, int, bool, bool]],
                        places: Mapping[int, tuple[object, object, object, object]]) -> list[tuple[int, int]]:
        """The candidates ``found`` (``sid, contact_id, found by name, only by name``), where a
        staged person has more than ``max_block`` namesakes, without the namesakes that share
        nothing but the name with it: no email or phone, and no word of its street, postcode,
        city or employer (``places``: sid -> those texts). A batch run does not pair every
        namesake in so large a block either (:func:`.blocking.same_values`): those meet when
        they share a place or a key. So a common name no longer has every namesake's rows read
        and compared, a number that grows with the base."""
        counts: dict[int, int] = {}
        for sid, _cid, named, _only in found:
            counts[sid] = counts.get(sid, 0) + named
        large = {sid for sid, n in counts.items() if n > self.max_block}
        if not large:
            return [(sid, cid) for sid, cid, _named, _only in found]
        namesakes = pd.DataFrame([(sid, cid) for sid, cid, _named, only in found if only and sid in large],
                                 columns=["sid", "contact_id"], dtype="int64")
        words = place_words({sid: places[sid] for sid in large if sid in places})
        few = len(large) <= self.literal_lookups  # written in; more are joined as tables
        parts, params = (near_parts(words, namesakes) if few
                         else near_parts(words, "_dn_namesakes", "_dn_places"))
        near: set[tuple[int, int]] = set()
        if parts:
            joined = [] if few else ["_dn_namesakes", "_dn_places"]
            if not few:
                tx.register("_dn_namesakes", namesakes)
                tx.register("_dn_places", words)
            try:
                near = {(int(a), int(b)) for a, b in tx.rows(" UNION ".join(parts), params)}
            finally:
                for name in joined:
                    tx.unregister(name)
        return [(sid, cid) for sid, cid, _named, only in found
                if not (only and sid in large) or (sid, cid) in near]

    def _scored(self, tx: Tx, user: User, chosen: MatchSettings, models: dict[str, fellegi.Model],
                frame: pd.DataFrame, pairs: list[tuple[int, int]], registered: list[str]
                ) -> list[dict[Hashable, Any]]:
        """The candidate pairs (``id1, id2, score, reasons``) at the threshold or above, scored
        with each kind's model; what it registers is added to ``registered``."""
        cand_ids = sorted({b for _a, b in pairs})
        raw = keys.contacts_frame(tx, user, cand_ids, chosen.date_fields, chosen.text_fields)
        # persons are compared with persons only: a stored contact of no staged partner's kind
        # (a namesake of a company found by its phone) is neither normalised nor read further
        kind_of = dict(zip(frame["id"], frame["kind"], strict=True))
        wanted: dict[int, set[str]] = {}
        for a, b in pairs:
            wanted.setdefault(b, set()).add(kind_of[a])
        raw_kinds = [ContactKind.COMPANY.value if c else ContactKind.PERSON.value for c in raw["is_company"]]
        keep = [k in wanted.get(int(i), ()) for i, k in zip(raw["id"], raw_kinds, strict=True)]
        raw = raw.loc[pd.Series(keep, index=raw.index, dtype=bool)]
        cand_ids = sorted(int(i) for i in raw["id"])
        stored, _groups = keys.key_frame(raw, self.default_region)
        kind_of.update(zip(stored["id"], stored["kind"], strict=True))
        kept = [(a, b) for a, b in pairs if b in kind_of and kind_of[a] == kind_of[b]]
        if not kept:  # none the user may view, or none of the same kind
            return []
        companies = {int(i) for i, c in zip(raw["id"], raw["is_company"], strict=True) if c}
        stored_info = few_keys.stored_info(tx, cand_ids, companies)
        registered += few_keys.register_side(tx, "dq_", stored, stored_info, models, self.default_region)
        tx.register("dq_nick", _nicknames_of({str(v) for v in frame["first_head"] if isinstance(v, str)},
                                             {str(v) for col in ("first_head", "last_key")
                                              for v in stored[col] if isinstance(v, str)}))
        registered.append("dq_nick")
        tx.register("dq_pairs", few_keys.arrow(pd.DataFrame(kept, columns=["id1", "id2"])))
        registered.append("dq_pairs")
        undecided = """(SELECT p.id1, p.id2 FROM dq_pairs p WHERE NOT EXISTS (
            SELECT 1 FROM dedupe_decisions d WHERE d.decision = 'not_duplicate'
            AND d.id1 = least(p.id1, p.id2) AND d.id2 = greatest(p.id1, p.id2)))"""
        likely: list[dict[Hashable, Any]] = []
        kinds = {kind_of[a] for a, _b in kept}
        for kind in ContactKind:
            if kind.value not in kinds:  # persons are compared with persons only
                continue
            model = models[kind]
            vectors = compare.vectors_sql(undecided, kind, left="dn_", right="dq_", nick="dq_nick")
            vk = tx.df(compare.score_sql(vectors, kind, model.prior_weight, model.weights(),
                                         model.tf_terms(), min_weight=model.weight_for(self.threshold)))
            if vk.empty:
                continue
            vk["score"] = model.probability(vk["match_weight"].to_numpy(dtype=float))
            vk["reasons"] = explain.texts_of(vk, model)[1]
            likely += vk[["id1", "id2", "score", "reasons"]].to_dict("records")
        return likely


@lru_cache(maxsize=1)
def _nicknames() -> pd.DataFrame:
    """The nickname pairs, made once per process (they never change)."""
    return keys.nickname_pairs()


def _nicknames_of(lefts: set[str], rights: set[str]) -> pa.Table:
    """The nickname pairs the comparison of staged with stored contacts can join: ``f1`` a
    staged contact's first name, ``f2`` a stored one's first or last name (the comparison
    joins on nothing else; hashing every pair took longer than the rest of its joins)."""
    pairs = _nicknames()
    return few_keys.arrow(pairs[pairs["f1"].isin(lefts) & pairs["f2"].isin(rights)])
