"""The help screen: every binding of the interface, generated from the bindings themselves.

Keys are shown as the user's keymap makes them, descriptions in the current language, and the
binding id beside each so that the settings file's ``[keys]`` table is easy to write.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from codage.i18n import t
from codage.tui.bindings import listed

# Sections of the help, in order: (string key of the title, class whose bindings it lists).
# Filled by the app, which knows the classes without this module importing them.
Section = tuple[str, list[Binding]]


class HelpScreen(ModalScreen[None]):
    """Lists the bindings by section; any of Escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, sections: list[Section], keymap: dict[str, str]) -> None:
        super().__init__(classes="dialog")
        self._sections = sections
        self._keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog-box help-box"):
            yield Label(t("tui.help.title"), classes="dialog-title")
            for title_key, bindings in self._sections:
                yield Label(t(title_key), classes="help-section")
                table: DataTable[str] = DataTable(
                    cursor_type="none", zebra_stripes=True, show_cursor=False
                )
                table.add_columns(t("tui.help.col.key"), t("tui.help.col.action"), "id")
                for keys, text, ident in listed(bindings, self._keymap):
                    table.add_row(keys, text, ident)
                yield table
            # plain text: the hint names the settings' "[keys]" table, not markup
            yield Label(t("tui.help.hint"), classes="dialog-hint", markup=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
