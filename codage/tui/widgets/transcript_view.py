"""TranscriptView: a Line-API view of one document, its codings, a cursor and a selection.

The view is built for documents far larger than a ``TextArea`` handles comfortably (tens of
megabytes, thousands of codings), so it never builds a renderable of the whole text:

* **Wrapping** is computed once per width into four flat arrays (start, end, kind and
  paragraph of every visual line). Most text is single-cell (French, English), and for such a
  paragraph a visual line break is one ``str.rfind(" ")`` in C, so 10 MB wrap in about 0.15 s.
  Paragraphs holding wide or zero-width characters (found by one regex scan at load) take a
  slower cell-by-cell path. Offsets map to visual lines by bisection.
* **Codings** are flattened into runs ``[bounds[i], bounds[i+1])`` that each carry the set of
  codes covering them, so a visual line finds its colours by bisection too.
* **Strips** of visual lines (gutter, styled text, margin) are kept in an LRU cache keyed by
  visual line. Cursor and selection are drawn over the cached strip at paint time, so moving
  the cursor never rebuilds a line; a change of codings discards only the cached lines that
  intersect the codings that changed; a new width or theme clears it.

The widget knows nothing of databases: it receives domain objects through :meth:`load` and
:meth:`set_codings` and posts messages (``CursorMoved``, ``SelectionChanged``,
``ApplyCodeRequested``, ``RemoveCodingRequested``) for a screen to act on.

The class is built in layers, one module each: ``transcript_layout`` (pure helpers),
``transcript_index`` (state, indexes, wrap and geometry), ``transcript_render`` (strips),
``transcript_navigation`` (cursor, selection, mouse); this module adds bindings, the public
API and the requests.
"""

from __future__ import annotations

import gc
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message

from codage.domain import Code, Coding, Document, Span, Unit, normalise_spans, snap_to_graphemes
from codage.places import Place
from codage.tui.widgets.transcript_layout import (
    FAR,
    HEADER,
    MAX_TARGETED_INVALIDATION,
    LateBounds,
    LateUnits,
    coverage,
)
from codage.tui.widgets.transcript_navigation import TranscriptNavigation


