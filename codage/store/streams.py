"""Codings read as a stream, one document at a time, for the commands that go over a
whole project (agreement, statistics, exports, ``segments``).

A project of a lab's size holds a million codings: read at once into objects they
took gigabytes. These read plain rows from one ordered query, fetched a slice at a
time, so that a reader holds one document's codings while it works on them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, literal, select

from codage.domain import Coding
from codage.store.codings import Codings
from codage.store.lite import CodingTuple
from codage.store.schema import CaseLinkRow, CoderRow, CodingRow, UnitRow

# Rows fetched from the database per round: enough to keep the driver busy, few
# enough that a slice is a few megabytes.
_FETCH = 2_000


class Streams(Codings):
    """Reading every coding of a project without holding them all."""

    def _coding_query(
        self,
        columns: Sequence[Any],
        names: Mapping[int, str],
        document_ids: Iterable[int] | None,
        code_ids: Iterable[int] | None,
        coders: Iterable[str] | None,
    ) -> Select[Any]:
        """``columns`` of the codings asked for, in document and text order."""
        query = select(*columns)
        if document_ids is not None:
            query = query.where(CodingRow.document_id.in_(list(document_ids)))
        if code_ids is not None:
            query = query.where(CodingRow.code_id.in_(list(code_ids)))
        if coders is not None:
            wanted = set(coders)
            query = query.where(
                CodingRow.coder_id.in_([i for i, n in names.items() if n in wanted])
            )
        return query.order_by(CodingRow.document_id, CodingRow.start, CodingRow.end, CodingRow.id)

    def _flags(self) -> list[Any]:
        return [
            CodingRow.automatic if self._has_automatic() else literal(False),
            CodingRow.suggested if self._has_suggested() else literal(False),
        ]

    def stream_codings(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
        timestamps: bool = False,
        with_text: bool = True,
    ) -> Iterator[Coding]:
        """The codings :meth:`codings` returns, in the same order (document, start, end,
        id), yielded as they are read. Without ``timestamps`` their ``created_at`` and
        ``updated_at`` are None, as :meth:`codings_bulk` gives them; without
        ``with_text`` their ``text`` is empty (what agreement, which never shows it,
        need not read).

        The read stays open while the caller iterates: consume the stream before
        writing to the project.
        """
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            columns: list[Any] = [
                CodingRow.id,
                CodingRow.document_id,
                CodingRow.code_id,
                CodingRow.coder_id,
                CodingRow.start,
                CodingRow.end,
                CodingRow.text if with_text else literal(""),
                CodingRow.memo,
                *self._flags(),
            ]
            if timestamps:
                columns += [CodingRow.created_at, CodingRow.updated_at]
            query = self._coding_query(columns, names, document_ids, code_ids, coders)
            for row in s.execute(query.execution_options(yield_per=_FETCH)):
                created = updated = None
                if timestamps:
                    created, updated = row[10], row[11]
                yield Coding(
                    row[0],
                    row[1],
                    row[2],
                    names[row[3]],
                    row[4],
                    row[5],
                    row[6],
                    row[7],
                    created,
                    updated,
                    bool(row[8]),
                    bool(row[9]),
                )

    def coding_rows(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
    ) -> Iterator[CodingTuple]:
        """What :meth:`stream_codings` yields, as plain tuples (see :data:`CodingTuple`):
        ``segments`` lists a million of them, and a frozen ``Coding`` per row was a
        good part of its time."""
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            columns: list[Any] = [
                CodingRow.id,
                CodingRow.document_id,
                CodingRow.code_id,
                CodingRow.coder_id,
                CodingRow.start,
                CodingRow.end,
                CodingRow.text,
                CodingRow.memo,
                *self._flags(),
            ]
            query = self._coding_query(columns, names, document_ids, code_ids, coders)
            # A Core statement on the session's connection: rows, without the ORM's
            # handling of each.
            for i, d, c, k, a, b, t, m, auto, sugg in s.connection().execute(
                query.execution_options(yield_per=_FETCH)
            ):
                yield (i, d, c, names[k], a, b, t, m, bool(auto), bool(sugg))

    def spans_by_document(
        self,
        documents: Iterable[tuple[int, str | None]],
        *,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
    ) -> Iterator[tuple[list[tuple[int, str, int, int]], list[tuple[int, int, int]]]]:
        """For each (document id, unit kind) given, in that order: the (code id, coder,
        start, end) of its codings in text order (start, end, id), and if it has any,
        the (id, start, end) of its units of that kind in the order of :meth:`units`
        (none without a kind). What statistics count, without texts, lemmas or an
        object per row; one read for the whole walk, one statement per table.

        The read stays open while the caller iterates, as :meth:`stream_codings`'s.
        """
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            doc: Any = bindparam("document_id")
            codings = self._coding_query(
                [CodingRow.code_id, CodingRow.coder_id, CodingRow.start, CodingRow.end],
                names,
                None,
                code_ids,
                coders,
            ).where(CodingRow.document_id == doc)
            units = (
                select(UnitRow.id, UnitRow.start, UnitRow.end)
                .where(UnitRow.document_id == doc, UnitRow.kind == bindparam("kind"))
                .order_by(UnitRow.start, UnitRow.end.desc(), UnitRow.position)
            )
            # Core statements on the session's connection: the ORM's handling of the
            # results cost as much as reading them.
            conn = s.connection()
            for document_id, kind in documents:
                rows = [
                    (c, names[k], a, b)
                    for c, k, a, b in conn.execute(codings, {"document_id": document_id})
                ]
                grain: list[tuple[int, int, int]] = []
                if rows and kind is not None:
                    found = conn.execute(units, {"document_id": document_id, "kind": kind})
                    grain = [(i, a, b) for i, a, b in found]
                yield rows, grain

    def unit_kinds(self) -> dict[int, set[str]]:
        """The kinds of unit each document has (documents without units are absent)."""
        out: dict[int, set[str]] = {}
        with self._read() as s:
            for doc_id, kind in s.execute(select(UnitRow.document_id, UnitRow.kind).distinct()):
                out.setdefault(doc_id, set()).add(kind)
        return out

    def documents_with_cases(self) -> set[int]:
        """Documents that have a case link (of the document or of one of its units)."""
        with self._read() as s:
            return set(s.scalars(select(CaseLinkRow.document_id).distinct()))

    def coding_tally(
        self, *, coders: Iterable[str] | None = None
    ) -> list[tuple[int, str, int, bool, bool, int]]:
        """(document id, coder, code id, automatic, suggested, number of codings) for
        each such combination present: who coded what where, counted by the database."""
        automatic: Any = CodingRow.automatic if self._has_automatic() else literal(False)
        suggested: Any = CodingRow.suggested if self._has_suggested() else literal(False)
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            query = select(
                CodingRow.document_id,
                CodingRow.coder_id,
                CodingRow.code_id,
                automatic,
                suggested,
                func.count(),
            ).group_by(
                CodingRow.document_id, CodingRow.coder_id, CodingRow.code_id, automatic, suggested
            )
            if coders is not None:
                wanted = set(coders)
                query = query.where(
                    CodingRow.coder_id.in_([i for i, n in names.items() if n in wanted])
                )
            return [
                (doc_id, names[coder_id], code_id, bool(auto), bool(sugg), int(n))
                for doc_id, coder_id, code_id, auto, sugg, n in s.execute(query)
            ]

    def codings_by_document(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
        timestamps: bool = False,
    ) -> Iterator[tuple[int, list[Coding]]]:
        """(document id, its codings in text order), one document after the other, in
        the order of document ids; documents without codings are not named."""
        stream = self.stream_codings(
            document_ids=document_ids, code_ids=code_ids, coders=coders, timestamps=timestamps
        )
        for document_id, group in itertools.groupby(stream, key=lambda c: c.document_id):
            yield document_id, list(group)

    # Agreement over a million codings needs only where each coding lies: plain integer
    # rows, read through the core (no ORM rows) and in table order (no sort in the
    # database), which the analysis turns into arrays and sorts itself (issue 20).

    def coding_bounds(
        self, *, coders: Iterable[str] | None = None
    ) -> Iterator[tuple[int, int, int, int, int, int, int, int]]:
        """(document id, coder id, code id, start, end, coding id, automatic, suggested)
        of every coding (by these coders), in no particular order."""
        automatic: Any = CodingRow.automatic if self._has_automatic() else literal(False)
        suggested: Any = CodingRow.suggested if self._has_suggested() else literal(False)
        with self._read() as s:
            query = select(
                CodingRow.document_id,
                CodingRow.coder_id,
                CodingRow.code_id,
                CodingRow.start,
                CodingRow.end,
                CodingRow.id,
                automatic,
                suggested,
            )
            if coders is not None:
                wanted = set(coders)
                ids = [i for i, n in s.execute(select(CoderRow.id, CoderRow.name)) if n in wanted]
                query = query.where(CodingRow.coder_id.in_(ids))
            yield from _plain_rows(s.connection().execute(query))

    def unit_bounds(self, kind: str) -> Iterator[tuple[int, int, int]]:
        """(document id, start, end) of every unit of this kind, in no particular order."""
        with self._read() as s:
            query = select(UnitRow.document_id, UnitRow.start, UnitRow.end).where(
                UnitRow.kind == kind
            )
            yield from _plain_rows(s.connection().execute(query))


def _plain_rows(result: Any) -> Iterator[Any]:
    """The rows of a result of integer columns as the driver gives them (tuples): a
    million rows wrapped one by one cost seconds, and integers need no conversion."""
    cursor = result.cursor
    try:
        while rows := cursor.fetchmany(_FETCH * 10):
            yield from rows
    finally:
        result.close()
