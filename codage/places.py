"""Places: where a passage is, as every face names it (the numbered units of a document)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from codage.domain import Unit

# Units numbered for people: they do not overlap one another, and together they
# hold a document's text. One sequence per document, in text order, so that
# "turn 12" in a dossier is the unit the transcript view numbers 12.
PLACE_KINDS = ("turn", "paragraph", "answer", "heading")


@dataclass(frozen=True, slots=True)
class Place:
    """A numbered unit of a document: ``number`` is 1-based, in text order."""

    number: int
    kind: str
    start: int
    end: int


def number_places(units: Iterable[Unit], text: str | None = None) -> list[Place]:
    """The numbered units of a document (turns, paragraphs, answers, headings).

    A document without such units (imported by hand, or by an older reader)
    is numbered by its non-empty lines, given its ``text``, as the transcript
    view shows them.
    """
    return number_spans(((u.kind, u.start, u.end) for u in units), text)


def number_spans(spans: Iterable[tuple[str, int, int]], text: str | None = None) -> list[Place]:
    """:func:`number_places` of units given as (kind, start, end): the same places."""
    boxes = sorted(
        ((start, end, kind) for kind, start, end in spans if kind in PLACE_KINDS and end > start),
        key=lambda b: (b[0], -b[1]),
    )
    if not boxes and text:
        position = 0
        for line in text.split("\n"):
            if line:
                boxes.append((position, position + len(line), "paragraph"))
            position += len(line) + 1
    places: list[Place] = []
    for start, end, kind in boxes:
        if places and start < places[-1].end:
            continue  # nested in the one before (should not happen): counted once
        places.append(Place(len(places) + 1, kind, start, end))
    return places


class Locator:
    """Finds the numbered unit holding an offset or a passage."""

    def __init__(self, places: Sequence[Place]) -> None:
        self.places = list(places)
        self._starts = [p.start for p in self.places]

    @classmethod
    def of(cls, units: Iterable[Unit], text: str | None = None) -> Locator:
        """A locator over :func:`number_places` of these units."""
        return cls(number_places(units, text))

    def at(self, offset: int) -> Place | None:
        """The unit holding ``offset``; between two units, the next one (where the
        passage's words begin); after the last, the last."""
        if not self.places:
            return None
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0 and offset < self.places[i].end:
            return self.places[i]
        if i + 1 < len(self.places):
            return self.places[i + 1]
        return self.places[i]
