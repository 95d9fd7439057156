"""The transcript view's indexes as they were built before issue 19's opening in parts
(kept verbatim from the view of commit cd88cf2, as free code over a text, its units and
notes): the oracle the view's indexes, built in steps and from a document's parts, are
compared with."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from operator import attrgetter

from codage.domain import Unit
from codage.places import Locator
from codage.tui.widgets.transcript_layout import (
    CONTINUATION,
    FIRST,
    HEADER,
    LABEL_END,
    LABEL_WINDOW,
    NOT_SIMPLE,
    SIMPLE_BYTES,
    SIMPLE_ENCODING,
    SPEAKER_COLOURS,
    STAMP_IN_TEXT,
    wrap_cells,
)


class IndexBefore:
    """Paragraphs, units, decorations, gutter numbers and notes, indexed at once."""

    def __init__(self, text: str, units: Sequence[Unit], notes: Mapping[int, str]) -> None:
        self._text = text
        self._index_paragraphs(text)
        self._index_units(units)
        self._index_notes(notes)

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

    def gutter(self) -> int:
        """The gutter's width (``_wrap_start``)."""
        digits = len(str(max(1, len(self._locator.places))))
        return max(4, digits + 2)

    def wrap(self, text_width: int) -> tuple[list[int], list[int], bytes, list[int]]:
        """Every visual line at ``text_width`` (``_wrap_paragraphs`` of the whole text),
        as starts, ends, kinds and paragraphs."""
        starts: list[int] = []
        ends: list[int] = []
        kinds = bytearray()
        paras: list[int] = []
        text, headers, complex_paras = self._text, self._headers, self._complex_paras
        for index, (start, end) in enumerate(zip(self._para_starts, self._para_ends, strict=True)):
            if start in headers:
                starts.append(start)
                ends.append(start)
                kinds.append(HEADER)
                paras.append(index)
            kind = FIRST
            if index in complex_paras:
                for line_start, line_end in wrap_cells(text, start, end, text_width):
                    starts.append(line_start)
                    ends.append(line_end)
                    kinds.append(kind)
                    paras.append(index)
                    kind = CONTINUATION
                continue
            position = start
            while end - position >= text_width:
                space = text.rfind(" ", position, position + text_width)
                cut = space + 1 if space > position else position + text_width
                starts.append(position)
                ends.append(cut)
                kinds.append(kind)
                paras.append(index)
                kind = CONTINUATION
                position = cut
            starts.append(position)
            ends.append(end)
            kinds.append(kind)
            paras.append(index)
        return starts, ends, bytes(kinds), paras
