"""Moving in the transcript view: the offset under a point, cursor moves with and without
selection, extending the selection by units, and the mouse. Builds on
:class:`~codage.tui.widgets.transcript_render.TranscriptRendering`."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from textual import events

from codage.domain import (
    Span,
)
from codage.tui.widgets.transcript_layout import (
    HEADER,
)
from codage.tui.widgets.transcript_render import TranscriptRendering


class TranscriptNavigation(TranscriptRendering):
    """Moving the cursor and the selection of a transcript view (see the module's docstring)."""

    # ------------------------------------------------------------------ cursor moves

    def offset_at(self, x: int, y: int) -> int:
        """The document offset drawn at widget coordinates ``(x, y)``."""
        layout = self._layout
        if layout is None or layout.count == 0:
            return 0
        line = max(0, min(layout.count - 1, int(self.scroll_offset.y) + y))
        line = self._text_line(line, forward=True)
        return self._offset_at_column(line, max(0, x - layout.gutter))

    def _set_cursor(
        self,
        offset: int,
        *,
        select: bool = False,
        anchor: int | None = None,
        scroll: bool = True,
        keep_goal: bool = False,
    ) -> None:
        """Move the cursor; ``select`` extends the selection, else ``anchor`` sets it."""
        before_cursor, before_selection = self._cursor, self.selection
        offset = max(0, min(offset, len(self._text)))
        if select:
            if self._anchor is None:
                self._anchor = self._cursor
        else:
            self._anchor = anchor
        self._cursor = offset
        if not keep_goal:
            self._goal_column = None
        if scroll:
            self._scroll_cursor_into_view()
        self.refresh()
        if offset != before_cursor:
            self.post_message(self.CursorMoved(self, offset))
        if self.selection != before_selection:
            self.post_message(self.SelectionChanged(self, self.selection))

    def _scroll_cursor_into_view(self) -> None:
        layout = self._layout
        if layout is None or layout.count == 0:
            return
        y = self._line_of(self._cursor)
        top, height = int(self.scroll_offset.y), self._viewport_height()
        if y > 0 and layout.kinds[y - 1] == HEADER and y - 1 < top:
            y -= 1  # show a turn's header with its first line
        if y < top:
            self.scroll_to(y=y, animate=False, force=True)
        elif y >= top + height:
            self.scroll_to(y=y - height + 1, animate=False, force=True)

    def _vertical(self, lines: int, select: bool) -> None:
        if self._layout is None:
            return
        y = self._line_of(self._cursor)
        self._wrap_lines(y + lines + 1)  # the line count bounds the move
        layout = self._layout
        if layout is None or layout.count == 0:
            return
        if self._goal_column is None:
            self._goal_column = self._column_of(y, self._cursor)
        target = max(0, min(layout.count - 1, y + lines))
        target = self._text_line(target, forward=lines > 0)
        if layout.kinds[target] == HEADER:  # a header first line when moving up
            target = self._text_line(target, forward=True)
        offset = self._offset_at_column(target, self._goal_column)
        self._set_cursor(offset, select=select, keep_goal=True)

    def action_cursor_left(self, select: bool = False) -> None:
        selection = self.selection
        if selection is not None and not select:
            self._set_cursor(selection.start)
        else:
            self._set_cursor(self._cursor - 1, select=select)

    def action_cursor_right(self, select: bool = False) -> None:
        selection = self.selection
        if selection is not None and not select:
            self._set_cursor(selection.end)
        else:
            self._set_cursor(self._cursor + 1, select=select)

    def action_cursor_up(self, select: bool = False) -> None:
        self._vertical(-1, select)

    def action_cursor_down(self, select: bool = False) -> None:
        self._vertical(1, select)

    def action_line_start(self, select: bool = False) -> None:
        if self._layout is not None:
            self._set_cursor(self._layout.starts[self._line_of(self._cursor)], select=select)

    def action_line_end(self, select: bool = False) -> None:
        if self._layout is not None:
            self._set_cursor(self._last_offset(self._line_of(self._cursor)), select=select)

    def action_page_down(self, select: bool = False) -> None:
        height = self._viewport_height()
        # the scroll is bounded by the line count
        self._wrap_lines(int(self.scroll_offset.y) + 2 * height + 1)
        # scroll first so the cursor keeps its place on screen, as editors do
        self.scroll_to(
            y=min(self.max_scroll_y, int(self.scroll_offset.y) + height), animate=False, force=True
        )
        self._vertical(height, select)

    def action_page_up(self, select: bool = False) -> None:
        height = self._viewport_height()
        self.scroll_to(y=max(0, int(self.scroll_offset.y) - height), animate=False, force=True)
        self._vertical(-height, select)

    def action_document_start(self, select: bool = False) -> None:
        self._set_cursor(0, select=select)

    def action_document_end(self, select: bool = False) -> None:
        self._set_cursor(len(self._text), select=select)

    def action_clear_selection(self) -> None:
        if self._anchor is not None:
            self._set_cursor(self._cursor)

    # ------------------------------------------------------------------ units

    def _bounds_for(self, kind: str) -> tuple[Sequence[int], Sequence[int]]:
        """Starts and ends of the units that ``s``/``t``/``p`` move by, with fallbacks when
        a reader stored none of that kind (paragraphs fall back to the text's lines)."""
        fallbacks = {
            "sentence": ("sentence", "paragraph"),
            "turn": ("turn", "answer", "paragraph"),
            "paragraph": ("paragraph", "answer"),
        }[kind]
        late = self._late_bounds
        if late is not None:
            # the first key that selects by unit waits for the worker's read, if need be
            for late_kind, bounds in late.items():
                self._unit_bounds.setdefault(late_kind, bounds)
            self._late_bounds = None
        if kind != "sentence" or "sentence" not in self._unit_bounds:
            self._take_units()  # a turn or paragraph key needs every unit
        for candidate in fallbacks:
            if candidate in self._unit_bounds:
                return self._unit_bounds[candidate]
        if self._line_bounds is None:  # built once per document: 'p' on 10 MB stays quick
            pairs = zip(self._para_starts, self._para_ends, strict=True)
            kept = [(s, e) for s, e in pairs if e > s]
            self._line_bounds = ([s for s, _ in kept], [e for _, e in kept])
        return self._line_bounds

    def unit_at(self, kind: str, offset: int) -> Span | None:
        """The unit of ``kind`` holding ``offset``, else the next one, else ``None``."""
        starts, ends = self._bounds_for(kind)
        index = bisect_right(starts, offset) - 1
        if index >= 0 and ends[index] > offset:
            return Span(starts[index], ends[index])
        if index + 1 < len(starts):
            return Span(starts[index + 1], ends[index + 1])
        return None

    def action_extend(self, kind: str, backward: bool = False) -> None:
        """Select the unit under the cursor, or grow the selection by one unit."""
        selection = self.selection
        if selection is None:
            unit = self.unit_at(kind, self._cursor)
            if unit is not None:
                if backward:
                    self._set_cursor(unit.start, anchor=unit.end)
                else:
                    self._set_cursor(unit.end, anchor=unit.start)
            return
        starts, ends = self._bounds_for(kind)
        if backward:
            index = bisect_left(starts, selection.start) - 1
            if index >= 0:
                self._set_cursor(starts[index], anchor=selection.end)
        else:
            index = bisect_right(ends, selection.end)
            if index < len(ends):
                self._set_cursor(ends[index], anchor=selection.start)

    # ------------------------------------------------------------------ mouse

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1 or self._layout is None:
            return
        self.focus()
        self._dragging = True
        self.capture_mouse()
        self._set_cursor(self.offset_at(event.x, event.y), select=event.shift)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._dragging:
            self._set_cursor(self.offset_at(event.x, event.y), select=True)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
