"""What the screens that list passages of the corpus share (the search hits, the similar
passages and suggestions of the assistance): the app's project and coder, a status line,
Enter opening a passage in the workbench, choosing a code in the picker, and telling the
workbench below that the project changed.

Reading the codebook runs in a thread worker, like every read of these screens; the
widgets only post messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import work
from textual.screen import Screen
from textual.widgets import Static

from codage.display import plain
from codage.domain import Code
from codage.services import Project
from codage.tui.messages import ProjectChanged
from codage.tui.widgets.code_picker import CodePicker, PickedCode


class PassageListScreen(Screen[None]):
    """A screen listing passages of the corpus; ``STATUS`` is the id of its status line."""

    STATUS: ClassVar[str]

    @property
    def project(self) -> Project:
        return self.app.project  # type: ignore[attr-defined,no-any-return]

    @property
    def coder(self) -> str:
        return str(self.app.coder)  # type: ignore[attr-defined]

    def _set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one(f"#{self.STATUS}", Static)
        status.update(plain(text))
        status.set_class(error, "error")

    def open_passage(self, document_id: int, start: int, end: int) -> None:
        """Close this screen and show the passage in the workbench."""
        app = self.app
        # pop first: the workbench below is then the screen that shows the document
        app.pop_screen()
        app.open_document(document_id, (start, end))  # type: ignore[attr-defined]

    def choose_code(self, then: Callable[[Code], object]) -> None:
        """Let the coder choose a code in the picker (recent codes first); ``then`` gets it."""
        self._load_codes(then)

    @work(thread=True, exclusive=True, group="passage-list-codes")
    def _load_codes(self, then: Callable[[Code], object]) -> None:
        codes = self.project.codes()
        recent = self.project.recent_codes(self.coder)
        self.app.call_from_thread(self._pick, codes, recent, then)

    def _pick(self, codes: list[Code], recent: list[int], then: Callable[[Code], object]) -> None:
        def picked(choice: object) -> None:
            if isinstance(choice, PickedCode):
                then(next(c for c in codes if c.id == choice.code_id))

        self.app.push_screen(CodePicker(codes, recent), picked)

    def changed(self, note: str) -> None:
        """Say what was changed, here and in a toast; the workbench below reads again."""
        self.notify(note, timeout=3)
        self._set_status(note)
        workbench = getattr(self.app, "workbench", None)
        if workbench is not None:
            workbench.post_message(ProjectChanged())

    def action_close(self) -> None:
        self.app.pop_screen()
