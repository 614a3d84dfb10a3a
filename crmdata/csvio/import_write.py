"""The write half of an import: decide each row's fate, then write set-based.

Runs inside the import's transaction on the staging tables built by ``import_sql``.
``imp_act(rec, action, target, contact_id, ...)`` says for every record whether it becomes a
new contact (insert), updates an existing one (update), is a duplicate left out (skip) or a
bad row left out (bad).
"""

from __future__ import annotations

import json

from .. import numbering
from ..access import User, edit_predicate
from ..db import Tx
from ..derived import DISPLAY_NAME_SQL
from ..matchkeys import phone_keys
from ..model import CustomFieldType, InfoType, ListType, ShareType

LIVE = "a.action IN ('insert', 'update')"


def custom_definitions(
    tx: Tx, custom_types: dict[str, tuple[CustomFieldType, object]]
) -> dict[str, tuple[CustomFieldType, str | None]]:
    """Type and mask of every custom label in the file: existing fields, then the caller's types."""
    labels = [r[0] for r in tx.rows("SELECT label FROM imp_custom GROUP BY label ORDER BY min(col)")]
    existing = {
        str(label).lower(): (CustomFieldType(int(ftype)), mask)
        for label, ftype, mask in tx.rows("SELECT label, field_type, mask FROM custom_fields")
    }
    given = {k.lower(): v for k, v in custom_types.items()}
    out: dict[str, tuple[CustomFieldType, str | None]] = {}
    for label in labels:
        key = str(label).lower()
        if key in existing:
            out[str(label)] = existing[key]
        elif key in given:
            ftype, mask = given[key]
            out[str(label)] = (CustomFieldType(int(ftype)), _mask_json(ftype, mask))
        else:
            out[str(label)] = (CustomFieldType.TEXT, _mask_json(CustomFieldType.TEXT, None))
    return out


def _mask_json(ftype: CustomFieldType | int, mask: object) -> str | None:
    ftype = CustomFieldType(int(ftype))
    if mask is not None:
        return mask if isinstance(mask, str) else json.dumps(mask)
    if ftype is CustomFieldType.TEXT:
        return json.dumps({"size": 40})
    if ftype is CustomFieldType.TEXTAREA:
        return json.dumps({"rows": 2, "cols": 40})
    return None


