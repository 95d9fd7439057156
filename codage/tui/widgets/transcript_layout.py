"""Pieces of the transcript view that hold no widget state: which characters take one cell,
how codings flatten into runs of constant coverage, how a paragraph wraps cell by cell, the
layout of visual lines for one width, colours and the ellipsis of a cut label."""

from __future__ import annotations

import re
import threading
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

from rich.cells import get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.strip import Strip

from codage.domain import Unit
from codage.places import Locator, number_places

# Characters that certainly take one cell. Anything else (CJK, emoji, combining marks, soft
# hyphen, other controls) sends its paragraph down the cell-by-cell path.
NOT_SIMPLE = re.compile(r"[^\t\n\x20-\x7e\xa0-\xac\xae-\u02ff\u2010-\u2027\u2030-\u205e\u20ac]")


def _simple_bytes(encoding: str) -> bytes:
    """The bytes of a one-byte ``encoding`` whose characters NOT_SIMPLE lets through."""
    kept = []
    for i in range(256):
        try:
            char = bytes([i]).decode(encoding)
        except UnicodeDecodeError:
            continue
        if not NOT_SIMPLE.match(char):
            kept.append(i)
    return bytes(kept)


# A Latin-1 text (Python then holds it a byte a character) made only of these has no
# complex paragraph: encoding and bytes.translate tell it in a seventh of the regular
# expression's scan of a 50 MB transcript. (Windows-1252 would take in curly quotes, but
# its codec on a wider string is no quicker than the expression.)
SIMPLE_ENCODING = "latin-1"
SIMPLE_BYTES = _simple_bytes(SIMPLE_ENCODING)

# Controls would move the terminal cursor; each is drawn as one space so that one code point
# stays one cell.
DISPLAY = str.maketrans({i: " " for i in [*range(32), 127]})

# Visual line kinds.
CONTINUATION = 0
FIRST = 1  # first visual line of a paragraph: carries the paragraph number
HEADER = 2  # a turn header (timestamp, speaker) drawn above a turn; holds no text

# A timestamp written at the start of a turn: [00:12:34], (00:12:34), 00:12:34.
STAMP_IN_TEXT = re.compile(r"[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?[ \t]*")
# What ends a speaker label: "Marie : ", "Marie - ", "**Marie :** ".
LABEL_END = re.compile(r"(?:\*\*|__)?[ \t\u00a0\u202f]*(?:[:\-–—](?:\*\*|__)?[ \t]*)?")
# How far into a paragraph a speaker label is looked for.
LABEL_WINDOW = 80

# Calm, distinguishable colours for speaker names, given in order of first appearance.
SPEAKER_COLOURS = ("#7aa2f7", "#e0af68", "#9ece6a", "#bb9af7", "#7dcfff", "#f7768e")

# Opacity of a code's colour over the background: light for one coding, stronger (and
# underlined) where codings overlap, so that overlaps stand out without shouting.
TINT = 0.35
OVERLAP_TINT = 0.55

# Past this many changed spans it is cheaper to drop the whole strip cache.
MAX_TARGETED_INVALIDATION = 256


def format_timestamp(seconds: float) -> str:
    """``3725.2`` -> ``[01:02:05]``."""
    total = int(seconds)
    return f"[{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}]"


GREY = Color(136, 136, 136)


def parse_colour(value: str) -> Color:
    """A code's stored colour; grey when it cannot be read, rather than a crash."""
    try:
        return Color.parse(value)
    except Exception:  # Textual raises ColorParseError, but any bad value means grey
        return GREY


def cell_width(char: str) -> int:
    """Cell width of one code point as drawn by this view (controls become a space)."""
    if ord(char) < 32 or char == "\x7f":
        return 1
    return get_character_cell_size(char)


FAR = 1 << 62  # beyond any document

# Paragraphs wrapped at a time while a long document opens: some 20 ms of work, so that
# keys pressed meanwhile wait no longer than that.
WRAP_STEP = 2000

RunKey = tuple[tuple[int, ...], bool]
"""Coverage of a run: the ids of the codes covering it, and whether codings overlap there."""


