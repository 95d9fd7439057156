"""One document read in parts, for the interface: its units over a range of offsets.

A 50 MB transcript holds some 200,000 units besides its sentences: reading them all cost
over a second before the first line could show. The interface reads the units of its
first screen (an offset range at the start of the text), paints, then reads the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from codage.domain import Coding, Unit
from codage.store.codings import Codings


class DocumentParts(Codings):
    """Plain-row reads of one document for the interface (mixed into the project)."""

    def document_codings(self, document_id: int) -> list[Coding]:
        """Every coding of a document, as :meth:`codings_bulk` gives them for it (same
        order, no timestamps), read on the driver's own cursor: SQLAlchemy's rows took
        most of the 0.1 s that 5,000 codings cost the opening of a transcript."""
        automatic = "automatic" if self._has_automatic() else "0"
        suggested = "suggested" if self._has_suggested() else "0"
        with self._read() as s:
            conn = s.connection()
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute("SELECT id, name FROM coders")
                names = dict(cursor.fetchall())
                cursor.execute(
                    'SELECT id, code_id, coder_id, start, "end", text, memo, '
                    f"{automatic}, {suggested} FROM codings WHERE document_id = {mark} "
                    'ORDER BY start, "end", id',
                    (document_id,),
                )
                rows = cursor.fetchall()
            finally:
                cursor.close()
        return [
            Coding(i, document_id, c, names[k], a, b, t, m, None, None, bool(auto), bool(sugg))
            for i, c, k, a, b, t, m, auto, sugg in rows
        ]

    def units_between(
        self,
        document_id: int,
        start: int = 0,
        before: int | None = None,
        *,
        leave_out: Iterable[str] = ("sentence",),
    ) -> list[Unit]:
        """The units of a document that start at ``start`` or after, and before
        ``before`` (to the end without it), leaving out the kinds in ``leave_out``; in
        the order of :meth:`units`, as :meth:`units_and_bounds` gives them (no lemmas).

        Units are ordered by their start first, so the reads of ``[0, w)`` and of
        ``[w, end)`` put end to end are the read of the whole document."""
        lean = sorted(set(leave_out))
        with self._read() as s:
            conn = s.connection()
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            where = [f"document_id = {mark}", f"start >= {mark}"]
            params: list[Any] = [document_id, start]
            if before is not None:
                where.append(f"start < {mark}")
                params.append(before)
            if lean:
                where.append(f"kind NOT IN ({', '.join([mark] * len(lean))})")
                params.extend(lean)
            # the driver's own cursor, as units_and_bounds reads: the range is one
            # search of the (document_id, start) index
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(
                    'SELECT kind, start, "end", speaker, timestamp, id, position FROM units '
                    f"WHERE {' AND '.join(where)} "
                    'ORDER BY start, "end" DESC, position',
                    tuple(params),
                )
                rows = cursor.fetchall()
            finally:
                cursor.close()
        return [
            Unit(kind, begin, end, speaker, timestamp, None, unit_id, document_id, position)
            for kind, begin, end, speaker, timestamp, unit_id, position in rows
        ]
