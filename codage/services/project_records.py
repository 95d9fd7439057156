"""A whole project read once as plain records, for the writers of exchange formats.

:func:`select_project_records` reads everything a project exchange (REFI-QDA ``.qdpx``)
carries: the coders, the codebook in tree order, every document with its stored text,
every coding, every memo with its target, the cases with their attributes, the documents
that belong to a case as a whole and the units (survey answers) that belong to one.
:func:`select_codebook_records` reads only what a codebook exchange (``.qdc``) carries.

The writers in ``exchange/`` receive these records and a path; they never hold a project.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from codage.domain import Case, Code, Coding, Memo

if TYPE_CHECKING:
    from codage.store.project import Project

__all__ = [
    "CodebookRecords",
    "DocumentRecord",
    "ProjectRecords",
    "UnitCaseRecord",
    "select_codebook_records",
    "select_project_records",
]

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A document with its stored text (NFC, ``\\n`` newlines) and the case it belongs
    to as a whole, if any."""

    id: int
    name: str
    text: str
    case: str | None = None
    imported_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UnitCaseRecord:
    """A unit of a document (a survey answer) that belongs to a case."""

    unit_id: int
    document_id: int
    start: int
    end: int
    case: str


@dataclass(frozen=True, slots=True)
class CodebookRecords:
    """What a codebook exchange carries: the project's name and its codes in tree order."""

    project: str
    codes: list[Code]


@dataclass(frozen=True, slots=True)
class ProjectRecords:
    """What a project exchange carries, read once."""

    project: str
    coders: list[str]
    codes: list[Code]
    documents: list[DocumentRecord]
    codings: list[Coding]
    # memos of the memo table: on the project, a document, a code or a coding; a coding's
    # own memo (written by its coder) stays on its Coding record
    memos: list[Memo]
    cases: list[Case]
    unit_cases: list[UnitCaseRecord] = field(default_factory=list)


def select_codebook_records(project: Project) -> CodebookRecords:
    """The project's name and its codebook in tree order."""
    return CodebookRecords(project.name, project.codes())


def select_project_records(
    project: Project, progress: Progress | None = None, *, pseudonymised: bool = False
) -> ProjectRecords:
    """Everything a project exchange writes, read once from ``project``.

    With ``pseudonymised``, texts, names, cases and memos pass through the project's
    pseudonymisation map and codings are re-anchored on the new texts.

    Documents are read one by one (their text is the heaviest part); ``progress(done,
    total)`` is called after each. Codings come in document and text order, the coders
    by name, the codes in tree order, the documents and cases by name.
    """
    infos = project.documents()
    documents: list[DocumentRecord] = []
    unit_cases: list[UnitCaseRecord] = []
    for done, info in enumerate(infos, start=1):
        doc = project.document(info.id)
        documents.append(DocumentRecord(doc.id, doc.name, doc.text, info.case, doc.imported_at))
        linked = project.unit_cases(info.id)
        if linked:
            for unit in project.units(info.id):
                case = linked.get(unit.id) if unit.id is not None else None
                if case is not None and unit.id is not None:
                    unit_cases.append(
                        UnitCaseRecord(unit.id, info.id, unit.start, unit.end, case.name)
                    )
        if progress is not None:
            progress(done, len(infos))
    records = ProjectRecords(
        project=project.name,
        coders=[c.name for c in project.coders()],
        codes=project.codes(),
        documents=documents,
        codings=project.codings(),
        memos=project.memos(),
        cases=project.cases(),
        unit_cases=unit_cases,
    )
    if not pseudonymised:
        return records
    # imported here: the pseudonymisation services build on this module's records
    from codage.services.pseudonymised import pseudonymise_project_records
    from codage.services.pseudonyms import load_pseudonymiser

    return pseudonymise_project_records(records, load_pseudonymiser(project))
