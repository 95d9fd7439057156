"""Documents as a person names them: rename, delete, and show with their units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from codage.display import check_plain_name
from codage.domain import Document
from codage.places import Locator
from codage.services import StoreError, resolve_document

if TYPE_CHECKING:
    from codage.services import Project


@dataclass(frozen=True, slots=True)
class UnitRecord:
    """A unit of a document: its kind, where it is (``locator``: the numbered unit holding
    it, e.g. ``turn 3``), its speaker and its text."""

    kind: str
    start: int
    end: int
    locator: str
    speaker: str | None
    text: str

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "locator": self.locator,
            "speaker": self.speaker,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A document's text with its units in text order."""

    document: Document
    units: list[UnitRecord]


def show_document(project: Project, typed: str) -> DocumentView:
    """A document's text with every unit the readers and the language model found."""
    doc = project.document(resolve_document(project, typed).id)
    units = project.units(doc.id)
    locator = Locator.of(units, doc.text)
    out = []
    for unit in units:
        place = locator.at(unit.start)
        where = f"{place.kind} {place.number}" if place is not None else ""
        text = doc.text[unit.start : unit.end]
        out.append(UnitRecord(unit.kind, unit.start, unit.end, where, unit.speaker, text))
    return DocumentView(doc, out)


def rename_document(project: Project, typed: str, new_name: str) -> tuple[str, str]:
    """Rename a document; returns (old name, new name)."""
    doc = resolve_document(project, typed)
    name = new_name.strip()
    if not name:
        raise StoreError("a document needs a name")
    problem = check_plain_name(name, "document")
    if problem is not None:
        raise StoreError(problem)
    project.rename_document(doc.id, name)
    return doc.name, name


def document_usage(project: Project, typed: str) -> tuple[str, int]:
    """A document's name and how many codings deleting it would take with it."""
    doc = resolve_document(project, typed)
    return doc.name, sum(project.coding_counts(doc.id).values())


def delete_document(project: Project, typed: str) -> tuple[str, int]:
    """Delete a document with its units, codings and case links (not journaled: it cannot
    be undone). Returns its name and the codings removed."""
    doc = resolve_document(project, typed)
    return doc.name, project.delete_document(doc.id)