class TranscriptView(TranscriptNavigation, can_focus=True):
    """Shows one document with its codings; a cursor and a selection in code points.

    Selection keys beyond the usual ones: ``s`` / ``t`` / ``p`` select the sentence, speaker
    turn or paragraph under the cursor, or extend the selection forward to the end of the
    next one; ``S`` / ``T`` / ``P`` extend it backward. ``c`` asks to apply a code to the
    selection (or to the sentence under the cursor), ``x`` asks to remove a coding under the
    cursor.
    """

    # the longest coding's length, an upper bound (see _take_changes), and the triples
    # it was measured on: a document loaded anew makes new triples, measured again
    _longest = 0
    _longest_of: list[tuple[int, int, int]] | None = None

    ALLOW_SELECT = False  # the view draws its own selection in document offsets

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "cursor_left", "Left", show=False, id="transcript.left"),
        Binding("right", "cursor_right", "Right", show=False, id="transcript.right"),
        Binding("up", "cursor_up", "Up", show=False, id="transcript.up"),
        Binding("down", "cursor_down", "Down", show=False, id="transcript.down"),
        Binding("home", "line_start", "Line start", show=False, id="transcript.home"),
        Binding("end", "line_end", "Line end", show=False, id="transcript.end"),
        Binding("pageup", "page_up", "Page up", show=False, id="transcript.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="transcript.page_down"),
        Binding("ctrl+home", "document_start", "Top", show=False, id="transcript.top"),
        Binding("ctrl+end", "document_end", "Bottom", show=False, id="transcript.bottom"),
        Binding("shift+left", "cursor_left(True)", show=False, id="transcript.select_left"),
        Binding("shift+right", "cursor_right(True)", show=False, id="transcript.select_right"),
        Binding("shift+up", "cursor_up(True)", show=False, id="transcript.select_up"),
        Binding("shift+down", "cursor_down(True)", show=False, id="transcript.select_down"),
        Binding("shift+home", "line_start(True)", show=False, id="transcript.select_home"),
        Binding("shift+end", "line_end(True)", show=False, id="transcript.select_end"),
        Binding("s", "extend('sentence')", "Sentence", id="transcript.extend_sentence"),
        Binding("t", "extend('turn')", "Turn", show=False, id="transcript.extend_turn"),
        Binding(
            "p", "extend('paragraph')", "Paragraph", show=False, id="transcript.extend_paragraph"
        ),
        Binding("S", "extend('sentence', True)", show=False, id="transcript.shrink_sentence"),
        Binding("T", "extend('turn', True)", show=False, id="transcript.back_turn"),
        Binding("P", "extend('paragraph', True)", show=False, id="transcript.back_paragraph"),
        Binding("escape", "clear_selection", "Clear", show=False, id="transcript.clear"),
        Binding("c", "apply_code", "Code", id="transcript.apply_code"),
        Binding("x", "remove_coding", "Uncode", id="transcript.remove_coding"),
        Binding("w", "assist('similar')", "Similar passages", show=False, id="transcript.similar"),
        Binding("h", "assist('suggest')", "Suggest codes", show=False, id="transcript.suggest"),
    ]

    COMPONENT_CLASSES = {
        "transcript-view--gutter",
        "transcript-view--speaker",
        "transcript-view--timestamp",
        "transcript-view--cursor",
        "transcript-view--selection",
        "transcript-view--margin",
        "transcript-view--note",
    }

    DEFAULT_CSS = """
    TranscriptView {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        & > .transcript-view--gutter { color: $text-muted; }
        & > .transcript-view--speaker { text-style: bold; }
        & > .transcript-view--timestamp { color: $text-muted; }
        & > .transcript-view--cursor { text-style: reverse; }
        & > .transcript-view--selection { background: $primary-muted; }
        & > .transcript-view--margin { color: $text-muted; }
        & > .transcript-view--note { color: $text-accent; text-style: bold; }
    }
    """

    # ------------------------------------------------------------------ messages

    class ApplyCodeRequested(Message):
        """The researcher asked to code ``span``; the screen picks the code and stores it."""

        def __init__(self, view: TranscriptView, document_id: int, span: Span) -> None:
            super().__init__()
            self.view = view
            self.document_id = document_id
            self.span = span

        @property
        def control(self) -> TranscriptView:
            return self.view

    class RemoveCodingRequested(Message):
        """The researcher asked to remove one of ``codings`` (those under ``offset``)."""

        def __init__(self, view: TranscriptView, offset: int, codings: list[Coding]) -> None:
            super().__init__()
            self.view = view
            self.offset = offset
            self.codings = codings

        @property
        def control(self) -> TranscriptView:
            return self.view

    # ------------------------------------------------------------------ public API

    @property
    def document(self) -> Document | None:
        return self._document

    @property
    def line_count(self) -> int:
        """Number of visual lines at the current width (0 before the first layout)."""
        self._whole_layout()
        return self._layout.count if self._layout else 0

    def load(
        self,
        document: Document,
        units: Sequence[Unit] = (),
        codings: Sequence[Coding] = (),
        codes: Iterable[Code] = (),
        notes: Mapping[int, str] | None = None,
        bounds: Mapping[str, tuple[Sequence[int], Sequence[int]]] | None = None,
        *,
        late_units: LateUnits | None = None,
    ) -> None:
        """Show ``document`` with its units, codings and the codes they refer to.

        ``notes`` maps paragraph starts to a line drawn above them (a survey answer's
        respondent and attributes); a note at an offset that does not start a paragraph
        is ignored. ``bounds`` gives units of further kinds as ``(starts, ends)`` in text
        order, for kinds the view only selects by (sentences: most of a transcript's
        units, cheaper to hand over as two arrays than as objects).

        With ``late_units``, ``units`` (and ``notes``) are those of the first part of
        the document only, up to ``late_units.head_end``; the rest comes from a worker
        (see :class:`LateUnits`), taken by :meth:`take_units` or when first needed.
        """
        # The indexes of a 50 MB transcript are millions of objects made at once: the
        # collector's full sweeps among them took as long as making them. Nothing made
        # here is garbage; the caller may freeze it afterwards (see the workbench).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._load(document, units, codings, codes, notes, bounds, late_units)
        finally:
            if collecting:
                gc.enable()

    def _load(
        self,
        document: Document,
        units: Sequence[Unit],
        codings: Sequence[Coding],
        codes: Iterable[Code],
        notes: Mapping[int, str] | None,
        bounds: Mapping[str, tuple[Sequence[int], Sequence[int]]] | None,
        late_units: LateUnits | None,
    ) -> None:
        self._document = document
        text = self._text = document.text
        self._codes = {code.id: code for code in codes}
        self._index_paragraphs(text)
        self._index_units(units, late_units)
        self._late_bounds = None
        if isinstance(bounds, LateBounds) and not bounds.ready:
            # read by a worker while the document shows: looked up when a key needs them
            self._late_bounds = bounds
        else:
            for kind, (starts, ends) in (bounds or {}).items():
                self._unit_bounds.setdefault(kind, (starts, ends))
        self._index_notes(notes or {})
        self._dimmed, self._dimmed_starts = [], []
        self._index_codings(codings)
        self._run_styles.clear()
        self._cursor, self._anchor, self._goal_column = 0, None, None
        self._layout, self._wrap_next, self._stepping = None, None, None
        self._strips.clear()
        self._relayout()
        self.scroll_to(0, 0, animate=False, force=True)
        self.refresh()

    def set_codes(self, codes: Iterable[Code]) -> None:
        """Replace the codes (names, colours) after a rename or recolour."""
        self._codes = {code.id: code for code in codes}
        self._run_styles.clear()
        self._strips.clear()
        layout = self._layout
        if layout is not None and layout.margin != self._margin_width(layout.width):
            # a longer name (or a shorter longest one) resizes the margin
            self._layout, self._wrap_next = None, None
            self._relayout()
        self.refresh()

    def set_codings(
        self,
        codings: Sequence[Coding],
        *,
        added: Sequence[Coding] | None = None,
        removed: Sequence[Coding] | None = None,
    ) -> None:
        """Replace the codings shown.

        Only what changed is redone: coverage runs are recomputed inside the spans of the
        codings added, removed or moved, and only cached lines meeting those spans are
        rebuilt, so applying one code to a document of 5,000 codings stays cheap.

        A caller that knows what changed (``added`` and ``removed``, with ``codings`` in
        text order, as the workbench keeps them) spares the comparison of every coding
        with those shown before: what a keystroke then costs does not grow with the
        document's codings.
        """
        if added is None and removed is None:
            after = {(c.id, c.code_id, c.start, c.end) for c in codings}
            changed = normalise_spans(
                Span(s, max(s + 1, e)) for _, _, s, e in self._coding_keys ^ after
            )
            self._codings = list(codings)
            self._coding_keys = after
            self._coding_triples = [(c.start, c.end, c.code_id) for c in self._codings]
            candidates = None
        else:
            changed, candidates = self._take_changes(added or (), removed or ())
            self._codings = list(codings)
        if not changed:
            return
        if len(changed) > MAX_TARGETED_INVALIDATION:
            self._run_bounds, self._run_keys = coverage(self._coding_triples, 0, FAR)
        else:
            for span in changed:
                self._splice_runs(span.start, span.end, candidates)
        self._invalidate_spans(changed)
        self.refresh()

    def _take_changes(
        self, added: Sequence[Coding], removed: Sequence[Coding]
    ) -> tuple[list[Span], Callable[[int, int], Sequence[tuple[int, int, int]]]]:
        """Apply a known change to the keys and the (start-ordered) triples in place; the
        spans it touches, and what finds the triples that may meet a span: those that
        start less than the longest coding's length before it (a bound that only grows)."""
        keys, triples = self._coding_keys, self._coding_triples
        if self._longest_of is not triples:
            self._longest = max((e - s for s, e, _ in triples), default=0)
            self._longest_of = triples
        spans = []
        for c in removed:
            key = (c.id, c.code_id, c.start, c.end)
            if key in keys:
                keys.discard(key)
                triples.remove((c.start, c.end, c.code_id))
                spans.append(Span(c.start, max(c.start + 1, c.end)))
        for c in added:
            key = (c.id, c.code_id, c.start, c.end)
            if key not in keys:
                keys.add(key)
                insort(triples, (c.start, c.end, c.code_id))
                self._longest = max(self._longest, c.end - c.start)
                spans.append(Span(c.start, max(c.start + 1, c.end)))

        def near(low: int, high: int) -> Sequence[tuple[int, int, int]]:
            first = bisect_left(triples, (low - self._longest,))
            return triples[first : bisect_left(triples, (high,))]

        return normalise_spans(spans), near

    @property
    def codings(self) -> list[Coding]:
        """The codings shown, in the order given."""
        return self._codings

    def set_dimmed(self, spans: Iterable[Span]) -> None:
        """Draw ``spans`` dim (survey answers outside a filter); an empty list undims all."""
        dimmed = normalise_spans(spans)
        if dimmed == self._dimmed:
            return
        self._dimmed = dimmed
        self._dimmed_starts = [s.start for s in dimmed]
        self._strips.clear()
        self.refresh()

    def place_at(self, offset: int) -> Place | None:
        """The numbered turn, paragraph or answer holding ``offset``: the number the
        gutter shows, and dossiers and tables print."""
        place = self._locator.at(offset)
        if self._late_units is not None and (
            place is None or not place.start <= offset < place.end
        ):
            # beyond the first part's places: the next one may be among the rest
            self._take_units()
            place = self._locator.at(offset)
        return place

    def codings_at(self, offset: int) -> list[Coding]:
        """The codings covering ``offset``."""
        return [c for c in self._codings if c.start <= offset < c.end]

    def jump_to(self, target: int | Span) -> None:
        """Place the cursor on an offset, or select a span, and scroll it into view.

        The target is shown a third of the way down the view, so that some context above
        it stays visible (retrieval jumps here).
        """
        length = len(self._text)
        if isinstance(target, Span):
            anchor: int | None = min(target.start, length)
            cursor = min(target.end, length)
        else:
            anchor, cursor = None, max(0, min(target, length))
        self._set_cursor(cursor, anchor=anchor, scroll=False)
        layout = self._layout
        if layout is not None:
            y = self._line_of(anchor if anchor is not None else cursor)
            if y > 0 and layout.kinds[y - 1] == HEADER:
                y -= 1
            self.scroll_to(y=max(0, y - self._viewport_height() // 3), animate=False, force=True)
        self.refresh()

    def cell_of(self, offset: int) -> tuple[int, int] | None:
        """Widget coordinates ``(x, y)`` where ``offset`` is drawn, or ``None`` when it is
        scrolled out of view (a code picker opens there; tests read styles there)."""
        layout = self._layout
        if layout is None or layout.count == 0:
            return None
        line = self._line_of(max(0, min(offset, len(self._text))))
        y = line - int(self.scroll_offset.y)
        if not 0 <= y < self._viewport_height():
            return None
        return layout.gutter + self._column_of(line, offset), y

    def visible_span(self) -> Span:
        """The span of text currently on screen."""
        layout = self._layout
        if layout is None or layout.count == 0:
            return Span(0, 0)
        top = int(self.scroll_offset.y)
        bottom = min(layout.count, top + self._viewport_height()) - 1
        return Span(layout.starts[min(top, layout.count - 1)], layout.ends[max(bottom, 0)])

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        self._scroll_cursor_into_view()

    def notify_style_update(self) -> None:
        """Theme or CSS changed: colours baked into cached strips are stale."""
        super().notify_style_update()
        self._run_styles.clear()
        self._strips.clear()

    # ------------------------------------------------------------------ requests

    def coding_span(self) -> Span | None:
        """What a code applied now would cover: the selection, else the sentence under
        the cursor, widened to whole grapheme clusters (the cursor moves by code point,
        and a coding must never cut a flag, an emoji or a letter from its accent)."""
        span = self.selection or self.unit_at("sentence", self._cursor)
        if span is None:
            return None
        return Span(*snap_to_graphemes(self._text, span.start, span.end))

    def action_apply_code(self) -> None:
        span = self.coding_span()
        if span is not None and not span.is_empty and self._document is not None:
            self.post_message(self.ApplyCodeRequested(self, self._document.id, span))

    class AssistRequested(Message):
        """Similar passages (``mode`` "similar") or code suggestions ("suggest") for ``span``."""

        def __init__(self, view: TranscriptView, document_id: int, span: Span, mode: str) -> None:
            super().__init__()
            self.view = view
            self.document_id = document_id
            self.span = span
            self.mode = mode

        @property
        def control(self) -> TranscriptView:
            return self.view

    def action_assist(self, mode: str) -> None:
        span = self.coding_span()
        if span is not None and not span.is_empty and self._document is not None:
            self.post_message(self.AssistRequested(self, self._document.id, span, mode))

    def action_remove_coding(self) -> None:
        codings = self.codings_at(self._cursor)
        if codings:
            self.post_message(self.RemoveCodingRequested(self, self._cursor, codings))
