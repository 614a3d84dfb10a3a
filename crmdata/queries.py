"""Pure SQL builders for reading contacts; each returns ``(sql, params)`` and runs nothing.

Every builder takes the reading user and restricts rows to the contacts that user may view,
so no read path can forget the access rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from .access import User, deal_view_predicate, view_predicate
from .model import InfoType, ListType

SqlParams = tuple[str, list[object]]


def visible_ids(user: User, ids: Sequence[int] | None = None) -> SqlParams:
    """``SELECT id`` of the contacts the user may view (optionally among ``ids``)."""
    pred, user_params = view_predicate(user, "c")
    params: list[object] = list(user_params)
    sql = f"SELECT c.id FROM contacts c WHERE {pred}"
    if ids is not None:
        sql += " AND c.id IN (SELECT unnest(?::BIGINT[]))"
        params.append([int(i) for i in ids])
    return sql, params


def _primary(info_type: InfoType) -> str:
    """The contact's primary value of a type (the first one when none is marked)."""
    return (
        "(SELECT i.data FROM contact_info i WHERE i.contact_id = c.id "
        f"AND i.info_type = {int(info_type)} "
        "ORDER BY i.is_primary DESC, i.id LIMIT 1)"
    )


def contacts_frame(user: User, ids: Sequence[int] | None = None) -> SqlParams:
    """One row per visible contact: names, company, lists, tags, primary values, dates."""
    vis_sql, params = visible_ids(user, ids)
    company_view, company_params = view_predicate(user, "co")  # another contact: its own check
    sql = f"""
    WITH vis AS ({vis_sql}),
    prim AS (
        SELECT contact_id, info_type, data FROM (
            SELECT i.contact_id, i.info_type, i.data,
                   row_number() OVER (PARTITION BY i.contact_id, i.info_type
                                      ORDER BY i.is_primary DESC, i.id) AS rn
            FROM contact_info i JOIN vis ON vis.id = i.contact_id
            WHERE i.info_type IN ({int(InfoType.EMAIL)}, {int(InfoType.PHONE)},
                                  {int(InfoType.WEBSITE)}, {int(InfoType.ADDRESS)})
        ) WHERE rn = 1
    ),
    tg AS (
        SELECT ct.contact_id, string_agg(t.title, ', ' ORDER BY lower(t.title)) AS tags
        FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
        JOIN vis ON vis.id = ct.contact_id
        GROUP BY ct.contact_id
    )
    SELECT c.id,
           CASE WHEN c.is_company THEN 'company' ELSE 'person' END AS kind,
           c.display_name, c.first_name, c.last_name,
           CASE WHEN c.is_company THEN c.company_name ELSE co.company_name END AS company_name,
           co.id AS company_id, c.title AS position,
           ts.title AS temperature, ct.title AS contact_type,
           tg.tags,
           pe.data AS email, pp.data AS phone, pw.data AS website, pa.data AS address,
           c.notes, c.industry, c.currency, c.share_type,
           c.created_at, c.updated_at, c.version
    FROM contacts c
    JOIN vis ON vis.id = c.id
    LEFT JOIN contacts co ON co.id = c.company_id AND NOT c.is_company AND {company_view}
    LEFT JOIN list_items ts ON ts.id = c.status_id AND ts.list_type = {int(ListType.TEMPERATURE)}
    LEFT JOIN list_items ct ON ct.id = c.contact_type_id
         AND ct.list_type = {int(ListType.CONTACT_TYPE)}
    LEFT JOIN tg ON tg.contact_id = c.id
    LEFT JOIN prim pe ON pe.contact_id = c.id AND pe.info_type = {int(InfoType.EMAIL)}
    LEFT JOIN prim pp ON pp.contact_id = c.id AND pp.info_type = {int(InfoType.PHONE)}
    LEFT JOIN prim pw ON pw.contact_id = c.id AND pw.info_type = {int(InfoType.WEBSITE)}
    LEFT JOIN prim pa ON pa.contact_id = c.id AND pa.info_type = {int(InfoType.ADDRESS)}
    ORDER BY c.id
    """
    return sql, [*params, *company_params]


def info_frame(user: User, ids: Sequence[int] | None = None) -> SqlParams:
    """Contact info rows (long): one row per value, with type and category codes."""
    vis_sql, params = visible_ids(user, ids)
    sql = f"""
    SELECT i.id, i.contact_id, i.info_type, i.category, i.data, i.is_primary,
           i.street, i.city, i.state, i.zip, i.country
    FROM contact_info i WHERE i.contact_id IN ({vis_sql})
    ORDER BY i.contact_id, i.info_type, i.category, i.id
    """
    return sql, params


