"""Selecting codings: what an export, a retrieval or a table covers, read once as records.

:func:`select_codings` is the one "which codings" query: codes (with or
without their sub-codes), documents, coders and case attributes, each coding
with where it sits (speaker, timestamp, numbered place, case). Asked for, it
also brings what a dossier shows beside a passage (its memos, the other codes
overlapping it, sentences of context), so that the writers in ``exchange/``
receive plain records and a path and never hold a project.
:func:`select_transcript` reads what a coded transcript needs of one document.

The store is read document by document, in the order the codings come back
(by document): a document's units and text are held only while its codings
are turned into records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from codage import codebook
from codage.domain import (
    Case,
    Code,
    Coding,
    Document,
    DocumentInfo,
    fold,
    format_attribute,
)
from codage.places import Place, number_places
from codage.services import NotFound, resolve_code, resolve_document
from codage.services.pseudonyms import Pseudonymiser, load_pseudonymiser
from codage.services.selection_dossier import DossierRows, read_dossier_batches
from codage.services.selection_rows import (
    CodingRecord,
    DocumentBatch,
    DocumentObserver,
    Memo,
    Progress,
    SheetRows,
    read_batches,
    read_sheet_batches,
)
from codage.services.selection_rows import coding_memos as _coding_memos
from codage.services.selection_rows import own_memos as _own_memos

if TYPE_CHECKING:
    from codage.store.project import Project

_Read = TypeVar("_Read")

__all__ = [
    "CaseFilter",
    "CodeRef",
    "CodingRecord",
    "DocumentBatch",
    "DocumentObserver",
    "DocumentRef",
    "Memo",
    "ObserverFactory",
    "Progress",
    "Selection",
    "SelectionStream",
    "TranscriptSource",
    "record_order",
    "select_codings",
    "select_for_dossier",
    "select_transcript",
    "stream_codings",
    "stream_for_dossier",
]

CodeRef = int | str | Code
DocumentRef = int | str | DocumentInfo
CaseFilter = Mapping[str, str | Sequence[str]]
# what stream_codings calls once the selection is resolved: (every code, the documents in
# scope, the code ids kept or None) -> the observer told of each document read
ObserverFactory = Callable[[list[Code], list[DocumentInfo], set[int] | None], DocumentObserver]


@dataclass(frozen=True)
class Selection:
    """The codings an export covers, in tree, document, position order, with what was asked."""

    project: str  # the project's name
    codes: list[Code]  # the whole codebook, tree order
    code_ids: set[int] | None  # codes asked for (sub-codes included), None: all
    include_subcodes: bool
    documents: list[DocumentInfo]  # documents in scope, by name
    records: list[CodingRecord]
    coders: list[str]  # coders whose codings are in the selection
    attributes: list[str]  # every case attribute name met in the project
    filters: dict[str, list[str]] = field(default_factory=dict)  # what was asked, as typed


# ---------------------------------------------------------------------------
# Resolving what was asked
# ---------------------------------------------------------------------------


def _resolve_codes(project: Project, codes: Iterable[CodeRef], all_codes: list[Code]) -> list[Code]:
    by_id = {c.id: c for c in all_codes}
    out = []
    for ref in codes:
        if isinstance(ref, Code):
            out.append(ref)
        elif isinstance(ref, int):
            if ref not in by_id:
                raise NotFound(f"no code with id {ref}")
            out.append(by_id[ref])
        else:
            out.append(resolve_code(project, ref))
    return out


def _resolve_documents(project: Project, documents: Iterable[DocumentRef]) -> list[DocumentInfo]:
    out = []
    for ref in documents:
        if isinstance(ref, DocumentInfo):
            out.append(ref)
        elif isinstance(ref, int):
            out.append(project.document_info(ref))
        else:
            out.append(resolve_document(project, ref))
    return out


def _case_matcher(
    cases: CaseFilter, known: Iterable[str]
) -> tuple[Callable[[Case | None], bool], list[str]]:
    """A predicate on cases from attribute filters; values of one attribute are alternatives."""
    names = {fold(k): k for k in known}
    wanted: dict[str, set[str]] = {}
    shown: list[str] = []
    for key, values in cases.items():
        attribute = names.get(fold(key.strip()))
        if attribute is None:
            listed = ", ".join(sorted(names.values())) or "none"
            raise NotFound(f"no case attribute {key!r} (attributes: {listed})")
        options = [values] if isinstance(values, str) else list(values)
        wanted.setdefault(attribute, set()).update(fold(v.strip()) for v in options)
        shown.extend(f"{attribute}={v}" for v in options)

    def match(case: Case | None) -> bool:
        if case is None:
            return False
        return all(
            fold(format_attribute(case.attributes.get(attr))) in values
            for attr, values in wanted.items()
        )

    return match, shown


# ---------------------------------------------------------------------------
# The query
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SelectionStream:
    """What :class:`Selection` says of a selection, with its records still to be read:
    ``batches`` yields them one document at a time, documents in id order. A writer that
    needs the selection's order sorts each batch and orders documents by ``name``.
    The batches are read from the open project: consume them before it is closed."""

    project: str
    codes: list[Code]
    code_ids: set[int] | None
    include_subcodes: bool
    documents: list[DocumentInfo]
    attributes: list[str]
    filters: dict[str, list[str]]
    batches: Iterator[DocumentBatch]
    # asked for by the workbook (stream_codings' ``sheet``): the codings as sheet rows,
    # read instead of ``batches`` (which then yields nothing)
    sheet: SheetRows | None = None
    # asked for by the dossier (stream_codings' ``dossier``): the codings as dossier
    # rows, read instead of ``batches`` (which then yields nothing)
    dossier: DossierRows | None = None


def record_order(codes: Sequence[Code]) -> Callable[[CodingRecord], tuple]:
    """The key :class:`Selection` sorts its records by: code tree, document name,
    position, coder, id (the document's stored name: see :class:`DocumentBatch`)."""
    order = {c.id: i for i, c in enumerate(codes)}

    def key(r: CodingRecord) -> tuple:
        c = r.coding
        return (order[r.code.id], r.document.name, c.start, c.end, c.coder, c.id)

    return key


def stream_codings(
    project: Project,
    *,
    codes: Iterable[CodeRef] | None = None,
    include_subcodes: bool = True,
    documents: Iterable[DocumentRef] | None = None,
    coders: Iterable[str] | None = None,
    cases: CaseFilter | None = None,
    memos: bool = False,
    overlaps: bool = False,
    context: int = 0,
    progress: Progress | None = None,
    pseudonymised: bool = False,
    observe: ObserverFactory | None = None,
    sheet: bool = False,
    dossier: bool = False,
) -> SelectionStream:
    """:func:`select_codings`'s records, read one document at a time (see
    :class:`SelectionStream`) so that no more than one document's are held.

    ``observe(codes, documents, code_ids)``, called once what was asked is resolved
    (every code, the documents in scope, the code ids kept or None), returns a
    :class:`DocumentObserver` told of each document's codings as they are read (the
    workbook's statistics, counted on the same pass).

    What was asked is resolved and checked at once (raising :class:`NotFound` as
    :func:`select_codings` does); the codings are read as the batches are consumed.
    With ``pseudonymised`` each batch passes through the project's map.

    With ``sheet`` (and neither memos, overlaps, context nor ``pseudonymised``) the
    codings are read as the workbook's sheet rows, in ``sheet`` (see
    :class:`SheetRows`), and ``batches`` yields nothing.

    With ``dossier`` (and memos and overlaps, without ``pseudonymised``) the codings
    are read as the dossier's rows, in ``dossier`` (see
    :class:`codage.services.selection_dossier.DossierRows`), and ``batches`` yields
    nothing.
    """
    if context < 0:
        raise ValueError("context must be zero or more sentences")
    pseudonymiser = _pseudonymiser(project) if pseudonymised else None
    all_codes = project.codes()
    filters: dict[str, list[str]] = {}
    code_ids: set[int] | None = None
    if codes is not None:
        chosen = _resolve_codes(project, codes, all_codes)
        code_ids = set()
        for code in chosen:
            code_ids.update(
                [code.id] if not include_subcodes else codebook.subtree_ids(all_codes, code.id)
            )
        filters["codes"] = [c.path_str for c in chosen]
    all_docs = project.documents()
    if documents is not None:
        docs = _resolve_documents(project, documents)
        wanted = {d.id for d in docs}
        all_docs = [d for d in all_docs if d.id in wanted]
        filters["documents"] = [d.name for d in all_docs]
    coder_list = None if coders is None else [c.strip() for c in coders]
    if coder_list is not None:
        known = {c.name for c in project.coders()}
        for name in coder_list:
            if name not in known:
                raise NotFound(f"no coder {name!r} in this project")
        filters["coders"] = coder_list
    all_cases = project.cases()
    attributes = sorted({a for c in all_cases for a in c.attributes})
    matcher = None
    if cases:
        matcher, shown = _case_matcher(cases, attributes)
        filters["cases"] = shown
    observer = None if observe is None else observe(all_codes, all_docs, code_ids)

    def read(reader: Callable[..., _Read], **asked: Any) -> _Read:
        # the three reads of one selection (sheet rows, dossier rows, records) take the
        # same selection; each its own way of making a document's codings
        return reader(
            project,
            all_codes,
            all_docs,
            all_cases,
            code_ids=code_ids,
            filtered_documents=documents is not None,
            coders=coder_list,
            matcher=matcher,
            progress=progress,
            observer=observer,
            **asked,
        )

    rows = None
    if sheet and pseudonymiser is None and not (memos or overlaps or context):
        rows = read(read_sheet_batches)
    plain = None
    if dossier and pseudonymiser is None and memos and overlaps:
        plain = read(read_dossier_batches, context=context)
    batches: Iterator[DocumentBatch] = iter(())
    if rows is None and plain is None:
        batches = read(read_batches, memos=memos, overlaps=overlaps, context=context)
    stream = SelectionStream(
        project=project.name,
        codes=all_codes,
        code_ids=code_ids,
        include_subcodes=include_subcodes,
        documents=all_docs,
        attributes=attributes,
        filters=filters,
        batches=batches,
        sheet=rows,
        dossier=plain,
    )
    if pseudonymiser is None:
        return stream
    # imported here: the pseudonymisation of records builds on this module's records
    from codage.services.pseudonymised import pseudonymise_stream

    return pseudonymise_stream(stream, pseudonymiser)


def select_codings(
    project: Project,
    *,
    codes: Iterable[CodeRef] | None = None,
    include_subcodes: bool = True,
    documents: Iterable[DocumentRef] | None = None,
    coders: Iterable[str] | None = None,
    cases: CaseFilter | None = None,
    memos: bool = False,
    overlaps: bool = False,
    context: int = 0,
    progress: Progress | None = None,
    pseudonymised: bool = False,
    with_records: bool = True,
) -> Selection:
    """The codings asked for, filtered, in tree, document, position order, as records.

    ``codes`` are code ids, paths (resolved like a typed path) or codes; a code
    brings its sub-codes unless ``include_subcodes`` is false. ``cases`` maps an
    attribute name to the value(s) a coding's case must have. ``memos``,
    ``overlaps`` and ``context`` (a number of sentences) fill the records'
    fields of the same names; ``progress(done, total)`` is called per document.
    With ``pseudonymised``, the records pass through the project's pseudonymisation
    map (:class:`codage.services.pseudonyms.NoPseudonymMap` when it has none).
    Without ``with_records`` only what was asked is resolved and checked (codes,
    documents, coders, attributes) and no coding is read: ``records`` is empty.
    The records' codings carry no timestamps (no export shows them).
    Raises :class:`NotFound` for a code, document, coder or attribute that is
    not in the project. :func:`stream_codings` reads the same records without
    holding them all.
    """
    pseudonymiser = _pseudonymiser(project) if pseudonymised else None
    stream = stream_codings(
        project,
        codes=codes,
        include_subcodes=include_subcodes,
        documents=documents,
        coders=coders,
        cases=cases,
        memos=memos,
        overlaps=overlaps,
        context=context,
        progress=progress,
    )
    records: list[CodingRecord] = []
    if with_records:
        for batch in stream.batches:
            records.extend(batch.records)
    records.sort(key=record_order(stream.codes))
    selection = Selection(
        project=stream.project,
        codes=stream.codes,
        code_ids=stream.code_ids,
        include_subcodes=include_subcodes,
        documents=stream.documents,
        records=records,
        coders=sorted({r.coding.coder for r in records}),
        attributes=stream.attributes,
        filters=stream.filters,
    )
    if pseudonymiser is None:
        return selection
    # imported here: the pseudonymisation of records builds on this module's records
    from codage.services.pseudonymised import pseudonymise_selection

    return pseudonymise_selection(selection, pseudonymiser)


def _pseudonymiser(project: Project) -> Pseudonymiser:
    return load_pseudonymiser(project)


def select_for_dossier(
    project: Project,
    *,
    codes: Iterable[CodeRef] | None = None,
    include_subcodes: bool = True,
    documents: Iterable[DocumentRef] | None = None,
    coders: Iterable[str] | None = None,
    cases: CaseFilter | None = None,
    context: int = 0,
    progress: Progress | None = None,
    pseudonymised: bool = False,
) -> Selection:
    """What a quotation dossier shows: :func:`select_codings` with memos, overlapping
    codes and ``context`` sentences around each passage (pseudonymised if asked)."""
    return select_codings(
        project,
        codes=codes,
        include_subcodes=include_subcodes,
        documents=documents,
        coders=coders,
        cases=cases,
        memos=True,
        overlaps=True,
        context=context,
        progress=progress,
        pseudonymised=pseudonymised,
    )


def stream_for_dossier(
    project: Project,
    *,
    codes: Iterable[CodeRef] | None = None,
    include_subcodes: bool = True,
    documents: Iterable[DocumentRef] | None = None,
    coders: Iterable[str] | None = None,
    cases: CaseFilter | None = None,
    context: int = 0,
    progress: Progress | None = None,
    pseudonymised: bool = False,
    plain: bool = False,
) -> SelectionStream:
    """:func:`select_for_dossier`'s records as a :class:`SelectionStream`: what the
    dossier writer reads, one document at a time. With ``plain`` (and not
    ``pseudonymised``) they are read as the dossier's rows, in the stream's
    ``dossier``, and ``batches`` yields nothing."""
    return stream_codings(
        project,
        codes=codes,
        include_subcodes=include_subcodes,
        documents=documents,
        coders=coders,
        cases=cases,
        memos=True,
        overlaps=True,
        context=context,
        progress=progress,
        pseudonymised=pseudonymised,
        dossier=plain,
    )


# ---------------------------------------------------------------------------
# One document, for a coded transcript
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TranscriptSource:
    """A document with its codings, as a coded transcript shows it."""

    name: str
    text: str
    codings: list[Coding]  # text order
    paths: dict[int, str]  # code id -> path as shown
    memos: dict[int, tuple[Memo, ...]]  # coding id -> its own memo, then those written on it
    places: list[Place]  # the numbered turns, paragraphs and answers (or lines)


def select_transcript(
    project: Project,
    document: int | str | DocumentInfo | Document,
    *,
    coders: Iterable[str] | None = None,
    pseudonymised: bool = False,
) -> TranscriptSource:
    """A document, its codings (of ``coders`` when given) and their memos, read once.

    ``document`` is an id, a name (resolved like a typed name) or a document. With
    ``pseudonymised``, the text passes through the project's map and the codings are
    re-anchored on the new text.
    """
    pseudonymiser = _pseudonymiser(project) if pseudonymised else None
    if isinstance(document, Document | DocumentInfo):
        doc_id = document.id
    elif isinstance(document, int):
        doc_id = document
    else:
        doc_id = resolve_document(project, document).id
    source = project.document(doc_id)
    codings = project.codings(document_id=doc_id, coders=None if coders is None else list(coders))
    written = _coding_memos(project, {c.id for c in codings})
    transcript = TranscriptSource(
        name=source.name,
        text=source.text,
        codings=codings,
        paths={c.id: c.path_str for c in project.codes()},
        memos={c.id: memos for c in codings if (memos := _own_memos(c, written))},
        places=number_places(project.units(doc_id), source.text),
    )
    if pseudonymiser is None:
        return transcript
    from codage.services.pseudonymised import pseudonymise_transcript

    return pseudonymise_transcript(transcript, pseudonymiser)
