"""Undo, redo and the history of changes, read from and written to the journal
(see :mod:`codage.store.journal` for its row-level operations)."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from codage.domain import (
    JournalEntry,
)
from codage.store import journal as _journal
from codage.store.journal import UndoConflict
from codage.store.lean import LeanWrites, Ordinary
from codage.store.schema import (
    DocumentRow,
    JournalRow,
)
from codage.store.search_index import SearchIndex


class _BeyondLane(Exception):
    """An undo or redo that touches more than its coder's own codings."""


class History(LeanWrites, SearchIndex):
    """Undo, redo and history over the journal."""

    def undo(self, *, coder: str) -> JournalEntry | None:
        """Undo the last change ``coder`` made that is still in force, whoever's codings
        it touched; None when there is nothing to undo.

        Raises UndoConflict, leaving everything as it was, when later changes by
        others make it impossible (the message says which row); the entry stays
        in force, so a later undo can succeed once that row is back.
        """
        return self._step(coder, undo=True)

    def redo(self, *, coder: str) -> JournalEntry | None:
        """Redo the last change ``coder`` undid; None when there is nothing to redo."""
        return self._step(coder, undo=False)

    def _step(self, coder: str, *, undo: bool) -> JournalEntry | None:
        # Most steps take back a coder's own coding: tried first in the coder's lane,
        # beside other coders' writes; a step that reaches further runs again alone.
        actor_id = self._lean_coder_id(coder)
        if actor_id is not None:
            try:
                return self._lean_step(actor_id, coder, undo=undo)
            except Ordinary:
                pass
        try:
            return self._step_in(coder, undo=undo, lane=True)
        except _BeyondLane:
            return self._step_in(coder, undo=undo, lane=False)

    def _step_in(self, coder: str, *, undo: bool, lane: bool) -> JournalEntry | None:
        verb = "undo" if undo else "redo"
        target: JournalEntry | None = None
        try:
            with self._tx(lane=lane) as s:
                actor_id = self._coder_id(s, coder)
                row = _journal.last_done(s, actor_id) if undo else _journal.last_undone(s, actor_id)
                if row is None:
                    return None
                if lane and not _journal.in_lane(row.ops, actor_id):
                    raise _BeyondLane
                names = _journal.coder_names(s)
                target = _journal.entry(row, names)
                _journal.apply_ops(s, row.ops, reverse=undo, entry_id=row.id)
                # a text and its units put back or taken again: so is their index
                self._reindex_touched(s, row.ops)
                if undo:
                    _journal.mark_undone(s, row)
                else:
                    row.state, row.undo_seq = "done", None
                return _journal.entry(row, names)
        except UndoConflict as exc:
            raise UndoConflict(f"cannot {verb}: {exc}", target, str(exc)) from None
        except IntegrityError as exc:
            reason = f"later changes conflict with it ({exc.orig})"
            raise UndoConflict(f"cannot {verb}: {reason}", target, reason) from None

    def history(self, *, coder: str | None = None, limit: int | None = 50) -> list[JournalEntry]:
        """The latest journal entries, newest first: everyone's, or the changes ``coder``
        made (not those that merely touched their codings); ``limit`` None for all."""
        with self._read() as s:
            names = _journal.coder_names(s)
            query = select(JournalRow).order_by(JournalRow.id.desc())
            if limit is not None:
                query = query.limit(limit)
            if coder is not None:
                wanted = [i for i, n in names.items() if n == coder.strip()]
                query = query.where(JournalRow.actor_id.in_(wanted))
            return [_journal.entry(r, names) for r in s.scalars(query)]

    def entry_documents(self, entry_id: int) -> set[int]:
        """The documents whose codings a journal entry changed (empty for an entry
        that only touched the codebook or memos, or one that no longer exists)."""
        with self._read() as s:
            ops = s.scalar(select(JournalRow.ops).where(JournalRow.id == entry_id))
        return _journal.touched_documents(ops or [])

    def journal_mark(self) -> tuple[int, ...]:
        """A fingerprint of the journal and the documents that any change of codings,
        codebook or memos (a new entry, an undo, a redo, in any process) or any
        document added or removed alters: what a window polls to see others' work.

        One aggregate query, no rows read into memory: the newest entry, how many
        entries are in force and the sum of their ids (an undo or a redo moves
        both), and the number and newest id of documents.
        """
        plain = self.is_sqlite and not self.store.outdated
        if plain and getattr(self._local, "session", None) is None:
            # polled every second or two, and asked after each coding applied: the
            # ORM's session cost ten times the query
            return self._sqlite_journal_mark()
        done = JournalRow.state == "done"
        with self._read() as s:
            journal = s.execute(
                select(
                    func.coalesce(func.max(JournalRow.id), 0),
                    func.coalesce(func.sum(case((done, 1), else_=0)), 0),
                    func.coalesce(func.sum(case((done, JournalRow.id), else_=0)), 0),
                )
            ).one()
            documents = s.execute(
                select(func.count(DocumentRow.id), func.coalesce(func.max(DocumentRow.id), 0))
            ).one()
        return tuple(int(v) for v in (*journal, *documents))