def tags_frame(user: User, ids: Sequence[int] | None = None) -> SqlParams:
    """Tag links (long): contact id and tag title."""
    vis_sql, params = visible_ids(user, ids)
    sql = f"""
    SELECT ct.contact_id, t.id AS tag_id, t.title AS tag
    FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
    WHERE ct.contact_id IN ({vis_sql})
    ORDER BY ct.contact_id, lower(t.title)
    """
    return sql, params


def custom_values_frame(user: User, ids: Sequence[int] | None = None) -> SqlParams:
    """Custom field values (long): contact id, field id, label, type and value."""
    vis_sql, params = visible_ids(user, ids)
    sql = f"""
    SELECT v.contact_id, v.field_id, f.label, f.field_type, v.value
    FROM custom_values v JOIN custom_fields f ON f.id = v.field_id
    WHERE v.contact_id IN ({vis_sql})
    ORDER BY v.contact_id, f.sort_order, f.id
    """
    return sql, params


def counts(user: User) -> dict[str, SqlParams]:
    """Counts by kind, temperature level, contact type and tag, over visible contacts."""
    vis_sql, params = visible_ids(user)
    return {
        "kind": (
            f"""SELECT CASE WHEN c.is_company THEN 'company' ELSE 'person' END AS kind,
                       count(*) AS contacts
                FROM contacts c WHERE c.id IN ({vis_sql}) GROUP BY 1 ORDER BY 1""",
            list(params),
        ),
        "temperature": (
            f"""SELECT coalesce(l.title, '(not set)') AS temperature, count(*) AS contacts
                FROM contacts c LEFT JOIN list_items l ON l.id = c.status_id
                WHERE c.id IN ({vis_sql})
                GROUP BY l.title, l.sort_order ORDER BY l.sort_order NULLS FIRST""",
            list(params),
        ),
        "contact_type": (
            f"""SELECT coalesce(l.title, '(not set)') AS contact_type, count(*) AS contacts
                FROM contacts c LEFT JOIN list_items l ON l.id = c.contact_type_id
                WHERE c.id IN ({vis_sql})
                GROUP BY l.title, l.sort_order ORDER BY l.sort_order NULLS FIRST""",
            list(params),
        ),
        "tag": (
            f"""SELECT t.title AS tag, count(ct.contact_id) AS contacts
                FROM tags t LEFT JOIN contact_tags ct ON ct.tag_id = t.id
                     AND ct.contact_id IN ({vis_sql})
                GROUP BY t.title ORDER BY contacts DESC, lower(t.title)""",
            list(params),
        ),
    }


def company_of(user: User, company_id: int) -> SqlParams:
    """``id, company_name`` of a person's company, only if the user may view that company."""
    pred, params = view_predicate(user, "c")
    return (f"SELECT c.id, c.company_name FROM contacts c WHERE c.id = ? AND c.is_company AND {pred}",
            [int(company_id), *params])


def deals_of(user: User, contact_id: int) -> SqlParams:
    """The deals a contact is the main contact of or takes part in, that the user may see
    (a deal shows only where its main contact may be viewed)."""
    pred, params = deal_view_predicate(user, "d")
    cid = int(contact_id)
    return (
        "SELECT d.id, d.title, d.stage, d.bid_value, d.bid_currency, "
        "d.contact_id = ? AS is_main_contact FROM deals d "
        "WHERE (d.contact_id = ? OR d.id IN "
        f"(SELECT deal_id FROM deal_participants WHERE contact_id = ?)) AND {pred} ORDER BY d.id",
        [cid, cid, cid, *params],
    )


def history_of(user: User, contact_id: int) -> SqlParams:
    """A contact's history events, newest first; a deal the user may not see is left out of
    the event's ``deal_id``."""
    pred, params = deal_view_predicate(user, "d")
    return (
        "SELECT h.id, h.event_at, h.category, h.content, "
        f"CASE WHEN h.deal_id IS NULL THEN NULL WHEN EXISTS (SELECT 1 FROM deals d "
        f"WHERE d.id = h.deal_id AND {pred}) THEN h.deal_id END AS deal_id "
        "FROM history_events h WHERE h.contact_id = ? ORDER BY h.event_at DESC, h.id DESC",
        [*params, int(contact_id)],
    )
