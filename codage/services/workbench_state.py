"""What the workbench reads of a project, as plain records.

The interface's workbench shows a project (its documents with their coded shares, cases,
codebook, counts, coders, the coder's latest codes) and one document at a time (its text,
units, codings, respondents, memo). This module reads both from a
:class:`~codage.store.project.Project` (or, for the project's first state, from the
interface's first look through ``sqlite3``, which gives the same records) and hands back
frozen records; the workbench's thread workers only run these reads, post what they
return, and write.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from codage.domain import Case, Code, Coding, Document, DocumentInfo, Memo, Span, Unit

if TYPE_CHECKING:
    from codage.store.project import Project

__all__ = [
    "HEAD_CHARACTERS",
    "RECENT_CODES",
    "Coverage",
    "DocumentFirstPart",
    "FirstReader",
    "ProjectState",
    "complete_state",
    "document_codings_again",
    "document_rest",
    "document_unit_bounds",
    "first_state",
    "marked_first_state",
    "one_step_further",
    "project_state",
    "read_document_first_part",
]

# How many of the coder's latest codes the workbench offers first.
RECENT_CODES = 12
# How much of a document's text is read with its units before it first shows (more
# when it opens on a passage further in): some ten screens; the rest is read after.
HEAD_CHARACTERS = 64_000


@dataclass(frozen=True, slots=True)
class ProjectState:
    """What the workbench shows of a project: its name, documents (with coded shares),
    cases by name, codebook, codings per code, the coder's latest codes and the coders.

    ``partial``: a first, quick reading while the project opens, with no shares and no
    latest codes yet (they read every coding); a complete one follows. ``has_own``:
    whether the coder holds codings (None: judged from ``recent``).
    """

    name: str
    documents: list[DocumentInfo]
    shares: dict[int, float]
    cases: dict[str, Case]
    codes: list[Code]
    project_counts: dict[int, int]
    recent: list[int]
    coders: list[str]
    partial: bool = False
    has_own: bool | None = None


class Coverage:
    """How much of each document is coded, kept between reloads of the project.

    Workers that change codings forget the documents they touched (for an undo
    or a codebook edit, those its journal entry names), and a reload compares
    each document's coding signature (one grouped count, no sort) with the one
    its coverage was read with, which catches changes made elsewhere (another
    process, the merge screens). Only documents forgotten or changed are read
    again. Thread-safe: writes and reloads run in different workers, and a reload
    that raced with a write does not keep what it read.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lengths: dict[int, tuple[tuple[int, int, int, int] | None, int]] = {}
        self._generation = 0

    def forget(self, document_ids: Iterable[int] | None) -> None:
        """Drop what is known of these documents (None: of all)."""
        with self._lock:
            self._generation += 1
            if document_ids is None:
                self._lengths.clear()
                return
            for document_id in document_ids:
                self._lengths.pop(document_id, None)

    def lengths(self, project: Project, document_ids: Iterable[int]) -> dict[int, int]:
        """Covered code points of these documents, read for those not known."""
        wanted = list(document_ids)
        signatures = project.coding_signatures()
        with self._lock:
            generation = self._generation
            known: dict[int, int] = {}
            missing: list[int] = []
            for d in wanted:
                kept = self._lengths.get(d)
                if kept is not None and kept[0] == signatures.get(d):
                    known[d] = kept[1]
                else:
                    missing.append(d)
        if not missing:
            return known
        # A document without codings covers nothing: no need to ask.
        asked = [d for d in missing if d in signatures]
        # A first reading covers every document: one pass, no list of ids.
        every = len(missing) == len(wanted)
        fresh = project.covered_lengths(None if every else asked) if asked else {}
        read = {d: fresh.get(d, 0) for d in missing}
        with self._lock:
            if generation == self._generation:
                for d, length in read.items():
                    self._lengths[d] = (signatures.get(d), length)
        return {**known, **read}


class FirstReader(Protocol):
    """What the first state reads: the full store, or the first look through sqlite3
    (:func:`codage.services.reading.open_first_look`), which give the same records."""

    @property
    def name(self) -> str: ...

    def documents(self) -> list[DocumentInfo]: ...

    def cases(self) -> list[Case]: ...

    def codes(self) -> list[Code]: ...

    def coding_counts(self, document_id: int | None = None) -> dict[int, int]: ...

    def coders_with_codings(self) -> list[str]: ...


def first_state(project: FirstReader, coder: str) -> ProjectState:
    """What the workbench needs to show a project at once: documents, cases, codebook,
    counts by code, coders, and whether ``coder`` holds codings. Shares and latest
    codes, which read every coding, are left for :func:`complete_state`."""
    holding = project.coders_with_codings()
    return ProjectState(
        name=project.name,
        documents=project.documents(),
        shares={},
        cases={c.name: c for c in project.cases()},
        codes=project.codes(),
        project_counts=project.coding_counts(),
        recent=[],
        coders=sorted(set(holding) | {coder}),
        partial=True,
        has_own=coder.strip() in holding,
    )


