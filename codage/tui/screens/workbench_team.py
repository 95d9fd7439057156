"""The workbench's team side: each coder's lane, the two coders shown, codings kept aside.

Lanes: in the workbench a researcher changes only their own codings and memos, whatever layer
they look at. Another coder's coding changes only through the comparison (``v``), by a
decision written to the consensus layer and journaled, or by placing a coding kept aside.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from codage.domain import Coding
from codage.i18n import t
from codage.tui.screens.coder_pair import CONSENSUS, CoderPairPicker, default_pair

if TYPE_CHECKING:
    from codage.tui.screens.workbench import WorkbenchScreen


class TeamActions:
    """Mixed into :class:`~codage.tui.screens.workbench.WorkbenchScreen`."""

    def own(self: WorkbenchScreen, codings: Sequence[Coding]) -> list[Coding]:
        """The codings in the current coder's lane."""
        return [c for c in codings if c.coder == self.coder]

    def refuse_others(self: WorkbenchScreen, codings: Sequence[Coding]) -> None:
        """Say why nothing happens when every coding here is someone else's."""
        others = sorted({c.coder for c in codings if c.coder != self.coder})
        if others:
            self.notify(t("tui.lane.not_yours", coder=", ".join(others)), severity="warning")

    # ------------------------------------------------------------------ the two coders

    def coder_counts(self: WorkbenchScreen) -> Counter[str]:
        """Codings per coder in the open document (the consensus layer is compared to, not
        with: the comparison shows it beside any pair)."""
        return Counter(c.coder for c in self._codings if c.coder != CONSENSUS)

    def current_pair(self: WorkbenchScreen) -> list[str]:
        """The two coders shown side by side and compared: the remembered pair where both
        coded this document, else those with most codings here."""
        remembered = getattr(self.app, "remembered_pair", lambda: [])()
        return default_pair(self.coder_counts(), self.coder, remembered)

    def action_choose_pair(self: WorkbenchScreen) -> None:
        if self._document is None:
            self.notify(t("tui.open_document_first"))
            return
        counts = self.coder_counts()
        if len(counts) < 2:
            self.notify(t("tui.pair.none"), severity="warning")
            return

        def chosen(pair: list[str] | None) -> None:
            if not pair:
                return
            remember = getattr(self.app, "remember_pair", None)
            if remember is not None:
                remember(pair)
            self.notify(t("tui.pair.chosen", left=pair[0], right=pair[1]), timeout=3)
            if self._layer == "side":
                self._load_other()
                self.view.set_codings(self._layer_codings())
                self._show_title()
                self._show_cursor()

        self.app.push_screen(CoderPairPicker(counts, self.current_pair()), chosen)

    def action_compare(self: WorkbenchScreen) -> None:
        from codage.tui.screens.workbench import _load_screen

        if self._document is None:
            self.notify(t("tui.open_document_first"))
            return
        screen = _load_screen("compare", "CompareScreen", t("tui.screen.compare"), self)
        if screen is None:
            return
        self.app.push_screen(screen(self._document.id, self.current_pair()))

    # ------------------------------------------------------------------ kept aside

    def action_aside(self: WorkbenchScreen) -> None:
        from codage.tui.screens.aside import AsideScreen

        document = self._document
        if document is None:
            self.notify(t("tui.open_document_first"))
            return

        def closed(changed: bool | None) -> None:
            if changed:
                self.load_project()
                self.reload_codings(document.id)

        self.app.push_screen(AsideScreen(document.id, document.name, self.view.selection), closed)
