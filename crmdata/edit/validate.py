"""Pure checks of edited values: each returns the problems it finds, never raises.

Callers collect every problem of a change set and refuse once (``ValidationFailed``), so a
person fixes everything in one go. Emails are checked for syntax only (no network), phones
are parsed with a default region and keep what was entered with an E.164 form beside it,
websites and social handles get shape checks, custom values are checked against their
field's type and mask.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from ..model import DEFAULT_PHONE_REGION, MAX_NAME_LENGTH, CustomFieldType, InfoType

#: Region used to read phone numbers written without a country code.
#: ONLYOFFICE's form caps emails and phones at 100 characters, other info values at 255.
MAX_EMAIL_PHONE_LENGTH = 100
MAX_INFO_LENGTH = 255

_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.I)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

#: Handles that are not URLs, per network (a profile URL is always accepted as well).
_HANDLE_RES: dict[InfoType, re.Pattern[str]] = {
    InfoType.SKYPE: re.compile(r"^(live:[A-Za-z0-9._\-]{1,64}|[A-Za-z][A-Za-z0-9.,\-_]{5,31})$"),
    InfoType.TWITTER: re.compile(r"^@?[A-Za-z0-9_]{1,15}$"),
    InfoType.LINKEDIN: re.compile(r"^[A-Za-z0-9\-_%]{3,100}$"),
    InfoType.FACEBOOK: re.compile(r"^[A-Za-z0-9.]{5,50}$"),
    InfoType.LIVEJOURNAL: re.compile(r"^[A-Za-z0-9_\-]{1,15}$"),
    InfoType.MYSPACE: re.compile(r"^[A-Za-z0-9_.\-]{1,50}$"),
    InfoType.BLOGGER: re.compile(r"^[A-Za-z0-9\-]{1,63}$"),
    InfoType.YAHOO: re.compile(r"^[A-Za-z0-9_.\-@]{1,64}$"),
    InfoType.MSN: re.compile(r"^[A-Za-z0-9_.\-+@]{1,64}$"),
    InfoType.ICQ: re.compile(r"^\d{5,10}$"),
    InfoType.AIM: re.compile(r"^[A-Za-z][A-Za-z0-9 ]{2,15}$"),
    InfoType.VK: re.compile(r"^[A-Za-z0-9_.]{2,64}$"),
}
#: Types whose value is an email address in disguise.
_EMAIL_LIKE = (InfoType.GMAIL, InfoType.JABBER)


def check_name(label: str, value: str | None, *, required: bool) -> list[str]:
    """A trimmed name: present when required, at most 255 characters, one line."""
    text = (value or "").strip()
    out = []
    if required and not text:
        out.append(f"{label} is required")
    if len(text) > MAX_NAME_LENGTH:
        out.append(f"{label} is {len(text)} characters long; at most {MAX_NAME_LENGTH} are allowed")
    if _CONTROL_RE.search(text):
        out.append(f"{label} contains a line break or control character")
    return out


def check_currency(value: str | None) -> list[str]:
    if value in (None, ""):
        return []
    if not _CURRENCY_RE.match(str(value)):
        return [f"currency '{value}' is not a 3-letter ISO code such as EUR"]
    return []


def normalise_email(value: str) -> tuple[str | None, str | None]:
    """(key for matching, problem): the key is the address in lower case."""
    text = value.strip()
    if len(text) > MAX_EMAIL_PHONE_LENGTH:
        return None, f"email is {len(text)} characters long; at most {MAX_EMAIL_PHONE_LENGTH}"
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        return None, f"'{text}' is not a valid email address: {exc}"
    return text.lower(), None


#: Why phonenumbers could not read a phone, in crmdata's words (by its error type).
_PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "the country code after + is not one in use",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "it does not have the form of a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too few digits after the international prefix",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too few digits",
    phonenumbers.NumberParseException.TOO_LONG: "too many digits",
}


def phone_form(region: str = DEFAULT_PHONE_REGION) -> str:
    """The form a phone is expected in, with an example of ``region``'s numbers."""
    example = phonenumbers.example_number(region.upper())
    shown = (phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
             if example else "+49 30 123456")
    return f"write it with its country code, such as {shown}, or as a number of region {region.upper()}"


