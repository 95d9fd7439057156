"""Codings kept aside by a merge: where they could go in the current text, and placing them.

A merge keeps a coding aside when its passage is no longer in the project's copy of the
document. A person then places it (on a passage they choose, or on the best match this module
suggests) or discards it. The suggestion reuses the merge's own anchor search
(:func:`codage.analysis.align.place_anchor`) with a looser threshold, since a person confirms it,
and falls back to the whole text when the passage moved far.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from codage.analysis.align import OffsetMap, Placement, place_anchor
from codage.domain import AsideCoding, Coding
from codage.store.project import Conflict, NotFound, Project

__all__ = ["AsideSuggestion", "place_aside_on_text", "suggest_placement", "suggestions"]

# A person confirms a suggestion, so it may be looser than the merge's 0.75; below this a
# "match" is mostly noise and none is offered.
SUGGEST_THRESHOLD = 0.6


@dataclass(frozen=True, slots=True)
class AsideSuggestion:
    """A coding kept aside and the passage of the current text that best matches it."""

    aside: AsideCoding
    match: Placement | None

    def matched_text(self, text: str) -> str:
        """The suggested passage in ``text`` ("" without a suggestion)."""
        return text[self.match.start : self.match.end] if self.match else ""


def _near_map(length: int) -> OffsetMap:
    """An offset map that keeps offsets where they are: the old copy's text is gone, and
    corrections are local, so the old offsets are the best guess of where to look first."""
    return OffsetMap(length, length, ((0, length, 0, length, False),), (0,))


def suggest_placement(aside: AsideCoding, text: str) -> Placement | None:
    """The best passage of ``text`` for a coding kept aside, or None when nothing is close.

    First near the old offsets (exact, then similar passages, as a merge would), then the
    exact passage anywhere (nearest to the old place), then the most similar passage of the
    whole text.
    """
    anchor = aside.text
    if not anchor or not text:
        return None
    length = max(len(text), aside.end)
    found = place_anchor(
        anchor,
        min(aside.start, length),
        min(aside.end, length),
        text,
        _near_map(length),
        threshold=SUGGEST_THRESHOLD,
    )
    if isinstance(found, Placement) and found.end <= len(text) and found.end > found.start:
        return found
    best = _nearest_occurrence(text, anchor, aside.start)
    if best is not None:
        return Placement(best, best + len(anchor), "exact")
    aligned = fuzz.partial_ratio_alignment(anchor, text)
    # None only under a score_cutoff, and none is given
    assert aligned is not None
    score = aligned.score / 100.0
    if score >= SUGGEST_THRESHOLD and aligned.dest_end > aligned.dest_start:
        return Placement(aligned.dest_start, aligned.dest_end, "fuzzy", score)
    return None


def _nearest_occurrence(text: str, passage: str, near: int) -> int | None:
    best: int | None = None
    found = text.find(passage)
    while found >= 0:
        if best is None or abs(found - near) < abs(best - near):
            best = found
        found = text.find(passage, found + 1)
    return best


def suggestions(project: Project, document_id: int) -> list[AsideSuggestion]:
    """The codings kept aside for a document, each with its suggested place."""
    kept = project.codings_aside(document_id=document_id)
    if not kept:
        return []
    text = project.document(document_id).text
    return [AsideSuggestion(a, suggest_placement(a, text)) for a in kept]


def place_aside_on_text(project: Project, aside_id: int, passage: str, *, coder: str) -> Coding:
    """Place a coding kept aside on ``passage`` of its document (the occurrence nearest its
    old place when the passage occurs several times); journaled as ``coder``'s change."""
    aside = next((a for a in project.codings_aside() if a.id == aside_id), None)
    if aside is None:
        raise NotFound(f"no coding kept aside with id {aside_id}")
    document = (
        project.document(aside.document_id)
        if aside.document_id is not None
        else project.document(aside.document_name)
    )
    if not passage:
        raise Conflict("the text to place the coding on is empty")
    start = _nearest_occurrence(document.text, passage, aside.start)
    if start is None:
        raise NotFound(f"{document.name}: the text {passage!r} is not in the document")
    return project.place_aside(aside_id, start, start + len(passage), coder=coder)
