"""``crmdata search``: the search box and the list filters from a shell (a thin face over
:func:`crmdata.search.api.search`)."""

from __future__ import annotations

import click

from ..search.api import DEFAULT_PAGE_SIZE, search
from ..search.filters import ACCESS_VALUES, SHOW_VALUES, Filters
from ..search.sql import SORTS
from . import State
from .output import echo_frame, format_option

#: Columns the table output shows (CSV and JSON get every column).
TABLE_COLUMNS = ["id", "kind", "display_name", "company_name", "position", "email", "phone",
                 "temperature", "contact_type", "tags"]


def _custom(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in values:
        label, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not FIELD=VALUE", param_hint="--custom")
        pairs.append((label.strip(), value.strip()))
    return tuple(pairs)


@click.command("search")
@click.argument("query", required=False, default="")
@click.option("--show", type=click.Choice([v.replace("_", "-") for v in SHOW_VALUES]),
              default="all", show_default=True, help="Which contacts to list.")
@click.option("--temperature", "temperatures", multiple=True,
              help="Temperature level (repeat for any of several).")
@click.option("--type", "contact_types", multiple=True, help="Contact type (repeat for any of several).")
@click.option("--tag", "tags", multiple=True, help="Tag (repeat: the contact must have all).")
@click.option("--manager", help="A user's login, or 'none' for contacts without managers.")
@click.option("--access", type=click.Choice(ACCESS_VALUES), help="Public or restricted contacts.")
@click.option("--created-from", help="Created on or after this day (YYYY-MM-DD).")
@click.option("--created-to", help="Created on or before this day.")
@click.option("--updated-from", help="Updated on or after this day.")
@click.option("--updated-to", help="Updated on or before this day.")
@click.option("--not-updated-since", help="Stale: not changed since this day.")
@click.option("--no-activity-since", help="Stale: no history event since this day.")
@click.option("--custom", multiple=True, metavar="FIELD=VALUE",
              help="Custom field value (repeat: all must hold).")
@click.option("--sort", type=click.Choice(list(SORTS)), default="relevance", show_default=True,
              help="relevance: best match first (by display name without a query).")
@click.option("--desc/--asc", "descending", default=None,
              help="Sort direction (default: names ascending, dates and temperature descending).")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--page-size", type=int, default=DEFAULT_PAGE_SIZE, show_default=True)
@click.option("--no-company-persons", is_flag=True,
              help="Do not add the persons of matching companies.")
@format_option()
@click.pass_obj
def search_cmd(state: State, query: str, show: str, fmt: str, sort: str, descending: bool | None,
               page: int, page_size: int, no_company_persons: bool, custom: tuple[str, ...],
               **filter_values: object) -> None:
    """Search contacts: words (AND), Sm?th, O*, "exact phrase", word~ (similar spelling).

    A plain word matches the start of a word; matching ignores case and accents.
    """
    filters = Filters(show=show, custom=_custom(custom), **filter_values)  # type: ignore[arg-type]
    store = state.store()
    result = search(store.db, store.user, query, filters, sort=sort, descending=descending, page=page,
                    page_size=page_size, include_company_persons=not no_company_persons)
    if fmt == "table":
        click.echo(f"{result.total} {result.description} (page {result.page} of {result.pages})")
        echo_frame(result.frame[[c for c in TABLE_COLUMNS if c in result.frame.columns]], fmt)
    else:
        echo_frame(result.frame, fmt)


COMMANDS = [search_cmd]
