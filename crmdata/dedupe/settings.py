"""Which custom fields take part in duplicate matching: settings kept as data in the store.

``date_fields``: labels of date custom fields read as a person's date of birth (the first
one a contact has), compared by level (:data:`.compare.DOB`). ``text_fields``: labels of any
custom fields whose values, folded and joined, are compared as one more identifier (exact,
close, else; :data:`.compare.CUSTOM`), e.g. a customer number. Labels are matched folded
(case and surrounding spaces ignored). Saved as JSON in the store's ``meta`` table.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from ..db import Tx
from ..errors import CrmDataError
from ..model import CustomFieldType
from .keys import BIRTHDAY_LABELS

#: The ``meta`` key holding the settings.
META_KEY = "dedupe_settings"


@dataclass(frozen=True)
class MatchSettings:
    """The custom fields duplicate matching reads (see the module docstring)."""

    date_fields: tuple[str, ...] = BIRTHDAY_LABELS
    text_fields: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("date_fields", "text_fields"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str) and v.strip() for v in value):
                raise CrmDataError(
                    f"Matching settings: {name} is a list of custom field labels, not {value!r}."
                )
            object.__setattr__(self, name, tuple(v.strip().lower() for v in value))

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(text: str) -> MatchSettings:
        try:
            d = json.loads(text)
            return MatchSettings(
                tuple(d.get("date_fields", BIRTHDAY_LABELS)), tuple(d.get("text_fields", ()))
            )
        except (ValueError, TypeError, AttributeError) as exc:
            raise CrmDataError(f"The stored matching settings are not readable ({exc}).") from exc

    @staticmethod
    def load(tx: Tx) -> MatchSettings:
        """The store's settings (the defaults when none were saved)."""
        text = tx.meta(META_KEY)
        return MatchSettings.from_json(text) if text else MatchSettings()

    def save(self, tx: Tx) -> None:
        tx.set_meta(META_KEY, self.to_json())


def check_fields(tx: Tx, settings: MatchSettings) -> None:
    """Refuse settings that name no custom field of the store, or a date field that holds no
    dates: a typo would otherwise silently leave the field out of matching."""
    fields = {str(label).strip().lower(): int(kind)
              for label, kind in tx.rows("SELECT label, field_type FROM custom_fields")}
    known = ", ".join(sorted(fields)) or "none"
    for label in (*settings.date_fields, *settings.text_fields):
        if label not in fields and label not in BIRTHDAY_LABELS:
            raise CrmDataError(f"Matching settings: there is no custom field {label!r} "
                               f"(the store's custom fields: {known}).")
    for label in settings.date_fields:
        if label in fields and fields[label] != int(CustomFieldType.DATE):
            raise CrmDataError(f"Matching settings: {label!r} is not a date field, so it cannot be "
                               "read as a date of birth (use it as a text field).")
