"""Assistance (issue 18): the unit vectors stored once, the TF-IDF vocabulary, and the
record of every similarity or suggestion run.

Vectors are derived data, not a person's work: they are written without a journal
entry, and go with their unit (ON DELETE CASCADE) when a document's text is
corrected or the document deleted, to be computed again on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select

from codage.domain import AssistRun
from codage.store.base import ProjectBase
from codage.store.journal import now as _now
from codage.store.schema import AssistRunRow, AssistTermRow, UnitVectorRow


class Assist(ProjectBase):
    """The stored vectors, vocabulary and runs of the assistance."""

    def unit_vectors(
        self, method: str, document_ids: Iterable[int] | None = None
    ) -> dict[int, bytes]:
        """The stored vectors of one method, by unit id (of some documents, or all)."""
        query = select(UnitVectorRow.unit_id, UnitVectorRow.vector).where(
            UnitVectorRow.method == method
        )
        if document_ids is not None:
            query = query.where(UnitVectorRow.document_id.in_(list(document_ids)))
        with self._read() as s:
            return {unit_id: bytes(vector) for unit_id, vector in s.execute(query)}

    def save_unit_vectors(self, method: str, rows: Sequence[tuple[int, int, bytes]]) -> None:
        """Store (unit id, document id, vector) rows of one method, replacing any of
        the same units, in one transaction."""
        if not rows:
            return
        with self._tx() as s:
            ids = [unit_id for unit_id, _, _ in rows]
            for i in range(0, len(ids), 500):
                s.execute(
                    delete(UnitVectorRow).where(
                        UnitVectorRow.method == method,
                        UnitVectorRow.unit_id.in_(ids[i : i + 500]),
                    )
                )
            s.execute(
                insert(UnitVectorRow),
                [
                    {"unit_id": u, "method": method, "document_id": d, "vector": v}
                    for u, d, v in rows
                ],
            )

    def assist_terms(self) -> dict[str, int]:
        """The TF-IDF vocabulary: every lemma met so far and its id, for good."""
        with self._read() as s:
            return dict(s.execute(select(AssistTermRow.term, AssistTermRow.id)).all())

    def add_assist_terms(self, terms: Iterable[str]) -> dict[str, int]:
        """Number the lemmas not numbered yet; returns the whole vocabulary."""
        known = self.assist_terms()
        new = sorted({t for t in terms if t not in known})
        if new:
            with self._tx() as s:
                s.execute(insert(AssistTermRow), [{"term": t} for t in new])
            known = self.assist_terms()
        return known

    def record_assist_run(
        self,
        *,
        coder: str,
        command: str,
        method: str,
        model: str,
        parameters: dict[str, Any],
        seconds: float,
        units: int,
    ) -> AssistRun:
        """Record what produced a similarity or suggestion run."""
        at = _now()
        with self._tx() as s:
            new_id = s.execute(
                insert(AssistRunRow)
                .values(
                    at=at,
                    coder=coder.strip(),
                    command=command,
                    method=method,
                    model=model,
                    parameters=parameters,
                    seconds=seconds,
                    units=units,
                )
                .returning(AssistRunRow.id)
            ).scalar_one()
        return AssistRun(
            new_id, at, coder.strip(), command, method, model, parameters, seconds, units
        )

    def assist_runs(self) -> list[AssistRun]:
        """Every recorded run, oldest first."""
        with self._read() as s:
            return [
                AssistRun(
                    r.id,
                    r.at,
                    r.coder,
                    r.command,
                    r.method,
                    r.model,
                    dict(r.parameters),
                    r.seconds,
                    r.units,
                )
                for r in s.scalars(select(AssistRunRow).order_by(AssistRunRow.id))
            ]
