"""The pseudonymisation map of a project; replacing it is one journaled, undoable change."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from codage.domain import Pseudonym
from codage.store.base import ProjectBase
from codage.store.journal import Journal as _Journal
from codage.store.journal import row_dict as _row_dict
from codage.store.schema import PseudonymRow


def _pseudonym(row: PseudonymRow) -> Pseudonym:
    return Pseudonym(row.key, row.name, row.kind, row.replacement, row.keep, row.count, row.id)


class Pseudonyms(ProjectBase):
    """The names a pseudonymised export or copy replaces."""

    def pseudonyms(self) -> list[Pseudonym]:
        """The stored map: by kind, the names kept first, the most frequent first."""
        with self._read() as s:
            rows = s.scalars(select(PseudonymRow).order_by(PseudonymRow.id))
            return sorted(
                (_pseudonym(r) for r in rows), key=lambda p: (p.kind, not p.keep, -p.count, p.key)
            )

    def set_pseudonyms(self, entries: Iterable[Pseudonym], *, coder: str) -> int:
        """Replace the whole map by ``entries`` (one per key) in one journaled change.

        Rows whose key stays are updated in place, others inserted or deleted, so that
        one undo puts the previous map back. Returns the number of rows changed.
        """
        # the map rewrites every export of everyone's work: the owner's, on a team project
        self._owner_only("store the pseudonymisation map (it rewrites every export)")
        wanted = {e.key: e for e in entries}
        journal = _Journal()
        with self._tx() as s:
            current = {r.key: r for r in s.scalars(select(PseudonymRow))}
            for key, row in current.items():
                if key not in wanted:
                    journal.deleted("pseudonyms", _row_dict(row))
                    s.delete(row)
            s.flush()
            for key, entry in wanted.items():
                existing = current.get(key)
                if existing is None:
                    added = PseudonymRow(
                        key=key,
                        name=entry.name,
                        kind=entry.kind,
                        replacement=entry.replacement,
                        keep=entry.keep,
                        count=entry.count,
                    )
                    s.add(added)
                    s.flush()
                    journal.inserted("pseudonyms", _row_dict(added))
                    continue
                before = _row_dict(existing)
                existing.name, existing.kind = entry.name, entry.kind
                existing.replacement, existing.keep, existing.count = (
                    entry.replacement,
                    entry.keep,
                    entry.count,
                )
                s.flush()
                journal.updated("pseudonyms", existing.id, before, _row_dict(existing))
            self._record(s, coder, "set_pseudonyms", "pseudonymisation map", journal)
            return len(journal.ops)
