"""The workbench's team side: each coder's lane, the coder layers (mine, all, two side by
side), the two coders shown and compared, codings kept aside.

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
from codage.tui.screens.workbench_support import LAYERS, answer_note

if TYPE_CHECKING:
    from codage.tui.screens.workbench_host import WorkbenchHost


class TeamActions:
    """Mixed into :class:`~codage.tui.screens.workbench.WorkbenchScreen`."""

    # The screen's state these actions set, as the screen declares it: without these
    # annotations mypy would infer the attributes from the assignments below, narrower.
    _layer: str
    _layer_chosen: bool
    _left_coder: str | None
    _other_coder: str | None

    def own(self: WorkbenchHost, codings: Sequence[Coding]) -> list[Coding]:
        """The codings in the current coder's lane."""
        return [c for c in codings if c.coder == self.coder]

    def refuse_others(self: WorkbenchHost, codings: Sequence[Coding]) -> None:
        """Say why nothing happens when every coding here is someone else's."""
        others = sorted({c.coder for c in codings if c.coder != self.coder})
        if others:
            self.notify(t("tui.lane.not_yours", coder=", ".join(others)), severity="warning")

    # ------------------------------------------------------------------ the two coders

    def coder_counts(self: WorkbenchHost) -> Counter[str]:
        """Codings per coder in the open document (the consensus layer is compared to, not
        with: the comparison shows it beside any pair)."""
        return Counter(c.coder for c in self._codings if c.coder != CONSENSUS)

    def current_pair(self: WorkbenchHost) -> list[str]:
        """The two coders shown side by side and compared: the remembered pair where both
        coded this document, else those with most codings here."""
        remembered: list[str] = getattr(self.app, "remembered_pair", lambda: [])()
        return default_pair(self.coder_counts(), self.coder, remembered)

    def action_choose_pair(self: WorkbenchHost) -> None:
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

    def action_compare(self: WorkbenchHost) -> None:
        if self._document is None:
            self.notify(t("tui.open_document_first"))
            return
        from codage.tui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen(self._document.id, self.current_pair()))

    # ------------------------------------------------------------------ kept aside

    def action_aside(self: WorkbenchHost) -> None:
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

    # ------------------------------------------------------------------ correcting the text

    def action_edit_text(self: WorkbenchHost) -> None:
        """Correct the open document's text; its codings follow (``document replace``)."""
        from codage.tui.screens.text_edit import TextEditScreen

        document = self._document
        if document is None:
            self.notify(t("tui.open_document_first"))
            return

        def closed(report: object) -> None:
            if report is not None:
                self.load_project()
                self.load_document(document.id)

        self.app.push_screen(TextEditScreen(document, self._write_lock), closed)

    def _layer_codings(self: WorkbenchHost) -> list[Coding]:
        if self._layer == "all":
            return list(self._codings)
        left = self._left_coder if self._layer == "side" and self._left_coder else self.coder
        return [c for c in self._codings if c.coder == left]

    def _set_pair(self: WorkbenchHost) -> None:
        """The two coders the side-by-side layer shows in the open document."""
        pair = self.current_pair()
        self._left_coder = pair[0] if len(pair) == 2 else None
        self._other_coder = pair[1] if len(pair) == 2 else None

    def _load_other(self: WorkbenchHost, notes: dict[int, str] | None = None) -> None:
        assert self._document is not None
        if notes is None:
            notes = {
                u.start: answer_note(self._unit_cases[u.id])
                for u in self._units
                if u.id in self._unit_cases
            }
        self._set_pair()
        codings = [c for c in self._codings if c.coder == self._other_coder]
        self.other_view.load(
            self._document,
            self._units,
            codings,
            self._codes,
            notes,
            self._unit_bounds,
            late_units=self._late_units,
        )
        self.other_view.set_dimmed(self.view._dimmed)

    def action_layers(self: WorkbenchHost) -> None:
        """My codings → all coders → two coders side by side → mine."""
        index = LAYERS.index(self._layer)
        self._layer = LAYERS[(index + 1) % len(LAYERS)]
        self._layer_chosen = True
        if self._document is None:
            return
        if self._layer == "side":
            self._set_pair()
            if self._other_coder is None:
                self.notify(t("tui.layer.none_other"))
                self._layer = "mine"
        side = self._layer == "side"
        self.other_view.display = side
        if side:
            self._load_other()
        self.view.set_codings(self._layer_codings())
        self._show_title()
        self._show_cursor()
