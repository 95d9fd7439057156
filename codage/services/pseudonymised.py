"""Records passed through the pseudonymisation map before a writer sees them.

The selection services call these when asked for ``pseudonymised`` records, so that
every export (Word dossier, coded transcript, tables, REFI-QDA, segments) gets the same
treatment in one place: texts of passages and their context, speaker labels, case names
and attributes, document names, memos. Where a writer places codings by offset (REFI-QDA,
the coded transcript), offsets are recomputed on the pseudonymised text so that a coding
covers exactly its passage there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from codage.domain import Case, Coding, DocumentInfo
from codage.places import Place
from codage.services.project_records import DocumentRecord, ProjectRecords, UnitCaseRecord
from codage.services.pseudonyms import OffsetMap, Pseudonymiser
from codage.services.selection import (
    CodingRecord,
    DocumentBatch,
    Selection,
    SelectionStream,
    TranscriptSource,
)

__all__ = [
    "pseudonymise_case",
    "pseudonymise_project_records",
    "pseudonymise_selection",
    "pseudonymise_stream",
    "pseudonymise_transcript",
    "reanchor",
]


def pseudonymise_case(case: Case, p: Pseudonymiser) -> Case:
    """A case with its name and attribute values through the map."""
    return replace(
        case, name=p.text(case.name), attributes={k: p.value(v) for k, v in case.attributes.items()}
    )


def _document_info(info: DocumentInfo, p: Pseudonymiser) -> DocumentInfo:
    return replace(
        info,
        name=p.text(info.name),
        source_path=p.optional(info.source_path),
        metadata=p.value(info.metadata),
        case=p.optional(info.case),
    )


def _memos(
    memos: tuple[tuple[str | None, str], ...], p: Pseudonymiser
) -> tuple[tuple[str | None, str], ...]:
    """(author, text) memos with their text through the map."""
    return tuple((author, p.text(text)) for author, text in memos)


def reanchor(coding: Coding, new_text: str, offsets: OffsetMap, p: Pseudonymiser) -> Coding:
    """``coding`` placed on the pseudonymised text of its document: its offsets moved,
    its text the new text's passage, its memo through the map."""
    start, end = offsets.start(coding.start), offsets.end(coding.end)
    end = max(start, end)
    return replace(
        coding, start=start, end=end, text=new_text[start:end], memo=p.optional(coding.memo)
    )


def _records(
    records: Iterable[CodingRecord],
    p: Pseudonymiser,
    documents: dict[int, DocumentInfo],
    cases: dict[int, Case],
) -> list[CodingRecord]:
    """Records through the map; ``documents`` and ``cases`` keep those already mapped."""
    out: list[CodingRecord] = []
    for r in records:
        case = None
        if r.case is not None:
            case = cases.get(r.case.id) or cases.setdefault(r.case.id, pseudonymise_case(r.case, p))
        coding = replace(r.coding, text=p.text(r.coding.text), memo=p.optional(r.coding.memo))
        document = documents.get(r.document.id)
        if document is None:
            document = documents[r.document.id] = _document_info(r.document, p)
        out.append(
            replace(
                r,
                coding=coding,
                document=document,
                speaker=p.optional(r.speaker),
                case=case,
                memos=_memos(r.memos, p),
                before=p.text(r.before),
                after=p.text(r.after),
            )
        )
    return out


def pseudonymise_selection(selection: Selection, p: Pseudonymiser) -> Selection:
    """A selection whose records carry no name of the map (passages, context, speakers,
    cases, documents, memos). Offsets stay those of the stored text."""
    documents = {d.id: _document_info(d, p) for d in selection.documents}
    return replace(
        selection,
        documents=[documents[d.id] for d in selection.documents],
        records=_records(selection.records, p, documents, {}),
        filters={k: [p.text(v) for v in vs] for k, vs in selection.filters.items()},
    )


def pseudonymise_stream(stream: SelectionStream, p: Pseudonymiser) -> SelectionStream:
    """:func:`pseudonymise_selection` for a stream: each batch through the map as it is
    read (its ``name``, which orders documents, stays the stored one)."""
    documents = {d.id: _document_info(d, p) for d in stream.documents}
    cases: dict[int, Case] = {}
    batches = (
        DocumentBatch(b.name, _records(b.records, p, documents, cases)) for b in stream.batches
    )
    return replace(
        stream,
        documents=[documents[d.id] for d in stream.documents],
        batches=batches,
        filters={k: [p.text(v) for v in vs] for k, vs in stream.filters.items()},
    )


def _place(place: Place, offsets: OffsetMap) -> Place:
    return replace(place, start=offsets.start(place.start), end=offsets.end(place.end))


def pseudonymise_transcript(source: TranscriptSource, p: Pseudonymiser) -> TranscriptSource:
    """A coded transcript's source on the pseudonymised text, codings re-anchored."""
    text, offsets = p.replace_with_offsets(source.text)
    return TranscriptSource(
        name=p.text(source.name),
        text=text,
        codings=[reanchor(c, text, offsets, p) for c in source.codings],
        paths=source.paths,
        memos={k: _memos(v, p) for k, v in source.memos.items()},
        places=[_place(pl, offsets) for pl in source.places],
    )


def pseudonymise_project_records(records: ProjectRecords, p: Pseudonymiser) -> ProjectRecords:
    """A whole project's records with pseudonymised texts, names, cases and memos, and
    every coding and case-linked unit re-anchored on the new texts."""
    documents: list[DocumentRecord] = []
    offsets: dict[int, OffsetMap] = {}
    texts: dict[int, str] = {}
    for d in records.documents:
        text, moved = p.replace_with_offsets(d.text)
        offsets[d.id], texts[d.id] = moved, text
        documents.append(replace(d, name=p.text(d.name), text=text, case=p.optional(d.case)))
    codings = [
        reanchor(c, texts[c.document_id], offsets[c.document_id], p)
        if c.document_id in offsets
        else c
        for c in records.codings
    ]
    unit_cases = [
        UnitCaseRecord(
            u.unit_id,
            u.document_id,
            offsets[u.document_id].start(u.start),
            offsets[u.document_id].end(u.end),
            p.text(u.case),
        )
        for u in records.unit_cases
    ]
    return replace(
        records,
        documents=documents,
        codings=codings,
        memos=[replace(m, text=p.text(m.text)) for m in records.memos],
        cases=[pseudonymise_case(c, p) for c in records.cases],
        unit_cases=unit_cases,
    )