def coverage(
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


def wrap_cells(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of ``text[start:end]`` measured in cells, for the rare paragraphs
    holding wide or zero-width characters. One cell is kept free at the end of every line
    so that the cursor fits after the last character."""
    out: list[tuple[int, int]] = []
    line_start, cells, space, i = start, 0, -1, start
    limit = max(1, width - 1)
    while i < end:
        char = text[i]
        w = cell_width(char)
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
class Layout:
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


def ellipsis(strip: Strip, width: int, style: Style | None) -> Strip:
    """``strip`` cut to ``width`` cells, its last one an ellipsis: a cut label says so.
    The cell before the ellipsis is left blank when it would be half a wide character."""
    kept = strip.crop(0, max(0, width - 1))
    kept = kept.adjust_cell_length(max(0, width - 1))
    return Strip.join([kept, Strip([Segment("…", style)])])


Bounds = tuple[Sequence[int], Sequence[int]]
"""Units of one kind as their starts and ends, in text order."""


class LateBounds(Mapping[str, Bounds]):
    """Units' bounds that a worker reads while the document already shows.

    A 50 MB transcript holds some 400,000 sentences: reading them takes a second that
    the first paint need not wait for. The view asks for them only when a key selects
    by sentence; until the worker has delivered, that lookup waits for it (the worker
    delivers even when its read fails, then with nothing).
    """

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._shown = threading.Event()
        self._bounds: dict[str, Bounds] = {}

    def shown(self) -> None:
        """The document is on screen: the worker may read (called by the screen)."""
        self._shown.set()

    def wait_shown(self, timeout: float) -> None:
        """Wait (in the worker) until the document shows, so that reading does not
        compete with its first paint for the interpreter; at most ``timeout`` seconds."""
        self._shown.wait(timeout)

    def deliver(self, bounds: Mapping[str, Bounds]) -> None:
        """Hand over what was read (called once, from the worker)."""
        self._bounds = dict(bounds)
        self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def _read(self) -> dict[str, Bounds]:
        # a key pressed before the first paint: the worker need wait for it no longer
        self._shown.set()
        self._ready.wait()
        return self._bounds

    def __getitem__(self, kind: str) -> Bounds:
        return self._read()[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


# Units the view decorates (a speaker or a time at the start of a paragraph), and the
# kinds among them, in the order a start is claimed: a turn before its first paragraph.
DECORATED_KINDS = ("turn", "paragraph")


def index_units(units: Sequence[Unit]) -> tuple[dict[str, Bounds], list[Unit]]:
    """Units' ``(starts, ends)`` per kind, in text order (as readers give them; sorted
    by start and end when not), and the units to decorate, by start, turns first at one
    start (each kind keeping that order within a start)."""
    by_kind: dict[str, list[Unit]] = {}
    for unit in units:
        by_kind.setdefault(unit.kind, []).append(unit)
    bounds: dict[str, Bounds] = {}
    for kind, group in by_kind.items():
        starts = [u.start for u in group]
        if starts != sorted(starts):  # readers emit units in order: usually no sort
            group.sort(key=attrgetter("start", "end"))
            starts = [u.start for u in group]
        bounds[kind] = (starts, [u.end for u in group])
    decorated = [
        u
        for kind in DECORATED_KINDS
        for u in by_kind.get(kind, ())
        if u.speaker is not None or u.timestamp is not None
    ]
    # stable: within one start, each kind's units keep their order
    decorated.sort(key=lambda u: (u.start, u.kind != "turn"))
    return bounds, decorated


@dataclass(frozen=True, slots=True)
class UnitsRest:
    """The units of a document from an offset on, with what the view derives from every
    unit, worked out by the worker that read them rather than between two keystrokes."""

    units: list[Unit]  # every unit of the document (the first part's, then these)
    rest: list[Unit]  # the units from the offset on
    notes: dict[int, str]  # header notes of the rest (a survey answer's respondent)
    bounds: dict[str, Bounds]  # every unit's, per kind (see index_units)
    decorated: list[Unit]  # the rest's units to decorate (see index_units)
    locator: Locator  # numbered places of the whole document
    place_starts: list[int]

    @classmethod
    def of(
        cls, head: Sequence[Unit], rest: Sequence[Unit], text: str, notes: Mapping[int, str]
    ) -> UnitsRest:
        """``rest`` (units starting at or after every unit of ``head``) with ``head``."""
        units = [*head, *rest]
        bounds, _ = index_units(units)
        _, decorated = index_units(rest)
        places = number_places(units, text)
        return cls(
            units=units,
            rest=list(rest),
            notes=dict(notes),
            bounds=bounds,
            decorated=decorated,
            locator=Locator(places),
            place_starts=[p.start for p in places],
        )


class LateUnits:
    """The units of a document from ``head_end`` on, read by a worker once the first part
    shows (the first part's units are given to the view at once).

    ``head_end`` starts a paragraph: the paragraphs before it are whole in the first part.
    Whatever needs a unit beyond it (a line past it, a turn key, the place of an offset)
    takes the rest, waiting for the worker if it has not delivered yet. Shares the
    "shown" signal of the sentences' :class:`LateBounds`: one read follows the other.
    """

    def __init__(self, head_end: int, bounds: LateBounds) -> None:
        self.head_end = head_end
        self._bounds = bounds
        self._ready = threading.Event()
        self._rest: UnitsRest | None = None

    def deliver(self, rest: UnitsRest) -> None:
        """Hand over what was read (called once, from the worker)."""
        self._rest = rest
        self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def take(self) -> UnitsRest:
        """The rest, waited for if need be (the worker is told to read it now)."""
        self._bounds.shown()
        self._ready.wait()
        assert self._rest is not None
        return self._rest
