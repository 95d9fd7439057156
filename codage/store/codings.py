"""Codings: a coder's span of a document with a code, added, removed and read;
every change journaled. Also the counts the interface shows, computed by the
database rather than by reading every coding."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import case, func, insert, inspect, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from codage.domain import (
    Coding,
)
from codage.store import journal as _journal
from codage.store.base import Conflict, NotFound
from codage.store.errors import already_coded, check_new_coding
from codage.store.journal import Journal as _Journal
from codage.store.journal import now as _now
from codage.store.journal import passage_head as _passage_head
from codage.store.journal import row_dict as _row_dict
from codage.store.lean import LeanWrites, Ordinary
from codage.store.schema import (
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentRow,
)


class NotYours(Conflict):
    """A change to another coder's coding or memo: each coder works in their own lane.

    Others' codings change only through the explicit, journaled decisions made for
    that (merging projects, a consensus, placing codings kept aside, codebook edits).
    ``owner`` names whose it is, for a face that words the refusal its own way.
    """

    def __init__(self, message: str, owner: str = "") -> None:
        super().__init__(message)
        self.owner = owner


def owner_check(owner: str | None, coder: str, what: str, verb: str) -> None:
    """Refuse, naming the owner, a change by ``coder`` of what ``owner`` holds.

    A memo written before memos had authors (``owner`` None) belongs to no one.
    """
    if owner is not None and owner != coder.strip():
        raise NotYours(
            f"{what} is {owner}'s: only {owner} may {verb} it (you are {coder.strip()})", owner
        )


class Codings(LeanWrites):
    """The codings of a project."""

    def _has_automatic(self) -> bool:
        """Whether the codings table has ``automatic`` (migration 0005). A project of an
        older schema is read as it is until its first write: its codings were all made
        by hand."""
        return self._has_coding_column("automatic")

    def _has_suggested(self) -> bool:
        """Whether the codings table has ``suggested`` (migration 0009); see above."""
        return self._has_coding_column("suggested")

    def _has_coding_column(self, name: str) -> bool:
        if not self.store.outdated:
            return True
        known: dict[str, bool] | None = getattr(self, "_coding_columns_known", None)
        if known is None:
            with self.engine.connect() as conn:
                columns = inspect(conn).get_columns("codings")
            known = {c["name"]: True for c in columns}
            self._coding_columns_known = known
        return known.get(name, False)

    @staticmethod
    def _coding(
        r: Any, coder: str, automatic: bool | None = None, suggested: bool | None = None
    ) -> Coding:
        return Coding(
            id=r.id,
            document_id=r.document_id,
            code_id=r.code_id,
            coder=coder,
            start=r.start,
            end=r.end,
            text=r.text,
            memo=r.memo,
            created_at=r.created_at,
            updated_at=r.updated_at,
            automatic=bool(r.automatic) if automatic is None else automatic,
            suggested=bool(r.suggested) if suggested is None else suggested,
        )

    def add_coding(
        self,
        document_id: int,
        code_id: int,
        start: int,
        end: int,
        *,
        coder: str,
        memo: str | None = None,
        suggested: bool = False,
    ) -> Coding:
        """Code [start, end) of a document; journaled. ``suggested`` marks a coding
        its coder accepted from a code suggestion (codage.services.assist).

        Few statements (what several coders at once on a server pay for in round
        trips): one reads the document, the code, the passage and any duplicate
        together, one inserts, one per level reads the code's path, two write
        the journal. On PostgreSQL, two round trips (see :mod:`codage.store.lean`);
        on SQLite, plain SQL without the ORM (see :mod:`codage.store.lean_sqlite`).
        """
        # a suggestion accepted is rare: it takes the ordinary path, which marks it
        lean = None if suggested else self._lean_coder_id(coder, sqlite=True)
        if lean is not None:
            return self._lean_add_coding(lean, document_id, code_id, start, end, coder, memo)
        journal = _Journal()
        with self._tx(lane=True) as s:
            coder_id = self._coder_id(s, coder)
            duplicate = (
                select(CodingRow.id)
                .where(
                    CodingRow.document_id == document_id,
                    CodingRow.code_id == code_id,
                    CodingRow.coder_id == coder_id,
                    CodingRow.start == start,
                    CodingRow.end == end,
                )
                .scalar_subquery()
            )
            code = select(CodeRow.id).where(CodeRow.id == code_id).scalar_subquery()
            doc = s.execute(
                select(
                    DocumentRow.length,
                    DocumentRow.name,
                    func.substr(DocumentRow.text, max(start, 0) + 1, max(end - start, 0)),
                    code,
                    duplicate,
                ).where(DocumentRow.id == document_id)
            ).first()
            if doc is None:
                raise NotFound(f"no document with id {document_id}")
            length, doc_name, found_text, found_code, found_duplicate = doc
            text: str = found_text or ""
            check_new_coding(
                doc_name, length, start, end, coder, found_code, found_duplicate, code_id
            )
            now = _now()
            values = _journal.coding_row(
                document_id, code_id, coder_id, start, end, text, memo, now, suggested=suggested
            )
            try:
                new_id = s.execute(
                    insert(CodingRow).values(**values).returning(CodingRow.id)
                ).scalar_one()
            except IntegrityError:
                # the same coder, from another window, coded this very span just now
                raise already_coded(doc_name, coder, start, end) from None
            row = {"id": new_id, **values}
            journal.inserted("codings", row)
            path = _journal.code_path(s, code_id)
            journal.details = {"document": doc_name, "code": path, "owner": coder.strip()}
            self._record(
                s,
                coder,
                "add_coding",
                f'coded "{path}" on {doc_name} « {_passage_head(text)} »',
                journal,
            )
            return _journal.made_coding(values, new_id, coder.strip())

    def add_codings(
        self,
        codings: Iterable[tuple[int, int, int, int]],
        *,
        coder: str,
        automatic: bool = False,
        action: str = "add_codings",
        details: dict[str, Any] | None = None,
    ) -> int:
        """Code many (document, code, start, end) spans in one transaction and one journal entry.

        Spans the coder already holds are skipped; returns how many were added.
        ``automatic`` marks them as made by auto-coding from a search; ``action`` and
        ``details`` name the journal entry.
        """
        journal = _Journal()
        journal.details = dict(details or {})
        added = 0
        with self._tx() as s:
            coder_id = self._coder_id(s, coder)
            texts: dict[int, str] = {}
            now = _now()
            for document_id, code_id, start, end in codings:
                if document_id not in texts:
                    texts[document_id] = self._document_row(s, document_id).text
                text = texts[document_id]
                if not (0 <= start < end <= len(text)):
                    raise Conflict(
                        f"span [{start}, {end}) is empty or outside document {document_id}"
                    )
                exists = s.scalar(
                    select(CodingRow.id).where(
                        CodingRow.document_id == document_id,
                        CodingRow.code_id == code_id,
                        CodingRow.coder_id == coder_id,
                        CodingRow.start == start,
                        CodingRow.end == end,
                    )
                )
                if exists is not None:
                    continue
                row = CodingRow(
                    document_id=document_id,
                    code_id=code_id,
                    coder_id=coder_id,
                    start=start,
                    end=end,
                    text=text[start:end],
                    created_at=now,
                    updated_at=now,
                    automatic=automatic,
                )
                s.add(row)
                s.flush()
                journal.inserted("codings", _row_dict(row))
                added += 1
            self._record(s, coder, action, f"code {added} passages", journal)
        return added

    def _coding_row(self, s: Session, coding_id: int) -> CodingRow:
        row = s.get(CodingRow, coding_id)
        if row is None:
            raise NotFound(f"no coding with id {coding_id}")
        return row

    def _owner(self, s: Session, row: CodingRow) -> str:
        return s.scalar(select(CoderRow.name).where(CoderRow.id == row.coder_id)) or ""

    def remove_coding(self, coding_id: int, *, coder: str) -> None:
        """Remove one's own coding (and its memos); journaled.

        NotYours when ``coder`` does not own it.
        """
        lean = self._lean_coder_id(coder)
        if lean is not None:
            try:
                return self._lean_remove_coding(lean, coding_id, coder)
            except Ordinary:
                pass  # memos hang on it: the ordinary path removes them with it
        journal = _Journal()
        with self._tx() as s:
            row = self._coding_row(s, coding_id)
            owner_check(self._owner(s, row), coder, f"coding {coding_id}", "remove")
            self._delete_memos(s, "coding", coding_id, journal)
            journal.deleted("codings", _row_dict(row))
            s.delete(row)
            s.flush()
            doc_name = s.scalar(select(DocumentRow.name).where(DocumentRow.id == row.document_id))
            path = _journal.code_path(s, row.code_id)
            self._record(
                s,
                coder,
                "remove_coding",
                f'uncoded "{path}" on {doc_name} « {_passage_head(row.text)} »',
                journal,
            )

    def set_coding_memo(self, coding_id: int, memo: str | None, *, coder: str) -> Coding:
        """Write (or clear, with None or "") the memo of one's own coding; journaled.

        NotYours when ``coder`` does not own the coding.
        """
        journal = _Journal()
        with self._tx() as s:
            row = self._coding_row(s, coding_id)
            owner = self._owner(s, row)
            owner_check(owner, coder, f"coding {coding_id}", "write the memo of")
            before = _row_dict(row)
            row.memo = memo or None
            row.updated_at = _now()
            s.flush()
            journal.updated("codings", row.id, before, _row_dict(row))
            self._record(s, coder, "memo_coding", "memo on a coding", journal)
            return self._coding(row, owner)

    def coding(self, coding_id: int) -> Coding:
        if not (self._has_automatic() and self._has_suggested()):
            found = [c for c in self.codings() if c.id == coding_id]
            if not found:
                raise NotFound(f"no coding with id {coding_id}")
            return found[0]
        with self._read() as s:
            row = self._coding_row(s, coding_id)
            owner = s.scalar(select(CoderRow.name).where(CoderRow.id == row.coder_id)) or ""
            return self._coding(row, owner)

    def codings(
        self,
        *,
        document_id: int | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
    ) -> list[Coding]:
        """Codings in document and text order, filtered as asked."""
        automatic = None if self._has_automatic() else False
        suggested = None if self._has_suggested() else False
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            query = select(CodingRow)
            if automatic is not None:
                query = query.options(defer(CodingRow.automatic, raiseload=True))
            if suggested is not None:
                query = query.options(defer(CodingRow.suggested, raiseload=True))
            if document_id is not None:
                query = query.where(CodingRow.document_id == document_id)
            if code_ids is not None:
                query = query.where(CodingRow.code_id.in_(list(code_ids)))
            if coders is not None:
                wanted = [cid for cid, name in names.items() if name in set(coders)]
                query = query.where(CodingRow.coder_id.in_(wanted))
            query = query.order_by(
                CodingRow.document_id, CodingRow.start, CodingRow.end, CodingRow.id
            )
            return [
                self._coding(r, names[r.coder_id], automatic, suggested) for r in s.scalars(query)
            ]

    def coding_counts(self, document_id: int | None = None) -> dict[int, int]:
        """Number of codings per code id (of one document, or of the project)."""
        with self._read() as s:
            query = select(CodingRow.code_id, func.count()).group_by(CodingRow.code_id)
            if document_id is not None:
                query = query.where(CodingRow.document_id == document_id)
            return dict(s.execute(query).all())

    def codings_bulk(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
    ) -> list[Coding]:
        """Like :meth:`codings` (same order) for many rows, without the timestamps
        (``created_at`` and ``updated_at`` are None): read as plain tuples rather
        than ORM rows, which is several times faster on tens of thousands."""
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            query = select(
                CodingRow.id,
                CodingRow.document_id,
                CodingRow.code_id,
                CodingRow.coder_id,
                CodingRow.start,
                CodingRow.end,
                CodingRow.text,
                CodingRow.memo,
                CodingRow.automatic if self._has_automatic() else literal(False),
                CodingRow.suggested if self._has_suggested() else literal(False),
            )
            if document_ids is not None:
                query = query.where(CodingRow.document_id.in_(list(document_ids)))
            if coders is not None:
                wanted = set(coders)
                query = query.where(
                    CodingRow.coder_id.in_([i for i, n in names.items() if n in wanted])
                )
            query = query.order_by(
                CodingRow.document_id, CodingRow.start, CodingRow.end, CodingRow.id
            )
            return [
                Coding(i, d, c, names[k], a, b, t, m, None, None, bool(auto), bool(sugg))
                for i, d, c, k, a, b, t, m, auto, sugg in s.execute(query)
            ]

    # The workbench shows these after every undo or codebook edit: asking the
    # database for them costs a scan of an index, where reading every coding of a
    # large project into objects cost seconds.

    def coding_counts_by_coder(self) -> dict[str, int]:
        """Number of codings per coder name; coders without codings are left out."""
        with self._read() as s:
            query = (
                select(CoderRow.name, func.count())
                .join(CodingRow, CodingRow.coder_id == CoderRow.id)
                .group_by(CoderRow.name)
            )
            return dict(s.execute(query).all())

    def coders_with_codings(self) -> list[str]:
        """Names of the coders who hold at least one coding, by name.

        One probe of the coder index per coder rather than a count of every coding:
        what the interface asks while it opens a project of a million codings.
        """
        held = select(CodingRow.id).where(CodingRow.coder_id == CoderRow.id).limit(1).exists()
        with self._read() as s:
            return list(s.scalars(select(CoderRow.name).where(held).order_by(CoderRow.name)))

    def recent_codes(self, coder: str, limit: int = 12) -> list[int]:
        """The codes ``coder`` applied or edited last, each once, most recent first.

        A code ranks by its latest coding (created or edited); at equal times the
        coding earlier in the text comes first, as in :meth:`codings`.
        """
        # Two grouped reads of the coder's codings instead of a window over all of
        # them (which sorted every one): the latest time of each code, then, among the
        # codes whose latest time could place them, the first such coding in the text.
        at = func.coalesce(CodingRow.updated_at, CodingRow.created_at)
        with self._read() as s:
            coder_id = s.scalar(select(CoderRow.id).where(CoderRow.name == coder.strip()))
            if coder_id is None or limit <= 0:
                return []
            mine = CodingRow.coder_id == coder_id
            latest = dict(
                s.execute(
                    select(CodingRow.code_id, func.max(at)).where(mine).group_by(CodingRow.code_id)
                ).all()
            )
            if not latest:
                return []
            times = sorted(set(latest.values()), reverse=True)
            ranked: list[int] = []
            for moment in times:
                codes = [c for c, t in latest.items() if t == moment]
                if len(codes) > 1:
                    first: dict[int, tuple[int, int, int, int]] = {}
                    rows = s.execute(
                        select(
                            CodingRow.code_id,
                            CodingRow.document_id,
                            CodingRow.start,
                            CodingRow.end,
                            CodingRow.id,
                        ).where(mine, at == moment, CodingRow.code_id.in_(codes))
                    )
                    for code_id, *place in rows:
                        key = (place[0], place[1], place[2], place[3])
                        if code_id not in first or key < first[code_id]:
                            first[code_id] = key
                    codes.sort(key=first.__getitem__)
                ranked.extend(codes)
                if len(ranked) >= limit:
                    break
            return ranked[:limit]

    def covered_lengths(self, document_ids: Iterable[int] | None = None) -> dict[int, int]:
        """Code points of each document covered by at least one coding, any coder's.

        Documents without codings are left out. Computed in one pass of the
        database: each coding adds what lies beyond the furthest end of the
        codings that start before it.
        """
        if document_ids is None:
            return self._covered_everywhere()
        # Ordered by start alone, which the (document, start) index gives without
        # sorting: codings that start together add the same whatever their order.
        reach = func.coalesce(
            func.max(CodingRow.end).over(
                partition_by=CodingRow.document_id, order_by=CodingRow.start, rows=(None, -1)
            ),
            -1,
        )
        spans = select(CodingRow.document_id, CodingRow.start, CodingRow.end, reach.label("reach"))
        if document_ids is not None:
            spans = spans.where(CodingRow.document_id.in_(list(document_ids)))
        sub = spans.subquery()
        beyond = case(
            (sub.c.end <= sub.c.reach, 0),
            (sub.c.start > sub.c.reach, sub.c.end - sub.c.start),
            else_=sub.c.end - sub.c.reach,
        )
        query = select(sub.c.document_id, func.sum(beyond)).group_by(sub.c.document_id)
        with self._read() as s:
            return {doc_id: int(total) for doc_id, total in s.execute(query)}

    def _covered_everywhere(self) -> dict[int, int]:
        """:meth:`covered_lengths` of every document, summed here over the bare spans
        in document and start order (the index's order) through the driver's cursor:
        at a million codings, half the time of the window function over every row."""
        out: dict[int, int] = {}
        document, reach, total = None, -1, 0
        with self._read() as s:
            cursor = s.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(
                    'SELECT document_id, start, "end" FROM codings ORDER BY document_id, start'
                )
                while rows := cursor.fetchmany(10_000):
                    for doc_id, start, end in rows:
                        if doc_id != document:
                            if document is not None:
                                out[document] = total
                            document, reach, total = doc_id, -1, 0
                        if end > reach:
                            total += end - max(start, reach)
                            reach = end
            finally:
                cursor.close()
        if document is not None:
            out[document] = total
        return out

    def coding_signatures(self) -> dict[int, tuple[int, int, int, int]]:
        """Per document with codings, (count, sum of ids, sum of starts, sum of ends)
        of its codings: a change of them changes it, since a coding's span is never
        edited in place and ids are never reused. One pass, no sort; what tells a
        reader which documents' coverage to read again after changes made elsewhere."""
        query = select(
            CodingRow.document_id,
            func.count(),
            func.sum(CodingRow.id),
            func.sum(CodingRow.start),
            func.sum(CodingRow.end),
        ).group_by(CodingRow.document_id)
        with self._read() as s:
            return {
                doc_id: (int(n), int(ids), int(starts), int(ends))
                for doc_id, n, ids, starts, ends in s.execute(query)
            }
