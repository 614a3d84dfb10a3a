"""The write-back check: a few new or changed contacts against the whole store, fast.

:class:`FuzzyChecker` implements :class:`crmdata.edit.dupcheck.DuplicateChecker`. It does
not build keys for the whole store: it first fetches the few stored contacts that could
match (same email, same phone digits, or the same last name and given name through the
search index's folded words), builds keys for those and for the staged contacts, and
scores the pairs with the same comparison SQL and the weights of the last batch run (or the
priors before any). Exact email and phone matches of :class:`ExactKeyChecker` are always
reported, whatever the score, so it stays the floor. Only contacts the user may view are
looked at; pairs decided "not duplicate" are never reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ..access import User
from ..db import Tx
from ..edit.dupcheck import DuplicateCandidate, ExactKeyChecker, StagedContact
from ..model import InfoType
from ..search.normalise import forms
from . import classify, compare, decisions, explain, keys
from . import normalise as nz

#: Probability at or above which a staged contact is reported as a likely duplicate.
CHECK_THRESHOLD = 0.5
_INFO_TYPES = (int(InfoType.EMAIL), int(InfoType.PHONE), int(InfoType.WEBSITE))


def _spellings(key: str) -> set[str]:
    """Search-index spellings a folded name key may be stored under (``muller`` -> ``mueller`` too)."""
    out = {key}
    for i, ch in enumerate(key):
        if ch in "aou" and key[i + 1:i + 2] != "e":
            out |= {s[: i + 1] + "e" + s[i + 1:] for s in list(out) if len(s) > i and s[i] == ch}
    return {f for s in out for f in forms(s)}


def staged_frames(staged: Sequence[StagedContact], default_region: str) -> tuple[
        pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Key frame, given-name groups and info rows of the staged contacts (pure)."""
    rows = []
    info = []
    for s in staged:
        r = s.row
        addr = next((i for i in s.info if int(i.get("info_type", -1)) == int(InfoType.ADDRESS)), None)
        rows.append({
            "id": s.contact_id, "is_company": bool(r.get("is_company")), "first_name": r.get("first_name"),
            "last_name": r.get("last_name"), "company_name": r.get("company_name"),
            "company_id": r.get("company_id"),
            "street": addr.get("street") if addr else None, "zip": addr.get("zip") if addr else None,
            "city": addr.get("city") if addr else None, "country": addr.get("country") if addr else None,
            "birthday": None,
        })
        for i in s.info:
            if int(i.get("info_type", -1)) in _INFO_TYPES:
                info.append({"contact_id": s.contact_id, "info_type": int(i["info_type"]),
                             "data": str(i.get("data") or ""), "email_key": i.get("email_key"),
                             "e164": i.get("e164")})
    raw = pd.DataFrame(rows, columns=["id", "is_company", "first_name", "last_name", "company_name",
                                      "company_id", "street", "zip", "city", "country", "birthday"])
    raw["company_id"] = raw["company_id"].astype("Int64")
    frame, first_groups = keys.key_frame(raw, default_region)
    info_df = pd.DataFrame(info, columns=["contact_id", "info_type", "data", "email_key", "e164"])
    info_df["contact_id"] = info_df["contact_id"].astype("int64")
    info_df["info_type"] = info_df["info_type"].astype("int64")
    return frame, first_groups, info_df


def candidate_ids_sql(frame: pd.DataFrame, info: pd.DataFrame, emails: list[str],
                      phones: list[str]) -> tuple[str, list[object]]:
    """SQL selecting stored contact ids that could match the staged ones (pure)."""
    parts: list[str] = []
    params: list[object] = []
    if emails:
        parts.append(f"SELECT contact_id FROM contact_info WHERE info_type = {int(InfoType.EMAIL)} "
                     f"AND coalesce(email_key, lower(trim(data))) IN (SELECT unnest(?::VARCHAR[]))")
        params.append(emails)
    for e164 in phones:
        tail = e164[-4:]
        parts.append(f"SELECT contact_id FROM contact_info WHERE info_type = {int(InfoType.PHONE)} "
                     f"AND (e164 = ? OR (data LIKE ? AND regexp_replace(data, '[^0-9]', '', 'g') LIKE ?))")
        # the national number: E.164 without the country code (1-3 digits); 7 trailing digits at least
        params += [e164, f"%{tail}%", f"%{e164[-8:]}"]
    for _, r in frame.iterrows():
        if r["kind"] == "P" and r["last_key"]:
            lasts = sorted({f for w in str(r["last_key"]).split() for f in _spellings(w)})
            heads = nz.NICKNAME_GROUPS.get(str(r["first_head"]), (str(r["first_head"]),)) \
                if r["first_head"] else ()
            names = {h for g in heads for h, gs in nz.NICKNAME_GROUPS.items() if g in gs} | set(heads)
            if r["first_head"]:
                names.add(str(r["first_head"]))
            firsts = sorted({f for n in names for f in _spellings(n)})
            if firsts:
                parts.append("SELECT contact_id FROM search_tokens WHERE slot = 0 AND token IN "
                             "(SELECT unnest(?::VARCHAR[])) INTERSECT SELECT contact_id FROM search_tokens "
                             "WHERE slot = 0 AND token IN (SELECT unnest(?::VARCHAR[]))")
                params += [lasts, firsts]
        elif r["kind"] == "C" and r["comp_key"]:
            words = str(r["comp_key"]).split()
            toks = sorted(_spellings(max(words, key=len)))
            parts.append("SELECT contact_id FROM search_tokens WHERE slot = 0 AND token IN "
                         "(SELECT unnest(?::VARCHAR[]))")
            params.append(toks)
    if not parts:
        return "SELECT NULL::BIGINT AS contact_id WHERE FALSE", []
    return "\nUNION\n".join(parts), params


