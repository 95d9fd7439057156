"""Folding a text for case- and accent-blind matching, with a map back to the stored
offsets: what the search matches against, and what the store keeps in its search index.

Pure (no I/O), so that the store can build its index in the transaction that writes a
text and the search service can fold a document that has no stored index yet, the same
way.
"""

from __future__ import annotations

import unicodedata
from array import array
from dataclasses import dataclass

from codage.domain import Span

__all__ = ["FoldedText", "fold_char", "fold_text"]


def fold_char(ch: str, accents: bool = True) -> str:
    """One character lower-cased (casefold) and, with ``accents``, without accents."""
    lowered = ch.casefold()
    if not accents:
        return lowered
    decomposed = unicodedata.normalize("NFD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class FoldedText:
    """A text folded character by character; ``back[i]`` is the stored offset of folded
    character ``i`` (None when every character folds to exactly one: offsets agree)."""

    text: str
    back: array[int] | None

    def span(self, start: int, end: int) -> Span:
        """The stored span of folded ``[start, end)``."""
        if self.back is None:
            return Span(start, end)
        return Span(self.back[start], self.back[end - 1] + 1)


def fold_text(text: str, *, accents: bool = True) -> FoldedText:
    """``text`` lower-cased (casefold) and, with ``accents``, without accents.

    Characters are folded through a table of the distinct characters of the text
    (a transcript holds a hundred or so); when each folds to exactly one, the
    stored offsets hold and no map is kept.
    """
    table = {ch: fold_char(ch, accents) for ch in set(text)}
    if all(len(v) == 1 for v in table.values()):
        # Offsets agree. casefold, then one replace per accented letter: str.translate
        # and a join over the characters both took seconds on a million words.
        folded = text.casefold()
        for ch in set(folded):
            plain = fold_char(ch, accents)
            if plain != ch:
                folded = folded.replace(ch, plain)
        if len(folded) == len(text):
            return FoldedText(folded, None)
    folded = "".join(map(table.__getitem__, text))
    back = array("q")
    for i, ch in enumerate(text):
        back.extend([i] * len(table[ch]))
    return FoldedText(folded, back)
