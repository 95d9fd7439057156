"""The records of a selection, read from plain rows one document at a time.

:mod:`codage.services.selection` resolves what was asked; :func:`read_batches` reads
it: the codings in one statement ordered by document, and of each document what
places its codings (its numbered units and the units naming a speaker or a time, the
units that belong to cases; its sentences and text only when context is asked for),
all as plain rows on one open read. An export of a million codings made a ``Unit`` of
every unit of every document, read its unit cases through the ORM and its codings as
ORM rows: most of its time went there (issue 20).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from codage.domain import Case, Code, Coding, DocumentInfo, Span, Unit
from codage.passages import case_locator
from codage.places import PLACE_KINDS, Place
from codage.services.passage_context import (
    overlaps_in_order,
    row_context_finder,
    row_locator,
    row_places,
)

if TYPE_CHECKING:
    from codage.store.project import Project
    from codage.store.streams import DocumentRows

__all__ = [
    "Asked",
    "CodingRecord",
    "DocumentBatch",
    "DocumentObserver",
    "Memo",
    "Progress",
    "SheetBatch",
    "SheetRow",
    "SheetRows",
    "document_frame",
    "read_batches",
    "read_documents",
    "read_sheet_batches",
]

Progress = Callable[[int, int], None]
Memo = tuple[str | None, str]  # (author, text) of a memo on a coding


# Not frozen: an export makes one per coding, a million of them, and a frozen
# dataclass's __init__ (a call of object.__setattr__ per field) took four times as long
# as plain slot stores (issue 20). Hashed by value as before; treat it as read-only.
@dataclass(slots=True, unsafe_hash=True)
class CodingRecord:
    """A coding with where it sits: what every export row or extract shows."""

    coding: Coding
    code: Code
    document: DocumentInfo
    speaker: str | None = None
    timestamp: float | None = None
    # number of the turn, paragraph or answer holding it: the number the transcript
    # view shows in its gutter (see places.Locator); ``place`` is that unit
    paragraph: int | None = None
    case: Case | None = None
    place: Place | None = None
    # filled only when asked for (see select_codings): the coding's own memo (by its
    # coder) then the memos written on it; ids of the other codes whose codings (by the
    # selected coders, whatever the code and case filters) overlap it; the sentences of
    # context before and after it, spaces folded
    memos: tuple[Memo, ...] = ()
    overlapping: frozenset[int] = frozenset()
    before: str = ""
    after: str = ""


class DocumentObserver(Protocol):
    """Told of each document's codings as the selection reads them, before any case
    filter (what the workbook's statistics sheets count: see
    ``codage.analysis.stats.StatsCollector``), so that they are not read twice."""

    def unit_kind(self, document: DocumentInfo) -> str | None:
        """The kind of unit whose (id, start, end) :meth:`add` is to be given."""
        ...

    def add(
        self,
        document: DocumentInfo,
        rows: Sequence[tuple[int, str, int, int]],
        grain: Sequence[tuple[int, int, int]],
        find_case: Callable[[Span], Case | None] | None,
        document_case: Case | None,
    ) -> None:
        """A document's codings as (code id, coder, start, end) in text order."""
        ...


@dataclass(frozen=True, slots=True)
class DocumentBatch:
    """The records of one document, in the order the store gives them (start, end, id)."""

    name: str  # the document's stored name: what orders documents, before pseudonymisation
    records: list[CodingRecord]


# What the workbook's Codings sheet prints of a coding, as a plain tuple: (rank of its
# code in the code tree, start, end, coder, coding id, automatic, suggested, text, memo,
# speaker, timestamp, paragraph, case id or -1), text and memo as UTF-8 bytes (as
# SQLite keeps them: the workbook writes them so). The first five are the sheet's order
# within a document (as record_order's key), so a document's rows sort as tuples.
SheetRow = tuple[
    int,
    int,
    int,
    str,
    int,
    bool,
    bool,
    bytes,
    bytes | None,
    str | None,
    float | None,
    int | None,
    int,
]


@dataclass(frozen=True, slots=True)
class SheetBatch:
    """The sheet rows of one document, in the sheet's order (code tree, then position)."""

    name: str  # the document's stored name: what orders documents
    document: DocumentInfo
    rows: list[SheetRow]


@dataclass(frozen=True)
class SheetRows:
    """A selection's codings as sheet rows (see :data:`SheetRow`), one document at a
    time in id order, with the cases the rows name by id: the workbook's records
    without a ``Coding`` and a :class:`CodingRecord` per coding (issue 20)."""

    batches: Iterator[SheetBatch]
    cases: Mapping[int, Case]


