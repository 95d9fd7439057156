"""The base of the transcript view: its state, the two messages its moves post, and its
indexes: paragraphs, units, numbered places, notes and codings turned into flat arrays and
runs, the wrap of the whole text into visual lines for one width, and the geometry that maps
offsets to visual lines and columns. Rendering and navigation build on it."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from itertools import accumulate
from operator import add

from rich.cells import cell_len
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from codage.domain import Code, Coding, Document, Span, Unit
from codage.places import Locator, number_places
from codage.tui.bindings import localize
from codage.tui.widgets.transcript_layout import (
    CONTINUATION,
    DISPLAY,
    FAR,
    FIRST,
    HEADER,
    LABEL_END,
    LABEL_WINDOW,
    NOT_SIMPLE,
    SIMPLE_BYTES,
    SIMPLE_ENCODING,
    SPEAKER_COLOURS,
    STAMP_IN_TEXT,
    WRAP_STEP,
    LateBounds,
    LateUnits,
    Layout,
    RunKey,
    cell_width,
    index_units,
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
        # gutter numbers: the numbered units (see places.Locator), looked up by line
        self._locator = Locator([])
        self._place_starts: list[int] = []
        # paragraphs holding wide or zero-width characters, among the first
        # _complex_to (looked for as the wrap reaches them)
        self._complex_paras: set[int] = set()
        self._complex_to = 0
        self._line_bounds: tuple[list[int], list[int]] | None = None
        # units by kind, sorted by start, with their bounds for bisection
        # a reader's bounds are kept as handed over (sequences), those built here as lists
        self._unit_bounds: dict[str, tuple[Sequence[int], Sequence[int]]] = {}
        # kinds a worker still reads while the document shows (sentences): see LateBounds
        self._late_bounds: LateBounds | None = None
        # the units past the first part, read by a worker while it shows: see LateUnits;
        # until taken, only the first _head_paras paragraphs may be wrapped
        self._late_units: LateUnits | None = None
        self._head_paras = 0
        # units to decorate, by start, and how many of them are decorated: a paragraph
        # is decorated as the wrap reaches it (see _prepare)
        self._decorated: list[Unit] = []
        self._decorated_to = 0
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
        # the layout whose next wrap step is queued (None when no step is)
        self._stepping: Layout | None = None
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
        # lengths, then starts and ends by running sums: every loop in C (the Python loop
        # over 400,000 lines of a 50 MB transcript was a fifth of a second)
        lengths = list(map(len, text.split("\n")))
        starts = array("q", accumulate(map((1).__add__, lengths), initial=0))
        starts.pop()
        self._para_starts, self._para_ends = starts, array("q", map(add, starts, lengths))
        self._complex_paras, self._complex_to = set(), 0
        self._line_bounds = None

    def _find_complex(self, last: int) -> None:
        """Find the complex paragraphs among the first ``last`` (those not looked at)."""
        first = self._complex_to
        if last <= first:
            return
        self._complex_to = last
        text, starts, ends = self._text, self._para_starts, self._para_ends
        position, end = starts[first], ends[last - 1]
        try:
            if not text[position:end].encode(SIMPLE_ENCODING).translate(None, SIMPLE_BYTES):
                return  # no complex character: nothing to search
        except UnicodeEncodeError:
            pass  # beyond the encoding: the expression finds them
        while (match := NOT_SIMPLE.search(text, position, end)) is not None:
            index = bisect_right(starts, match.start()) - 1
            self._complex_paras.add(index)
            position = ends[index] + 1

    def _index_units(self, units: Sequence[Unit], late: LateUnits | None = None) -> None:
        self._unit_bounds, self._decorated = index_units(units)
        self._decorated_to = 0
        self._headers, self._labels, self._speaker_colours = {}, {}, {}
        self._late_units = late
        self._head_paras = 0 if late is None else bisect_left(self._para_starts, late.head_end)
        # without the rest, a first part with no numbered unit is not numbered by lines:
        # the document may have numbered units further on
        places = number_places(units, self._text if late is None else None)
        self._locator, self._place_starts = Locator(places), [p.start for p in places]

    def _prepare(self, last: int) -> None:
        """Ready the first ``last`` paragraphs for wrapping: complex characters found,
        turns decorated. Done as the wrap reaches them, so that opening a long document
        does not wait for the whole of it; the order of the units decorated is the
        text's, as the whole document decorated at once."""
        self._find_complex(last)
        decorated, index = self._decorated, self._decorated_to
        if index >= len(decorated):
            return
        para_starts, para_ends = self._para_starts, self._para_ends
        limit = para_starts[last] if last < len(para_starts) else FAR
        while index < len(decorated) and decorated[index].start < limit:
            unit = decorated[index]
            index += 1
            if unit.start in self._labels or unit.start in self._headers:
                continue  # a turn and its first paragraph: decorate once
            at = bisect_left(para_starts, unit.start)
            if at >= len(para_starts) or para_starts[at] != unit.start:
                continue  # decorations are drawn at paragraph starts only
            self._decorate(unit, para_ends[at])
        self._decorated_to = index

    def _number_of(self, para: int) -> int:
        """The gutter number of paragraph ``para``: the first numbered unit starting on
        it, so that "turn 12" in a dossier is the line marked 12 here (0: none)."""
        starts, para_starts = self._place_starts, self._para_starts
        index = bisect_left(starts, para_starts[para])
        if index < len(starts) and (
            para + 1 >= len(para_starts) or starts[index] < para_starts[para + 1]
        ):
            return self._locator.places[index].number
        return 0

    def _place_count(self) -> int:
        """How many numbered units the document holds (sizes the gutter); while the rest
        of the units is read, an estimate from the first part's share of the text."""
        count = len(self._locator.places)
        late = self._late_units
        if late is None:
            return count
        if not count:
            return len(self._para_starts)
        return count * len(self._text) // max(1, late.head_end)

    def _take_units(self) -> None:
        """Take in the units past the first part (waiting for the worker if need be)."""
        late = self._late_units
        if late is None:
            return
        rest = late.take()
        digits = self._gutter_digits()
        before = self._locator.places
        self._late_units = None
        # the units' own kinds win over bounds handed over for the same kind
        self._unit_bounds.update(rest.bounds)
        self._decorated.extend(rest.decorated)
        self._locator, self._place_starts = rest.locator, rest.place_starts
        self._add_notes(rest.notes)
        layout = self._layout
        if layout is None:
            return
        if self._gutter_digits() != digits:
            # the estimate missed by a digit: the gutter is wider or narrower
            self._rewrap(layout)
        elif rest.locator.places[: len(before)] != before:
            self._strips.clear()  # numbered by lines after all
        self._step_on(layout)
        self.refresh()

    def take_units(self, late: LateUnits) -> None:
        """The worker delivered ``late``: take it in, if this view still waits for it."""
        if self._late_units is late:
            self._take_units()

    def _index_notes(self, notes: Mapping[int, str]) -> None:
        """Header lines carrying the screen's notes, above the paragraphs they name."""
        self._notes = {}
        self._add_notes(notes)

    def _add_notes(self, notes: Mapping[int, str]) -> None:
        para_starts = self._para_starts
        for start, note in notes.items():
            index = bisect_left(para_starts, start)
            if index >= len(para_starts) or para_starts[index] != start or not note:
                continue
            self._notes[start] = " ".join(note.split())

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
        # (an offset past it, a move by lines, the line count) wraps on to it first.
        layout = self._layout = self._wrap_start(width)
        self._wrap_next = 0
        self._wrap_more(WRAP_STEP)
        self._strips.clear()
        self._sized(layout)
        self._step_on(layout)
        if old is not None:
            self.scroll_to(y=self._line_of(top_offset), animate=False, force=True)

    def _rewrap(self, layout: Layout) -> None:
        """Wrap ``layout`` again from the start, in place, for a gutter of another width
        (the document's numbered units outnumbered the estimate), keeping the top line."""
        top_offset = layout.starts[int(self.scroll_offset.y)] if layout.count else 0
        fresh = self._wrap_start(layout.width)
        layout.gutter, layout.text_width, layout.margin = (
            fresh.gutter,
            fresh.text_width,
            fresh.margin,
        )
        del layout.starts[:], layout.ends[:], layout.kinds[:], layout.paras[:]
        self._wrap_next = 0
        self._strips.clear()
        self._wrap_more(WRAP_STEP)
        self._sized(layout)
        self.scroll_to(y=self._line_of(top_offset), animate=False, force=True)

    def _sized(self, layout: Layout) -> None:
        """The scrollable height follows the lines wrapped so far."""
        self.virtual_size = Size(layout.width, layout.count)
        # scrollbars otherwise learn of the new height only at the next layout pass, and
        # until then Textual refuses to scroll
        self._refresh_scrollbars()

    def _step_on(self, layout: Layout) -> None:
        """Queue the next wrap step of ``layout``, if it has one and none is queued:
        after the paint (queued at once, the steps would all run before it)."""
        if self._wrap_next is None or self._stepping is layout or self._held(self._wrap_next):
            return
        self._stepping = layout
        self.call_after_refresh(self._wrap_step, layout)

    def _held(self, paragraph: int) -> bool:
        """Whether wrapping ``paragraph`` waits for units still being read."""
        return self._late_units is not None and paragraph >= self._head_paras

    def _wrap_step(self, layout: Layout) -> None:
        """Wrap the next paragraphs of ``layout`` unless another replaced it."""
        if self._stepping is layout:
            self._stepping = None
        if layout is not self._layout or self._wrap_next is None:
            return
        self._wrap_more(WRAP_STEP)
        self._sized(layout)
        self._step_on(layout)

    def _wrap_more(self, paragraphs: int) -> None:
        """Extend the layout, in place, by up to ``paragraphs`` paragraphs (not past the
        first part while the rest of the units is read)."""
        layout, first = self._layout, self._wrap_next
        if layout is None or first is None:
            return
        count = len(self._para_starts)
        last = min(count, first + paragraphs)
        if self._late_units is not None:
            last = min(last, self._head_paras)
        if last <= first:
            return
        self._prepare(last)
        self._wrap_paragraphs(layout, first, last)
        self._wrap_next = last if last < count else None

    def _whole_layout(self) -> None:
        """Finish wrapping the document now (a move needs lines not wrapped yet)."""
        self._take_units()
        layout = self._layout
        if layout is not None and self._wrap_next is not None:
            self._wrap_more(len(self._para_starts))
            self._sized(layout)

    def _wrap_through(self, offset: int) -> None:
        """Wrap on to the paragraph holding ``offset`` (the lines before it are those of
        the whole wrap: a line's place does not depend on what comes after it)."""
        paragraph = max(0, bisect_right(self._para_starts, offset) - 1)
        if self._held(paragraph):
            self._take_units()
        layout = self._layout
        if layout is None or self._wrap_next is None or paragraph < self._wrap_next:
            return
        self._wrap_more(paragraph + 1 - self._wrap_next)
        self._sized(layout)
        self._step_on(layout)

    def _wrap_lines(self, count: int) -> None:
        """Wrap on until more than ``count`` lines are wrapped, or every line is."""
        layout = self._layout
        if layout is None or self._wrap_next is None or layout.count > count:
            return
        while self._wrap_next is not None and layout.count <= count:
            if self._held(self._wrap_next):
                self._take_units()
            self._wrap_more(WRAP_STEP)
        self._sized(layout)
        self._step_on(layout)

    def _wrapped_to(self) -> int:
        """The last offset the wrapped lines reach (the whole text's end once done)."""
        if self._wrap_next is None:
            return len(self._text)
        return int(self._para_ends[self._wrap_next - 1]) if self._wrap_next else -1

    def _gutter_digits(self) -> int:
        return len(str(max(1, self._place_count())))

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
        self._take_units()
        self._prepare(len(self._para_starts))
        layout = self._wrap_start(width)
        self._wrap_paragraphs(layout, 0, len(self._para_starts))
        return layout

    def _wrap_start(self, width: int) -> Layout:
        """An empty layout for ``width``: gutter, margin and text width."""
        gutter = max(4, self._gutter_digits() + 2)
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
        headers, notes, complex_paras = self._headers, self._notes, self._complex_paras
        para_starts, para_ends = self._para_starts[first:last], self._para_ends[first:last]
        for index, (start, end) in enumerate(zip(para_starts, para_ends, strict=True), first):
            if start in headers or start in notes:
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
        if offset > self._wrapped_to():
            self._wrap_through(offset)
        layout = self._layout
        assert layout is not None
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
