"""vCard 3.0 (RFC 2426) and 4.0 (RFC 6350) in and out, parsed and serialised by vobject.

Read: N, FN, ORG, TITLE, every EMAIL / TEL / ADR / URL with its TYPE (PREF or TYPE=pref makes
a value primary), NOTE, CATEGORIES (tags), BDAY, PHOTO (inline base64 or a URI), KIND:org
or X-ABShowAs:COMPANY for a company, and X-SOCIALPROFILE for ONLYOFFICE's other info types
(Skype, X, LinkedIn, ...). Written: the same, one ``.vcf`` of many cards or one file per
contact. A file in any encoding the CSV import knows is read (vCards are UTF-8 by RFC 6350,
but phones have written cp1252).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from ..errors import CrmDataError
from ..model import InfoType
from .cards import Card, Info, category_by_name, category_name
from .sniff import EncodingGuess, detect_encoding, scan

_SOCIAL = {t.name.lower(): t for t in InfoType} | {"x": InfoType.TWITTER}
_PHOTO_TYPES = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG"}


def read_vcards(path: Path, encoding: str | None = None) -> tuple[list[Card], EncodingGuess]:
    """Every card of a ``.vcf`` file, each with the line it starts on."""
    import vobject

    if not path.is_file():
        raise CrmDataError(f"There is no file {path}.")
    guess = detect_encoding(path, encoding, scan(path).utf8)
    text = path.read_text(encoding=guess.name)
    starts = [n for n, line in enumerate(text.splitlines(), 1)
              if line.strip().upper() == "BEGIN:VCARD"]
    cards: list[Card] = []
    try:
        for n, component in enumerate(vobject.readComponents(text, ignoreUnreadable=True)):
            if component.name.upper() != "VCARD":
                continue
            card = _card(component)
            card.line = starts[n] if n < len(starts) else 0
            cards.append(card)
    except Exception as exc:  # vobject raises its own ParseError and plain ValueErrors
        where = starts[len(cards)] if len(cards) < len(starts) else "the end"
        raise CrmDataError(f"{path}: the card starting on line {where} is not a valid vCard ({exc}).",
                           hint="fix that card, or remove it and import the rest") from None
    return cards, guess


def _values(component: Any, name: str) -> list[Any]:
    return list(component.contents.get(name, []))


def _types(prop: Any) -> list[str]:
    found: list[str] = []
    for key in ("TYPE", "X-TYPE"):
        for value in prop.params.get(key, []):
            found += [v for v in re.split(r"[,;]", str(value)) if v]
    return [f.lower() for f in found]


def _preferred(prop: Any) -> bool:
    return "pref" in _types(prop) or bool(prop.params.get("PREF"))


def _text(component: Any, name: str) -> str:
    props = _values(component, name)
    if not props:
        return ""
    value = props[0].value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v)
    return str(value).strip()


def _card(c: Any) -> Card:
    card = Card()
    if names := _values(c, "n"):
        n = names[0].value
        card.first_name = " ".join(x for x in [_join(n.given), _join(n.additional)] if x)
        card.last_name = _join(n.family)
    if orgs := _values(c, "org"):
        org = orgs[0].value
        card.company = str(org[0] if isinstance(org, list) and org else org).strip()
    kind = _text(c, "kind").lower() or _text(c, "x-abshowas").lower()
    card.is_company = kind in ("org", "company") or (
        not card.first_name and not card.last_name and bool(card.company))
    if not card.first_name and not card.last_name and not card.company:
        card.first_name = _text(c, "fn")  # a card with only a formatted name
    if card.is_company and not card.company:
        card.company = _text(c, "fn")
    card.title, card.notes = _text(c, "title"), _text(c, "note")
    for prop in _values(c, "categories"):
        values = prop.value if isinstance(prop.value, list) else str(prop.value).split(",")
        card.tags += [str(v).strip() for v in values if str(v).strip()]
    for prop in _values(c, "email"):
        card.info.append(Info(InfoType.EMAIL, category_by_name(InfoType.EMAIL, _types(prop)),
                              str(prop.value).strip(), primary=_preferred(prop)))
    for prop in _values(c, "tel"):
        value = str(prop.value).strip().removeprefix("tel:")
        card.info.append(Info(InfoType.PHONE, category_by_name(InfoType.PHONE, _types(prop)), value,
                              primary=_preferred(prop)))
    for prop in _values(c, "adr"):
        a = prop.value
        # joined by spaces: the import splits address cells on commas, as ONLYOFFICE's does
        street = " ".join(x for x in [_join(a.box), _join(a.extended), _join(a.street)] if x)
        parts = (street, _join(a.city), _join(a.region), _join(a.code), _join(a.country))
        card.info.append(Info(InfoType.ADDRESS, category_by_name(InfoType.ADDRESS, _types(prop)),
                              ", ".join(p for p in parts if p), parts, _preferred(prop)))
    for prop in _values(c, "url"):
        card.info.append(Info(InfoType.WEBSITE, category_by_name(InfoType.WEBSITE, _types(prop)),
                              str(prop.value).strip(), primary=_preferred(prop)))
    for prop in _values(c, "x-socialprofile"):
        kinds = _types(prop)
        info_type = next((_SOCIAL[k] for k in kinds if k in _SOCIAL), InfoType.WEBSITE)
        labels = [k for k in kinds if k not in _SOCIAL]
        card.info.append(Info(info_type, category_by_name(info_type, labels),
                              str(prop.value).strip(), primary=_preferred(prop)))
    card.birthday = _birthday(_text(c, "bday"))
    if photos := _values(c, "photo"):
        _photo(card, photos[0])
    return card


def _join(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v).strip() for v in value if str(v).strip())
    return str(value or "").strip()


def _birthday(text: str) -> str:
    """ISO ``yyyy-mm-dd`` from vCard 3.0 (``1985-04-12``) or 4.0 (``19850412``) forms."""
    digits = text.split("T")[0].replace("-", "")
    if re.fullmatch(r"\d{8}", digits):
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    return text  # a form the date field refuses is reported by the import, with its line


def _photo(card: Card, prop: Any) -> None:
    value = prop.value
    encoding = [str(e).lower() for e in prop.params.get("ENCODING", [])]
    if isinstance(value, bytes):
        card.photo = value
    elif encoding and encoding[0] in ("b", "base64"):
        card.photo = base64.b64decode(str(value))
    else:
        card.photo_uri = str(value).strip()


def write_vcards(cards: list[Card], target: Path, *, version: str = "3.0",
                 one_per_contact: bool = False) -> list[Path]:
    """Write the cards to one ``.vcf`` file, or to one file per contact in the folder ``target``."""
    if version not in ("3.0", "4.0"):
        raise CrmDataError(f"vCard {version} is not written; use 3.0 or 4.0.")
    if one_per_contact:
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for card in cards:
            path = target / f"{card.contact_id}.vcf"
            path.write_text(vcard_text(card, version), encoding="utf-8", newline="")
            written.append(path)
        return written
    if not target.parent.exists():
        raise CrmDataError(f"The folder {target.parent} does not exist.")
    tmp = target.with_name(target.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        for card in cards:
            fh.write(vcard_text(card, version))
    tmp.replace(target)
    return [target]


def vcard_text(card: Card, version: str = "3.0") -> str:
    """One card serialised by vobject (CRLF line ends, folded at 75 octets)."""
    import vobject

    v = vobject.vCard()
    v.add("version").value = version
    if card.is_company:
        v.add("n").value = vobject.vcard.Name()
        v.add("fn").value = card.company
        if version == "4.0":
            v.add("kind").value = "org"
        else:
            v.add("x-abshowas").value = "COMPANY"
    else:
        v.add("n").value = vobject.vcard.Name(family=card.last_name, given=card.first_name)
        v.add("fn").value = " ".join(x for x in (card.first_name, card.last_name) if x)
    if card.company:
        v.add("org").value = [card.company]
    if card.title:
        v.add("title").value = card.title
    if card.notes:
        v.add("note").value = card.notes
    if card.tags:
        v.add("categories").value = card.tags
    for info in card.info:
        _add_info(v, info, version)
    if card.birthday:
        v.add("bday").value = card.birthday if version == "3.0" else card.birthday.replace("-", "")
    if card.photo:
        fmt = "PNG" if card.photo.startswith(b"\x89PNG") else "JPEG"
        if version == "3.0":
            prop = v.add("photo")
            prop.value = card.photo
            prop.encoding_param = "b"
            prop.type_param = fmt
        else:
            data = base64.b64encode(card.photo).decode("ascii")
            v.add("photo").value = f"data:image/{fmt.lower()};base64,{data}"
    return str(v.serialize())


def _add_info(v: Any, info: Info, version: str) -> None:
    import vobject

    label = category_name(info.info_type, info.category)
    if info.info_type is InfoType.EMAIL:
        prop = v.add("email")
        types = ["internet", label]
    elif info.info_type is InfoType.PHONE:
        prop = v.add("tel")
        types = [label if label in ("home", "work", "cell", "fax") else f"x-{label}"]
    elif info.info_type is InfoType.ADDRESS:
        street, city, state, zipcode, country = info.address or ("", "", "", "", "")
        prop = v.add("adr")
        prop.value = vobject.vcard.Address(street=street, city=city, region=state, code=zipcode,
                                           country=country)
        types = [label if label in ("home", "work", "postal") else f"x-{label}"]
    elif info.info_type is InfoType.WEBSITE:
        prop = v.add("url")
        types = [label]
    else:
        prop = v.add("x-socialprofile")
        types = [info.info_type.name.lower(), label]
    if info.info_type is not InfoType.ADDRESS:
        prop.value = info.data
    if info.primary:
        if version == "3.0":
            types.append("pref")
        else:
            prop.params["PREF"] = ["1"]
    prop.params["TYPE"] = types