def normalise_phone(value: str, region: str = DEFAULT_PHONE_REGION) -> tuple[str | None, str | None]:
    """(E.164 form, problem): parsed with ``region`` when it has no country code."""
    text = value.strip()
    if len(text) > MAX_EMAIL_PHONE_LENGTH:
        return None, f"phone is {len(text)} characters long; at most {MAX_EMAIL_PHONE_LENGTH}"
    if not any(ch.isdigit() for ch in text):
        return None, f"'{text}' is not a phone number (it has no digits)"
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException as exc:
        reason = _PARSE_REASONS.get(exc.error_type, "it cannot be read as one")
        return None, f"phone '{text}' is not a phone number: {reason}; {phone_form(region)}"
    if not phonenumbers.is_possible_number(number):
        where = "" if text.startswith("+") else f" in region {region.upper()}"
        return None, (f"phone '{text}' is not a possible phone number{where} (too short or too long); "
                      f"{phone_form(region)}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def e164_or_none(value: str, region: str = DEFAULT_PHONE_REGION) -> str | None:
    """The E.164 form of a phone, or None when it cannot be read (bulk key filling)."""
    return normalise_phone(value, region)[0]


def check_url(value: str) -> str | None:
    """A web address: http(s) or no scheme, with a real-looking host name."""
    text = value.strip()
    if _CONTROL_RE.search(text) or " " in text:
        return f"'{text}' is not a web address (it contains spaces or control characters)"
    parts = urlsplit(text if "://" in text else "http://" + text)
    if parts.scheme.lower() not in ("http", "https"):
        return f"'{text}' is not a web address (scheme {parts.scheme} is not http or https)"
    host = parts.hostname or ""
    if not _HOST_RE.match(host) and host != "localhost":
        return f"'{text}' is not a web address (host '{host}' is not a domain name)"
    return None


def check_info_value(info_type: InfoType, value: str, region: str = DEFAULT_PHONE_REGION) -> tuple[
    str | None, list[str]
]:
    """Check one non-address info value; returns (matching key, problems).

    The key is the lower-cased email for emails and the E.164 form for phones, else None.
    """
    text = value.strip()
    if not text:
        return None, [f"{info_type.name.lower()} value is empty"]
    if info_type is InfoType.EMAIL:
        key, problem = normalise_email(text)
        return key, [problem] if problem else []
    if info_type is InfoType.PHONE:
        key, problem = normalise_phone(text, region)
        return key, [problem] if problem else []
    if len(text) > MAX_INFO_LENGTH:
        return None, [f"value is {len(text)} characters long; at most {MAX_INFO_LENGTH}"]
    if info_type is InfoType.WEBSITE:
        problem = check_url(text)
        return None, [problem] if problem else []
    if info_type in _EMAIL_LIKE:
        _, problem = normalise_email(text)
        return None, [problem.replace("email address", f"{info_type.name.title()} id")] if problem else []
    pattern = _HANDLE_RES.get(info_type)
    if pattern is None or pattern.match(text):
        return None, []
    if ("/" in text or text.lower().startswith("www.")) and check_url(text) is None:
        return None, []  # a profile URL
    return None, [f"'{text}' is neither a {info_type.name.title()} handle nor a profile URL"]


def check_address(parts: dict[str, str]) -> list[str]:
    """A structured address: at least one part, each at most 255 characters."""
    out = []
    if not any((v or "").strip() for v in parts.values()):
        out.append("address is empty (give a street, city, state, zip or country)")
    for name, v in parts.items():
        if len((v or "").strip()) > MAX_INFO_LENGTH:
            out.append(f"address {name} is longer than {MAX_INFO_LENGTH} characters")
    return out


def select_options(mask: str | None) -> list[str]:
    """The options of a select-box field (its mask is a JSON array of strings)."""
    try:
        value = json.loads(mask or "[]")
    except json.JSONDecodeError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def normalise_custom(
    field_type: CustomFieldType, mask: str | None, value: object
) -> tuple[str | None, list[str]]:
    """The stored text of a custom value (None: clear it) and the problems with it.

    Text is one line (text areas may have several); select boxes take one of their
    options; check boxes take true/false; dates are stored as ISO ``yyyy-mm-dd``; headings
    hold no value.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, []
    if field_type is CustomFieldType.HEADING:
        return None, ["a heading holds no value"]
    if field_type is CustomFieldType.CHECKBOX:
        if isinstance(value, bool):
            return ("true" if value else "false"), []
        text = str(value).strip().lower()
        if text in ("true", "false"):
            return text, []
        return None, [f"'{value}' is not true or false"]
    if field_type is CustomFieldType.DATE:
        if isinstance(value, datetime):
            return value.date().isoformat(), []
        if isinstance(value, date):
            return value.isoformat(), []
        try:
            return date.fromisoformat(str(value).strip()).isoformat(), []
        except ValueError:
            return None, [f"'{value}' is not a date (write yyyy-mm-dd)"]
    text = str(value).strip()
    if field_type is CustomFieldType.SELECT:
        options = select_options(mask)
        if text not in options:
            return None, [f"'{text}' is not one of the options {options}"]
        return text, []
    if field_type is CustomFieldType.TEXT and ("\n" in text or "\r" in text):
        return None, ["a text field holds one line; use a text area for several"]
    return text, []


def check_mask(field_type: CustomFieldType, mask: object) -> tuple[str | None, list[str]]:
    """The JSON mask of a custom field definition, with ONLYOFFICE's ranges and defaults."""
    if field_type is CustomFieldType.TEXT:
        data = mask if isinstance(mask, dict) else {"size": 40}
        size = data.get("size", 40)
        if not isinstance(size, int) or not 1 <= size <= 150:
            return None, [f"text field size {size} is not between 1 and 150"]
        return json.dumps({"size": size}), []
    if field_type is CustomFieldType.TEXTAREA:
        data = mask if isinstance(mask, dict) else {"rows": 2, "cols": 40}
        rows, cols = data.get("rows", 2), data.get("cols", 40)
        out = []
        if not isinstance(rows, int) or not 1 <= rows <= 25:
            out.append(f"text area rows {rows} is not between 1 and 25")
        if not isinstance(cols, int) or not 1 <= cols <= 150:
            out.append(f"text area cols {cols} is not between 1 and 150")
        return (None, out) if out else (json.dumps({"rows": rows, "cols": cols}), [])
    if field_type is CustomFieldType.SELECT:
        options = json.loads(mask) if isinstance(mask, str) else mask
        if not isinstance(options, list) or not options:
            return None, ["a drop-down list needs a non-empty list of options"]
        cleaned = [str(o).strip() for o in options]
        if any(not o for o in cleaned):
            return None, ["drop-down options may not be empty"]
        if len(set(cleaned)) != len(cleaned):
            return None, ["drop-down options must be different from each other"]
        return json.dumps(cleaned), []
    return None, []
