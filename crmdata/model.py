"""The ONLYOFFICE CRM contact model as data: info types, categories, share types, defaults.

Integer codes are ONLYOFFICE's own (spec sections 2-6), so that exports, imports and API
payloads stay compatible. Everything here is constant data and tiny pure helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class InfoType(IntEnum):
    """ContactInfoType: the 18 kinds of contact information, with ONLYOFFICE's codes."""

    PHONE = 0
    EMAIL = 1
    WEBSITE = 2
    SKYPE = 3
    TWITTER = 4
    LINKEDIN = 5
    FACEBOOK = 6
    ADDRESS = 7
    LIVEJOURNAL = 8
    MYSPACE = 9
    GMAIL = 10
    BLOGGER = 11
    YAHOO = 12
    MSN = 13
    ICQ = 14
    JABBER = 15
    AIM = 16
    VK = 17


#: English UI labels, as used in the export column captions.
INFO_TYPE_LABELS: dict[InfoType, str] = {
    InfoType.PHONE: "Phone",
    InfoType.EMAIL: "Email",
    InfoType.WEBSITE: "Web site",
    InfoType.SKYPE: "Skype",
    InfoType.TWITTER: "X (Twitter)",
    InfoType.LINKEDIN: "LinkedIn",
    InfoType.FACEBOOK: "Facebook",
    InfoType.ADDRESS: "Address",
    InfoType.LIVEJOURNAL: "LiveJournal",
    InfoType.MYSPACE: "MySpace",
    InfoType.GMAIL: "GMail",
    InfoType.BLOGGER: "Blogger",
    InfoType.YAHOO: "Yahoo",
    InfoType.MSN: "MSN",
    InfoType.ICQ: "ICQ",
    InfoType.JABBER: "Jabber",
    InfoType.AIM: "AIM",
    InfoType.VK: "VK",
}

#: Enum names as ONLYOFFICE's import keys spell them (``contactInfo_Email_1``).
INFO_TYPE_KEYS: dict[InfoType, str] = {
    InfoType.PHONE: "Phone",
    InfoType.EMAIL: "Email",
    InfoType.WEBSITE: "Website",
    InfoType.SKYPE: "Skype",
    InfoType.TWITTER: "Twitter",
    InfoType.LINKEDIN: "LinkedIn",
    InfoType.FACEBOOK: "Facebook",
    InfoType.ADDRESS: "Address",
    InfoType.LIVEJOURNAL: "LiveJournal",
    InfoType.MYSPACE: "MySpace",
    InfoType.GMAIL: "GMail",
    InfoType.BLOGGER: "Blogger",
    InfoType.YAHOO: "Yahoo",
    InfoType.MSN: "MSN",
    InfoType.ICQ: "ICQ",
    InfoType.JABBER: "Jabber",
    InfoType.AIM: "AIM",
    InfoType.VK: "VK",
}

#: Phone categories (PhoneCategory).
PHONE_CATEGORIES: dict[int, str] = {0: "Home", 1: "Work", 2: "Mobile", 3: "Fax", 4: "Direct", 5: "Other"}
#: Address categories (AddressCategory); "Postal" is labelled "Delivery" in the UI.
ADDRESS_CATEGORIES: dict[int, str] = {
    0: "Home", 1: "Postal", 2: "Office", 3: "Billing", 4: "Other", 5: "Work"
}
#: Categories of every other type (ContactInfoBaseCategory).
BASE_CATEGORIES: dict[int, str] = {0: "Home", 1: "Work", 2: "Other"}

#: Structured address parts, in ONLYOFFICE's enum order (and JSON keys).
ADDRESS_PARTS: tuple[str, ...] = ("street", "city", "state", "zip", "country")

#: Types whose edit form offers a primary toggle; crmdata keeps one primary for every type.
PRIMARY_UI_TYPES = (InfoType.EMAIL, InfoType.PHONE, InfoType.ADDRESS)


def categories(info_type: InfoType | int) -> dict[int, str]:
    """The category codes and names valid for one info type."""
    t = InfoType(info_type)
    if t is InfoType.PHONE:
        return PHONE_CATEGORIES
    if t is InfoType.ADDRESS:
        return ADDRESS_CATEGORIES
    return BASE_CATEGORIES


def default_category(info_type: InfoType | int) -> int:
    """Work is the default category of every type (code 5 for addresses, 1 otherwise)."""
    return 5 if InfoType(info_type) is InfoType.ADDRESS else 1


