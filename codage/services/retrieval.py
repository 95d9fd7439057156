"""Retrieval of passages: every coding of a selection as a plain record with its text, a few
words of context on each side, its document, place, speaker, case and code.

The interface's retrieval screen shows these records; the selection of codings (which codes,
documents, coders) is made beforehand by the selection query, and this module reads each
document's text once to cut the passages and their context out of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Protocol

from codage.domain import Case, Code, Coding, DocumentInfo, Span, format_attribute
from codage.places import Place

if TYPE_CHECKING:
    from codage.store.project import Project

__all__ = [
    "CONTEXT_WORDS",
    "PAGE",
    "Passage",
    "PassageIndex",
    "PassageRow",
    "SelectedCoding",
    "context_around",
    "index_passages",
    "matches",
    "read_page",
    "read_passages",
    "row_matches",
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


# ---------------------------------------------------------------------------
# Paged reading: every coding of a code as a light row, passages built for a page
# ---------------------------------------------------------------------------

# Passages built at once after the rows are read; a code with no more passages than
# this is read whole, as before paging.
PAGE = 300


@dataclass(frozen=True, slots=True)
class PassageRow:
    """A coding of the listed code, without its text: what sorting, counting and the
    filters need. Its passage (text, context, speaker, place) is read for a page."""

    coding_id: int
    document_id: int
    code_id: int
    coder: str
    start: int
    end: int
    case: Case | None = None


@dataclass
class PassageIndex:
    """The rows of every coding of a code, in retrieval's order (codebook tree,
    document name, position, coder), and what building their passages needs."""

    rows: list[PassageRow]
    documents: dict[int, DocumentInfo]
    codes: dict[int, Code]
    # what was read of the documents of the last pages: text and locator (a few kept)
    _read: dict[int, tuple[str, Any]] = field(default_factory=dict)


def index_passages(project: Project, code_id: int, include_subcodes: bool) -> PassageIndex:
    """Every coding of a code (and its sub-codes when asked) as light rows, sorted as
    :func:`codage.services.selection.select_codings` sorts its records.

    No text and no unit is read, except the answers of surveys whose answers belong to
    cases (a row's case is what the case filter needs): on a project of a million
    codings a code's 20,000 rows come in a fraction of a second.
    """
    from codage.codebook import subtree_ids
    from codage.passages import case_locator
    from codage.services import NotFound

    all_codes = project.codes()
    if code_id not in {c.id for c in all_codes}:
        raise NotFound(f"no code with id {code_id}")
    code_ids = subtree_ids(all_codes, code_id) if include_subcodes else [code_id]
    documents = {d.id: d for d in project.documents()}
    cases = {c.name: c for c in project.cases()}
    surveys = project.documents_with_unit_cases()
    rows: list[PassageRow] = []
    # the codings without their text (a passage's text is cut from its document's)
    stream = project.stream_codings(code_ids=code_ids, with_text=False)
    for doc_id, group in groupby(stream, key=attrgetter("document_id")):
        codings = list(group)
        doc = documents.get(doc_id)
        if doc is None:
            continue
        document_case = cases.get(doc.case) if doc.case is not None else None
        find: Callable[[Span], Case | None]
        if doc_id in surveys:
            find = case_locator(project.units(doc_id), project.unit_cases(doc_id), document_case)
        else:
            find = _constant(document_case)
        rows.extend(
            PassageRow(c.id, doc_id, c.code_id, c.coder, c.start, c.end, find(c.span))
            for c in codings
        )
    order = {c.id: i for i, c in enumerate(all_codes)}
    rows.sort(
        key=lambda r: (
            order[r.code_id],
            documents[r.document_id].name,
            r.start,
            r.end,
            r.coder,
            r.coding_id,
        )
    )
    return PassageIndex(rows, documents, {c.id: c for c in all_codes})


# Documents whose text and locator a page reading keeps for the next pages.
_KEPT_DOCUMENTS = 4


def read_page(
    project: Project,
    index: PassageIndex,
    rows: Iterable[PassageRow],
    *,
    words: int = CONTEXT_WORDS,
) -> list[Passage]:
    """The passages of ``rows`` (of ``index``), with their context, speaker and place,
    as :func:`read_passages` makes them; only these rows' documents are read."""
    from codage.places import number_places
    from codage.services.passage_context import locator

    out: list[Passage] = []
    kept = index._read
    for row in rows:
        read = kept.get(row.document_id)
        if read is None:
            text = project.document(row.document_id).text
            units = project.units(row.document_id)
            # a document without numbered units is numbered by its lines
            locate = locator(units, None if number_places(units) else text)
            read = kept[row.document_id] = (text, locate)
            while len(kept) > _KEPT_DOCUMENTS:
                kept.pop(next(iter(kept)))
        text, locate = read
        speaker, _, place = locate(row.start)
        before, after = context_around(text, row.start, row.end, words)
        code, doc, case = index.codes[row.code_id], index.documents[row.document_id], row.case
        out.append(
            Passage(
                coding_id=row.coding_id,
                document_id=row.document_id,
                document=doc.name,
                code_id=code.id,
                code_path=code.path_str,
                colour=code.colour,
                coder=row.coder,
                start=row.start,
                end=row.end,
                text=text[row.start : row.end],
                before=before,
                after=after,
                speaker=speaker,
                place=place,
                case=case.name if case else None,
                attributes=(
                    {k: format_attribute(v) for k, v in case.attributes.items()} if case else {}
                ),
            )
        )
    return out


def row_matches(
    row: PassageRow,
    document_id: int | None = None,
    coder: str | None = None,
    attribute: tuple[str, str] | None = None,
) -> bool:
    """Whether a row passes the filters (None: no filter), as :func:`matches` says of
    its passage."""
    if document_id is not None and row.document_id != document_id:
        return False
    if coder is not None and row.coder != coder:
        return False
    if attribute is None:
        return True
    case, (key, wanted) = row.case, attribute
    return (
        case is not None
        and key in case.attributes
        and (format_attribute(case.attributes[key]) == wanted)
    )


def _constant(case: Case | None) -> Callable[[Span], Case | None]:
    """The case finder of a document that is one case (or none) throughout."""
    return lambda _span: case