def resolve_actions(tx: Tx, rule: str, vis_sql: str, vis_params: list[object], user: User) -> None:
    """Build ``imp_act``: every record's action, its target contact and any Id problem."""
    edit_sql, edit_params = edit_predicate(user, "c")
    tx.execute(
        """CREATE OR REPLACE TEMP TABLE imp_act AS
        SELECT r.rec, r.is_company, r.id_text, try_cast(r.id_text AS BIGINT) AS given_id,
               b.rec IS NOT NULL AS bad, NULL::VARCHAR AS action, NULL::BIGINT AS target,
               NULL::BIGINT AS target_rec, NULL::BIGINT AS contact_id, NULL::VARCHAR AS message
        FROM imp_rows r LEFT JOIN (SELECT DISTINCT rec FROM imp_bad) b USING (rec)"""
    )
    # rows that name their contact (an export made with ids): check it exists for this user
    tx.execute(
        f"""UPDATE imp_act SET message = CASE
                WHEN v.id IS NULL THEN 'there is no contact ' || imp_act.given_id
                WHEN c.is_company <> imp_act.is_company THEN 'contact ' || imp_act.given_id
                     || ' is a ' || CASE WHEN c.is_company THEN 'company' ELSE 'person' END
                     || ', this row is not'
                WHEN NOT ({edit_sql}) THEN 'you may not edit contact ' || imp_act.given_id
            END
        FROM (SELECT a2.rec, a2.given_id FROM imp_act a2 WHERE a2.given_id IS NOT NULL) g
        LEFT JOIN ({vis_sql}) v ON v.id = g.given_id
        LEFT JOIN contacts c ON c.id = v.id
        WHERE imp_act.rec = g.rec""",
        [*edit_params, *vis_params],
    )
    tx.execute("UPDATE imp_act SET bad = TRUE WHERE message IS NOT NULL")
    tx.execute("UPDATE imp_act SET action = 'bad' WHERE bad")
    tx.execute(
        "UPDATE imp_act SET action = 'update', target = given_id "
        "WHERE action IS NULL AND given_id IS NOT NULL"
    )
    if rule == "clone":
        tx.execute("UPDATE imp_act SET action = 'insert' WHERE action IS NULL")
        return
    tx.execute(
        f"""CREATE OR REPLACE TEMP TABLE imp_emails AS
        SELECT DISTINCT i.rec, lower(i.data) AS email, a.is_company
        FROM imp_info i JOIN imp_act a USING (rec)
        WHERE i.info_type = {int(InfoType.EMAIL)} AND a.action IS NULL"""
    )
    # duplicates of contacts already in the store (same kind, visible to the user)
    tx.execute(
        f"""UPDATE imp_act SET target = m.target FROM (
            SELECT e.rec, min(i.contact_id) AS target
            FROM imp_emails e
            JOIN contact_info i ON i.info_type = {int(InfoType.EMAIL)} AND lower(i.data) = e.email
            JOIN contacts c ON c.id = i.contact_id AND c.is_company = e.is_company
            WHERE i.contact_id IN ({vis_sql})
            GROUP BY e.rec) m
        WHERE imp_act.rec = m.rec AND imp_act.action IS NULL""",
        vis_params,
    )
    # duplicates of earlier rows of the same file
    tx.execute(
        """UPDATE imp_act SET target_rec = m.first_rec FROM (
            SELECT rec, min(first_rec) AS first_rec FROM (
                SELECT rec, min(rec) OVER (PARTITION BY email, is_company) AS first_rec
                FROM imp_emails) WHERE first_rec < rec GROUP BY rec) m
        WHERE imp_act.rec = m.rec AND imp_act.action IS NULL AND imp_act.target IS NULL"""
    )
    tx.execute("DROP TABLE IF EXISTS imp_emails")
    # follow chains (row 3 duplicates row 2, which duplicates row 1) to their first row
    while tx.scalar(
        "SELECT count(*) FROM imp_act a JOIN imp_act p ON a.target_rec = p.rec "
        "WHERE p.target_rec IS NOT NULL"
    ):
        tx.execute(
            "UPDATE imp_act SET target_rec = p.target_rec FROM imp_act p "
            "WHERE imp_act.target_rec = p.rec AND p.target_rec IS NOT NULL"
        )
    if rule == "skip":
        tx.execute(
            "UPDATE imp_act SET action = 'skip' WHERE action IS NULL "
            "AND (target IS NOT NULL OR target_rec IS NOT NULL)"
        )
    else:  # update: existing targets must be editable
        tx.execute(
            f"""UPDATE imp_act SET action = 'bad', bad = TRUE,
                   message = 'matches contact ' || target || ' by email, which you may not edit'
            FROM contacts c WHERE c.id = imp_act.target AND imp_act.action IS NULL
                 AND NOT ({edit_sql})""",
            edit_params,
        )
        tx.execute("UPDATE imp_act SET action = 'update' WHERE action IS NULL AND target IS NOT NULL")
        tx.execute("UPDATE imp_act SET action = 'update' WHERE action IS NULL AND target_rec IS NOT NULL")
    tx.execute("UPDATE imp_act SET action = 'insert' WHERE action IS NULL")


def ensure_list_items(tx: Tx, list_type: ListType, column: str, color: str | None) -> list[str]:
    """Create the temperature levels or contact types the live rows name and the store lacks."""
    titles = [
        str(r[0]) for r in tx.rows(
            f"""SELECT min(r.{column}) FROM imp_rows r JOIN imp_act a USING (rec)
            WHERE {LIVE} AND r.{column} IS NOT NULL
              AND lower(r.{column}) NOT IN (SELECT lower(title) FROM list_items WHERE list_type = ?)
            GROUP BY lower(r.{column}) ORDER BY min(r.rec)""",
            [int(list_type)],
        )
    ]
    for title in titles:
        tx.execute(
            "INSERT INTO list_items (id, list_type, title, color, sort_order) "
            "SELECT (SELECT coalesce(max(id), 0) + 1 FROM list_items), ?, ?, ?, "
            "(SELECT coalesce(max(sort_order), 0) + 1 FROM list_items WHERE list_type = ?)",
            [int(list_type), title, color, int(list_type)],
        )
    return titles


def ensure_tags(tx: Tx) -> list[str]:
    """Add to the pool the tags of live rows it lacks (case-insensitive), keeping first spelling."""
    new = [
        str(r[0]) for r in tx.rows(
            f"""SELECT arg_min(t.title, t.rec) FROM imp_tags t JOIN imp_act a USING (rec)
            WHERE {LIVE} AND lower(t.title) NOT IN (SELECT title_key FROM tags)
            GROUP BY lower(t.title) ORDER BY min(t.rec), lower(t.title)"""
        )
    ]
    base = numbering.next_id(tx, "tags")
    tx.executemany(
        "INSERT INTO tags (id, title, title_key) VALUES (?, ?, ?)",
        [(base + i, title, title.lower()) for i, title in enumerate(new)],
    )
    return new


