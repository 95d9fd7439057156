"""Services shared by the command line and the interface: opening a project,
resolving what a person typed, and moving codebooks in and out of a project."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codage import codebook
from codage.codebook import CodebookError, CodebookSpec, PathError
from codage.domain import Case, Code, Document, DocumentInfo, Span, Unit, fold
from codage.store.errors import Conflict, NotFound, ReadOnlyProject, StoreError, UndoConflict
from codage.store.location import display_location, is_memory_location, login_role, project_url

if TYPE_CHECKING:
    from codage.store.lite import ProjectReader
    from codage.store.project import NotYours, Project

__all__ = [
    "CodebookError",
    "CodebookImport",
    "Conflict",
    "NotFound",
    "NotYours",
    "PathError",
    "Project",
    "ProjectReader",
    "ReadOnlyProject",
    "StoreError",
    "UndoConflict",
    "case_finder",
    "default_project_location",
    "display_location",
    "export_codebook",
    "import_codebook",
    "login_role",
    "open_project",
    "project_exists",
    "resolve_code",
    "resolve_document",
    "sqlite_path",
]

DEFAULT_PROJECT_FILE = "codage.db"


def __getattr__(name: str) -> Any:
    # The full store (SQLAlchemy) loads when a command first names it, not when a
    # light command imports the services: see codage.services.reading.
    if name in ("Project", "NotYours"):
        from codage.store import project

        return getattr(project, name)
    if name == "ProjectReader":
        # the light read model (sqlite3) loads when a reader is opened, not with the
        # services: every command module imports them, and its --help needs neither
        from codage.store.lite import ProjectReader

        return ProjectReader
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def default_project_location() -> str:
    """`CODAGE_PROJECT`, else `codage.db` in the current folder."""
    return os.environ.get("CODAGE_PROJECT") or DEFAULT_PROJECT_FILE


def sqlite_path(location: str | None = None) -> Path | None:
    """The file of a SQLite project, or None for a server URL or an in-memory database."""
    location = location or default_project_location()
    if is_memory_location(location):
        # no file: opening it is refused, and nothing may be built beside ":memory:"
        return None
    url = project_url(location)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    return None


def project_exists(location: str | None = None) -> bool:
    """Whether a project file is there (always True for server URLs, which are opened)."""
    url = project_url(location or default_project_location())
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).exists()
    return "://" in url and not url.startswith("sqlite")


def open_project(
    location: str | None = None, *, create: bool = True, check: bool = True
) -> Project:
    """Open a project by path or SQLAlchemy URL (default: see :func:`default_project_location`).

    Without ``check`` a project file's pages are not verified at once (the interface
    verifies them once its window shows: see :func:`codage.services.reading.file_damage`).
    """
    from codage.store.project import Project

    return Project.open(location or default_project_location(), create=create, check=check)


def resolve_code(project: ProjectReader, typed: str) -> Code:
    """The code a person meant (exact, then case- and accent-blind, then unique prefixes)."""
    return codebook.resolve_path(project.codes(), typed)


def resolve_document(project: ProjectReader, typed: str) -> DocumentInfo:
    """A document by exact name, else case- and accent-blind name, else unique prefix."""
    documents = project.documents()
    for doc in documents:
        if doc.name == typed:
            return doc
    wanted = fold(typed.strip())
    matches = [d for d in documents if fold(d.name) == wanted]
    if not matches:
        matches = [d for d in documents if fold(d.name).startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(f"no document {typed!r} in this project")
    names = "; ".join(d.name for d in matches[:8])
    raise NotFound(f"document {typed!r} is ambiguous: {names}")


def load_document(project: Project, typed: str) -> Document:
    return project.document(resolve_document(project, typed).id)


@dataclass
class CodebookImport:
    """What importing a codebook did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def _folded(path: tuple[str, ...]) -> tuple[str, ...]:
    return ("\0folded", *(fold(level) for level in path))


def import_codebook(
    project: Project, book: CodebookSpec, *, coder: str, overwrite: bool = False
) -> CodebookImport:
    """Merge a codebook into the project by code path, in one transaction.

    New codes are added where they belong. An existing code keeps its
    codings; empty fields are filled from the file, and a differing
    definition or colour is reported as a conflict unless ``overwrite``.
    Nothing is ever deleted.
    """
    report = CodebookImport()
    with project.batch(
        coder=coder, action="import_codebook", summary=f"import codebook {book.name}"
    ):
        # Paths match as typed paths do: exactly, else without case and accents.
        existing: dict[tuple[str, ...], Code] = {}
        for c in project.codes():
            existing[c.path] = c
            existing.setdefault(_folded(c.path), c)
        # The project's own spelling of a matched parent is kept for new children.
        spelled: dict[tuple[str, ...], tuple[str, ...]] = {}
        new: list[tuple[tuple[str, ...], dict[str, str]]] = []
        for path, spec in book.walk():
            code = existing.get(path) or existing.get(_folded(path))
            if code is None:
                parent = spelled.get(path[:-1], path[:-1])
                full = (*parent, spec.name)
                spelled[path] = full
                spelled.setdefault(_folded(path), full)
                fields = {
                    "description": spec.definition,
                    "inclusion": spec.include,
                    "exclusion": spec.exclude,
                    "example": spec.example,
                }
                if spec.colour:
                    fields["colour"] = spec.colour
                new.append((full, fields))
                continue
            spelled[path] = code.path
            shown = code.path_str
            changes: dict[str, str] = {}
            differs = []
            for attr, value in (
                ("description", spec.definition),
                ("inclusion", spec.include),
                ("exclusion", spec.exclude),
                ("example", spec.example),
                ("colour", spec.colour or ""),
            ):
                current = getattr(code, attr)
                if not value or value == current:
                    continue
                if not current or overwrite:
                    changes[attr] = value
                else:
                    differs.append(attr)
            if differs:
                report.conflicts.append(
                    f"{shown}: {', '.join(differs)} differ (kept the project's)"
                )
            if changes:
                project.update_code(code.id, coder=coder, **changes)
                report.updated.append(shown)
            elif not differs:
                report.unchanged.append(shown)
        if new:
            project.create_codes(new, coder=coder)
            report.added.extend(codebook.format_path(path) for path, _ in new)
    return report


def export_codebook(project: Project, path: str | Path | None = None) -> str:
    """The project's codebook as YAML text, written to ``path`` when given."""
    book = codebook.spec_from_codes(project.name, project.codes())
    text = codebook.dump_codebook(book)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def case_finder(
    project: Project, document_id: int, units: Sequence[Unit] | None = None
) -> Callable[[Span], Case | None]:
    """How to find the case of a passage of one document.

    A passage belongs to the case of the unit (a survey answer) holding its
    start; one that starts between two answers belongs to the first answer it
    overlaps; otherwise to the document's case (an interviewee), if any.
    """
    # imported here: codage.passages loads ``regex``, which a listing does not need
    from codage.passages import case_locator

    if units is None:
        units = project.units(document_id)
    return case_locator(units, project.unit_cases(document_id), project.document_case(document_id))