def coding_memos(project: Project, coding_ids: set[int] | None = None) -> dict[int, list[Memo]]:
    """Memos written on codings (those in ``coding_ids`` when given), blank ones left out."""
    out: dict[int, list[Memo]] = defaultdict(list)
    for memo in project.memos("coding"):
        if memo.target_id is None or not memo.text.strip():
            continue
        if coding_ids is None or memo.target_id in coding_ids:
            out[memo.target_id].append((memo.author, memo.text))
    return out


def own_memos(coding: Coding, written: Mapping[int, list[Memo]]) -> tuple[Memo, ...]:
    """A coding's own memo (by its coder), then the memos written on it."""
    own: list[Memo] = []
    if coding.memo and coding.memo.strip():
        own.append((coding.coder, coding.memo))
    own.extend(written.get(coding.id, ()))
    return tuple(own)


@dataclass(frozen=True)
class Asked:
    """What every document's records are made with."""

    codes: Mapping[int, Code]
    ranks: Mapping[int, int]  # a code's place in the code tree: the sheet's order
    coders: list[str] | None
    coder_names: Mapping[int, str]
    matcher: Callable[[Case | None], bool] | None
    written: Mapping[int, list[Memo]] | None  # None: memos not asked for
    overlaps: bool
    code_filtered: bool
    context: int


def read_batches(
    project: Project,
    all_codes: list[Code],
    all_docs: list[DocumentInfo],
    all_cases: list[Case],
    *,
    code_ids: set[int] | None,
    filtered_documents: bool,
    coders: list[str] | None,
    matcher: Callable[[Case | None], bool] | None,
    memos: bool,
    overlaps: bool,
    context: int,
    progress: Progress | None,
    observer: DocumentObserver | None = None,
) -> Iterator[DocumentBatch]:
    """The records of the codings asked for, one batch per document with any, documents
    in id order; ``progress(done, total)`` after each document read; ``observer`` told
    of each document's codings (see :class:`DocumentObserver`)."""
    return read_documents(
        project,
        all_codes,
        all_docs,
        all_cases,
        code_ids,
        filtered_documents,
        coders,
        matcher,
        memos,
        overlaps,
        context,
        progress,
        observer,
        _record_batch,
    )


def read_sheet_batches(
    project: Project,
    all_codes: list[Code],
    all_docs: list[DocumentInfo],
    all_cases: list[Case],
    *,
    code_ids: set[int] | None,
    filtered_documents: bool,
    coders: list[str] | None,
    matcher: Callable[[Case | None], bool] | None,
    progress: Progress | None,
    observer: DocumentObserver | None = None,
) -> SheetRows:
    """:func:`read_batches`' codings as the workbook's sheet rows (see :class:`SheetRows`):
    the same codings, each as the tuple the sheet prints (no memos written on codings,
    overlaps or context: the sheet shows none)."""
    batches = read_documents(
        project,
        all_codes,
        all_docs,
        all_cases,
        code_ids,
        filtered_documents,
        coders,
        matcher,
        False,
        False,
        0,
        progress,
        observer,
        _sheet_batch,
        utf8=True,
    )
    return SheetRows(batches, {c.id: c for c in all_cases})


def read_documents(
    project: Project,
    all_codes: list[Code],
    all_docs: list[DocumentInfo],
    all_cases: list[Case],
    code_ids: set[int] | None,
    filtered_documents: bool,
    coders: list[str] | None,
    matcher: Callable[[Case | None], bool] | None,
    memos: bool,
    overlaps: bool,
    context: int,
    progress: Progress | None,
    observer: DocumentObserver | None,
    make: Callable[..., _Batch | None],
    utf8: bool = False,
    by_name: bool = False,
) -> Iterator[_Batch]:
    """The codings asked for, read one document at a time on one open read and made
    into batches by ``make(rows, document, its plain rows, case finder, document's
    case, asked)`` (None: nothing kept of that document): the one reader of the
    records, the sheet's rows and the dossier's rows. Documents come in id order, or
    ``by_name`` in the order of their names (what the dossier lists them in)."""
    written = coding_memos(project) if memos else None
    docs_by_id = {d.id: d for d in all_docs}
    cases_by_name = {c.name: c for c in all_cases}
    cases_by_id = {c.id: c for c in all_cases}
    with project.selection_rows() as rows:
        asked = Asked(
            codes={c.id: c for c in all_codes},
            ranks={c.id: i for i, c in enumerate(all_codes)},
            coders=coders,
            coder_names=rows.coder_names,
            matcher=matcher,
            written=written,
            overlaps=overlaps,
            code_filtered=code_ids is not None,
            context=context,
        )
        stream = rows.codings(
            document_ids=list(docs_by_id) if filtered_documents else None,
            code_ids=code_ids,
            coders=coders,
            utf8=utf8,
            order=[d.id for d in sorted(all_docs, key=_name)] if by_name else None,
        )
        for n, (doc_id, mine) in enumerate(stream, 1):
            doc = docs_by_id.get(doc_id)
            if doc is None:
                continue
            document_case = cases_by_name.get(doc.case) if doc.case is not None else None
            find_case = _case_finder(rows.unit_cases(doc_id), cases_by_id, document_case)
            if observer is not None:
                kind = observer.unit_kind(doc)
                names = rows.coder_names
                observer.add(
                    doc,
                    [(r[2], names[r[3]], r[4], r[5]) for r in mine],
                    rows.grain(doc_id, kind) if kind else [],
                    find_case,
                    document_case,
                )
            if find_case is None and matcher is not None and not matcher(document_case):
                # every coding of this document is its case's, and that was not asked for
                mine = []
            if mine:
                batch = make(rows, doc, mine, find_case, document_case, asked)
                if batch is not None:
                    yield batch
            if progress is not None:
                progress(min(n, len(all_docs)), len(all_docs))
    if progress is not None:
        progress(len(all_docs), len(all_docs))


