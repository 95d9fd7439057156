"""The base of the transcript view: its state, the two messages its moves post, and its
indexes: paragraphs, units, numbered places, notes and codings turned into flat arrays and
runs, the wrap of the whole text into visual lines for one width, and the geometry that maps
offsets to visual lines and columns. Rendering and navigation build on it."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter

from rich.cells import cell_len
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from codage.domain import Code, Coding, Document, Span, Unit
from codage.places import Locator
from codage.tui.bindings import localize
from codage.tui.widgets.transcript_layout import (
    CONTINUATION,
    DISPLAY,
    FAR,
    FIRST,
    HEADER,
    LABEL_END,
    LABEL_WINDOW,
    MAX_TARGETED_INVALIDATION,
    NOT_SIMPLE,
    SIMPLE_BYTES,
    SIMPLE_ENCODING,
    SPEAKER_COLOURS,
    STAMP_IN_TEXT,
    WRAP_STEP,
    LateBounds,
    Layout,
    RunKey,
    cell_width,
    coverage,
    wrap_cells,
)


class TranscriptIndexing(ScrollView):
    """The state of a transcript view, its indexes, layout and geometry: the base the
    rendering, the navigation and :class:`~codage.tui.widgets.transcript_view.TranscriptView`
    build on."""

    # ------------------------------------------------------------------ messages

    class CursorMoved(Message, namespace="transcript_view"):
        """The cursor moved to ``offset`` (a code point of the document)."""

        def __init__(self, view: TranscriptIndexing, offset: int) -> None:
            super().__init__()
            self.view = view
            self.offset = offset

        @property
        def control(self) -> TranscriptIndexing:
            return self.view

    class SelectionChanged(Message, namespace="transcript_view"):
        """The selection became ``selection`` (``None`` when nothing is selected)."""

        def __init__(self, view: TranscriptIndexing, selection: Span | None) -> None:
            super().__init__()
            self.view = view
            self.selection = selection

        @property
        def control(self) -> TranscriptIndexing:
            return self.view

    # ------------------------------------------------------------------ set up

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        localize(self)
        self._document: Document | None = None
        self._text = ""
        self._codes: dict[int, Code] = {}
        self._codings: list[Coding] = []
        self._coding_keys: set[tuple[int, int, int, int]] = set()
        self._coding_triples: list[tuple[int, int, int]] = []
        # paragraphs are the text's lines; width-independent, computed at load
        self._para_starts = array("q")
        self._para_ends = array("q")
        # gutter numbers: the numbered unit (see places.Locator) starting on each line
        self._para_numbers = array("l")
        self._locator = Locator([])
        self._complex_paras: set[int] = set()
        self._line_bounds: tuple[list[int], list[int]] | None = None
        # units by kind, sorted by start, with their bounds for bisection
        # a reader's bounds are kept as handed over (sequences), those built here as lists
        self._unit_bounds: dict[str, tuple[Sequence[int], Sequence[int]]] = {}
        # kinds a worker still reads while the document shows (sentences): see LateBounds
        self._late_bounds: LateBounds | None = None
        # turn header lines: timestamp and speaker the text itself does not show
        self._headers: dict[int, tuple[float | None, str | None]] = {}
        # labels written at paragraph starts: (start, end, speaker or None for a timestamp)
        self._labels: dict[int, list[tuple[int, int, str | None]]] = {}
        self._speaker_colours: dict[str, str] = {}
        # header notes given by the screen (a survey answer's respondent and attributes)
        self._notes: dict[int, str] = {}
        # spans drawn dim (survey answers outside the attribute filter), normalised
        self._dimmed: list[Span] = []
        self._dimmed_starts: list[int] = []
        # coding runs
        self._run_bounds: list[int] = [0]
        self._run_keys: list[RunKey | None] = [None]
        self._run_styles: dict[RunKey, Style] = {}
        # layout and caches
        self._layout: Layout | None = None
        # the first paragraph not wrapped yet while a long document is wrapped in steps
        # (see _relayout); None once the layout holds the whole text
        self._wrap_next: int | None = None
        self._strips: LRUCache[int, Strip] = LRUCache(2048)
        # cursor and selection
        self._cursor = 0
        self._anchor: int | None = None
        self._goal_column: int | None = None
        self._dragging = False

    @property
    def cursor(self) -> int:
        """The cursor, a code-point offset into the document."""
        return self._cursor

    @property
    def selection(self) -> Span | None:
        """The selected span, or ``None`` when nothing is selected."""
        if self._anchor is None or self._anchor == self._cursor:
            return None
        return Span(min(self._anchor, self._cursor), max(self._anchor, self._cursor))

    # ------------------------------------------------------------------ indexing

    def _index_paragraphs(self, text: str) -> None:
        starts, ends = array("q"), array("q")
        position = 0
        for paragraph in text.split("\n"):
            end = position + len(paragraph)
            starts.append(position)
            ends.append(end)
            position = end + 1
        self._para_starts, self._para_ends = starts, ends
        complex_paras: set[int] = set()
        position = 0
        try:
            if not text.encode(SIMPLE_ENCODING).translate(None, SIMPLE_BYTES):
                position = len(text)  # no complex character: nothing to search
        except UnicodeEncodeError:
            pass  # beyond the encoding: the expression finds them
        while (match := NOT_SIMPLE.search(text, position)) is not None:
            index = bisect_right(starts, match.start()) - 1
            complex_paras.add(index)
            position = ends[index] + 1
        self._complex_paras = complex_paras
        self._line_bounds = None

    def _index_units(self, units: Sequence[Unit]) -> None:
        by_kind: dict[str, list[Unit]] = {}
        for unit in units:
            by_kind.setdefault(unit.kind, []).append(unit)
        self._unit_bounds = {}
        for kind, group in by_kind.items():
            starts = [u.start for u in group]
            if starts != sorted(starts):  # readers emit units in order: usually no sort
                group.sort(key=attrgetter("start", "end"))
                starts = [u.start for u in group]
            self._unit_bounds[kind] = (starts, [u.end for u in group])
        self._headers, self._labels, self._speaker_colours = {}, {}, {}
        para_starts = self._para_starts
        for unit in [*by_kind.get("turn", []), *by_kind.get("paragraph", [])]:
            if unit.speaker is None and unit.timestamp is None:
                continue
            index = bisect_left(para_starts, unit.start)
            if index >= len(para_starts) or para_starts[index] != unit.start:
                continue  # decorations are drawn at paragraph starts only
            if unit.start in self._labels or unit.start in self._headers:
                continue  # a turn and its first paragraph: decorate once
            self._decorate(unit, self._para_ends[index])
        self._number_lines(units)

    def _number_lines(self, units: Sequence[Unit]) -> None:
        """Gutter numbers: each numbered unit's number on the line where it starts, so
        that "turn 12" in a dossier is the line marked 12 here."""
        self._locator = Locator.of(units, self._text)
        para_starts = self._para_starts
        numbers = array("l", bytes(len(para_starts) * array("l").itemsize))
        for place in self._locator.places:
            index = bisect_right(para_starts, place.start) - 1
            if index >= 0 and not numbers[index]:
                numbers[index] = place.number
        self._para_numbers = numbers

    def _index_notes(self, notes: Mapping[int, str]) -> None:
        """Header lines carrying the screen's notes, above the paragraphs they name."""
        self._notes = {}
        para_starts = self._para_starts
        for start, note in notes.items():
            index = bisect_left(para_starts, start)
            if index >= len(para_starts) or para_starts[index] != start or not note:
                continue
            self._notes[start] = " ".join(note.split())
            self._headers.setdefault(start, (None, None))

    def _is_dimmed(self, offset: int) -> bool:
        index = bisect_right(self._dimmed_starts, offset) - 1
        return index >= 0 and self._dimmed[index].end > offset

    def _decorate(self, unit: Unit, para_end: int) -> None:
        """Find the timestamp and speaker label a turn starts with, to style them where
        they are written; what the text does not show goes on a header line above it."""
        text, start = self._text, unit.start
        speaker = " ".join((unit.speaker or "").split()) or None
        if speaker and speaker not in self._speaker_colours:
            colours = SPEAKER_COLOURS
            self._speaker_colours[speaker] = colours[len(self._speaker_colours) % len(colours)]
        labels: list[tuple[int, int, str | None]] = []
        window_end = min(para_end, start + LABEL_WINDOW)
        stamp = STAMP_IN_TEXT.match(text, start, window_end)
        if stamp is not None:
            labels.append((stamp.start(), stamp.end(), None))
        shown_speaker = speaker
        if speaker:
            found = text.find(speaker, start, window_end)
            after = found + len(speaker)
            # the label must open the paragraph (after a timestamp or Markdown emphasis),
            # and be a whole word: speaker "E" is not the first letter of "Et donc"
            expected = stamp.end() if stamp is not None else start
            if (
                found != -1
                and found - expected in (0, 2)
                and (after >= len(text) or not text[after].isalnum())
            ):
                label = LABEL_END.match(text, after, para_end)
                labels.append((found, label.end() if label else after, speaker))
                shown_speaker = None
        if labels:
            self._labels[start] = labels
        shown_stamp = unit.timestamp if unit.timestamp is not None and stamp is None else None
        if shown_stamp is not None or shown_speaker:
            self._headers[start] = (shown_stamp, shown_speaker)

    def _index_codings(self, codings: Sequence[Coding]) -> None:
        self._codings = list(codings)
        self._coding_keys = {(c.id, c.code_id, c.start, c.end) for c in self._codings}
        self._coding_triples = [(c.start, c.end, c.code_id) for c in self._codings]
        self._run_bounds, self._run_keys = coverage(self._coding_triples, 0, FAR)

    def _splice_runs(
        self,
        low: int,
        high: int,
        near: Callable[[int, int], Sequence[tuple[int, int, int]]] | None = None,
    ) -> None:
        """Recompute coverage runs inside ``[low, high)`` only; outside it nothing changed.
        ``near`` gives the triples that may meet a span (all of them by default)."""
        bounds, keys = self._run_bounds, self._run_keys
        triples = self._coding_triples if near is None else near(low, high)
        middle_bounds, middle_keys = coverage(triples, low, high)
        before = bisect_left(bounds, low)
        after = bisect_right(bounds, high)
        key_at_high = keys[after - 1]  # coverage from ``high`` on is unchanged
        new_bounds = bounds[:before] + middle_bounds
        new_keys = keys[:before] + middle_keys
        if high < FAR:
            new_bounds.append(high)
            new_keys.append(key_at_high)
        new_bounds += bounds[after:]
        new_keys += keys[after:]
        # runs of equal coverage meeting at the seams become one
        for seam in (len(new_bounds) - len(bounds) + after, before + len(middle_bounds), before):
            if 0 < seam < len(new_bounds) and new_keys[seam] == new_keys[seam - 1]:
                del new_bounds[seam]
                del new_keys[seam]
        self._run_bounds, self._run_keys = new_bounds, new_keys

    def _invalidate_spans(self, spans: list[Span]) -> None:
        """Drop cached strips of the visual lines that intersect ``spans``."""
        layout = self._layout
        if layout is None:
            return
        if len(spans) > MAX_TARGETED_INVALIDATION:
            self._strips.clear()
            return
        span_starts = [s.start for s in spans]
        for y in list(self._strips.keys()):
            # a line covers its newline too: a coding may end there
            start, end = layout.starts[y], layout.ends[y] + 1
            index = bisect_left(span_starts, end) - 1
            if index >= 0 and spans[index].end > start:
                self._strips.discard(y)

    # ------------------------------------------------------------------ layout

    def _viewport_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _relayout(self) -> None:
        """Wrap the document for the current width (keeping the top line in view)."""
        width = self.scrollable_content_region.width
        if width <= 0 or self._document is None:
            return
        old = self._layout
        if old is not None and old.width == width:
            return
        top_offset = old.starts[int(self.scroll_offset.y)] if old and old.count else 0
        # A long document is wrapped in steps: what the first paint shows now, the rest
        # between events (see _wrap_step); whatever needs a line beyond the part wrapped
        # (an offset past it, a move by lines, the line count) finishes it first.
        layout = self._layout = self._wrap_start(width)
        self._wrap_next = 0
        self._wrap_more(WRAP_STEP)
        self._strips.clear()
        self._sized(layout)
        if self._wrap_next is not None:
            # after the paint: queued at once, the steps would all run before it
            self.call_after_refresh(self._wrap_step, layout)
        if old is not None:
            self.scroll_to(y=self._line_of(top_offset), animate=False, force=True)

    def _sized(self, layout: Layout) -> None:
        """The scrollable height follows the lines wrapped so far."""
        self.virtual_size = Size(layout.width, layout.count)
        # scrollbars otherwise learn of the new height only at the next layout pass, and
        # until then Textual refuses to scroll
        self._refresh_scrollbars()

    def _wrap_step(self, layout: Layout) -> None:
        """Wrap the next paragraphs of ``layout`` unless another replaced it."""
        if layout is not self._layout or self._wrap_next is None:
            return
        self._wrap_more(WRAP_STEP)
        self._sized(layout)
        if self._wrap_next is not None:
            self.call_after_refresh(self._wrap_step, layout)

    def _wrap_more(self, paragraphs: int) -> None:
        """Extend the layout, in place, by up to ``paragraphs`` paragraphs."""
        layout, first = self._layout, self._wrap_next
        if layout is None or first is None:
            return
        last = min(len(self._para_starts), first + paragraphs)
        self._wrap_paragraphs(layout, first, last)
        self._wrap_next = last if last < len(self._para_starts) else None

    def _whole_layout(self) -> None:
        """Finish wrapping the document now (a move needs lines not wrapped yet)."""
        layout = self._layout
        if layout is not None and self._wrap_next is not None:
            self._wrap_more(len(self._para_starts))
            self._sized(layout)

    def _wrapped_to(self) -> int:
        """The last offset the wrapped lines reach (the whole text's end once done)."""
        if self._wrap_next is None:
            return len(self._text)
        return int(self._para_ends[self._wrap_next - 1]) if self._wrap_next else -1

    def _margin_width(self, width: int) -> int:
        """Columns of the code margin (with its separator) for a view ``width`` wide.

        Hidden below 60 columns, narrow below 100; beyond, a fifth of the width up to 30
        columns, or more when the longest code name needs it and the text keeps 70 columns
        and a quarter of the rest: a wide terminal names codes whole instead of cutting
        them at a fixed width.
        """
        if width < 60:
            return 0
        if width < 100:
            return 13
        longest = max((cell_len(code.name) for code in self._codes.values()), default=0)
        return max(min(30, width // 5), min(longest + 3, (width - 70) * 3 // 4))

    def _wrap(self, width: int) -> Layout:
        """The whole document wrapped for ``width``."""
        layout = self._wrap_start(width)
        self._wrap_paragraphs(layout, 0, len(self._para_starts))
        return layout

    def _wrap_start(self, width: int) -> Layout:
        """An empty layout for ``width``: gutter, margin and text width."""
        digits = len(str(max(1, len(self._locator.places))))
        gutter = max(4, digits + 2)
        margin = self._margin_width(width)
        text_width = max(8, width - gutter - margin - 1)
        empty = array("q"), array("q"), bytearray(), array("l")
        return Layout(width, gutter, text_width, margin, *empty)

    def _wrap_paragraphs(self, layout: Layout, first: int, last: int) -> None:
        """Append the visual lines of paragraphs ``first`` to ``last`` (excluded)."""
        text_width = layout.text_width
        starts, ends, kinds, paras = layout.starts, layout.ends, layout.kinds, layout.paras
        add_start, add_end, add_kind, add_para = (
            starts.append,
            ends.append,
            kinds.append,
            paras.append,
        )
        text = self._text
        rfind = text.rfind
        headers, complex_paras = self._headers, self._complex_paras
        para_starts, para_ends = self._para_starts[first:last], self._para_ends[first:last]
        for index, (start, end) in enumerate(zip(para_starts, para_ends, strict=True), first):
            if start in headers:
                add_start(start)
                add_end(start)
                add_kind(HEADER)
                add_para(index)
            kind = FIRST
            if index in complex_paras:
                for line_start, line_end in wrap_cells(text, start, end, text_width):
                    add_start(line_start)
                    add_end(line_end)
                    add_kind(kind)
                    add_para(index)
                    kind = CONTINUATION
                continue
            position = start
            # a line takes at most text_width cells; the last line of a paragraph keeps one
            # free for the cursor after its final character
            while end - position >= text_width:
                space = rfind(" ", position, position + text_width)
                cut = space + 1 if space > position else position + text_width
                add_start(position)
                add_end(cut)
                add_kind(kind)
                add_para(index)
                kind = CONTINUATION
                position = cut
            add_start(position)
            add_end(end)
            add_kind(kind)
            add_para(index)

    # ------------------------------------------------------------------ geometry

    def _line_of(self, offset: int) -> int:
        """The visual line holding ``offset`` (a header shares its start with the text
        line after it; bisecting to the right lands on the text line)."""
        layout = self._layout
        assert layout is not None
        if offset > self._wrapped_to():
            self._whole_layout()
        return max(0, bisect_right(layout.starts, offset) - 1)

    def _text_line(self, y: int, forward: bool) -> int:
        """``y`` itself, or the nearest text line when ``y`` is a turn header."""
        layout = self._layout
        assert layout is not None
        if layout.kinds[y] != HEADER:
            return y
        if forward or y == 0:
            return min(y + 1, layout.count - 1)
        return y - 1

    def _is_complex(self, y: int) -> bool:
        assert self._layout is not None
        return self._layout.paras[y] in self._complex_paras

    def _last_offset(self, y: int) -> int:
        """The furthest offset the cursor may take on line ``y``: the character before a soft
        break, or the newline (or end of text) that closes a paragraph."""
        layout = self._layout
        assert layout is not None
        end = int(layout.ends[y])
        if y + 1 < layout.count and layout.kinds[y + 1] == CONTINUATION:
            return max(int(layout.starts[y]), end - 1)
        return end

    def _column_of(self, y: int, offset: int) -> int:
        layout = self._layout
        assert layout is not None
        start = int(layout.starts[y])
        if not self._is_complex(y):
            return offset - start
        return cell_len(self._text[start:offset].translate(DISPLAY))

    def _offset_at_column(self, y: int, column: int) -> int:
        layout = self._layout
        assert layout is not None
        start, last = int(layout.starts[y]), self._last_offset(y)
        if not self._is_complex(y):
            return min(start + column, last)
        cells = 0
        for offset in range(start, last):
            cells += cell_width(self._text[offset])
            if cells > column:
                return offset
        return last