def category_code(info_type: InfoType | int, name: str) -> int:
    """The code of a category given by name (case-insensitive; "Delivery" means Postal)."""
    wanted = name.strip().lower()
    if InfoType(info_type) is InfoType.ADDRESS and wanted == "delivery":
        wanted = "postal"
    for code, label in categories(info_type).items():
        if label.lower() == wanted:
            return code
    raise KeyError(name)


class ShareType(IntEnum):
    """Who may see and change a contact besides its managers (spec section 6)."""

    NONE = 0  # restricted: managers only
    READ_WRITE = 1  # all CRM users read and write
    READ = 2  # all CRM users read, managers write


class ContactKind(StrEnum):
    """A person or a company, as duplicate matching stores and keys it: the value is the code
    kept in the ``kind`` columns (``'P'``, ``'C'``), so a kind compares equal to its code and
    SQL may keep the literal."""

    PERSON = "P"
    COMPANY = "C"

    @classmethod
    def of(cls, is_company: bool) -> ContactKind:
        return cls.COMPANY if is_company else cls.PERSON


class ListType(IntEnum):
    """ONLYOFFICE list item kinds kept by crmdata."""

    TEMPERATURE = 1  # ContactStatus
    CONTACT_TYPE = 4


class CustomFieldType(IntEnum):
    """Custom ("additional") field kinds with ONLYOFFICE's codes."""

    TEXT = 0
    TEXTAREA = 1
    SELECT = 2
    CHECKBOX = 3
    HEADING = 4
    DATE = 5


class FieldScope(IntEnum):
    """Which contacts a custom field applies to (ONLYOFFICE entity types)."""

    CONTACT = 0  # persons and companies
    COMPANY = 4
    PERSON = 5


@dataclass(frozen=True)
class ListItemDefault:
    title: str
    color: str | None
    sort_order: int


DEFAULT_TEMPERATURES = (
    ListItemDefault("Cold", "#8a98d8", 1),
    ListItemDefault("Warm", "#ffd267", 2),
    ListItemDefault("Hot", "#df7895", 3),
)
DEFAULT_CONTACT_TYPES = (
    ListItemDefault("Client", None, 1),
    ListItemDefault("Supplier", None, 2),
    ListItemDefault("Partner", None, 3),
    ListItemDefault("Competitor", None, 4),
)
DEFAULT_TAGS = ("Lead", "Customer", "Supplier", "Staff")
#: Colour ONLYOFFICE gives a temperature level created on import.
IMPORTED_TEMPERATURE_COLOR = "#77cf9a"

#: Region for phone numbers written without a country code, unless the caller says otherwise
#: (the sample base and ONLYOFFICE's main market are German).
DEFAULT_PHONE_REGION = "DE"

#: Longest name, title or tag ONLYOFFICE stores (varchar 255).
MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class InfoColumn:
    """One contact-info column of the ONLYOFFICE export: a (type, category[, address part])."""

    info_type: InfoType
    category: int
    part: str | None  # address part, or None

    @property
    def caption(self) -> str:
        cat = categories(self.info_type)[self.category].lower()
        base = f"{INFO_TYPE_LABELS[self.info_type]} ({cat})"
        return f"{base} {self.part}" if self.part else base


def info_columns() -> tuple[InfoColumn, ...]:
    """The 84 info columns of the export, in enum order (addresses as 5 parts each)."""
    cols: list[InfoColumn] = []
    for t in InfoType:
        for cat in categories(t):
            if t is InfoType.ADDRESS:
                cols.extend(InfoColumn(t, cat, part) for part in ADDRESS_PARTS)
            else:
                cols.append(InfoColumn(t, cat, None))
    return tuple(cols)


#: The 9 base columns of the ONLYOFFICE contacts export, in order.
BASE_COLUMNS: tuple[str, ...] = (
    "Company/Person",
    "First Name",
    "Last Name",
    "Company Name",
    "Position",
    "Note",
    "Contact Temperature Level",
    "Contact Type",
    "Contact Tag List",
)

INFO_COLUMNS: tuple[InfoColumn, ...] = info_columns()
INFO_CAPTIONS: tuple[str, ...] = tuple(c.caption for c in INFO_COLUMNS)
#: Column crmdata adds in front of an export made ``with_ids``.
ID_COLUMN = "Id"
