"""Cases (an interviewee, a respondent) with their typed attributes, and their
links to documents or units."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from codage.domain import (
    AttributeValue,
    Case,
    infer_attribute_type,
)
from codage.store.base import NotFound, ProjectBase
from codage.store.first_look import decode_attribute as _decode_attribute
from codage.store.schema import (
    CaseAttributeRow,
    CaseLinkRow,
    CaseRow,
)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _encode_attribute(value: AttributeValue) -> tuple[str, str | None]:
    type_ = infer_attribute_type(value)
    if value is None:
        return "text", None
    if type_ == "boolean":
        return type_, "true" if value else "false"
    if isinstance(value, datetime):
        return "date", value.isoformat()
    return type_, str(value)


class Cases(ProjectBase):
    """Cases, their attributes and their links."""

    def _case_id(self, s: Session, name: str) -> int:
        case_id = s.scalar(select(CaseRow.id).where(CaseRow.name == name))
        if case_id is None:
            row = CaseRow(name=name)
            s.add(row)
            s.flush()
            case_id = row.id
        return case_id

    def _case_ids(self, s: Session, names: Iterable[str]) -> dict[str, int]:
        """The ids of these cases, those missing created (in the order given): one
        query per 500 names rather than one per name (a survey's 1,300 respondents)."""
        wanted = list(names)
        ids: dict[str, int] = {}
        for chunk in _chunks(wanted, 500):
            ids.update(
                s.execute(select(CaseRow.name, CaseRow.id).where(CaseRow.name.in_(chunk))).all()
            )
        for name in wanted:
            if name not in ids:
                ids[name] = self._case_id(s, name)
        return ids

    def _set_cases(self, s: Session, cases: dict[str, dict[str, AttributeValue]]) -> None:
        """Create or update many cases with a handful of statements, not one per attribute.

        A table of 1,300 respondents with five attributes each would otherwise cost
        thousands of round trips.
        """
        if not cases:
            return
        names = list(cases)
        ids: dict[str, int] = {}
        for chunk in _chunks(names, 500):
            ids.update(
                s.execute(select(CaseRow.name, CaseRow.id).where(CaseRow.name.in_(chunk))).all()
            )
        missing = [n for n in names if n not in ids]
        if missing:
            s.execute(insert(CaseRow), [{"name": n} for n in missing])
            for chunk in _chunks(missing, 500):
                ids.update(
                    s.execute(select(CaseRow.name, CaseRow.id).where(CaseRow.name.in_(chunk))).all()
                )
        current: dict[tuple[int, str], tuple[str, str | None]] = {}
        for chunk in _chunks([ids[n] for n in names], 500):
            for row in s.execute(
                select(
                    CaseAttributeRow.case_id,
                    CaseAttributeRow.name,
                    CaseAttributeRow.type,
                    CaseAttributeRow.value,
                ).where(CaseAttributeRow.case_id.in_(chunk))
            ):
                current[(row.case_id, row.name)] = (row.type, row.value)
        new_rows, changed = [], []
        for name, attributes in cases.items():
            for key, value in attributes.items():
                type_, stored = _encode_attribute(value)
                wanted = {"case_id": ids[name], "name": key, "type": type_, "value": stored}
                was = current.get((ids[name], key))
                if was is None:
                    new_rows.append(wanted)
                elif was != (type_, stored):
                    changed.append(wanted)
        if new_rows:
            s.execute(insert(CaseAttributeRow), new_rows)
        for change in changed:
            s.execute(
                update(CaseAttributeRow)
                .where(
                    CaseAttributeRow.case_id == change["case_id"],
                    CaseAttributeRow.name == change["name"],
                )
                .values(type=change["type"], value=change["value"])
            )
        s.flush()

    def _set_case(self, s: Session, name: str, attributes: dict[str, AttributeValue]) -> int:
        case_id = self._case_id(s, name)
        for key, value in attributes.items():
            type_, stored = _encode_attribute(value)
            s.merge(CaseAttributeRow(case_id=case_id, name=key, type=type_, value=stored))
        return case_id

    def _link_case(self, s: Session, name: str, document_id: int, unit_id: int | None) -> None:
        case_id = self._case_id(s, name)
        exists = s.scalar(
            select(CaseLinkRow.id).where(
                CaseLinkRow.case_id == case_id,
                CaseLinkRow.document_id == document_id,
                CaseLinkRow.unit_id.is_(None)
                if unit_id is None
                else CaseLinkRow.unit_id == unit_id,
            )
        )
        if exists is None:
            s.add(CaseLinkRow(case_id=case_id, document_id=document_id, unit_id=unit_id))

    def set_case(self, name: str, attributes: dict[str, AttributeValue] | None = None) -> Case:
        """Create a case or update its attributes (others are kept)."""
        with self._tx() as s:
            self._set_case(s, name, attributes or {})
        return self.case(name)

    def set_cases(self, cases: dict[str, dict[str, AttributeValue]]) -> None:
        """Create or update many cases at once (others' attributes are kept), in one transaction."""
        with self._tx() as s:
            self._set_cases(s, cases)

    def link_case(self, case_name: str, *, document_id: int, unit_id: int | None = None) -> None:
        """Link a case to a whole document, or to one unit of it."""
        with self._tx() as s:
            self._document_row(s, document_id)
            self._link_case(s, case_name, document_id, unit_id)

    def _cases(self, s: Session, ids: Iterable[int] | None = None) -> dict[int, Case]:
        # Plain rows, not ORM objects: a survey's respondents are thousands of attribute
        # rows, and making an object of each was most of the cost of reading them.
        query = select(CaseRow.id, CaseRow.name)
        attr_query = select(
            CaseAttributeRow.case_id,
            CaseAttributeRow.name,
            CaseAttributeRow.type,
            CaseAttributeRow.value,
        ).order_by(CaseAttributeRow.case_id)
        if ids is not None:
            id_list = list(ids)
            query = query.where(CaseRow.id.in_(id_list))
            attr_query = attr_query.where(CaseAttributeRow.case_id.in_(id_list))
        attrs: dict[int, dict[str, AttributeValue]] = defaultdict(dict)
        for case_id, name, type_, value in s.execute(attr_query):
            attrs[case_id][name] = _decode_attribute(type_, value)
        return {
            case_id: Case(case_id, name, dict(attrs[case_id])) for case_id, name in s.execute(query)
        }

    def cases(self) -> list[Case]:
        with self._read() as s:
            return sorted(self._cases(s).values(), key=lambda c: c.name)

    def documents_with_unit_cases(self) -> set[int]:
        """Ids of the documents some of whose units (survey answers) belong to cases."""
        with self._read() as s:
            query = select(CaseLinkRow.document_id).where(CaseLinkRow.unit_id.is_not(None))
            return set(s.scalars(query.distinct()))

    def case(self, name: str) -> Case:
        with self._read() as s:
            case_id = s.scalar(select(CaseRow.id).where(CaseRow.name == name))
            if case_id is None:
                raise NotFound(f"no case {name!r} in this project")
            return self._cases(s, [case_id])[case_id]

    def document_case(self, document_id: int) -> Case | None:
        with self._read() as s:
            case_id = s.scalar(
                select(CaseLinkRow.case_id)
                .where(CaseLinkRow.document_id == document_id, CaseLinkRow.unit_id.is_(None))
                .order_by(CaseLinkRow.id)
                .limit(1)
            )
            return None if case_id is None else self._cases(s, [case_id])[case_id]

    def unit_cases(self, document_id: int) -> dict[int, Case]:
        """Cases linked to units of a document: unit id -> case."""
        with self._read() as s:
            links = s.execute(
                select(CaseLinkRow.unit_id, CaseLinkRow.case_id).where(
                    CaseLinkRow.document_id == document_id, CaseLinkRow.unit_id.is_not(None)
                )
            ).all()
            cases = self._cases(s, {case_id for _, case_id in links})
            return {unit_id: cases[case_id] for unit_id, case_id in links if unit_id is not None}
