"""Applying a code in the workbench: the code picker, and what a new coding changes on screen.

Applying a code is the keystroke a researcher repeats most, so its path is kept to one repaint:

* one picker is kept for the screen's life (installed in the app): closing it does not tear
  its widgets down, which cost Textual a layout and a full repaint of the screen each time,
  and opening it again does not compose them anew;
* the picker holds the chosen code until the coding is stored, then closes in the same
  handler that shows the coding: the picker's going and the new coding reach the terminal in
  one repaint, not in two with the database write racing the first for the interpreter;
* what the coding changes is updated in place from the coding itself: the transcript redraws
  only the lines it covers, the tree only the labels whose counts moved, the document list
  only the open document's line; the toast that names the code comes after that repaint.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import OptionList

from codage.display import visible
from codage.domain import Coding, DocumentInfo, Span, normalise_spans
from codage.tui.messages import CodingsChanged
from codage.tui.screens.workbench_support import covered_by
from codage.tui.widgets.code_picker import CodePicker, NewCode, PickedCode

if TYPE_CHECKING:
    from codage.tui.screens.workbench_host import WorkbenchHost
    from codage.tui.widgets.transcript_view import TranscriptView


def document_label(document: DocumentInfo, share: float, current: bool, known: bool = True) -> Text:
    """A line of the document list: coded share (blank until the shares are read, which
    a large project does after its list is shown), then the name (bold when open)."""
    label = Text(no_wrap=True, overflow="ellipsis")
    label.append(f"{round(100 * share):>3}% " if known else "     ", style="dim")
    label.append(visible(document.name), style="bold" if current else "")
    return label


class CodingApply:
    """Mixed into :class:`~codage.tui.screens.workbench.WorkbenchScreen`."""

    # the screen's one code picker, made at its first use
    _picker: CodePicker | None = None

    def _code_picker(self: WorkbenchHost) -> CodePicker:
        picker = self._picker
        if picker is None:
            picker = self._picker = CodePicker(self._codes, self.recent)
            # installed: popping it keeps it whole for the next time
            self.app.install_screen(picker, f"code-picker-{id(self)}")
        return picker

    def pick_code(self: WorkbenchHost, message: TranscriptView.ApplyCodeRequested) -> None:
        """Open the picker on ``message``'s span; a code picked is stored before it closes."""
        document_id, span = message.document_id, message.span
        picker = self._code_picker()
        if picker.is_current:
            return

        def hold(choice: PickedCode | NewCode) -> bool:
            if not isinstance(choice, PickedCode):
                return False
            self.store_coding(document_id, choice.code_id, span)
            return True

        def picked(choice: PickedCode | NewCode | None) -> None:
            if isinstance(choice, NewCode):
                self.store_new_code(document_id, choice, span)

        picker.reset(self._codes, self.recent, hold)
        self.app.push_screen(picker, picked)

    async def release_picker(self: WorkbenchHost) -> None:
        """Close the picker if it waits for its coding (stored, or refused).

        Awaited, so that the workbench is back on top, and the dialog's leaving asked
        to repaint, before the caller changes what the workbench shows: one repaint then
        carries both (Textual would otherwise repaint the screen once on its return and
        once when it has let the dialog go)."""
        picker = self._picker
        if picker is None:
            return
        pop = picker.release()
        if pop is not None:
            await pop

    async def codings_changed(self: WorkbenchHost, message: CodingsChanged) -> None:
        """Take in codings this coder added, removed or rewrote, without reading again.

        The document's codings stay in text order, the new ones put in place and the
        removed ones taken out rather than the whole list sorted again, and everything
        shown is updated from the change alone: a keystroke's cost does not grow with
        the document's codings."""
        await self.release_picker()
        removed_codes = self._codes_of(message.removed)
        for code_id in removed_codes:
            self._project_counts[code_id] -= 1
        for coding in message.added:
            self._project_counts[coding.code_id] += 1
        if message.note:
            # after the repaint that shows the coding: a toast costs a layout of its own
            self.call_after_refresh(self.notify, message.note, timeout=2)
        if self._document is None or message.document_id != self._document.id:
            return
        codings = self._codings
        gone = set(message.removed)
        removed = [c for c in codings if c.id in gone] if gone else []
        for coding in removed:
            del codings[bisect_left(codings, _place(coding), key=_place)]
        for coding in message.added:
            insort(codings, coding, key=_place)
        for coding in message.added:
            if coding.code_id in self.recent:
                self.recent.remove(coding.code_id)
            self.recent.insert(0, coding.code_id)
        self.refresh_codings((message.added, removed))

    def refresh_codings(
        self: WorkbenchHost, change: tuple[Sequence[Coding], Sequence[Coding]] | None = None
    ) -> None:
        """Hand the views the codings of their layers; update counts, shares, panel.

        ``change`` (codings added, removed) is what changed since the last call, when
        known: the views, the counts and the share are then updated from it alone."""
        assert self._document is not None
        tally = _Tally.of(self, change)
        if change is None:
            self.view.set_codings(self._layer_codings())
        else:
            shown = self._layer_coder()
            added, removed = (
                [c for c in part if shown is None or c.coder == shown] for part in change
            )
            self.view.set_codings(self._layer_codings(), added=added, removed=removed)
        if self._layer == "side" and self._other_coder:
            self.other_view.set_codings([c for c in self._codings if c.coder == self._other_coder])
        self.tree.set_counts(Counter(tally.counts), dict(self._project_counts))
        document = self._document
        share = tally.covered / max(1, len(document.text))
        before = round(100 * self._shares.get(document.id, 0.0))
        self._shares[document.id] = share
        if round(100 * share) != before:
            self._show_share(document.id)
        self._show_title()
        self._show_cursor()

    def _layer_coder(self: WorkbenchHost) -> str | None:
        """Whose codings the main view shows (None: everyone's), as _layer_codings picks."""
        if self._layer == "all":
            return None
        return self._left_coder if self._layer == "side" and self._left_coder else self.coder

    def _show_share(self: WorkbenchHost, document_id: int) -> None:
        """Redraw the open document's line of the list only (it may be filtered out)."""
        options = self.query_one("#documents", OptionList)
        info = next((d for d in self._documents if d.id == document_id), None)
        if info is None:
            return
        try:
            index = options.get_option_index(str(document_id))
        except LookupError:
            return  # filtered out of the list: nothing shown to change
        label = document_label(
            info, self._shares.get(document_id, 0.0), current=True, known=self._shares_known
        )
        options.replace_option_prompt_at_index(index, label)