def ensure_custom_fields(
    tx: Tx, custom_types: dict[str, tuple[CustomFieldType, object]]
) -> list[str]:
    """Define the custom fields the file names and the store lacks; returns the new labels."""
    defs = custom_definitions(tx, custom_types)
    known = {str(r[0]).lower() for r in tx.rows("SELECT label FROM custom_fields")}
    new = [label for label in defs if label.lower() not in known]
    base = numbering.next_id(tx, "custom_fields")
    order = int(tx.scalar("SELECT coalesce(max(sort_order), -1) + 1 FROM custom_fields"))
    tx.executemany(
        "INSERT INTO custom_fields (id, label, field_type, scope, sort_order, mask) "
        "VALUES (?, ?, ?, 0, ?, ?)",
        [(base + i, label, int(defs[label][0]), order + i, defs[label][1])
         for i, label in enumerate(new)],
    )
    return new


def write_contacts(
    tx: Tx, user: User, share: ShareType, vis_sql: str, vis_params: list[object]
) -> tuple[int, int, int]:
    """Insert new contacts, update matched ones, create missing companies; returns the counts."""
    base = numbering.next_id(tx, "contacts") - 1
    tx.execute(
        f"""UPDATE imp_act SET contact_id = {base} + x.rn FROM (
            SELECT rec, row_number() OVER (ORDER BY rec) AS rn FROM imp_act
            WHERE action = 'insert') x WHERE imp_act.rec = x.rec"""
    )
    tx.execute("UPDATE imp_act SET contact_id = target WHERE target IS NOT NULL")
    tx.execute(
        "UPDATE imp_act SET contact_id = p.contact_id FROM imp_act p "
        "WHERE imp_act.target_rec = p.rec AND imp_act.target IS NULL"
    )
    tx.execute("UPDATE imp_act SET target = contact_id WHERE action = 'skip'")
    # a person's company: one of the file, else an existing visible one, else a new one
    tx.execute(
        f"""CREATE OR REPLACE TEMP TABLE imp_company AS
        WITH wanted AS (
            SELECT DISTINCT r.company AS name FROM imp_rows r JOIN imp_act a USING (rec)
            WHERE {LIVE} AND r.is_person AND r.company IS NOT NULL),
        in_file AS (
            SELECT r.company AS name, arg_min(a.contact_id, r.rec) AS id
            FROM imp_rows r JOIN imp_act a USING (rec)
            WHERE r.is_company AND a.contact_id IS NOT NULL GROUP BY r.company),
        in_store AS (
            SELECT c.company_name AS name, min(c.id) AS id FROM contacts c
            WHERE c.is_company AND c.company_name IN (SELECT name FROM wanted)
              AND c.id IN ({vis_sql}) GROUP BY c.company_name)
        SELECT w.name, coalesce(f.id, s.id) AS id
        FROM wanted w LEFT JOIN in_file f USING (name) LEFT JOIN in_store s USING (name)""",
        vis_params,
    )
    next_id = int(tx.scalar("SELECT coalesce(max(contact_id), 0) FROM imp_act"))
    next_id = max(next_id, base)
    tx.execute(
        f"""UPDATE imp_company SET id = {next_id} + x.rn FROM (
            SELECT name, row_number() OVER (ORDER BY name) AS rn FROM imp_company
            WHERE id IS NULL) x WHERE imp_company.name = x.name"""
    )
    new_companies = int(tx.scalar(f"SELECT count(*) FROM imp_company WHERE id > {next_id}"))
    now_params = [user.id, user.id]
    select_new = f"""
        SELECT r.rec, a.contact_id AS id, r.is_company, r.first_name, r.last_name,
               CASE WHEN r.is_company THEN r.company END AS company_name,
               CASE WHEN r.is_person THEN r.title END AS title,
               CASE WHEN r.is_person THEN co.id END AS company_id,
               r.notes, ts.id AS status_id, ty.id AS contact_type_id
        FROM imp_rows r JOIN imp_act a USING (rec)
        LEFT JOIN imp_company co ON co.name = r.company AND r.is_person
        LEFT JOIN list_items ts ON ts.list_type = {int(ListType.TEMPERATURE)}
             AND lower(ts.title) = lower(r.stage)
        LEFT JOIN list_items ty ON ty.list_type = {int(ListType.CONTACT_TYPE)}
             AND lower(ty.title) = lower(r.ctype)"""
    tx.execute(
        f"""INSERT INTO contacts (id, is_company, first_name, last_name, company_name,
                display_name, title, company_id, notes, status_id, contact_type_id, share_type,
                created_by, created_at, updated_by, updated_at, version)
        SELECT id, is_company, first_name, last_name, company_name, {DISPLAY_NAME_SQL},
               title, company_id, notes, status_id, contact_type_id, {int(share)},
               ?, now()::TIMESTAMP, ?, now()::TIMESTAMP, 1
        FROM ({select_new} WHERE a.action = 'insert')
        UNION ALL
        SELECT id, TRUE, NULL, NULL, name, name, NULL, NULL, NULL, NULL, NULL, {int(share)},
               ?, now()::TIMESTAMP, ?, now()::TIMESTAMP, 1
        FROM imp_company WHERE id > {next_id}""",
        now_params + now_params,
    )
    # updates: a non-empty value in the file wins; of several rows, the last one
    tx.execute(
        f"""UPDATE contacts SET
            first_name = coalesce(u.first_name, contacts.first_name),
            last_name = coalesce(u.last_name, contacts.last_name),
            company_name = coalesce(u.company_name, contacts.company_name),
            title = coalesce(u.title, contacts.title),
            company_id = coalesce(u.company_id, contacts.company_id),
            notes = coalesce(u.notes, contacts.notes),
            status_id = coalesce(u.status_id, contacts.status_id),
            contact_type_id = coalesce(u.contact_type_id, contacts.contact_type_id),
            version = contacts.version + 1, updated_by = ?, updated_at = now()::TIMESTAMP
        FROM (
            SELECT id, arg_max(first_name, rec) FILTER (WHERE first_name IS NOT NULL) AS first_name,
                   arg_max(last_name, rec) FILTER (WHERE last_name IS NOT NULL) AS last_name,
                   arg_max(company_name, rec) FILTER (WHERE company_name IS NOT NULL) AS company_name,
                   arg_max(title, rec) FILTER (WHERE title IS NOT NULL) AS title,
                   arg_max(company_id, rec) FILTER (WHERE company_id IS NOT NULL) AS company_id,
                   arg_max(notes, rec) FILTER (WHERE notes IS NOT NULL) AS notes,
                   arg_max(status_id, rec) FILTER (WHERE status_id IS NOT NULL) AS status_id,
                   arg_max(contact_type_id, rec) FILTER (WHERE contact_type_id IS NOT NULL)
                       AS contact_type_id
            FROM ({select_new} WHERE a.action = 'update')
            GROUP BY id) u
        WHERE contacts.id = u.id""",
        [user.id],
    )
    tx.execute(
        """CREATE OR REPLACE TEMP TABLE imp_touched AS
        SELECT DISTINCT contact_id FROM imp_act WHERE action IN ('insert', 'update')
        UNION SELECT id FROM imp_company"""
    )
    inserted = int(tx.scalar("SELECT count(*) FROM imp_act WHERE action = 'insert'"))
    updated = int(tx.scalar(
        "SELECT count(DISTINCT contact_id) FROM imp_act WHERE action = 'update' "
        "AND contact_id NOT IN (SELECT contact_id FROM imp_act WHERE action = 'insert')"))
    return inserted, updated, new_companies


