"""CodePicker: find a code in a few keystrokes, or create the one that is missing.

Typing filters the code paths by fuzzy matching (rapidfuzz, case and accents ignored); with
nothing typed, the codes used most recently come first. Enter hands back the highlighted
code; Ctrl+N hands back a request to create the typed name under the highlighted code (at the
top of the codebook when nothing is highlighted). The picker never touches the project: the
screen that opened it stores the coding or creates the code.

A screen that applies codes often may keep one picker (installed in the app, so that closing
it does not tear down its widgets) and :meth:`CodePicker.reset` it before each opening; and it
may take the choice through ``hold`` before the picker closes, keeping the picker up until the
coding is stored (see :meth:`CodePicker.release`), so that the picker's closing and the new
coding reach the screen in one repaint rather than two.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from codage.display import plain, visible
from codage.domain import Code, fold
from codage.i18n import t
from codage.tui import strings as _strings  # noqa: F401  (registers the tui.* strings)

# How many matches are listed: enough to scan, few enough to stay quick on big codebooks.
LIMIT = 40
# Recently used codes win close calls against codes never used.
RECENT_BONUS = 6.0


@dataclass(frozen=True)
class PickedCode:
    """Apply this existing code."""

    code_id: int


@dataclass(frozen=True)
class NewCode:
    """Create a code named ``name`` under ``parent_id`` (None: top level), then apply it."""

    name: str
    parent_id: int | None


def rank_codes(
    codes: Sequence[Code], query: str, recent: Sequence[int] = (), limit: int = LIMIT
) -> list[Code]:
    """Codes matching ``query`` best first; with an empty query, recent codes first."""
    recency = {code_id: len(recent) - i for i, code_id in enumerate(recent)}
    if not query.strip():
        ordered = sorted(codes, key=lambda c: -recency.get(c.id, 0))
        return ordered[:limit]
    wanted = fold(query.strip())
    by_id = {c.id: c for c in codes}
    choices = {c.id: fold(c.path_str) for c in codes}
    scored = process.extract(
        wanted, choices, scorer=fuzz.WRatio, limit=max(limit * 2, 60), score_cutoff=50
    )
    ranked = []
    for _, score, code_id in scored:
        code = by_id[code_id]
        name = fold(code.name)
        bonus = 0.0
        if name == wanted:
            bonus += 30
        elif name.startswith(wanted):
            bonus += 12
        if code_id in recency:
            bonus += RECENT_BONUS
        ranked.append((score + bonus, code))
    ranked.sort(key=lambda pair: -pair[0])
    return [code for _, code in ranked[:limit]]


class CodePicker(ModalScreen[PickedCode | NewCode | None]):
    """Modal list of codes filtered as the researcher types."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False, id="picker.cancel"),
        Binding("down", "move(1)", show=False, id="picker.down"),
        Binding("up", "move(-1)", show=False, id="picker.up"),
        Binding("pagedown", "move(10)", show=False, id="picker.page_down"),
        Binding("pageup", "move(-10)", show=False, id="picker.page_up"),
        Binding("ctrl+n", "create", "Create", show=False, id="picker.create"),
    ]

    def __init__(self, codes: Sequence[Code], recent: Sequence[int] = ()) -> None:
        super().__init__(classes="dialog")
        self._shown: list[Code] = []
        self.reset(codes, recent)

    def reset(
        self,
        codes: Sequence[Code],
        recent: Sequence[int] = (),
        hold: Callable[[PickedCode | NewCode], bool] | None = None,
    ) -> None:
        """Make a kept picker new again: these codes, an empty query, nothing chosen.

        ``hold``, when given, takes each choice first: if it returns True the picker
        stays up, deaf to more choices, until :meth:`release`."""
        self._codes = list(codes)
        self._recent = list(recent)
        self._hold = hold
        # a choice handed to ``hold``: the picker waits for release(), deaf to more
        self._pending = False
        if self.is_mounted:
            query = self.query_one(Input)
            with query.prevent(Input.Changed):
                query.value = ""
            self._refill("")

    @property
    def pending(self) -> bool:
        """Whether a choice was handed to ``hold`` and the picker awaits its release."""
        return self._pending

    def release(self) -> AwaitComplete | None:
        """Close a picker that held its choice (the coding is stored, or was refused).

        Returns the pop to await (from another screen's handler), None when the picker
        holds nothing or is not on top (closed by Escape meanwhile)."""
        if not (self._pending and self.is_active):
            return None
        self._pending = False
        return self.dismiss(None)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box picker-box"):
            yield Label(t("tui.picker.title"), classes="dialog-title")
            yield Input(placeholder=t("tui.picker.placeholder"), id="picker-query")
            yield OptionList(id="picker-options")
            yield Label("", id="picker-create", classes="dialog-hint")
            yield Label(t("tui.picker.hint"), classes="dialog-hint")

    def on_mount(self) -> None:
        self._refill("")
        self.query_one(Input).focus()

    # ------------------------------------------------------------------ filtering

    @property
    def highlighted(self) -> Code | None:
        """The code the highlight is on, if any."""
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self._shown):
            return None
        return self._shown[index]

    def _refill(self, query: str) -> None:
        self._shown = rank_codes(self._codes, query, self._recent)
        options = self.query_one(OptionList)
        options.clear_options()
        recent = set(self._recent)
        for code in self._shown:
            label = Text()
            label.append("■ ", style=code.colour)
            parent = "/".join(code.path[:-1])
            if parent:
                label.append(visible(parent) + "/", style="dim")
            label.append(visible(code.name))
            if code.id in recent and not query.strip():
                label.append(f"  · {t('tui.picker.recent')}", style="dim italic")
            options.add_option(Option(label, id=str(code.id)))
        if self._shown:
            options.highlighted = 0
        self._show_create_hint()

    def _show_create_hint(self) -> None:
        name = self.query_one(Input).value.strip()
        hint = self.query_one("#picker-create", Label)
        exact = any(fold(c.name) == fold(name) for c in self._shown)
        if not name or exact:
            hint.update("")
            return
        parent = self.highlighted
        where = parent.path_str if parent else t("tui.picker.top")
        hint.update(plain(t("tui.picker.create", name=f"« {name} »", parent=where)))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._refill(event.value)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_create_hint()

    # ------------------------------------------------------------------ actions

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if not self._shown:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self._shown) - 1, current + step))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        code = self.highlighted
        if code is not None:
            self._choose(PickedCode(code.id))
        elif event.value.strip():
            self.action_create()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(PickedCode(self._shown[event.option_index].id))

    def action_create(self) -> None:
        name = self.query_one(Input).value.strip()
        if not name:
            return
        parent = self.highlighted
        self._choose(NewCode(name, parent.id if parent else None))

    def action_cancel(self) -> None:
        self._pending = False
        self.dismiss(None)

    def _choose(self, choice: PickedCode | NewCode) -> None:
        """Hand back ``choice``: to ``hold`` if it takes it (the picker stays up until
        released), else by closing."""
        if self._pending:
            return
        if self._hold is not None and self._hold(choice):
            self._pending = True
            return
        self.dismiss(choice)