@dataclass
class FuzzyChecker:
    """Likely duplicates of staged contacts among the stored ones (see the module docstring)."""

    threshold: float = CHECK_THRESHOLD
    default_region: str = "DE"
    max_candidates: int = 20

    def check(self, tx: Tx, user: User, staged: Sequence[StagedContact]) -> list[DuplicateCandidate]:
        exact = ExactKeyChecker(max_candidates=self.max_candidates).check(tx, user, staged)
        if not staged:
            return exact
        frame, first_groups, info = staged_frames(staged, self.default_region)
        keys.load(tx, frame, first_groups, default_region=self.default_region, info=info, prefix="dn_")
        emails = [str(r[0]) for r in tx.rows("SELECT DISTINCT k FROM dn_email")]
        phones = [str(r[0]) for r in tx.rows("SELECT DISTINCT k FROM dn_phone")]
        sql, params = candidate_ids_sql(frame, info, emails, phones)
        own = [s.contact_id for s in staged]
        ids = [int(r[0]) for r in tx.rows(f"SELECT DISTINCT contact_id FROM ({sql}) q", params)
               if r[0] is not None and int(r[0]) not in own]
        found: list[DuplicateCandidate] = []
        if ids:
            tx.register("_dq_ids", pd.DataFrame({"id": pd.Series(ids, dtype="int64")}))
            keys.build(tx, user, default_region=self.default_region, ids_sql="SELECT id FROM _dq_ids",
                       prefix="dq_")
            tx.unregister("_dq_ids")
            tx.register("_dq_nick", keys.nickname_pairs())
            tx.execute("CREATE OR REPLACE TEMP TABLE dq_nick AS SELECT * FROM _dq_nick")
            tx.unregister("_dq_nick")
            tx.execute("""CREATE OR REPLACE TEMP TABLE dq_pairs AS
                SELECT n.id AS id1, q.id AS id2 FROM dn_c n JOIN dq_c q ON q.kind = n.kind
                WHERE NOT EXISTS (SELECT 1 FROM dedupe_decisions d WHERE d.decision = 'not_duplicate'
                    AND d.id1 = least(n.id, q.id) AND d.id2 = greatest(n.id, q.id))""")
            vectors = tx.df(compare.vectors_sql("dq_pairs", left="dn_", right="dq_", nick="dq_nick"))
            vectors = vectors[compare.eligible(vectors)]
            names = dict(tx.rows("SELECT id, display_name FROM contacts WHERE id IN "
                                 "(SELECT id FROM dq_c)"))
            models = decisions.load_models(tx)
            labels = {s.contact_id: s.label for s in staged}
            for kind in ("P", "C"):
                vk = vectors[vectors["kind"] == kind].reset_index(drop=True)
                if vk.empty:
                    continue
                model = models.get(kind) or classify.prior_model(kind)
                vk["score"] = classify.score(vk, model)
                vk = vk[vk["score"] >= self.threshold].reset_index(drop=True)
                vk["reasons"] = explain.reasons(vk, model)
                for r in vk[["id1", "id2", "score", "reasons"]].to_dict("records"):
                    sid, eid = int(r["id1"]), int(r["id2"])
                    found.append(DuplicateCandidate(
                        labels[sid], sid, eid, str(names.get(eid, "")),
                        round(float(r["score"]), 4), tuple(str(r["reasons"]).split("; "))))
            keys.drop(tx, "dq_")
            tx.execute("DROP TABLE IF EXISTS dq_nick")
            tx.execute("DROP TABLE IF EXISTS dq_pairs")
        keys.drop(tx, "dn_")
        seen = {(c.contact_id, c.existing_id) for c in found}
        found += [c for c in exact if (c.contact_id, c.existing_id) not in seen]
        found.sort(key=lambda c: (-c.score, c.contact_id, c.existing_id))
        return found[: self.max_candidates]
