"""The dossier's codings as plain tuples: what an extract prints, without a record per coding.

A quotation dossier of a million codings made a ``Coding`` and a ``CodingRecord`` of
each, sorted them by a key function and read them back field by field: about two thirds
of its reading (issue 20). :func:`read_dossier_batches` reads the same codings through
the one reader of :mod:`codage.services.selection_rows` and keeps each as one
:data:`DossierRow`, a document's rows sorted as tuples. :func:`dossier_rows` turns
records (a pseudonymised stream's, a :class:`Selection`'s) into the same rows, so that
the dossier writes both the same way.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codage.domain import Case, Code, DocumentInfo, Span
from codage.places import Place
from codage.services.selection_rows import (
    Asked,
    CodingRecord,
    DocumentObserver,
    Memo,
    Progress,
    document_frame,
    read_documents,
)

if TYPE_CHECKING:
    from codage.store.project import Project
    from codage.store.streams import DocumentRows

__all__ = [
    "DossierBatch",
    "DossierRow",
    "DossierRows",
    "dossier_rows",
    "read_dossier_batches",
]

# What the dossier prints of a coding, as a plain tuple: (rank of its code in the code
# tree, start, end, coder, coding id, code id, automatic, suggested, passage, speaker,
# timestamp, place, case, memos (its own then those written on it), ids of the other
# codes overlapping it, context before, context after, document). The first five are
# the dossier's order within a document (as record_order's key, the document's name
# being the same for all), unique by the coding id: a document's rows sort as tuples.
DossierRow = tuple[
    int,
    int,
    int,
    str,
    int,
    int,
    bool,
    bool,
    str,
    str | None,
    float | None,
    Place | None,
    Case | None,
    tuple[Memo, ...],
    frozenset[int],
    str,
    str,
    DocumentInfo,
]


@dataclass(frozen=True, slots=True)
class DossierBatch:
    """The rows of one document (or of a whole :class:`Selection`, ``name`` then empty),
    in the dossier's order."""

    name: str  # the document's stored name: what orders documents
    rows: list[DossierRow]


@dataclass(frozen=True)
class DossierRows:
    """A selection's codings as dossier rows, one document at a time in the order of
    their names (the dossier's: each code's extracts come in their final order)."""

    batches: Iterator[DossierBatch]


_NOTHING: frozenset[int] = frozenset()


def read_dossier_batches(
    project: Project,
    all_codes: list[Code],
    all_docs: list[DocumentInfo],
    all_cases: list[Case],
    *,
    code_ids: set[int] | None,
    filtered_documents: bool,
    coders: list[str] | None,
    matcher: Callable[[Case | None], bool] | None,
    context: int,
    progress: Progress | None,
    observer: DocumentObserver | None = None,
) -> DossierRows:
    """``read_batches``' codings with memos and overlapping codes (and ``context``
    sentences around each) as dossier rows (see :data:`DossierRow`): the same codings
    and fields a record holds, without a ``Coding`` and a ``CodingRecord`` each."""
    batches = read_documents(
        project,
        all_codes,
        all_docs,
        all_cases,
        code_ids,
        filtered_documents,
        coders,
        matcher,
        True,
        True,
        context,
        progress,
        observer,
        _dossier_batch,
        by_name=True,
    )
    return DossierRows(batches)


def _dossier_batch(
    rows: DocumentRows,
    doc: DocumentInfo,
    mine: list[Any],
    find_case: Callable[[Span], Case | None] | None,
    document_case: Case | None,
    asked: Asked,
) -> DossierBatch | None:
    """One document's codings as dossier rows, from the store's plain rows: what
    ``_document_records`` puts in each record, in a tuple, sorted in the dossier's order."""
    locate, around, overlapping = document_frame(rows, doc, mine, asked)
    ranks, names, written, matcher = asked.ranks, asked.coder_names, asked.written, asked.matcher
    out: list[DossierRow] = []
    append = out.append
    located = -1  # the offset last located (offsets are never negative)
    speaker: str | None = None
    timestamp: float | None = None
    place: Place | None = None
    # the rows hold no cycles: the collector would only walk the growing heap again
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
            coder = names[coder_id]
            if start != located:
                # several coders' codings of one passage come one after another
                speaker, timestamp, place = locate(start)
                located = start
            before, after = around(start, end) if around is not None else ("", "")
            own: tuple[Memo, ...] = ()
            if written is not None and ((memo and memo.strip()) or coding_id in written):
                # as own_memos: the coding's own memo by its coder, then those written on it
                mine_first: list[Memo] = [(coder, memo)] if memo and memo.strip() else []
                mine_first.extend(written.get(coding_id, ()))
                own = tuple(mine_first)
            append(
                (
                    ranks[code_id],
                    start,
                    end,
                    coder,
                    coding_id,
                    code_id,
                    bool(auto),
                    bool(sugg),
                    passage,
                    speaker,
                    timestamp,
                    place,
                    case,
                    own,
                    others,
                    before,
                    after,
                    doc,
                )
            )
    finally:
        if collecting:
            gc.enable()
    if not out:
        return None
    # (rank, start, end, coder, id) is unique: tuples never compare further
    out.sort()
    return DossierBatch(doc.name, out)


def dossier_rows(
    records: Iterable[CodingRecord], codes: Sequence[Code], ranks: Mapping[int, int] | None = None
) -> list[DossierRow]:
    """Records as dossier rows, in their order (a record path's rows: pseudonymised
    streams and selections read whole)."""
    rank = ranks if ranks is not None else {c.id: i for i, c in enumerate(codes)}
    return [
        (
            rank[r.code.id],
            r.coding.start,
            r.coding.end,
            r.coding.coder,
            r.coding.id,
            r.code.id,
            r.coding.automatic,
            r.coding.suggested,
            r.coding.text,
            r.speaker,
            r.timestamp,
            r.place,
            r.case,
            r.memos,
            r.overlapping,
            r.before,
            r.after,
            r.document,
        )
        for r in records
    ]
