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

import bisect
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codage import codebook
from codage.domain import (
    Case,
    Code,
    Coding,
    Document,
    DocumentInfo,
    Span,
    Unit,
    fold,
    format_attribute,
)
from codage.passages import case_locator
from codage.places import Locator, Place, number_places
from codage.services import NotFound, resolve_code, resolve_document
from codage.services.pseudonyms import Pseudonymiser, load_pseudonymiser

if TYPE_CHECKING:
    from codage.store.project import Project

__all__ = [
    "CaseFilter",
    "CodeRef",
    "CodingRecord",
    "DocumentRef",
    "Memo",
    "Progress",
    "Selection",
    "TranscriptSource",
    "select_codings",
    "select_for_dossier",
    "select_transcript",
]

Progress = Callable[[int, int], None]
CodeRef = int | str | Code
DocumentRef = int | str | DocumentInfo
CaseFilter = Mapping[str, str | Sequence[str]]
Memo = tuple[str | None, str]  # (author, text) of a memo on a coding


@dataclass(frozen=True, slots=True)
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
# Where a passage sits
# ---------------------------------------------------------------------------


def _locator(
    units: list[Unit], text: str | None = None
) -> Callable[[int], tuple[str | None, float | None, Place | None]]:
    """speaker, timestamp and numbered place (see :class:`Locator`) of an offset."""
    places = Locator.of(units, text)
    # turns (or any unit naming a speaker or a time) sorted by start
    voiced = [u for u in units if u.speaker is not None or u.timestamp is not None]
    voiced_starts = [u.start for u in voiced]

    def locate(offset: int) -> tuple[str | None, float | None, Place | None]:
        speaker = timestamp = None
        i = bisect.bisect_right(voiced_starts, offset) - 1
        # turns do not nest; looking one unit further back covers a heading inside a turn
        for j in (i, i - 1):
            if j >= 0 and voiced[j].start <= offset < voiced[j].end:
                speaker, timestamp = voiced[j].speaker, voiced[j].timestamp
                break
        return speaker, timestamp, places.at(offset)

    return locate


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _sentence_spans(text: str, units: Sequence[Unit]) -> list[Span]:
    sentences = [u.span for u in units if u.kind == "sentence"]
    if sentences:
        return sorted(sentences)
    # no sentence units (spaCy was not run): cut after ., !, ? and … within lines
    out, cursor = [], 0
    for match in _SENTENCE_END.finditer(text):
        out.append(Span(cursor, match.start()))
        cursor = match.end()
    if cursor < len(text):
        out.append(Span(cursor, len(text)))
    return out


def _container_finder(units: Sequence[Unit]) -> Callable[[Span], Span | None]:
    """The turn, paragraph or answer holding the start of a passage (the shortest at a tie).

    These units do not overlap one another, so the last one starting at or
    before the passage is the only candidate.
    """
    boxes = sorted(
        (u.span for u in units if u.kind in ("turn", "paragraph", "answer")),
        key=lambda b: (b.start, -b.end),
    )
    box_starts = [b.start for b in boxes]

    def find(span: Span) -> Span | None:
        i = bisect.bisect_right(box_starts, span.start) - 1
        return boxes[i] if i >= 0 and boxes[i].end > span.start else None

    return find


def _context_finder(text: str, units: Sequence[Unit], n: int) -> Callable[[Span], tuple[str, str]]:
    """Up to ``n`` whole sentences before and after a passage (the rest of a cut sentence too).

    The context stays inside the turn, paragraph or answer that holds the
    passage: another speaker's words are not this passage's context.
    """
    sentences = _sentence_spans(text, units)
    starts = [s.start for s in sentences]
    container_of = _container_finder(units)

    def around(span: Span) -> tuple[str, str]:
        if not sentences or n <= 0:
            return "", ""
        lo, hi = 0, len(sentences) - 1
        container = container_of(span)
        if container is not None:
            lo = bisect.bisect_left(starts, container.start)
            hi = bisect.bisect_right(starts, max(container.end - 1, container.start)) - 1
        # sentence holding the first character, and the one holding the last
        k = bisect.bisect_right(starts, span.start) - 1
        first = max(k - n, lo)
        before = text[sentences[first].start : span.start] if k >= 0 and first <= k else ""
        m = max(bisect.bisect_right(starts, max(span.end - 1, 0)) - 1, 0)
        last = min(m + n, hi)
        end = sentences[last].end if last >= m else span.end
        after = text[span.end : end] if end > span.end else ""
        return " ".join(before.split()), " ".join(after.split())

    return around