def write_details(tx: Tx, user: User, manager_ids: list[int]) -> None:
    """Info rows, tags, custom values and managers of the live rows."""
    base = numbering.next_id(tx, "contact_info") - 1
    # phone keys first, from a narrow table of the incoming phones and addresses (a full copy
    # of the info rows would cost memory; an UPDATE of the indexed e164 column after the
    # INSERT costs minutes at 1M rows)
    tx.execute(
        f"""CREATE OR REPLACE TEMP TABLE imp_keyrows AS
        SELECT row_number() OVER (ORDER BY i.rec, i.colpos, i.pos) AS id, a.contact_id, i.info_type,
               i.data, i.country, FALSE AS is_primary, NULL::VARCHAR AS e164, i.rec, i.colpos, i.pos
        FROM imp_info i JOIN imp_act a USING (rec)
        WHERE {LIVE} AND i.info_type IN ({int(InfoType.PHONE)}, {int(InfoType.ADDRESS)})""")
    phone_keys(tx, "imp_keyrows")
    tx.execute("""CREATE OR REPLACE TEMP TABLE imp_phone_keys AS
        SELECT r.rec, r.colpos, r.pos, k.e164 FROM imp_keyrows r JOIN kf_keys k USING (id)""")
    tx.execute("DROP TABLE kf_keys")
    tx.execute("DROP TABLE imp_keyrows")
    tx.execute(
        f"""INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary,
                street, city, state, zip, country, updated_by, updated_at, email_key, e164)
        WITH incoming AS (
            SELECT a.contact_id, a.action, i.*, row_number() OVER (
                PARTITION BY a.contact_id, i.info_type, i.category, lower(i.data)
                ORDER BY i.rec, i.colpos, i.pos) AS dup
            FROM imp_info i JOIN imp_act a USING (rec) WHERE {LIVE}),
        existing AS (
            SELECT e.contact_id, e.info_type, e.category, lower(e.data) AS k, e.is_primary
            FROM contact_info e
            WHERE e.contact_id IN (SELECT contact_id FROM imp_act WHERE action = 'update')),
        fresh AS (
            SELECT n.* FROM incoming n WHERE n.dup = 1 AND (n.action = 'insert' OR NOT EXISTS (
                SELECT 1 FROM existing e WHERE e.contact_id = n.contact_id
                AND e.info_type = n.info_type AND e.category = n.category
                AND e.k = lower(n.data)))),
        has_primary AS (
            SELECT DISTINCT contact_id, info_type FROM existing WHERE is_primary),
        ranked AS (
            SELECT f.*, row_number() OVER (PARTITION BY f.contact_id, f.info_type
                                           ORDER BY f.rec, f.colpos, f.pos) AS nth,
                   row_number() OVER (ORDER BY f.contact_id, f.rec, f.colpos, f.pos) AS seq,
                   p.contact_id IS NOT NULL AS had_primary
            FROM fresh f LEFT JOIN has_primary p USING (contact_id, info_type))
        SELECT {base} + seq, r.contact_id, r.info_type, r.category, r.data,
               nth = 1 AND NOT had_primary,
               r.street, r.city, r.state, r.zip, r.country, ?, now()::TIMESTAMP,
               CASE WHEN r.info_type = {int(InfoType.EMAIL)} THEN lower(trim(r.data)) END, k.e164
        FROM ranked r LEFT JOIN imp_phone_keys k ON r.info_type = {int(InfoType.PHONE)}
             AND k.rec = r.rec AND k.colpos = r.colpos AND k.pos = r.pos""",
        [user.id],
    )
    tx.execute("DROP TABLE imp_phone_keys")
    tx.execute(
        f"""INSERT INTO contact_tags (contact_id, tag_id)
        SELECT DISTINCT a.contact_id, g.id FROM imp_tags t JOIN imp_act a USING (rec)
        JOIN tags g ON g.title_key = lower(t.title)
        WHERE {LIVE} AND NOT EXISTS (SELECT 1 FROM contact_tags x
            WHERE x.contact_id = a.contact_id AND x.tag_id = g.id)"""
    )
    tx.execute(
        """INSERT INTO contact_tags (contact_id, tag_id)
        SELECT DISTINCT c.id, g.id FROM imp_company c
        JOIN imp_extra_tags e ON TRUE JOIN tags g ON g.title_key = lower(trim(e.title))
        WHERE c.id NOT IN (SELECT contact_id FROM imp_act WHERE contact_id IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM contact_tags x WHERE x.contact_id = c.id AND x.tag_id = g.id)"""
    )
    tx.execute(
        f"""INSERT INTO custom_values (contact_id, field_id, value, updated_by, updated_at)
        SELECT a.contact_id, f.id, arg_max(c.value, c.rec), ?, now()::TIMESTAMP
        FROM imp_custom c JOIN imp_act a USING (rec)
        JOIN custom_fields f ON lower(f.label) = lower(c.label)
        WHERE {LIVE} GROUP BY a.contact_id, f.id
        ON CONFLICT (contact_id, field_id) DO UPDATE SET value = excluded.value,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at""",
        [user.id],
    )
    if manager_ids:
        tx.execute(
            """INSERT INTO contact_managers (contact_id, user_id)
            SELECT DISTINCT t.contact_id, m.uid FROM imp_touched t
            CROSS JOIN (SELECT unnest(?::INTEGER[]) AS uid) m
            WHERE t.contact_id NOT IN (SELECT contact_id FROM imp_act WHERE action = 'update')
            ON CONFLICT DO NOTHING""",
            [manager_ids],
        )
