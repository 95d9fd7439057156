"""Passages a person names in a document, by their text or by offsets, resolved to the span
a coding stores; and the codings of one coder that such a passage names.

The command line's ``code`` and ``uncode`` use these; the interface selects spans with the
cursor, but a future "find and code" in it would take the same road.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from codage.domain import Coding, Document, snap_to_graphemes
from codage.passages import AmbiguousPassage, locate_passage
from codage.places import Locator

if TYPE_CHECKING:
    from codage.services import Project


@dataclass(frozen=True, slots=True)
class NamedSpan:
    """A passage's span in code points, end exclusive. ``widened`` says it was widened to
    whole characters (a flag, an emoji with its skin tone, an accented letter is never cut
    in two), which a face tells the person."""

    start: int
    end: int
    widened: bool = False


def passage_span(
    project: Project,
    document: Document,
    *,
    text: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> NamedSpan | None:
    """The span named by its ``text`` (found as it reads: quotes, spaces and line ends may
    differ; raises when it is absent or ambiguous) or by ``start``/``end``; None when
    neither is given."""
    if text is not None:
        units = project.units(document.id)
        found = locate_passage(
            document.text,
            text,
            document=document.name,
            locator=Locator.of(units, document.text),
        )
        start, end = found.start, found.end
    if start is None or end is None:
        return None
    wide = snap_to_graphemes(document.text, start, end)
    return NamedSpan(wide[0], wide[1], wide != (start, end))


@dataclass(frozen=True, slots=True)
class OwnCodings:
    """A coder's codings of a code in a document that a passage names (all of them when no
    passage is named), and the span named, if any."""

    codings: list[Coding]
    span: NamedSpan | None


def own_codings(
    project: Project,
    document: Document,
    code_id: int,
    coder: str,
    *,
    text: str | None = None,
    start: int | None = None,
    end: int | None = None,
    every: bool = False,
) -> OwnCodings:
    """The codings of ``coder`` and ``code_id`` in ``document`` at the passage named, or all
    of them with ``every``. A passage said several times is not ambiguous when only one of
    its occurrences carries such a coding."""
    mine = project.codings(document_id=document.id, code_ids=[code_id], coders=[coder])
    if every:
        return OwnCodings(mine, None)
    try:
        span = passage_span(project, document, text=text, start=start, end=end)
    except AmbiguousPassage as ambiguous:
        coded = {(c.start, c.end) for c in mine}
        held = {snap_to_graphemes(document.text, s.start, s.end) for s in ambiguous.spans} & coded
        if len(held) != 1:
            raise
        [(first, last)] = held
        span = NamedSpan(first, last)
    if span is None:
        return OwnCodings([], None)
    return OwnCodings([c for c in mine if (c.start, c.end) == (span.start, span.end)], span)
