"""The contact editor: every field of the help article's step 4, saved through a change set.

A view over :class:`~crmdata.ui.editor_state.EditorState`. The form is rebuilt from the
state whenever the state says it changed (a contact opened, a row added, a save); typing
only writes into the draft. Save shows each validation problem under its field, and a
likely duplicate as a choice: merge instead, or save anyway.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import partial
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from ..model import ADDRESS_PARTS, INFO_TYPE_LABELS, CustomFieldType, InfoType, ShareType, categories
from .editor_state import FORM_FIELDS, EditorState, InfoDraft, history_entries
from .view_model import one_connection
from .widgets import banner, button, chip, classed, problems_html, show_notice

if TYPE_CHECKING:
    from ..store import Store

SHARE_CHOICES = (
    ("Everyone may edit", ShareType.READ_WRITE),
    ("Everyone may read; managers edit", ShareType.READ),
    ("Restricted: managers only", ShareType.NONE),
)
#: Info types in the order the form offers them (email, phone, web and social, address, ...).
INFO_ORDER = (
    InfoType.EMAIL,
    InfoType.PHONE,
    InfoType.WEBSITE,
    InfoType.ADDRESS,
    InfoType.LINKEDIN,
    InfoType.TWITTER,
    InfoType.FACEBOOK,
    InfoType.SKYPE,
    InfoType.VK,
    InfoType.GMAIL,
    InfoType.JABBER,
    InfoType.ICQ,
    InfoType.AIM,
    InfoType.MSN,
    InfoType.YAHOO,
    InfoType.BLOGGER,
    InfoType.LIVEJOURNAL,
    InfoType.MYSPACE,
)


def slug(text: str) -> str:
    """A CSS-class-safe form of a label (``Customer number`` -> ``customer-number``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class ContactEditor:
    """Widgets bound to an :class:`EditorState`; ``.widget`` is what a notebook displays."""

    def __init__(self, store: Store) -> None:
        self.state = EditorState(store)
        self.banner = banner()
        self.form = classed(w.VBox([]), "crm-editor-form")
        self.history_out = classed(w.VBox([]), "crm-history-box")
        self.widget = classed(w.VBox([self.banner, self.form, self.history_out]), "crm-editor")
        self.widget.layout.display = "none"
        self.inputs: dict[str, Any] = {}
        self._owned: list[Any] = []
        self.state.observe(self.render)

    # -- entry points -----------------------------------------------------------------------------
    def open(self, contact_id: int) -> None:
        self.history_out.children = ()
        self.widget.layout.display = None
        self.state.load(contact_id)

    def new(self, is_company: bool = False) -> None:
        self.history_out.children = ()
        self.widget.layout.display = None
        self.state.new(is_company)

    # -- building ---------------------------------------------------------------------------------
    def _own(self, widget: Any) -> Any:
        self._owned.append(widget)
        return widget

    def render(self) -> None:
        s = self.state
        show_notice(self.banner, s.notice)
        old, self._owned, self.inputs = self._owned, [], {}
        with one_connection(s.store):
            self.form.children = self._build()
        for widget in old:
            widget.close()

    def _build(self) -> list[Any]:
        s, d = self.state, self.state.draft
        title = (
            s.detail.display_name
            if s.detail is not None
            else ("New company" if d.is_company else "New person")
        )
        parts: list[Any] = [self._own(classed(w.HTML(f"<h3>{html.escape(title)}</h3>"), "crm-editor-title"))]
        if (
            s.detail is None
            and s.contact_id is None
            and s.notice is not None
            and s.notice.kind == "success"
            and not any(d.fields.values())
        ):
            return parts  # just deleted: only the banner says what happened
        parts.append(self._photo_box())
        names = ["company_name"] if d.is_company else ["first_name", "last_name"]
        for name in [*names, "title", "industry", "notes"]:
            parts.append(self._field(name))
        if not d.is_company:
            parts.append(self._company_link())
        parts.append(self._lists())
        parts.append(self._info_box())
        parts.append(self._custom_box())
        parts.append(self._tags_box())
        parts.append(self._access_box())
        parts.extend(self._problems_other())
        parts.append(self._duplicates_box())
        parts.append(self._actions())
        return parts

    def _problems(self, key: str) -> Any:
        messages = self.state.problems.get(key, [])
        return self._own(
            classed(w.HTML(problems_html(messages)), "crm-problems", f"crm-problems-{slug(key)}")
        )

    def _problems_other(self) -> list[Any]:
        shown = {
            *FORM_FIELDS,
            "company",
            "temperature",
            "contact_type",
            "tags",
            "access",
            "info",
            *(t.name.lower() for t in InfoType),
            *(f"custom field {c.label}" for c in self.state.custom_defs),
        }
        rest = [m for k, ms in self.state.problems.items() if k not in shown for m in ms]
        return (
            [self._own(classed(w.HTML(problems_html(rest)), "crm-problems", "crm-problems-other"))]
            if rest
            else []
        )

    def _field(self, name: str) -> Any:
        d = self.state.draft
        cls = w.Textarea if name == "notes" else w.Text
        box = self._own(
            classed(
                cls(
                    value=d.fields.get(name, ""),
                    description=FORM_FIELDS[name],
                    layout=w.Layout(width="480px"),
                ),
                "crm-field",
                f"crm-f-{name}",
            )
        )
        box.observe(lambda ch: d.fields.__setitem__(name, ch["new"]), names="value")
        self.inputs[name] = box
        return self._own(w.VBox([box, self._problems(name)]))

    def _company_link(self) -> Any:
        d, s = self.state.draft, self.state
        current = (
            s.detail.fields.get("company") if s.detail is not None and d.company_id is not None else None
        )
        options: list[tuple[str, int | None]] = [("(no company)", None)]
        if d.company_id is not None:
            options.append((str(current or f"company {d.company_id}"), d.company_id))
        pick = self._own(
            classed(w.Dropdown(options=options, value=d.company_id, description="Company"), "crm-company")
        )
        find = self._own(
            classed(w.Text(placeholder="find a company", continuous_update=False), "crm-company-search")
        )

        def found(text: str) -> None:
            frame = self._search_companies(text)
            if frame is None:
                return
            keep = [o for o in pick.options if o[1] in (None, pick.value)]
            pick.options = keep + [
                (str(r["display_name"]), int(r["id"]))
                for r in frame.to_dict("records")
                if int(r["id"]) != pick.value
            ]

        find.observe(lambda ch: found(ch["new"]), names="value")
        pick.observe(lambda ch: setattr(d, "company_id", ch["new"]), names="value")
        self.inputs["company"] = pick
        self.inputs["company_search"] = find
        return self._own(w.VBox([self._own(w.HBox([pick, find])), self._problems("company")]))

    def _search_companies(self, text: str) -> pd.DataFrame | None:
        from ..search.api import search

        s = self.state
        result = s.guard(lambda: search(s.store.db, s.store.user, text, show="companies", page_size=20))
        return None if result is None else result.frame

    def _lists(self) -> Any:
        d, choices = self.state.draft, self.state.choices
        levels = [None, *(title for title, _colour in choices.temperatures)]
        types = [None, *choices.contact_types]
        temp = self._own(
            classed(
                w.Dropdown(
                    options=[("(none)" if t is None else t, t) for t in levels],
                    value=d.temperature if d.temperature in levels else None,
                    description="Temperature",
                ),
                "crm-temperature",
            )
        )
        ctype = self._own(
            classed(
                w.Dropdown(
                    options=[("(none)" if t is None else t, t) for t in types],
                    value=d.contact_type if d.contact_type in types else None,
                    description="Type",
                ),
                "crm-contact-type",
            )
        )
        temp.observe(lambda ch: setattr(d, "temperature", ch["new"]), names="value")
        ctype.observe(lambda ch: setattr(d, "contact_type", ch["new"]), names="value")
        self.inputs["temperature"], self.inputs["contact_type"] = temp, ctype
        return self._own(
            w.VBox(
                [
                    self._own(w.HBox([temp, ctype])),
                    self._problems("temperature"),
                    self._problems("contact_type"),
                ]
            )
        )

    # -- info rows --------------------------------------------------------------------------------
    def _info_box(self) -> Any:
        s = self.state
        rows: list[Any] = [self._own(classed(w.HTML("Contact information"), "crm-section-title"))]
        for t in INFO_ORDER:
            live = [r for r in s.draft.info if r.info_type is t and not r.deleted]
            for r in live:
                rows.append(self._info_row(r))
            if live or s.problems.get(t.name.lower()):
                rows.append(self._problems(t.name.lower()))
        kind = self._own(
            classed(
                w.Dropdown(
                    options=[(INFO_TYPE_LABELS[t], int(t)) for t in INFO_ORDER],
                    value=int(InfoType.EMAIL),
                    description="Add",
                ),
                "crm-info-add-type",
            )
        )
        add = self._own(button("Add field", "crm-info-add", lambda: s.add_info(InfoType(kind.value))))
        self.inputs["info_add_type"], self.inputs["info_add"] = kind, add
        rows.append(self._own(w.HBox([kind, add])))
        rows.append(self._problems("info"))
        return self._own(classed(w.VBox(rows), "crm-info"))

    def _info_row(self, r: InfoDraft) -> Any:
        s = self.state
        label = self._own(
            w.HTML(f"<b>{html.escape(INFO_TYPE_LABELS[r.info_type])}</b>", layout=w.Layout(width="90px"))
        )
        cat = self._own(
            classed(
                w.Dropdown(
                    options=[(v, k) for k, v in categories(r.info_type).items()],
                    value=r.category,
                    layout=w.Layout(width="100px"),
                ),
                "crm-info-category",
            )
        )
        cat.observe(lambda ch: setattr(r, "category", ch["new"]), names="value")
        parts: list[Any] = [label, cat]
        if r.info_type is InfoType.ADDRESS:
            for p in ADDRESS_PARTS:
                t = self._own(
                    classed(
                        w.Text(value=r.address.get(p, ""), placeholder=p, layout=w.Layout(width="110px")),
                        "crm-address-part",
                        f"crm-address-{p}",
                    )
                )
                t.observe(lambda ch, p=p: r.address.__setitem__(p, ch["new"]), names="value")
                parts.append(t)
        else:
            t = self._own(classed(w.Text(value=r.data, layout=w.Layout(width="260px")), "crm-info-data"))
            t.observe(lambda ch: setattr(r, "data", ch["new"]), names="value")
            parts.append(t)
        primary = self._own(
            classed(
                w.ToggleButton(
                    value=r.primary,
                    description="Primary" if r.primary else "Make primary",
                    layout=w.Layout(width="120px"),
                ),
                "crm-info-primary",
            )
        )
        primary.observe(lambda ch: s.mark_primary(r.key) if ch["new"] else None, names="value")
        parts.append(primary)
        parts.append(
            self._own(
                button(
                    "✕",
                    "crm-info-delete",
                    lambda: s.delete_info(r.key),
                    tooltip="Delete this field",
                    layout=w.Layout(width="36px"),
                )
            )
        )
        return self._own(classed(w.HBox(parts), "crm-info-row", f"crm-info-{r.info_type.name.lower()}"))

    # -- custom fields, tags, access ----------------------------------------------------------------
    def _custom_box(self) -> Any:
        s, d = self.state, self.state.draft
        rows: list[Any] = []
        for c in s.custom_defs:
            css = f"crm-custom-{slug(c.label)}"
            value = d.custom.get(c.label)
            widget: Any
            if c.field_type is CustomFieldType.HEADING:
                rows.append(self._own(classed(w.HTML(f"<b>{html.escape(c.label)}</b>"), "crm-custom", css)))
                continue
            if c.field_type is CustomFieldType.TEXTAREA:
                widget = w.Textarea(value=value or "", description=c.label)
            elif c.field_type is CustomFieldType.SELECT:
                opts = ["", *c.options] if (value or "") in ["", *c.options] else ["", *c.options, value]
                widget = w.Dropdown(options=opts, value=value or "", description=c.label)
            elif c.field_type is CustomFieldType.CHECKBOX:
                widget = w.Checkbox(value=str(value).lower() == "true", description=c.label, indent=True)
            elif c.field_type is CustomFieldType.DATE:
                widget = w.DatePicker(value=_to_date(value), description=c.label)
            else:
                widget = w.Text(value=value or "", description=c.label)
            widget = self._own(classed(widget, "crm-custom", css))
            widget.observe(lambda ch, label=c.label: d.custom.__setitem__(label, ch["new"]), names="value")
            self.inputs[f"custom:{c.label}"] = widget
            rows.append(self._own(w.VBox([widget, self._problems(f"custom field {c.label}")])))
        if not rows:
            return self._own(w.VBox([]))
        head = self._own(classed(w.HTML("Other fields"), "crm-section-title"))
        return self._own(classed(w.VBox([head, *rows]), "crm-customs"))

    def _tags_box(self) -> Any:
        s, d = self.state, self.state.draft
        chips: list[Any] = []
        for tag in d.tags:
            chips.append(self._own(classed(w.HTML(chip(tag)), "crm-tag")))
            chips.append(
                self._own(
                    button(
                        "✕",
                        "crm-tag-remove",
                        partial(s.remove_tag, tag),
                        tooltip=f"Remove tag {tag}",
                        layout=w.Layout(width="30px"),
                    )
                )
            )
        pool = list(s.choices.tags)
        new = self._own(
            classed(
                w.Combobox(options=pool, placeholder="pick or type a tag", ensure_option=False), "crm-tag-new"
            )
        )
        add = self._own(button("Add tag", "crm-tag-add", lambda: s.add_tag(new.value)))
        self.inputs["tag_new"], self.inputs["tag_add"] = new, add
        head = self._own(classed(w.HTML("Tags"), "crm-section-title"))
        return self._own(
            classed(
                w.VBox(
                    [head, self._own(w.HBox(chips)), self._own(w.HBox([new, add])), self._problems("tags")]
                ),
                "crm-tags-box",
            )
        )

    def _access_box(self) -> Any:
        d = self.state.draft
        share = self._own(
            classed(w.Dropdown(options=SHARE_CHOICES, value=d.share_type, description="Access"), "crm-share")
        )
        logins = list(self.state.choices.users)
        managers = self._own(
            classed(
                w.SelectMultiple(
                    options=logins,
                    value=[m for m in d.managers if m in logins],
                    rows=min(4, max(1, len(logins))),
                    description="Managers",
                ),
                "crm-managers",
            )
        )
        share.observe(lambda ch: setattr(d, "share_type", ShareType(ch["new"])), names="value")
        managers.observe(lambda ch: setattr(d, "managers", list(ch["new"])), names="value")
        self.inputs["share"], self.inputs["managers"] = share, managers
        return self._own(w.VBox([self._own(w.HBox([share, managers])), self._problems("access")]))

    # -- photo ------------------------------------------------------------------------------------
    def _photo_box(self) -> Any:
        s = self.state
        image = s.photo("big")
        pic = self._own(
            classed(
                w.Image(
                    value=image.data if image else b"",
                    format=(image.format.lower() if image else "png"),
                    width=100,
                ),
                "crm-photo",
            )
        )
        upload = self._own(
            classed(
                w.FileUpload(accept="image/*", multiple=False, description="Change photo"), "crm-photo-upload"
            )
        )

        def uploaded(change: dict[str, Any]) -> None:
            files = change["new"]
            if files:
                s.set_photo(bytes(files[0]["content"]))

        upload.observe(uploaded, names="value")
        remove = self._own(button("Remove photo", "crm-photo-remove", s.remove_photo))
        picks = self._own(classed(w.HBox([]), "crm-photo-suggestions"))

        def suggest() -> None:
            found = s.suggestions()
            boxes = []
            for sug in found[:6]:
                img = self._own(w.Image(value=sug.data, format=sug.format.lower(), width=60))
                use = self._own(
                    button("Use", "crm-photo-use", partial(s.set_photo, sug.data, sug.source_url))
                )
                boxes.append(self._own(w.VBox([img, use])))
            picks.children = boxes

        more = self._own(button("Suggestions", "crm-photo-suggest", suggest))
        self.inputs["photo_upload"], self.inputs["photo_remove"] = upload, remove
        return self._own(w.HBox([pic, self._own(w.VBox([upload, remove, more, picks]))]))

    # -- duplicates and actions ---------------------------------------------------------------------
    def _duplicates_box(self) -> Any:
        s = self.state
        if not s.duplicates:
            return self._own(w.VBox([]))
        lines = "".join(f"<li>{html.escape(str(c))}</li>" for c in s.duplicates)
        text = self._own(w.HTML(f"<b>Possible duplicate</b><ul>{lines}</ul>"))
        merge = self._own(
            button("Merge instead", "crm-merge-instead", s.merge_instead, button_style="warning")
        )
        anyway = self._own(button("Save anyway", "crm-save-anyway", s.save_anyway))
        return self._own(classed(w.VBox([text, self._own(w.HBox([merge, anyway]))]), "crm-duplicates"))

    def _actions(self) -> Any:
        s = self.state
        save = self._own(button("Save", "crm-save", s.save, button_style="primary", icon="check"))
        items: list[Any] = [save]
        if s.contact_id is not None:
            if s.confirm_delete:
                items += [
                    self._own(
                        classed(
                            w.HTML("<b>Delete this contact for good? This cannot be undone.</b>"),
                            "crm-delete-question",
                        )
                    ),
                    self._own(button("Yes, delete", "crm-delete-confirm", s.delete, button_style="danger")),
                    self._own(button("Keep it", "crm-delete-cancel", s.cancel_delete)),
                ]
            else:
                items.append(self._own(button("Delete", "crm-delete", s.ask_delete, button_style="danger")))
            items.append(self._own(button("History", "crm-history", self.show_history)))
        items.append(self._own(button("New person", "crm-new-person", lambda: self.new(False))))
        items.append(self._own(button("New company", "crm-new-company", lambda: self.new(True))))
        self.inputs["save"] = save
        return self._own(classed(w.HBox(items), "crm-actions"))

    def show_history(self) -> None:
        """List the contact's change sets, newest first, each with an Undo button."""
        frame = self.state.history()
        for child in self.history_out.children:
            child.close()
        if frame.empty:
            self.history_out.children = (classed(w.HTML("<i>No changes recorded.</i>"), "crm-history-empty"),)
            return
        rows: list[Any] = []
        for e in history_entries(frame):
            text = classed(
                w.HTML(
                    f"<b>#{e.change_set_id}</b> {html.escape(e.at)} {html.escape(e.user)}: "
                    f"{html.escape(e.summary)}<br><small>{html.escape(e.changes[:300])}</small>"
                    + (" <i>(undone)</i>" if e.undone else "")
                ),
                "crm-history-item",
            )
            undo = button("Undo", "crm-undo", partial(self._undo, e.change_set_id))
            undo.disabled = e.undone
            rows.append(w.HBox([undo, text]))
        self.history_out.children = tuple(rows)

    def _undo(self, change_set_id: int) -> None:
        if self.state.undo(change_set_id):
            self.show_history()


def _to_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
