"""Memos on the project, a document, a code or a coding; every change journaled."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from codage.domain import (
    Memo,
)
from codage.store.base import Conflict, NotFound, ProjectBase
from codage.store.codings import owner_check
from codage.store.journal import Journal as _Journal
from codage.store.journal import now as _now
from codage.store.journal import row_dict as _row_dict
from codage.store.schema import (
    CoderRow,
    MemoRow,
)


class Memos(ProjectBase):
    """The memos of a project."""

    def _memo(self, s: Session, row: MemoRow) -> Memo:
        author = self._author(s, row)
        return Memo(
            row.id, row.target, row.target_id, row.text, author, row.created_at, row.updated_at
        )

    def add_memo(self, target: str, target_id: int | None, text: str, *, coder: str) -> Memo:
        """A memo on the project, a document, a code or a coding; journaled."""
        if target not in ("project", "document", "code", "coding"):
            raise Conflict(f"memos go on a project, document, code or coding, not {target!r}")
        journal = _Journal()
        with self._tx() as s:
            now = _now()
            row = MemoRow(
                target=target,
                target_id=target_id,
                text=text,
                author_id=self._coder_id(s, coder),
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            journal.inserted("memos", _row_dict(row))
            self._record(s, coder, "add_memo", f"memo on {target}", journal)
            return self._memo(s, row)

    def _author(self, s: Session, row: MemoRow) -> str | None:
        if row.author_id is None:
            return None
        return s.scalar(select(CoderRow.name).where(CoderRow.id == row.author_id))

    def update_memo(self, memo_id: int, text: str, *, coder: str) -> Memo:
        """Rewrite one's own memo; journaled. NotYours when another coder wrote it."""
        journal = _Journal()
        with self._tx() as s:
            row = s.get(MemoRow, memo_id)
            if row is None:
                raise NotFound(f"no memo with id {memo_id}")
            owner_check(self._author(s, row), coder, f"memo {memo_id}", "edit")
            before = _row_dict(row)
            row.text = text
            row.updated_at = _now()
            s.flush()
            journal.updated("memos", row.id, before, _row_dict(row))
            self._record(s, coder, "update_memo", f"edit memo on {row.target}", journal)
            return self._memo(s, row)

    def delete_memo(self, memo_id: int, *, coder: str) -> None:
        """Delete one's own memo; journaled. NotYours when another coder wrote it."""
        journal = _Journal()
        with self._tx() as s:
            row = s.get(MemoRow, memo_id)
            if row is None:
                raise NotFound(f"no memo with id {memo_id}")
            owner_check(self._author(s, row), coder, f"memo {memo_id}", "delete")
            journal.deleted("memos", _row_dict(row))
            s.delete(row)
            s.flush()
            self._record(s, coder, "delete_memo", f"delete memo on {row.target}", journal)

    def memos(self, target: str | None = None, target_id: int | None = None) -> list[Memo]:
        with self._read() as s:
            query = select(MemoRow).order_by(MemoRow.created_at, MemoRow.id)
            if target is not None:
                query = query.where(MemoRow.target == target)
            if target_id is not None:
                query = query.where(MemoRow.target_id == target_id)
            return [self._memo(s, r) for r in s.scalars(query)]