def _overlap_index(spans: Sequence[tuple[int, int, int]]) -> Callable[[Coding], frozenset[int]]:
    """Code ids of the (code id, start, end) spans of one document that overlap a coding."""
    ordered = sorted(spans, key=lambda s: s[1])
    starts = [s[1] for s in ordered]
    longest = max((end - start for _, start, end in ordered), default=0)

    def overlapping(coding: Coding) -> frozenset[int]:
        lo = bisect.bisect_left(starts, coding.start - longest)
        hi = bisect.bisect_left(starts, coding.end)
        return frozenset(
            code_id
            for code_id, _, end in ordered[lo:hi]
            if end > coding.start and code_id != coding.code_id
        )

    return overlapping


def _coding_memos(project: Project, coding_ids: set[int] | None = None) -> dict[int, list[Memo]]:
    """Memos written on codings (those in ``coding_ids`` when given), blank ones left out."""
    out: dict[int, list[Memo]] = defaultdict(list)
    for memo in project.memos("coding"):
        if memo.target_id is None or not memo.text.strip():
            continue
        if coding_ids is None or memo.target_id in coding_ids:
            out[memo.target_id].append((memo.author, memo.text))
    return out


def _own_memos(coding: Coding, written: Mapping[int, list[Memo]]) -> tuple[Memo, ...]:
    own: list[Memo] = []
    if coding.memo and coding.memo.strip():
        own.append((coding.coder, coding.memo))
    own.extend(written.get(coding.id, ()))
    return tuple(own)


# ---------------------------------------------------------------------------
# The query
# ---------------------------------------------------------------------------


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
    not in the project.
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
    cases_by_name = {c.name: c for c in all_cases}
    matcher = None
    if cases:
        matcher, shown = _case_matcher(cases, attributes)
        filters["cases"] = shown

    # The codings are read once, as plain rows, one document at a time: a document's
    # units, text and neighbouring codings are held only while its records are made.
    written = _coding_memos(project) if memos else {}
    code_by_id = {c.id: c for c in all_codes}
    docs_by_id = {d.id: d for d in all_docs}
    records: list[CodingRecord] = []
    stream = project.codings_by_document(
        document_ids=None if documents is None else list(docs_by_id),
        code_ids=code_ids,
        coders=coder_list,
    )
    if not with_records:
        stream = iter(())
    for n, (doc_id, mine) in enumerate(stream, 1):
        doc = docs_by_id.get(doc_id)
        if doc is None:
            continue
        units = project.units(doc.id)
        # a document without numbered units is numbered by its lines, as the interface does
        numbered = bool(number_places(units))
        text = None
        if context > 0 or not numbered:
            text = project.document(doc.id).text
        locate = _locator(units, None if numbered else text)
        around = _context_finder(text, units, context) if text and context > 0 else None
        overlapping = None
        if overlaps:
            # the other codes of a passage, as the same coders saw it, whatever the code
            # filter: the codings just read when no code was filtered out, else those of
            # this document, read as bare spans
            if code_ids is None:
                others = [(c.code_id, c.start, c.end) for c in mine]
            else:
                others = [
                    (c.code_id, c.start, c.end)
                    for c in project.stream_codings(
                        document_ids=[doc.id], coders=coder_list, with_text=False
                    )
                ]
            overlapping = _overlap_index(others)
        document_case = cases_by_name.get(doc.case) if doc.case is not None else None
        find_case = case_locator(units, project.unit_cases(doc.id), document_case)
        for c in mine:
            case = find_case(c.span)
            if matcher is not None and not matcher(case):
                continue
            speaker, timestamp, place = locate(c.start)
            before, after = around(c.span) if around is not None else ("", "")
            records.append(
                CodingRecord(
                    c,
                    code_by_id[c.code_id],
                    doc,
                    speaker,
                    timestamp,
                    place.number if place else None,
                    case,
                    place,
                    memos=_own_memos(c, written) if memos else (),
                    overlapping=overlapping(c) if overlapping else frozenset(),
                    before=before,
                    after=after,
                )
            )
        if progress is not None:
            progress(min(n, len(all_docs)), len(all_docs))
    if progress is not None:
        progress(len(all_docs), len(all_docs))
    order = {c.id: i for i, c in enumerate(all_codes)}
    records.sort(
        key=lambda r: (
            order[r.code.id],
            r.document.name,
            r.coding.start,
            r.coding.end,
            r.coding.coder,
            r.coding.id,
        )
    )
    selection = Selection(
        project=project.name,
        codes=all_codes,
        code_ids=code_ids,
        include_subcodes=include_subcodes,
        documents=all_docs,
        records=records,
        coders=sorted({r.coding.coder for r in records}),
        attributes=attributes,
        filters=filters,
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
