"""Codebook edits by code path, as a person types them: add, rename, move, merge, delete,
recolour, describe.

The interface's codebook tree and ``codage codebook ...`` make the same journaled
:class:`~codage.store.project.Project` calls, so ``codage undo`` (or Ctrl+Z) takes any of
them back; this module turns what was typed into those calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from codage import codebook
from codage.codebook import CodebookError
from codage.domain import Code
from codage.services import resolve_code

if TYPE_CHECKING:
    from codage.services import Project

__all__ = [
    "CodeRemoved",
    "CodesMerged",
    "add_code",
    "delete_code",
    "describe_code",
    "merge_codes",
    "move_code",
    "recolour_code",
    "rename_code",
    "resolve_code",
]


@dataclass(frozen=True, slots=True)
class CodeRemoved:
    """What deleting a code took with it."""

    path: str
    subcodes: int
    codings: int


@dataclass(frozen=True, slots=True)
class CodesMerged:
    """A merge: the code that went, the one that stays, and the codings that followed."""

    source: str
    target: str
    moved: int


def add_code(
    project: Project,
    path: str,
    *,
    coder: str,
    colour: str | None = None,
    description: str = "",
) -> Code:
    """Add the code ``path`` (``Parent/Name``) under its existing parent; journaled."""
    try:
        levels = codebook.parse_path(path)
    except ValueError as exc:
        raise CodebookError(str(exc)) from None
    parent = resolve_code(project, codebook.format_path(levels[:-1])) if len(levels) > 1 else None
    return project.create_code(
        levels[-1],
        parent_id=parent.id if parent else None,
        coder=coder,
        colour=codebook.check_colour(colour) if colour is not None else None,
        description=description,
    )


def rename_code(project: Project, typed: str, new_name: str, *, coder: str) -> Code:
    """Give a code a new name at the same place; its codings stay; journaled."""
    code = resolve_code(project, typed)
    return project.update_code(code.id, coder=coder, name=new_name)


def recolour_code(project: Project, typed: str, colour: str, *, coder: str) -> Code:
    """Change a code's colour (``#RRGGBB``); journaled."""
    code = resolve_code(project, typed)
    return project.update_code(code.id, coder=coder, colour=codebook.check_colour(colour))


def describe_code(project: Project, typed: str, description: str, *, coder: str) -> Code:
    """Write a code's definition; journaled."""
    code = resolve_code(project, typed)
    return project.update_code(code.id, coder=coder, description=description)


def move_code(
    project: Project,
    typed: str,
    under: str | None,
    *,
    coder: str,
    position: int | None = None,
) -> Code:
    """Move a code with its sub-codes under another code (``under``), or to the top level
    (``under`` None), at ``position`` among its new siblings (default: last); journaled."""
    code = resolve_code(project, typed)
    parent = resolve_code(project, under) if under is not None else None
    return project.move_code(code.id, parent.id if parent else None, coder=coder, position=position)


def merge_codes(project: Project, source: str, target: str, *, coder: str) -> CodesMerged:
    """Merge the code ``source`` into ``target``: its codings, sub-codes and memos follow it,
    and it goes; journaled."""
    gone, kept = resolve_code(project, source), resolve_code(project, target)
    if gone.id == kept.id:
        raise CodebookError(f"{gone.path_str}: a code cannot be merged into itself")
    moved = project.merge_codes(gone.id, kept.id, coder=coder)
    return CodesMerged(gone.path_str, project.code(kept.id).path_str, moved)


def delete_code(project: Project, typed: str, *, coder: str) -> CodeRemoved:
    """Delete a code, its sub-codes and all their codings; journaled, so undo restores all."""
    code = resolve_code(project, typed)
    usage = project.delete_code(code.id, coder=coder)
    return CodeRemoved(code.path_str, usage["subcodes"], usage["codings"])
