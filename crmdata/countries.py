"""Countries as people write them in addresses (Germany, Deutschland, DE, DEU) to phone regions.

Shared by the data-quality check and the duplicate keys, so both read a phone in the same
region for the same address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

_SPACES_RE = re.compile(r"\s+")

#: Country names and codes, as people write them in addresses, to phone regions.
_COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "DE": ("germany", "deutschland", "allemagne", "alemania", "germania", "deu",
           "bundesrepublik deutschland"),
    "AT": ("austria", "österreich", "oesterreich", "autriche", "aut"),
    "CH": ("switzerland", "schweiz", "suisse", "svizzera", "che"),
    "GB": ("united kingdom", "uk", "great britain", "britain", "england", "scotland", "wales",
           "northern ireland", "vereinigtes königreich", "grossbritannien", "großbritannien", "gbr"),
    "US": ("united states", "united states of america", "usa", "u.s.a.", "u.s.", "america",
           "vereinigte staaten", "vereinigte staaten von amerika", "états-unis", "estados unidos"),
    "FR": ("france", "frankreich", "francia", "fra"),
    "IT": ("italy", "italien", "italia", "italie", "ita"),
    "ES": ("spain", "spanien", "españa", "espana", "espagne", "esp"),
    "NL": ("netherlands", "the netherlands", "holland", "niederlande", "nederland", "pays-bas", "nld"),
    "BE": ("belgium", "belgien", "belgique", "belgië", "bel"),
    "LU": ("luxembourg", "luxemburg", "lux"),
    "DK": ("denmark", "dänemark", "danmark", "dnk"),
    "SE": ("sweden", "schweden", "sverige", "swe"),
    "NO": ("norway", "norwegen", "norge", "nor"),
    "FI": ("finland", "finnland", "suomi", "fin"),
    "PL": ("poland", "polen", "polska", "pol"),
    "CZ": ("czech republic", "czechia", "tschechien", "česko", "cze"),
    "IE": ("ireland", "irland", "éire", "irl"),
    "PT": ("portugal", "prt"),
    "GR": ("greece", "griechenland", "grc"),
    "HU": ("hungary", "ungarn", "magyarország", "hun"),
    "RU": ("russia", "russland", "russian federation", "rus"),
    "TR": ("turkey", "türkei", "türkiye", "tur"),
    "CN": ("china", "chn"),
    "JP": ("japan", "jpn"),
    "IN": ("india", "indien", "ind"),
    "CA": ("canada", "kanada", "can"),
    "AU": ("australia", "australien", "aus"),
    "BR": ("brazil", "brasilien", "brasil", "bra"),
    "MX": ("mexico", "mexiko", "méxico", "mex"),
}
_REGION_OF: dict[str, str] = {}
for _region, _names in _COUNTRY_NAMES.items():
    for _name in _names:
        _REGION_OF[_name] = _region



def region_of_country(country: str | None) -> str | None:
    """The phone region of a country written as a name (Germany, Deutschland) or ISO code
    (DE, DEU); None when it is not recognised."""
    if country is None:
        return None
    text = _SPACES_RE.sub(" ", country).strip().lower()
    if not text:
        return None
    if len(text) == 2 and text.upper() in phonenumbers.SUPPORTED_REGIONS:
        return "GB" if text == "uk" else text.upper()
    return _REGION_OF.get(text)


def region_pairs(countries: Iterable[str]) -> tuple[list[str], list[str]]:
    """(countries, regions) of the given countries that name a phone region, as two columns
    (for a table DuckDB joins to addresses)."""
    pairs = [(c, r) for c in countries if (r := region_of_country(c))]
    return [c for c, _ in pairs], [r for _, r in pairs]
