"""Small modal dialogs: ask for a line of text, a memo, a yes or no, or one of a few choices.

Titles, questions and choices name codes and documents: they are shown as plain text.

Each hands back a plain value through ``dismiss`` (``None`` when cancelled); the screen that
pushed it decides what to do with it.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from codage.display import plain
from codage.i18n import t


class TextPrompt(ModalScreen[str | None]):
    """One line of text: a name, a colour, a search, a filter."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False, id="dialog.cancel")]

    def __init__(self, title: str, value: str = "", *, placeholder: str = "") -> None:
        super().__init__(classes="dialog")
        self._title, self._value, self._placeholder = title, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(plain(self._title), classes="dialog-title")
            yield Input(self._value, placeholder=self._placeholder, id="prompt")
            yield Label(t("tui.dialog.hint"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MemoEditor(ModalScreen[str | None]):
    """Several lines of text; Ctrl+S keeps them, Escape drops them. ``read_only`` shows a
    memo that is not the reader's to change (another coder's): nothing comes back."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="dialog.save"),
        Binding("escape", "cancel", "Cancel", show=False, id="dialog.cancel"),
    ]

    def __init__(self, title: str, text: str = "", *, read_only: bool = False) -> None:
        super().__init__(classes="dialog")
        self._title, self._text, self._read_only = title, text, read_only

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box memo-box"):
            yield Label(plain(self._title), classes="dialog-title")
            yield TextArea(
                self._text,
                id="memo",
                soft_wrap=True,
                show_line_numbers=False,
                read_only=self._read_only,
            )
            hint = "tui.memo.read_only_hint" if self._read_only else "tui.memo.hint"
            yield Label(t(hint), classes="dialog-hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(None if self._read_only else self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """A question answered yes or no (``y`` / ``n`` or the buttons)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="dialog.yes"),
        Binding("n,escape", "answer(False)", "No", id="dialog.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(classes="dialog")
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(plain(self._question, multiline=True), classes="dialog-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.yes"), variant="error", id="yes")
                yield Button(t("tui.no"), id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class Choice(ModalScreen[int | None]):
    """One of a few labelled choices; hands back its index."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False, id="dialog.cancel")]

    def __init__(self, title: str, choices: list[str]) -> None:
        super().__init__(classes="dialog")
        self._title, self._choices = title, choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(plain(self._title), classes="dialog-title")
            yield OptionList(
                *(Option(plain(text), id=str(i)) for i, text in enumerate(self._choices)),
                id="choices",
            )
            yield Label(t("tui.dialog.hint"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)
