"""DocumentFilter: the document list's filter field, which also steers the list.

After ``o`` the researcher types a few letters and then wants the arrows and Enter to act on
the list being filtered, without first moving the focus to it. The field keeps the focus
(so typing goes on filtering) and asks its screen to move the list's highlight or to open
the highlighted document.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class DocumentFilter(Input):
    """An ``Input`` whose Up, Down, Page Up and Page Down move the list it filters."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "step(-1)", show=False),
        Binding("down", "step(1)", show=False),
        Binding("pageup", "step(-10)", show=False),
        Binding("pagedown", "step(10)", show=False),
    ]

    class Stepped(Message):
        """The researcher asked to move the list's highlight by ``delta`` entries."""

        def __init__(self, delta: int) -> None:
            super().__init__()
            self.delta = delta

    def action_step(self, delta: int) -> None:
        self.post_message(self.Stepped(delta))
