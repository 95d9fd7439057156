"""The selection's read side as it was before plain-row reads (issue 20), kept as the
reference the streaming reads are compared with, record by record.

``stream_before`` is ``codage.services.selection.stream_codings`` and ``_batches_before``
its ``_batches`` as they were: every unit of a document read as a ``Unit``, its unit
cases through ``Project.unit_cases``, its text through ``Project.document``, the
overlaps of a coding found by a window over the document's spans. The helpers below
are ``codage.services.passage_context``'s of that time.
"""

# ruff: noqa

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from codage import codebook
from codage.domain import Case, Code, Coding, DocumentInfo, Span, Unit
from codage.passages import case_locator
from codage.places import Locator, Place, number_places
from codage.services.selection import (
    CaseFilter,
    CodeRef,
    CodingRecord,
    DocumentBatch,
    DocumentRef,
    Progress,
    SelectionStream,
    _case_matcher,
    _coding_memos,
    _own_memos,
    _pseudonymiser,
    _resolve_codes,
    _resolve_documents,
)

if TYPE_CHECKING:
    from codage.store.project import Project


def stream_before(
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
) -> SelectionStream:
    """:func:`select_codings`'s records, read one document at a time (see
    :class:`SelectionStream`) so that no more than one document's are held.

    What was asked is resolved and checked at once (raising :class:`NotFound` as
    :func:`select_codings` does); the codings are read as the batches are consumed.
    With ``pseudonymised`` each batch passes through the project's map.
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
    batches = _batches_before(
        project,
        all_codes,
        all_docs,
        {c.name: c for c in all_cases},
        code_ids=code_ids,
        filtered_documents=documents is not None,
        coders=coder_list,
        matcher=matcher,
        memos=memos,
        overlaps=overlaps,
        context=context,
        progress=progress,
    )
    stream = SelectionStream(
        project=project.name,
        codes=all_codes,
        code_ids=code_ids,
        include_subcodes=include_subcodes,
        documents=all_docs,
        attributes=attributes,
        filters=filters,
        batches=batches,
    )
    if pseudonymiser is None:
        return stream
    # imported here: the pseudonymisation of records builds on this module's records
    from codage.services.pseudonymised import pseudonymise_stream

    return pseudonymise_stream(stream, pseudonymiser)


def _batches_before(
    project: Project,
    all_codes: list[Code],
    all_docs: list[DocumentInfo],
    cases_by_name: dict[str, Case],
    *,
    code_ids: set[int] | None,
    filtered_documents: bool,
    coders: list[str] | None,
    matcher: Callable[[Case | None], bool] | None,
    memos: bool,
    overlaps: bool,
    context: int,
    progress: Progress | None,
) -> Iterator[DocumentBatch]:
    # The codings are read once, as plain rows, one document at a time: a document's
    # units, text and neighbouring codings are held only while its records are made.
    written = _coding_memos(project) if memos else {}
    code_by_id = {c.id: c for c in all_codes}
    docs_by_id = {d.id: d for d in all_docs}
    stream = project.codings_by_document(
        document_ids=list(docs_by_id) if filtered_documents else None,
        code_ids=code_ids,
        coders=coders,
    )
    for n, (doc_id, mine) in enumerate(stream, 1):
        doc = docs_by_id.get(doc_id)
        if doc is None:
            continue
        units = project.units(doc.id)
        # a document without numbered units is numbered by its lines, as the interface does
        places = number_places(units)
        text = None
        if context > 0 or not places:
            text = project.document(doc.id).text
        locate = locator(units, None if places else text, numbered=places)
        around = context_finder(text, units, context) if text and context > 0 else None
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
                        document_ids=[doc.id], coders=coders, with_text=False
                    )
                ]
            overlapping = overlap_index(others)
        document_case = cases_by_name.get(doc.case) if doc.case is not None else None
        find_case = case_locator(units, project.unit_cases(doc.id), document_case)
        records: list[CodingRecord] = []
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
        if records:
            yield DocumentBatch(doc.name, records)
        if progress is not None:
            progress(min(n, len(all_docs)), len(all_docs))
    if progress is not None:
        progress(len(all_docs), len(all_docs))


def locator(
    units: list[Unit], text: str | None = None, *, numbered: Sequence[Place] | None = None
) -> Callable[[int], tuple[str | None, float | None, Place | None]]:
    """speaker, timestamp and numbered place (see :class:`Locator`) of an offset;
    ``numbered``, when given, is :func:`number_places` of these units, already made."""
    places = Locator(numbered) if numbered else Locator.of(units, text)
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


def context_finder(text: str, units: Sequence[Unit], n: int) -> Callable[[Span], tuple[str, str]]:
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


def overlap_index(spans: Sequence[tuple[int, int, int]]) -> Callable[[Coding], frozenset[int]]:
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
