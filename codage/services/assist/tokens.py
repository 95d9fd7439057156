"""The words a passage is compared by: the lemmas stored at import, lower-cased.

A unit's tokens are the stored lemmas of the sentences inside it (turns and
answers hold sentences); a document imported without the language model has no
lemmas, and its words are then taken as they are written, lower-cased.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import regex

from codage.domain import Unit, decode_lemmas

# A typed text or a codebook definition becomes lemmas the way the import made them;
# the faces pass codage.ingest.nlp.query_lemmas (the services may not import ingest).
Lemmatizer = Callable[[str], list[str]]

_WORD = regex.compile(r"\w+(?:['’]\w+)*")


def plain_words(text: str) -> list[str]:
    """Words as written, lower-cased: the tokens of text without stored lemmas."""
    return [m.group().lower() for m in _WORD.finditer(text)]


def keep(token: str) -> bool:
    """A token worth comparing by: it holds a letter (not a number or a dash alone)."""
    return any(ch.isalpha() for ch in token)


@dataclass
class DocumentTokens:
    """The lemma tokens of one document in text order, to cut any span out of."""

    text: str
    starts: list[int]
    lemmas: list[str]

    @classmethod
    def of(cls, text: str, sentences: Sequence[Unit]) -> DocumentTokens:
        triples = sorted(t for u in sentences for t in decode_lemmas(u.lemmas))
        return cls(text, [s for s, _, _ in triples], [lemma for _, _, lemma in triples])

    def span(self, start: int, end: int) -> list[str]:
        """The tokens of [start, end): stored lemmas, or the written words without them."""
        if not self.starts:
            return [w for w in plain_words(self.text[start:end]) if keep(w)]
        first = bisect.bisect_left(self.starts, start)
        stop = bisect.bisect_left(self.starts, end)
        return [w for w in self.lemmas[first:stop] if keep(w)]


def text_tokens(text: str, lemmatize: Lemmatizer | None) -> list[str]:
    """The tokens of a typed text or a definition: lemmatized when the face gave a
    lemmatizer, else its words as written."""
    words = lemmatize(text) if lemmatize is not None else plain_words(text)
    return ["_".join(w.lower().split()) for w in words if keep(w)]
