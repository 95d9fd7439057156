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
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

from rich.cells import cell_len, get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from codage.display import visible
from codage.domain import (
    Code,
    Coding,
    Document,
    Locator,
    Place,
    Span,
    Unit,
    normalise_spans,
    snap_to_graphemes,
)
from codage.tui.bindings import localize

# Characters that certainly take one cell. Anything else (CJK, emoji, combining marks, soft
# hyphen, other controls) sends its paragraph down the cell-by-cell path.
_NOT_SIMPLE = re.compile(r"[^\t\n\x20-\x7e\xa0-\xac\xae-\u02ff\u2010-\u2027\u2030-\u205e\u20ac]")

# Controls would move the terminal cursor; each is drawn as one space so that one code point
# stays one cell.
_DISPLAY = str.maketrans({i: " " for i in [*range(32), 127]})

# Visual line kinds.
_CONTINUATION = 0
_FIRST = 1  # first visual line of a paragraph: carries the paragraph number
_HEADER = 2  # a turn header (timestamp, speaker) drawn above a turn; holds no text

# A timestamp written at the start of a turn: [00:12:34], (00:12:34), 00:12:34.
_STAMP_IN_TEXT = re.compile(r"[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?[ \t]*")
# What ends a speaker label: "Marie : ", "Marie - ", "**Marie :** ".
_LABEL_END = re.compile(r"(?:\*\*|__)?[ \t\u00a0\u202f]*(?:[:\-–—](?:\*\*|__)?[ \t]*)?")
# How far into a paragraph a speaker label is looked for.
_LABEL_WINDOW = 80

# Calm, distinguishable colours for speaker names, given in order of first appearance.
_SPEAKER_COLOURS = ("#7aa2f7", "#e0af68", "#9ece6a", "#bb9af7", "#7dcfff", "#f7768e")

# Opacity of a code's colour over the background: light for one coding, stronger (and
# underlined) where codings overlap, so that overlaps stand out without shouting.
_TINT = 0.35
_OVERLAP_TINT = 0.55

# Past this many changed spans it is cheaper to drop the whole strip cache.
_MAX_TARGETED_INVALIDATION = 256


def format_timestamp(seconds: float) -> str:
    """``3725.2`` -> ``[01:02:05]``."""
    total = int(seconds)
    return f"[{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}]"


_GREY = Color(136, 136, 136)


def _colour(value: str) -> Color:
    """A code's stored colour; grey when it cannot be read, rather than a crash."""
    try:
        return Color.parse(value)
    except Exception:  # Textual raises ColorParseError, but any bad value means grey
        return _GREY


def _cell(char: str) -> int:
    """Cell width of one code point as drawn by this view (controls become a space)."""
    if ord(char) < 32 or char == "\x7f":
        return 1
    return get_character_cell_size(char)


_FAR = 1 << 62  # beyond any document

RunKey = tuple[tuple[int, ...], bool]
"""Coverage of a run: the ids of the codes covering it, and whether codings overlap there."""


def _coverage(
    triples: Sequence[tuple[int, int, int]], low: int, high: int
) -> tuple[list[int], list[RunKey | None]]:
    """Runs of constant coverage of ``[low, high)`` by ``(start, end, code_id)`` codings,
    as bounds (the first is ``low``) and keys (``None`` where nothing is coded); a sweep
    over the codings' ends, clipped to the range."""
    events: list[tuple[int, int, int]] = []
    for start, end, code_id in triples:
        if start < high and end > low and end > start:
            events.append((max(start, low), 1, code_id))
            events.append((min(end, high), -1, code_id))
    events.sort()  # at one offset, ends (-1) come before starts
    bounds: list[int] = [low]
    keys: list[RunKey | None] = [None]
    active: dict[int, int] = {}
    depth = 0
    i, count = 0, len(events)
    while i < count:
        position = events[i][0]
        while i < count and events[i][0] == position:
            _, delta, code_id = events[i]
            depth += delta
            left = active.get(code_id, 0) + delta
            if left:
                active[code_id] = left
            else:
                active.pop(code_id, None)
            i += 1
        if position >= high:
            break
        key = (tuple(sorted(active)), depth > 1) if depth else None
        if position == bounds[-1]:
            keys[-1] = key
        elif key != keys[-1]:
            bounds.append(position)
            keys.append(key)
    return bounds, keys


