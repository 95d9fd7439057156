"""Which two coders the side-by-side layer and the comparison show, and the picker to choose.

The default pair is the two coders with most codings in the document; a pair the researcher
chose is remembered per project (in the user's settings) and used wherever both coded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList
from textual.widgets.selection_list import Selection

from codage.display import visible
from codage.i18n import t

CONSENSUS = "consensus"
"""The consensus layer's coder: compared only when chosen, never by default."""


def default_pair(counts: Mapping[str, int], me: str, remembered: Sequence[str] = ()) -> list[str]:
    """The two coders to show for a document whose codings per coder are ``counts``.

    The remembered coders who coded the document come first, in their order; the rest is
    filled with the coders with most codings (the consensus layer last). A coder with no
    coding here, the current one included, is never offered. With the current coder in a
    pair that was not chosen, they are on the left, as the workbench always showed them.
    """
    coded = {name: n for name, n in counts.items() if n > 0}
    pair = [name for name in dict.fromkeys(remembered) if name in coded][:2]
    ranked = sorted(coded, key=lambda n: (n == CONSENSUS, -coded[n], n != me, n))
    for name in ranked:
        if len(pair) == 2:
            break
        if name not in pair:
            pair.append(name)
    if not remembered and me in pair:
        pair.remove(me)
        pair.insert(0, me)
    return pair


class CoderPairPicker(ModalScreen[list[str] | None]):
    """The coders of a document with their counts; two are chosen (space), Enter keeps them."""

    BINDINGS = [
        Binding("enter", "confirm", "Keep", priority=True, id="pair.confirm"),
        Binding("escape", "cancel", "Cancel", show=False, id="pair.cancel"),
    ]

    def __init__(self, counts: Mapping[str, int], chosen: Sequence[str]) -> None:
        super().__init__(classes="dialog")
        self._counts = dict(counts)
        self._chosen = list(chosen)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(t("tui.pair.title"), classes="dialog-title")
            order = sorted(self._counts, key=lambda n: (-self._counts[n], n))
            yield SelectionList[str](
                *(
                    Selection(
                        Text(t("tui.pair.option", coder=visible(name), count=self._counts[name])),
                        name,
                        name in self._chosen,
                    )
                    for name in order
                ),
                id="pair-coders",
            )
            yield Label(t("tui.pair.hint"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    @on(SelectionList.SelectedChanged)
    def _changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        selected = list(event.selection_list.selected)
        # keep the order in which the coders were chosen: the first goes on the left
        self._chosen = [n for n in self._chosen if n in selected]
        self._chosen += [n for n in selected if n not in self._chosen]

    def action_confirm(self) -> None:
        if len(self._chosen) != 2:
            self.notify(t("tui.pair.need_two"), severity="warning")
            return
        self.dismiss(list(self._chosen))

    def action_cancel(self) -> None:
        self.dismiss(None)