_Batch = TypeVar("_Batch")


def _name(document: DocumentInfo) -> str:
    return document.name


def _record_batch(
    rows: DocumentRows,
    doc: DocumentInfo,
    mine: list[Any],
    find_case: Callable[[Span], Case | None] | None,
    document_case: Case | None,
    asked: Asked,
) -> DocumentBatch | None:
    records = _document_records(rows, doc, mine, find_case, document_case, asked)
    return DocumentBatch(doc.name, records) if records else None


def _sheet_batch(
    rows: DocumentRows,
    doc: DocumentInfo,
    mine: list[Any],
    find_case: Callable[[Span], Case | None] | None,
    document_case: Case | None,
    asked: Asked,
) -> SheetBatch | None:
    """One document's codings as sheet rows, from the store's plain rows (see
    ``DocumentRows.codings``): what :func:`_document_records` finds for each, kept as a
    tuple, sorted in the sheet's order."""
    locate = document_frame(rows, doc, mine, asked)[0]
    ranks, names, matcher = asked.ranks, asked.coder_names, asked.matcher
    no_case = -1 if document_case is None else document_case.id
    out: list[SheetRow] = []
    append = out.append
    for _, coding_id, code_id, coder_id, start, end, passage, memo, auto, sugg in mine:
        if find_case is None:
            case_id = no_case
        else:
            case = find_case(Span(start, end))
            if matcher is not None and not matcher(case):
                continue
            case_id = -1 if case is None else case.id
        speaker, timestamp, place = locate(start)
        if passage.__class__ is str:  # a server that gave text, not its UTF-8 bytes
            passage = passage.encode("utf-8")
            memo = None if memo is None else memo.encode("utf-8")
        append(
            (
                ranks[code_id],
                start,
                end,
                names[coder_id],
                coding_id,
                bool(auto),
                bool(sugg),
                passage,
                memo,
                speaker,
                timestamp,
                place.number if place else None,
                case_id,
            )
        )
    if not out:
        return None
    # (rank, start, end, coder, id) is unique: tuples never compare further
    out.sort()
    return SheetBatch(doc.name, doc, out)


def _case_finder(
    links: Sequence[tuple[int, int, int, int, int]],
    cases_by_id: Mapping[int, Case],
    document_case: Case | None,
) -> Callable[[Span], Case | None] | None:
    """:func:`case_locator` of a document from its units' links to cases, as (unit id,
    start, end, position, case id) in the order they were made; None when no unit of
    it belongs to a case (every passage is then the document's case's)."""
    if not links:
        return None
    held: dict[int, tuple[int, int, int, int]] = {}
    for unit_id, start, end, position, case_id in links:
        held[unit_id] = (start, end, position, case_id)  # linked twice: the last link
    # units in the order of Project.units (start, longer first, position) as
    # case_locator is given them, and only those that belong to a case
    units = [
        Unit("", start, end, id=unit_id, position=position)
        for unit_id, (start, end, position, _) in sorted(
            held.items(), key=lambda item: (item[1][0], -item[1][1], item[1][2])
        )
    ]
    unit_cases = {unit_id: cases_by_id[found[3]] for unit_id, found in held.items()}
    return case_locator(units, unit_cases, document_case)


_NOTHING: frozenset[int] = frozenset()