def _place(coding: Coding) -> tuple[int, int, int]:
    """A coding's place in the workbench's list: text order, then id."""
    return coding.start, coding.end, coding.id


class _Tally:
    """The open document's codings counted by code and the code points they cover, kept
    up to date from each change rather than counted again over every coding.

    Held by the screen beside the list it counts: a document opened or read again
    (a new list) is counted afresh."""

    def __init__(self, codings: list[Coding]) -> None:
        self.codings = codings
        self.counts: Counter[int] = Counter(c.code_id for c in codings)
        self.covered = covered_by(codings)
        self.longest = max((c.end - c.start for c in codings), default=0)

    @classmethod
    def of(
        cls, screen: WorkbenchHost, change: tuple[Sequence[Coding], Sequence[Coding]] | None
    ) -> _Tally:
        """The screen's tally after ``change`` (already made to its list of codings)."""
        codings = screen._codings
        tally: _Tally | None = getattr(screen, "_tally", None)
        if tally is None or tally.codings is not codings or change is None:
            tally = cls(codings)
            setattr(screen, "_tally", tally)  # noqa: B010 (the host protocol does not declare it)
            return tally
        added, removed = change
        for coding in removed:
            tally.counts[coding.code_id] -= 1
            if not tally.counts[coding.code_id]:
                del tally.counts[coding.code_id]
        for coding in added:
            tally.counts[coding.code_id] += 1
            tally.longest = max(tally.longest, coding.end - coding.start)
        for span in normalise_spans(
            Span(c.start, c.end) for c in (*added, *removed) if c.end > c.start
        ):
            # what the codings meeting the span cover inside it, now and before the change
            now = tally.within(span)
            before_spans = [c for c in removed if c.start < span.end and c.end > span.start]
            after_spans = [c for c in added if c.start < span.end and c.end > span.start]
            then = tally.within(span, plus=before_spans, minus=after_spans)
            tally.covered += now - then
        return tally

    def within(self, span: Span, plus: Sequence[Coding] = (), minus: Sequence[Coding] = ()) -> int:
        """Code points of ``span`` covered by the list's codings (with ``plus`` and
        without ``minus``): only codings that start less than the longest length before
        the span can meet it, found by bisection."""
        codings = self.codings
        first = bisect_left(codings, span.start - self.longest, key=_start)
        last = bisect_left(codings, span.end, key=_start)
        skip = {c.id for c in minus}
        pairs = [
            (max(c.start, span.start), min(c.end, span.end))
            for c in (*codings[first:last], *plus)
            if c.id not in skip and c.start < span.end and c.end > span.start
        ]
        total, reach = 0, -1
        for start, end in sorted(pairs):
            if end <= reach:
                continue
            total += end - max(start, reach)
            reach = end
        return total


def _start(coding: Coding) -> int:
    return coding.start
