"""Retrieval of passages: every coding of a selection as a plain record with its text, a few
words of context on each side, its document, place, speaker, case and code.

The interface's retrieval screen shows these records; the selection of codings (which codes,
documents, coders) is made beforehand by the selection query, and this module reads each
document's text once to cut the passages and their context out of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from codage.domain import Case, Code, Coding, DocumentInfo, format_attribute
from codage.places import Place

if TYPE_CHECKING:
    from codage.store.project import Project

__all__ = [
    "CONTEXT_WORDS",
    "Passage",
    "SelectedCoding",
    "context_around",
    "matches",
    "read_passages",
]

# Words of context kept on each side of a passage.
CONTEXT_WORDS = 6
# How far to look for those words: enough for six long French words.
_CONTEXT_CHARS = 80

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Passage:
    """One coding as retrieval shows it: where it is, who coded it, what surrounds it."""

    coding_id: int
    document_id: int
    document: str
    code_id: int
    code_path: str
    colour: str
    coder: str
    start: int
    end: int
    text: str
    before: str = ""
    after: str = ""
    speaker: str | None = None
    case: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    place: Place | None = None  # the numbered turn, paragraph or answer (the gutter's number)

    def case_label(self) -> str:
        """``case (key=value, …)``, or the empty string without a case."""
        if self.case is None:
            return ""
        shown = ", ".join(f"{k}={v}" for k, v in self.attributes.items() if v)
        return f"{self.case} ({shown})" if shown else self.case


class SelectedCoding(Protocol):
    """What retrieval needs of a selected coding: the coding and where it sits."""

    @property
    def coding(self) -> Coding: ...
    @property
    def code(self) -> Code: ...
    @property
    def document(self) -> DocumentInfo: ...
    @property
    def speaker(self) -> str | None: ...
    @property
    def case(self) -> Case | None: ...
    @property
    def place(self) -> Place | None: ...


def context_around(text: str, start: int, end: int, words: int = CONTEXT_WORDS) -> tuple[str, str]:
    """A few words before ``start`` and after ``end``, each on one line.

    The space (or its absence) next to the passage is kept, so that
    ``lisait`` + ``. Puis`` reads as it does in the text.
    """
    before = _WHITESPACE.sub(" ", text[max(0, start - _CONTEXT_CHARS) : start])
    after = _WHITESPACE.sub(" ", text[end : end + _CONTEXT_CHARS])
    head = before.split(" ")
    # a word cut by the window's edge is dropped rather than shown half
    if start > _CONTEXT_CHARS:
        head = head[1:]
    tail = after.split(" ")
    if end + _CONTEXT_CHARS < len(text):
        tail = tail[:-1]
    kept_before = _last_words(head, words)
    kept_after = list(reversed(_last_words(list(reversed(tail)), words)))
    return " ".join(kept_before), " ".join(kept_after)


def _last_words(pieces: list[str], words: int) -> list[str]:
    """The shortest tail of ``pieces`` holding ``words`` words (empty pieces are the
    spaces around them, kept)."""
    count = 0
    for i in range(len(pieces) - 1, -1, -1):
        if pieces[i]:
            count += 1
            if count > words:
                return pieces[i + 1 :]
    return pieces


def read_passages(
    project: Project, records: Iterable[SelectedCoding], *, words: int = CONTEXT_WORDS
) -> list[Passage]:
    """The passages of selected codings, in the selection's order, with their context.

    Each document's text is read once, however many of its codings are selected.
    """
    texts: dict[int, str] = {}
    out: list[Passage] = []
    for record in records:
        coding, doc = record.coding, record.document
        if doc.id not in texts:
            texts[doc.id] = project.document(doc.id).text
        text = texts[doc.id]
        before, after = context_around(text, coding.start, coding.end, words)
        case = record.case
        out.append(
            Passage(
                coding_id=coding.id,
                document_id=doc.id,
                document=doc.name,
                code_id=record.code.id,
                code_path=record.code.path_str,
                colour=record.code.colour,
                coder=coding.coder,
                start=coding.start,
                end=coding.end,
                text=text[coding.start : coding.end],
                before=before,
                after=after,
                speaker=record.speaker,
                place=record.place,
                case=case.name if case else None,
                attributes=(
                    {k: format_attribute(v) for k, v in case.attributes.items()} if case else {}
                ),
            )
        )
    return out


def matches(
    passage: Passage,
    document_id: int | None = None,
    coder: str | None = None,
    attribute: tuple[str, str] | None = None,
) -> bool:
    """Whether a passage passes the filters (None: no filter)."""
    if document_id is not None and passage.document_id != document_id:
        return False
    if coder is not None and passage.coder != coder:
        return False
    return attribute is None or passage.attributes.get(attribute[0]) == attribute[1]
