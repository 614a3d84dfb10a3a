"""Small widget builders the dashboards share: banner, chips, progress, styles.

Every widget gets a ``crm-...`` CSS class, so browser tests (and people) can find it.
Nothing here knows about contacts; the dashboards bind these to their state objects.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as w

from .view_model import Notice

#: Colours of the banner per notice kind (background, text).
_BANNER_COLOURS = {
    "error": ("#fdecea", "#8a1c12"),
    "warning": ("#fff4e5", "#7a4b00"),
    "info": ("#e8f1fb", "#17406d"),
    "success": ("#edf7ed", "#1e4620"),
}

#: The dashboards' style sheet.
STYLE = """
<style>
.crm-dashboard { font-family: var(--jp-ui-font-family, sans-serif); }
.crm-chip { display: inline-block; padding: 1px 7px; border-radius: 9px; margin: 0 2px;
            font-size: 11px; background: #eee; color: #222; }
.crm-problem { color: #b3261e; font-size: 12px; }
.crm-diff { background: #fff4c2; }
.crm-compare-table { border-collapse: collapse; font-size: 12px; }
.crm-compare-table th, .crm-compare-table td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
.crm-compare-table td.crm-chosen { font-weight: bold; }
.crm-section-title { font-weight: bold; margin-top: 6px; }
</style>
"""


def classed(widget: Any, *classes: str) -> Any:
    """Add CSS classes to a widget and return it (for one-line builders)."""
    for c in classes:
        widget.add_class(c)
    return widget


def style_sheet() -> w.HTML:
    return classed(w.HTML(STYLE), "crm-style")


def banner() -> w.HTML:
    """The error/notice banner every dashboard shows at its top (hidden when empty)."""
    b = classed(w.HTML(""), "crm-banner")
    b.layout.display = "none"
    return b


def show_notice(widget: w.HTML, notice: Notice | None) -> None:
    """Put a notice into a banner (or hide the banner for None)."""
    if notice is None:
        widget.value = ""
        widget.layout.display = "none"
        return
    bg, fg = _BANNER_COLOURS[notice.kind]
    text = message_html(notice.text)
    widget.value = (
        f"<div class='crm-notice crm-notice-{notice.kind}' style='background:{bg};"
        f"color:{fg};padding:6px 10px;border-radius:4px'>{text}</div>"
    )
    widget.layout.display = None


_CODE = re.compile(r"`([^`\n]+)`")


def message_html(text: str) -> str:
    """A library message as HTML: escaped, line breaks kept, `commands` set as code (the
    messages are written for the CLI too, where the backticks read as quotes)."""
    escaped = html.escape(text).replace("\n", "<br>")
    return _CODE.sub(r"<code>\1</code>", escaped)


def css_class(text: str) -> str:
    """A CSS-class-safe form of a title (``Very hot`` -> ``very-hot``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def temperature_styles(levels: Iterable[tuple[str, str | None]]) -> w.HTML:
    """CSS for the temperature toggle buttons: each level in its colour (ToggleButton's style
    has no button colour of its own), the chosen ones outlined."""
    rules = [
        ".crm-temp-chip.jupyter-button { color: #111; }",
        ".crm-temp-chip.jupyter-button.mod-active { box-shadow: inset 0 0 0 2px #1a1a1a;"
        " font-weight: bold; }",
    ]
    for title, color in levels:
        if color and re.fullmatch(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]+", color):
            rules.append(f".crm-temp-chip.crm-temp-{css_class(title)} {{ background-color: {color}; }}")
    return classed(w.HTML("<style>" + "\n".join(rules) + "</style>"), "crm-temp-style")


def chip(text: str, color: str | None = None) -> str:
    """An HTML chip (a temperature level, a tag)."""
    style = f" style='background:{html.escape(color)};color:#111'" if color else ""
    return f"<span class='crm-chip'{style}>{html.escape(text)}</span>"


def problems_html(messages: Iterable[str]) -> str:
    return "".join(f"<div class='crm-problem'>{html.escape(m)}</div>" for m in messages)


def button(description: str, css: str, on_click: Callable[[], Any], **kwargs: Any) -> w.Button:
    """A button with a CSS class whose click calls ``on_click()``."""
    b = classed(w.Button(description=description, **kwargs), css)
    b.on_click(lambda _b: on_click())
    return b


class Progress:
    """A progress bar and a label, fed by the library's progress callbacks.

    Call it as ``progress(message)`` (a step description; the bar advances one of ``steps``)
    or ``progress(done, total)``; both forms are what crmdata's long operations report.
    """

    def __init__(self, description: str = "Working", steps: int = 10) -> None:
        self.steps = steps
        self.bar = classed(w.IntProgress(value=0, min=0, max=steps, description=description), "crm-progress")
        self.label = classed(w.HTML(""), "crm-progress-label")
        self.box = classed(w.HBox([self.bar, self.label]), "crm-progress-box")
        self.box.layout.display = "none"

    def start(self, text: str = "") -> None:
        self.bar.max, self.bar.value, self.bar.bar_style = self.steps, 0, ""
        self.label.value = html.escape(text)
        self.box.layout.display = None

    def __call__(self, done: Any, total: Any = None) -> None:
        if total is None:
            self.label.value = html.escape(str(done))
            self.bar.value = min(self.bar.max, self.bar.value + 1)
            return
        total = max(1, int(total))
        self.bar.max = total
        self.bar.value = min(int(done), total)
        self.label.value = f"{int(done):,} / {total:,}"

    def finish(self, text: str = "Done", ok: bool = True) -> None:
        self.bar.value = self.bar.max
        self.bar.bar_style = "success" if ok else "danger"
        self.label.value = html.escape(text)