# A Coding made field by field through its slots: a frozen dataclass's __init__ stores
# each field with object.__setattr__, twice the time of these stores, for a million
# codings (issue 20). The fields in their order; a Coding that gains one fails here,
# at import, rather than leave it unset.
_CODING_FIELDS = (
    "id",
    "document_id",
    "code_id",
    "coder",
    "start",
    "end",
    "text",
    "memo",
    "created_at",
    "updated_at",
    "automatic",
    "suggested",
)
if tuple(f.name for f in fields(Coding)) != _CODING_FIELDS:
    raise RuntimeError("codage.domain.Coding's fields changed: update selection_rows")
(
    _set_id,
    _set_document,
    _set_code,
    _set_coder,
    _set_start,
    _set_end,
    _set_text,
    _set_memo,
    _set_created,
    _set_updated,
    _set_automatic,
    _set_suggested,
) = (Coding.__dict__[name].__set__ for name in _CODING_FIELDS)
_new = object.__new__


def _coding(
    coding_id: int,
    document_id: int,
    code_id: int,
    coder: str,
    start: int,
    end: int,
    text: str,
    memo: str | None,
    automatic: bool,
    suggested: bool,
) -> Coding:
    """``Coding(...)`` without timestamps (equal to it, field for field)."""
    coding: Coding = _new(Coding)
    _set_id(coding, coding_id)
    _set_document(coding, document_id)
    _set_code(coding, code_id)
    _set_coder(coding, coder)
    _set_start(coding, start)
    _set_end(coding, end)
    _set_text(coding, text)
    _set_memo(coding, memo)
    _set_created(coding, None)
    _set_updated(coding, None)
    _set_automatic(coding, automatic)
    _set_suggested(coding, suggested)
    return coding


def _document_records(
    rows: DocumentRows,
    doc: DocumentInfo,
    mine: list[Any],
    find_case: Callable[[Span], Case | None] | None,
    document_case: Case | None,
    asked: Asked,
) -> list[CodingRecord]:
    """The records of one document's codings, given as the store's plain rows (see
    ``DocumentRows.codings``) in text order."""
    locate, around, overlapping = document_frame(rows, doc, mine, asked)
    codes, names, written, matcher = asked.codes, asked.coder_names, asked.written, asked.matcher
    records: list[CodingRecord] = []
    append = records.append
    # The records hold no cycles: the collector, woken by every few hundred of them,
    # would only walk the growing heap again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _, coding_id, code_id, coder_id, start, end, passage, memo, auto, sugg in mine:
            others = next(overlapping) if overlapping is not None else _NOTHING
            if find_case is None:
                case = document_case
            else:
                case = find_case(Span(start, end))
                if matcher is not None and not matcher(case):
                    continue
            coding = _coding(
                coding_id,
                doc.id,
                code_id,
                names[coder_id],
                start,
                end,
                passage,
                memo,
                bool(auto),
                bool(sugg),
            )
            speaker, timestamp, place = locate(start)
            before, after = around(start, end) if around is not None else ("", "")
            own: tuple[Memo, ...] = ()
            if written is not None and ((memo and memo.strip()) or coding_id in written):
                own = own_memos(coding, written)
            append(
                CodingRecord(
                    coding,
                    codes[code_id],
                    doc,
                    speaker,
                    timestamp,
                    place.number if place else None,
                    case,
                    place,
                    own,
                    others,
                    before,
                    after,
                )
            )
    finally:
        if collecting:
            gc.enable()
    return records


Locate = Callable[[int], tuple[str | None, float | None, Place | None]]


def document_frame(
    rows: DocumentRows, doc: DocumentInfo, mine: list[Any], asked: Asked
) -> tuple[Locate, Callable[[int, int], tuple[str, str]] | None, Iterator[frozenset[int]] | None]:
    """What places one document's codings (given as the store's plain rows, in text
    order): a locator of offsets (speaker, time, numbered place), the sentences of
    context around a span when asked for, and the other codes overlapping each coding
    in turn when asked for."""
    # sentences too when context is asked for: it is made of whole sentences
    units = rows.units(doc.id, (*PLACE_KINDS, "sentence") if asked.context > 0 else PLACE_KINDS)
    # a document without numbered units is numbered by its lines, as the interface does
    places = row_places(units)
    text = None
    if asked.context > 0 or not places:
        text = rows.text(doc.id)
        if not places:
            places = row_places(units, text)
    locate = row_locator(units, places)
    around = row_context_finder(text, units, asked.context) if text and asked.context > 0 else None
    overlapping: Iterator[frozenset[int]] | None = None
    if asked.overlaps:
        # the other codes of a passage, as the same coders saw it, whatever the code
        # filter: the codings just read when no code was filtered out, else those of
        # this document, read as bare spans
        spans = [(r[2], r[4], r[5]) for r in mine]
        seen = rows.spans(doc.id, asked.coders) if asked.code_filtered else spans
        overlapping = overlaps_in_order(seen, spans)
    return locate, around, overlapping