def marked_first_state(project: Project, coder: str) -> tuple[tuple[int, ...], ProjectState]:
    """The journal's mark (see ``Project.journal_mark``) and the project's first state,
    the mark read first: whatever others change from then on, a later mark shows."""
    mark = project.journal_mark()
    return mark, first_state(project, coder)


def complete_state(
    project: Project,
    first: ProjectState,
    coder: str,
    coverage: Coverage,
    with_recent: bool = True,
) -> ProjectState:
    """``first`` with the documents' coded shares and the coder's latest codes (none
    without ``with_recent``); shares are read only for the documents ``coverage`` does
    not know as they are."""
    documents = first.documents
    covered = coverage.lengths(project, [d.id for d in documents])
    return ProjectState(
        name=first.name,
        documents=documents,
        shares={d.id: (covered.get(d.id, 0) / d.length if d.length else 0.0) for d in documents},
        cases=first.cases,
        codes=first.codes,
        project_counts=first.project_counts,
        recent=project.recent_codes(coder, RECENT_CODES) if with_recent else [],
        coders=first.coders,
        has_own=first.has_own,
    )


def project_state(
    project: Project, coder: str, coverage: Coverage, *, with_recent: bool = True
) -> ProjectState:
    """What the workbench shows of a project, from the database's aggregates
    (counts by code and coder, latest codes, covered lengths) rather than every
    coding. Without ``with_recent`` the latest codes are not asked (empty)."""
    return complete_state(project, first_state(project, coder), coder, coverage, with_recent)


def one_step_further(known: tuple[int, ...], mark: tuple[int, ...]) -> bool:
    """Whether the journal's ``mark`` is ``known`` moved by exactly one new step (and
    nothing else changed): what a window sees after journaling a step of its own, when
    no one else wrote in between."""
    newest, done, ids = mark[:3]
    one_more = newest > known[0] and done == known[1] + 1 and ids == known[2] + newest
    return one_more and mark[3:] == known[3:]


@dataclass(frozen=True, slots=True)
class DocumentFirstPart:
    """A document as it first shows: its text, the units of its first part, its codings
    (every one, as plain rows), the respondents its units belong to and its memo.

    ``head_end`` is where the first part ends, at the start of a paragraph: ``units`` are
    those before it, and :func:`document_rest` reads the others. 0 when the document is
    short enough to be read whole: ``units`` are then all of them.
    """

    document: Document
    units: list[Unit]
    head_end: int
    codings: list[Coding]
    unit_cases: dict[int, Case]
    memo: Memo | None


def read_document_first_part(
    project: Project, document_id: int, coder: str, jump: Span | None = None
) -> DocumentFirstPart:
    """Read what a document needs to show at once: its text, codings, respondents, the
    memo to show (``coder``'s own first: another coder's is shown but not theirs to
    edit) and the units of its first :data:`HEAD_CHARACTERS` (past ``jump``'s end when
    it opens on a passage further in). NotFound when there is no such document."""
    document = project.document(document_id)
    memos = project.memos("document", document_id)
    text = document.text
    # the first part ends where a paragraph starts: its paragraphs are whole in it
    reach = HEAD_CHARACTERS + (jump.end if jump is not None else 0)
    head_end = text.find("\n", reach) + 1 if reach < len(text) else 0
    if head_end > 0:
        units = project.units_between(document_id, before=head_end)
    else:
        units = project.units_between(document_id)
    unit_cases = project.unit_cases(document_id)
    return DocumentFirstPart(
        document=document,
        units=units,
        head_end=head_end,
        codings=project.document_codings(document_id),
        unit_cases=unit_cases,
        memo=next((m for m in memos if m.author == coder), memos[0] if memos else None),
    )


def document_rest(project: Project, first: DocumentFirstPart) -> list[Unit]:
    """The units of a document past its first part (none when it was read whole):
    with ``first.units``, every unit of the document but its sentences, in order."""
    if first.head_end <= 0:
        return []
    return project.units_between(first.document.id, start=first.head_end)


def document_unit_bounds(
    project: Project, document_id: int
) -> dict[str, tuple[list[int], list[int]]]:
    """The sentences of a document as ``{"sentence": (starts, ends)}`` (empty when it
    has none): the units the transcript selects by but does not draw, read after the
    document shows (a 50 MB transcript has some 400,000)."""
    return project.document_unit_bounds(document_id)


def document_codings_again(
    project: Project, document_id: int, shown: Document | None
) -> list[Coding] | None:
    """Every coding of a document, read again after an undo, a redo or a codebook edit;
    None when ``shown`` (the document on screen) is this one and its text changed (an
    undone or redone correction): it must then be opened again, codings and all."""
    if shown is not None and shown.id == document_id:
        stored = project.document_info(document_id)
        if stored.sha256 != shown.sha256:
            return None
    return project.codings(document_id=document_id)
