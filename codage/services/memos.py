"""Memos as a person names them: on the project, a document (by name), a code (by path)
or a coding (by id).

A memo on a document, a code or the project is a memo of its own (journaled). A memo on
a coding is the coding's memo, as the interface writes it: only the coding's coder may
write it (their codings change only by their hand), and the change is journaled too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from codage.domain import Memo
from codage.services import NotFound, StoreError, resolve_code, resolve_document

if TYPE_CHECKING:
    from codage.services import Project

TARGETS = ("project", "document", "code", "coding")


class MemoRefused(StoreError):
    """A memo a person may not write (another coder's coding)."""


@dataclass(frozen=True, slots=True)
class MemoTarget:
    """What a memo is on: ``kind`` is one of :data:`TARGETS`, ``label`` names it for people."""

    kind: str
    id: int | None
    label: str


@dataclass(frozen=True, slots=True)
class MemoRecord:
    """A memo as both faces list it. ``id`` is the memo's id, None for a coding's memo
    (it is named by its coding)."""

    id: int | None
    target: MemoTarget
    text: str
    author: str | None
    updated_at: datetime | None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "on": self.target.kind,
            "target_id": self.target.id,
            "target": self.target.label,
            "text": self.text,
            "author": self.author,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def memo_target(
    project: Project,
    *,
    document: str | None = None,
    code: str | None = None,
    coding: int | None = None,
) -> MemoTarget:
    """The one thing a memo is on; none given means the project itself."""
    given = [v for v in (document, code, coding) if v is not None]
    if len(given) > 1:
        raise StoreError("a memo goes on one thing: give one of --document, --code, --coding")
    if document is not None:
        doc = resolve_document(project, document)
        return MemoTarget("document", doc.id, doc.name)
    if code is not None:
        found = resolve_code(project, code)
        return MemoTarget("code", found.id, found.path_str)
    if coding is not None:
        held = project.coding(coding)
        path = project.code(held.code_id).path_str
        name = project.document_info(held.document_id).name
        return MemoTarget("coding", coding, f"{path} on {name} [{held.start}, {held.end})")
    return MemoTarget("project", None, project.name)


def _labels(project: Project) -> dict[tuple[str, int | None], str]:
    labels: dict[tuple[str, int | None], str] = {("project", None): project.name}
    labels.update({("document", d.id): d.name for d in project.documents()})
    labels.update({("code", c.id): c.path_str for c in project.codes()})
    return labels


def _record(memo: Memo, labels: dict[tuple[str, int | None], str]) -> MemoRecord:
    label = labels.get((memo.target, memo.target_id), f"{memo.target} #{memo.target_id}")
    target = MemoTarget(memo.target, memo.target_id, label)
    return MemoRecord(memo.id, target, memo.text, memo.author, memo.updated_at)


def list_memos(project: Project, target: MemoTarget | None = None) -> list[MemoRecord]:
    """Memos (of one target, or all), then the memos written on codings."""
    labels = _labels(project)
    if target is None or target.kind != "coding":
        kind = None if target is None else target.kind
        memos = project.memos(kind, None if target is None else target.id)
        if target is not None and target.kind == "project":
            memos = [m for m in memos if m.target_id is None]
        out = [_record(m, labels) for m in memos]
    else:
        out = []
    if target is None or target.kind == "coding":
        paths = {c.id: c.path_str for c in project.codes()}
        names = {d.id: d.name for d in project.documents()}
        for c in project.codings():
            if c.memo and (target is None or target.id == c.id):
                label = f"{paths[c.code_id]} on {names[c.document_id]} [{c.start}, {c.end})"
                out.append(
                    MemoRecord(None, MemoTarget("coding", c.id, label), c.memo, c.coder, None)
                )
    return out


def _own_coding_memo(project: Project, coding_id: int, text: str | None, coder: str) -> None:
    owner = project.coding(coding_id).coder
    if owner != coder:
        raise MemoRefused(
            f"coding {coding_id} is {owner}'s: only {owner} may write its memo (you are {coder})"
        )
    project.set_coding_memo(coding_id, text, coder=coder)


def add_memo(project: Project, target: MemoTarget, text: str, *, coder: str) -> MemoRecord:
    """Write a memo on ``target``; journaled. A coding holds one memo: adding a second is
    refused (edit it instead)."""
    if not text.strip():
        raise StoreError("a memo needs some text")
    if target.kind == "coding":
        assert target.id is not None
        if project.coding(target.id).memo:
            raise StoreError(f"coding {target.id} has a memo already: edit it with --coding")
        _own_coding_memo(project, target.id, text, coder)
        return MemoRecord(None, target, text, coder, None)
    memo = project.add_memo(target.kind, target.id, text, coder=coder)
    return MemoRecord(memo.id, target, memo.text, memo.author, memo.updated_at)


def _memo(project: Project, memo_id: int) -> Memo:
    for memo in project.memos():
        if memo.id == memo_id:
            return memo
    raise NotFound(f"no memo with id {memo_id} (see codage memo list)")


def edit_memo(
    project: Project, memo_id: int | None, text: str, *, coder: str, coding: int | None = None
) -> MemoRecord:
    """Rewrite a memo (by id), or the memo of a coding; journaled."""
    if not text.strip():
        raise StoreError("a memo needs some text (to remove it, use codage memo delete)")
    if coding is not None:
        if not project.coding(coding).memo:
            raise NotFound(f"coding {coding} has no memo")
        _own_coding_memo(project, coding, text, coder)
        return MemoRecord(None, memo_target(project, coding=coding), text, coder, None)
    assert memo_id is not None
    _memo(project, memo_id)
    memo = project.update_memo(memo_id, text, coder=coder)
    return _record(memo, _labels(project))


def delete_memo(
    project: Project, memo_id: int | None, *, coder: str, coding: int | None = None
) -> MemoRecord:
    """Delete a memo (by id), or clear the memo of a coding; journaled. Returns what went."""
    if coding is not None:
        held = project.coding(coding)
        if not held.memo:
            raise NotFound(f"coding {coding} has no memo")
        gone = MemoRecord(None, memo_target(project, coding=coding), held.memo, held.coder, None)
        _own_coding_memo(project, coding, None, coder)
        return gone
    assert memo_id is not None
    gone = _record(_memo(project, memo_id), _labels(project))
    project.delete_memo(memo_id, coder=coder)
    return gone