def _wrap_cells(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of ``text[start:end]`` measured in cells, for the rare paragraphs
    holding wide or zero-width characters. One cell is kept free at the end of every line
    so that the cursor fits after the last character."""
    out: list[tuple[int, int]] = []
    line_start, cells, space, i = start, 0, -1, start
    limit = max(1, width - 1)
    while i < end:
        char = text[i]
        w = _cell(char)
        if cells + w > limit and i > line_start:
            cut = space + 1 if space >= line_start else i
            out.append((line_start, cut))
            line_start, i, cells, space = cut, cut, 0, -1
            continue
        if char == " ":
            space = i
        cells += w
        i += 1
    out.append((line_start, end))
    return out


@dataclass(slots=True)
class _Layout:
    """Visual lines for one width. ``ends`` exclude the paragraph's newline."""

    width: int
    gutter: int
    text_width: int
    margin: int  # 0 when hidden; includes the separator column
    starts: array
    ends: array
    kinds: bytearray
    paras: array

    @property
    def count(self) -> int:
        return len(self.starts)


class TranscriptView(ScrollView, can_focus=True):
    """Shows one document with its codings; a cursor and a selection in code points.

    Selection keys beyond the usual ones: ``s`` / ``t`` / ``p`` select the sentence, speaker
    turn or paragraph under the cursor, or extend the selection forward to the end of the
    next one; ``S`` / ``T`` / ``P`` extend it backward. ``c`` asks to apply a code to the
    selection (or to the sentence under the cursor), ``x`` asks to remove a coding under the
    cursor.
    """

    ALLOW_SELECT = False  # the view draws its own selection in document offsets

    BINDINGS: list[BindingType] = [
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

    class CursorMoved(Message):
        """The cursor moved to ``offset`` (a code point of the document)."""

        def __init__(self, view: TranscriptView, offset: int) -> None:
            super().__init__()
            self.view = view
            self.offset = offset

        @property
        def control(self) -> TranscriptView:
            return self.view

    class SelectionChanged(Message):
        """The selection became ``selection`` (``None`` when nothing is selected)."""

        def __init__(self, view: TranscriptView, selection: Span | None) -> None:
            super().__init__()
            self.view = view
            self.selection = selection

        @property
        def control(self) -> TranscriptView:
            return self.view

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
        # gutter numbers: the numbered unit (see domain.Locator) starting on each line
        self._para_numbers = array("l")
        self._locator = Locator([])
        self._complex_paras: set[int] = set()
        self._line_bounds: tuple[list[int], list[int]] | None = None
        # units by kind, sorted by start, with their bounds for bisection
        self._unit_bounds: dict[str, tuple[list[int], list[int]]] = {}
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
        self._layout: _Layout | None = None
        self._strips: LRUCache[int, Strip] = LRUCache(2048)
        # cursor and selection
        self._cursor = 0
        self._anchor: int | None = None
        self._goal_column: int | None = None
        self._dragging = False

    # ------------------------------------------------------------------ public API

    @property
    def document(self) -> Document | None:
        return self._document

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

    @property
    def line_count(self) -> int:
        """Number of visual lines at the current width (0 before the first layout)."""
        return self._layout.count if self._layout else 0

    def load(
        self,
        document: Document,
        units: Sequence[Unit] = (),
        codings: Sequence[Coding] = (),
        codes: Iterable[Code] = (),
        notes: Mapping[int, str] | None = None,
        bounds: Mapping[str, tuple[Sequence[int], Sequence[int]]] | None = None,
    ) -> None:
        """Show ``document`` with its units, codings and the codes they refer to.

        ``notes`` maps paragraph starts to a line drawn above them (a survey answer's
        respondent and attributes); a note at an offset that does not start a paragraph
        is ignored. ``bounds`` gives units of further kinds as ``(starts, ends)`` in text
        order, for kinds the view only selects by (sentences: most of a transcript's
        units, cheaper to hand over as two arrays than as objects).
        """
        self._document = document
        text = self._text = document.text
        self._codes = {code.id: code for code in codes}
        self._index_paragraphs(text)
        self._index_units(units)
        for kind, (starts, ends) in (bounds or {}).items():
            self._unit_bounds.setdefault(kind, (starts, ends))
        self._index_notes(notes or {})
        self._dimmed, self._dimmed_starts = [], []
        self._index_codings(codings)
        self._run_styles.clear()
        self._cursor, self._anchor, self._goal_column = 0, None, None
        self._layout = None
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
            self._layout = None
            self._relayout()
        self.refresh()

    def set_codings(self, codings: Sequence[Coding]) -> None:
        """Replace the codings shown.

        Only what changed is redone: coverage runs are recomputed inside the spans of the
        codings added, removed or moved, and only cached lines meeting those spans are
        rebuilt, so applying one code to a document of 5,000 codings stays cheap.
        """
        after = {(c.id, c.code_id, c.start, c.end) for c in codings}
        changed = normalise_spans(
            Span(s, max(s + 1, e)) for _, _, s, e in self._coding_keys ^ after
        )
        self._codings = list(codings)
        self._coding_keys = after
        self._coding_triples = [(c.start, c.end, c.code_id) for c in self._codings]
        if not changed:
            return
        if len(changed) > _MAX_TARGETED_INVALIDATION:
            self._run_bounds, self._run_keys = _coverage(self._coding_triples, 0, _FAR)
        else:
            for span in changed:
                self._splice_runs(span.start, span.end)
        self._invalidate_spans(changed)
        self.refresh()

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
        return self._locator.at(offset)

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
            if y > 0 and layout.kinds[y - 1] == _HEADER:
                y -= 1
            self.scroll_to(y=max(0, y - self._viewport_height() // 3), animate=False, force=True)
        self.refresh()

    def offset_at(self, x: int, y: int) -> int:
        """The document offset drawn at widget coordinates ``(x, y)``."""
        layout = self._layout
        if layout is None or layout.count == 0:
            return 0
        line = max(0, min(layout.count - 1, int(self.scroll_offset.y) + y))
        line = self._text_line(line, forward=True)
        return self._offset_at_column(line, max(0, x - layout.gutter))

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
        while (match := _NOT_SIMPLE.search(text, position)) is not None:
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
            colours = _SPEAKER_COLOURS
            self._speaker_colours[speaker] = colours[len(self._speaker_colours) % len(colours)]
        labels: list[tuple[int, int, str | None]] = []
        window_end = min(para_end, start + _LABEL_WINDOW)
        stamp = _STAMP_IN_TEXT.match(text, start, window_end)
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
                label = _LABEL_END.match(text, after, para_end)
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
        self._run_bounds, self._run_keys = _coverage(self._coding_triples, 0, _FAR)

    def _splice_runs(self, low: int, high: int) -> None:
        """Recompute coverage runs inside ``[low, high)`` only; outside it nothing changed."""
        bounds, keys = self._run_bounds, self._run_keys
        middle_bounds, middle_keys = _coverage(self._coding_triples, low, high)
        before = bisect_left(bounds, low)
        after = bisect_right(bounds, high)
        key_at_high = keys[after - 1]  # coverage from ``high`` on is unchanged
        new_bounds = bounds[:before] + middle_bounds
        new_keys = keys[:before] + middle_keys
        if high < _FAR:
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
        if len(spans) > _MAX_TARGETED_INVALIDATION:
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
        self._layout = self._wrap(width)
        self._strips.clear()
        self.virtual_size = Size(width, self._layout.count)
        # scrollbars otherwise learn of the new height only at the next layout pass, and
        # until then Textual refuses to scroll
        self._refresh_scrollbars()
        if old is not None:
            self.scroll_to(y=self._line_of(top_offset), animate=False, force=True)

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

    def _wrap(self, width: int) -> _Layout:
        digits = len(str(max(1, len(self._locator.places))))
        gutter = max(4, digits + 2)
        margin = self._margin_width(width)
        text_width = max(8, width - gutter - margin - 1)
        starts, ends, kinds, paras = array("q"), array("q"), bytearray(), array("l")
        add_start, add_end, add_kind, add_para = (
            starts.append,
            ends.append,
            kinds.append,
            paras.append,
        )
        text = self._text
        rfind = text.rfind
        headers, complex_paras = self._headers, self._complex_paras
        for index, (start, end) in enumerate(zip(self._para_starts, self._para_ends, strict=True)):
            if start in headers:
                add_start(start)
                add_end(start)
                add_kind(_HEADER)
                add_para(index)
            kind = _FIRST
            if index in complex_paras:
                for line_start, line_end in _wrap_cells(text, start, end, text_width):
                    add_start(line_start)
                    add_end(line_end)
                    add_kind(kind)
                    add_para(index)
                    kind = _CONTINUATION
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
                kind = _CONTINUATION
                position = cut
            add_start(position)
            add_end(end)
            add_kind(kind)
            add_para(index)
        return _Layout(width, gutter, text_width, margin, starts, ends, kinds, paras)

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        self._scroll_cursor_into_view()

    def notify_style_update(self) -> None:
        """Theme or CSS changed: colours baked into cached strips are stale."""
        super().notify_style_update()
        self._run_styles.clear()
        self._strips.clear()

    # ------------------------------------------------------------------ geometry

    def _line_of(self, offset: int) -> int:
        """The visual line holding ``offset`` (a header shares its start with the text
        line after it; bisecting to the right lands on the text line)."""
        layout = self._layout
        assert layout is not None
        return max(0, bisect_right(layout.starts, offset) - 1)

    def _text_line(self, y: int, forward: bool) -> int:
        """``y`` itself, or the nearest text line when ``y`` is a turn header."""
        layout = self._layout
        assert layout is not None
        if layout.kinds[y] != _HEADER:
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
        end = layout.ends[y]
        if y + 1 < layout.count and layout.kinds[y + 1] == _CONTINUATION:
            return max(layout.starts[y], end - 1)
        return end

    def _column_of(self, y: int, offset: int) -> int:
        layout = self._layout
        assert layout is not None
        start = layout.starts[y]
        if not self._is_complex(y):
            return offset - start
        return cell_len(self._text[start:offset].translate(_DISPLAY))

    def _offset_at_column(self, y: int, column: int) -> int:
        layout = self._layout
        assert layout is not None
        start, last = layout.starts[y], self._last_offset(y)
        if not self._is_complex(y):
            return min(start + column, last)
        cells = 0
        for offset in range(start, last):
            cells += _cell(self._text[offset])
            if cells > column:
                return offset
        return last

    # ------------------------------------------------------------------ rendering

    def render_line(self, y: int) -> Strip:
        layout = self._layout
        width = self.scrollable_content_region.width
        line = int(self.scroll_offset.y) + y
        if layout is None or line >= layout.count or layout.width != width:
            return Strip.blank(width, self.rich_style)
        strip = self._strips.get(line)
        if strip is None:
            strip = self._build_strip(layout, line)
            self._strips.set(line, strip)
        return self._overlay(layout, line, strip)

    def _run_style(self, key: RunKey, base: Style) -> Style:
        style = self._run_styles.get(key)
        if style is None:
            code_ids, overlapping = key
            background = Color.from_rich_color(base.bgcolor) if base.bgcolor else Color(0, 0, 0)
            colours = [_colour(self._codes[i].colour) for i in code_ids if i in self._codes]
            if not colours:
                colours = [_GREY]
            mixed = Color(
                sum(c.r for c in colours) // len(colours),
                sum(c.g for c in colours) // len(colours),
                sum(c.b for c in colours) // len(colours),
            )
            tint = background.blend(mixed, _OVERLAP_TINT if overlapping else _TINT)
            style = base + Style(bgcolor=tint.rich_color, underline=overlapping)
            self._run_styles[key] = style
        return style

    def _build_strip(self, layout: _Layout, y: int) -> Strip:
        """Gutter, text with coding tints, and margin of visual line ``y``."""
        base = self.rich_style
        text = self._text
        start, end, kind = layout.starts[y], layout.ends[y], layout.kinds[y]
        gutter_style = self.get_component_rich_style("transcript-view--gutter")
        segments: list[Segment] = []
        number = self._para_numbers[layout.paras[y]] if kind == _FIRST else 0
        label = f"{number} " if number else ""
        segments.append(Segment(label.rjust(layout.gutter), gutter_style))
        if kind == _HEADER:
            stamp, speaker = self._headers.get(start, (None, None))
            if stamp is not None:
                stamp_style = self.get_component_rich_style("transcript-view--timestamp")
                segments.append(Segment(format_timestamp(stamp) + " ", stamp_style))
            note = self._notes.get(start)
            if speaker:
                shown = visible(speaker) + " " if note else visible(speaker)
                segments.append(Segment(shown, self._speaker_style(speaker, base)))
            if note:
                note_style = self.get_component_rich_style("transcript-view--note")
                segments.append(Segment(visible(note), note_style))
        else:
            position = start
            for label_start, label_end, speaker in self._labels.get(start, ()):
                if kind != _FIRST or label_start < position or label_start >= end:
                    break
                segments.extend(self._text_segments(position, label_start, base))
                position = min(end, label_end)
                if speaker is None:
                    style = self.get_component_rich_style("transcript-view--timestamp")
                else:
                    style = self._speaker_style(speaker, base)
                segments.append(Segment(text[label_start:position].translate(_DISPLAY), style))
            segments.extend(self._text_segments(position, end, base))
        # pads short lines. A header longer than the text column runs on over the margin
        # (a header has no text of its own to name codes for), and one longer than the
        # view is cut with an ellipsis.
        room = layout.gutter + layout.text_width + 1
        strip = Strip(segments)
        margin = layout.margin
        if kind == _HEADER and strip.cell_length > room:
            room, margin = layout.width, 0
            if strip.cell_length > room:
                strip = _ellipsis(strip, room, segments[-1].style)
        strip = strip.adjust_cell_length(room, base)
        if margin:
            strip = Strip.join([strip, Strip(self._margin_segments(layout, start, end, base))])
        strip = strip.adjust_cell_length(layout.width, base)
        if self._dimmed and self._is_dimmed(start):
            strip = strip.apply_style(Style(dim=True))
        return strip

    def _text_segments(self, position: int, end: int, base: Style) -> list[Segment]:
        """``text[position:end]`` cut at coverage runs, each piece tinted by its codes."""
        text, bounds, keys = self._text, self._run_bounds, self._run_keys
        segments: list[Segment] = []
        index = bisect_right(bounds, position) - 1
        last = len(bounds) - 1
        while position < end:
            piece_end = min(end, bounds[index + 1]) if index < last else end
            key = keys[index]
            style = base if key is None else self._run_style(key, base)
            segments.append(Segment(text[position:piece_end].translate(_DISPLAY), style))
            position = piece_end
            index += 1
        return segments

    def _speaker_style(self, speaker: str, base: Style) -> Style:
        style = base + self.get_component_rich_style("transcript-view--speaker", partial=True)
        colour = self._speaker_colours.get(speaker)
        return style + Style(color=colour) if colour else style

    def _margin_segments(self, layout: _Layout, start: int, end: int, base: Style) -> list[Segment]:
        """``│ name, name…`` naming the codes present on the line, in their colours."""
        margin_style = self.get_component_rich_style("transcript-view--margin")
        room = layout.margin - 2
        segments = [Segment("│ ", margin_style)]
        codes: list[int] = []
        bounds, keys = self._run_bounds, self._run_keys
        index = bisect_right(bounds, start) - 1
        while index < len(bounds) and bounds[index] < max(end, start + 1):
            key = keys[index]
            if key is not None:
                codes.extend(i for i in key[0] if i not in codes)
            index += 1
        for i, code_id in enumerate(codes):
            code = self._codes.get(code_id)
            if code is None or room <= 0:
                continue
            name = (", " if i else "") + visible(code.name)
            if cell_len(name) > room:
                name = name[: max(0, room - 1)] + "…"
            segments.append(Segment(name, base + self._name_style(code)))
            room -= cell_len(name)
        return segments

    def _name_style(self, code: Code) -> Style:
        """A code's name in its colour, pulled a little towards the text colour so that a
        dark green stays legible on a dark theme and a pale yellow on a light one."""
        base = self.rich_style
        foreground = Color.from_rich_color(base.color) if base.color else Color(255, 255, 255)
        return Style(color=_colour(code.colour).blend(foreground, 0.3).rich_color)

    def _overlay(self, layout: _Layout, y: int, strip: Strip) -> Strip:
        """Draw the selection and the cursor over a cached strip."""
        if layout.kinds[y] == _HEADER:
            return strip
        start, end = layout.starts[y], layout.ends[y]
        last = self._last_offset(y)
        x0 = layout.gutter
        marks: list[tuple[int, int, Style]] = []
        selection = self.selection
        if selection is not None and selection.start <= last and selection.end > start:
            a = max(selection.start, start)
            b = min(selection.end, end)
            left = x0 + self._column_of(y, a)
            right = x0 + self._column_of(y, b)
            if selection.end > end and last == end:
                right += 1  # the selected newline shows as one cell
            if right > left:
                style = self.get_component_rich_style("transcript-view--selection", partial=True)
                marks.append((left, right, style))
        if start <= self._cursor <= last and self._line_of(self._cursor) == y:
            column = x0 + self._column_of(y, self._cursor)
            size = 1
            if self._cursor < end and self._is_complex(y):
                size = max(1, _cell(self._text[self._cursor]))
            style = self.get_component_rich_style("transcript-view--cursor", partial=True)
            marks.append((column, column + size, style))
        for left, right, style in marks:
            right = min(right, layout.gutter + layout.text_width + 1)
            if right <= left:
                continue
            before, middle, after = strip.divide([left, right, strip.cell_length])
            middle = Strip(list(Segment.apply_style(middle, post_style=style)), middle.cell_length)
            strip = Strip.join([before, middle, after])
        return strip

    # ------------------------------------------------------------------ cursor moves

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
        if y > 0 and layout.kinds[y - 1] == _HEADER and y - 1 < top:
            y -= 1  # show a turn's header with its first line
        if y < top:
            self.scroll_to(y=y, animate=False, force=True)
        elif y >= top + height:
            self.scroll_to(y=y - height + 1, animate=False, force=True)

    def _vertical(self, lines: int, select: bool) -> None:
        layout = self._layout
        if layout is None or layout.count == 0:
            return
        y = self._line_of(self._cursor)
        if self._goal_column is None:
            self._goal_column = self._column_of(y, self._cursor)
        target = max(0, min(layout.count - 1, y + lines))
        target = self._text_line(target, forward=lines > 0)
        if layout.kinds[target] == _HEADER:  # a header first line when moving up
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

    def action_remove_coding(self) -> None:
        codings = self.codings_at(self._cursor)
        if codings:
            self.post_message(self.RemoveCodingRequested(self, self._cursor, codings))

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


def _ellipsis(strip: Strip, width: int, style: Style | None) -> Strip:
    """``strip`` cut to ``width`` cells, its last one an ellipsis: a cut label says so.
    The cell before the ellipsis is left blank when it would be half a wide character."""
    kept = strip.crop(0, max(0, width - 1))
    kept = kept.adjust_cell_length(max(0, width - 1))
    return Strip.join([kept, Strip([Segment("…", style)])])
