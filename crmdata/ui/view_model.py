"""What every dashboard's view model shares (plain Python, no ipywidgets).

Each dashboard keeps its state in one object (``<dashboard>_state.py`` beside the widgets
of ``<dashboard>.py``) and redraws when it says it changed. The objects call the library
(search, change sets, photos, duplicates) and keep its answers and its errors; they hold no
business rules of their own. Because nothing here imports ipywidgets, the same objects can be
driven from a plain test or a script.

Errors: a :class:`~crmdata.errors.CrmDataError` becomes a :class:`Notice` with its message;
anything else is logged with its traceback and shown as a short generic message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from ..errors import CrmDataError

if TYPE_CHECKING:
    from ..store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")

#: What a person sees when something that is not a CrmDataError goes wrong.
GENERIC_ERROR = "Something went wrong inside crmdata; nothing was changed. The details are in the log."


@dataclass(frozen=True)
class Notice:
    """A message for the banner: what happened, in words for a person."""

    kind: Literal["error", "warning", "info", "success"]
    text: str


def one_connection(store: Store) -> Any:
    """A block in which the store's reads share one connection (opening the file costs
    tens of milliseconds; a dashboard redraw makes several reads)."""
    return store.db.read()


def error_text(exc: BaseException) -> str:
    """The message to show for an exception: its own for crmdata errors, a generic one else."""
    if isinstance(exc, CrmDataError):
        return str(exc)
    log.error("Unexpected error in a crmdata dashboard", exc_info=exc)
    return GENERIC_ERROR


class Observable:
    """Keeps a list of callbacks and calls them, in order, whenever the state changed."""

    notice: Notice | None

    def __init__(self) -> None:
        self._observers: list[Callable[[], None]] = []
        self.notice = None

    def observe(self, callback: Callable[[], None]) -> None:
        self._observers.append(callback)

    def changed(self) -> None:
        for callback in list(self._observers):
            callback()

    def guard(self, action: Callable[[], T], *, notify: bool = True) -> T | None:
        """Run ``action``; on any error keep its message as the notice instead of raising."""
        try:
            return action()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message
            self.notice = Notice("error", error_text(exc))
            if notify:
                self.changed()
            return None
