"""The codebook as stored: codes in a tree, created, edited, moved, merged and
deleted with their codings; every change journaled."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from codage import codebook
from codage.domain import (
    Code,
    CodePath,
)
from codage.store import journal as _journal
from codage.store.base import Conflict, NotFound, ProjectBase
from codage.store.journal import Journal as _Journal
from codage.store.journal import row_dict as _row_dict
from codage.store.schema import (
    CodeRow,
    CodingRow,
    MemoRow,
)


class Codebook(ProjectBase):
    """The codes of a project."""

    def codes(self) -> list[Code]:
        """The codebook in tree order, each code with its full path."""
        with self._read() as s:
            rows = [_row_dict(r) for r in s.scalars(select(CodeRow))]
        return codebook.tree_order(rows)

    def code(self, ref: int | str | Sequence[str]) -> Code:
        """A code by id or by exact path."""
        codes = self.codes()
        if isinstance(ref, int):
            for code in codes:
                if code.id == ref:
                    return code
            raise NotFound(f"no code with id {ref}")
        path = codebook.parse_path(ref)
        for code in codes:
            if code.path == path:
                return code
        raise NotFound(f"no code {codebook.format_path(path)!r} in the codebook")

    def _check_sibling_name(
        self, s: Session, parent_id: int | None, name: str, exclude: int | None
    ) -> None:
        query = select(CodeRow.id).where(CodeRow.name == name)
        query = query.where(
            CodeRow.parent_id.is_(None) if parent_id is None else CodeRow.parent_id == parent_id
        )
        if exclude is not None:
            query = query.where(CodeRow.id != exclude)
        if s.scalar(query) is not None:
            raise Conflict(f"a code named {name!r} already exists at that place in the codebook")

    def create_code(
        self,
        name: str,
        *,
        parent_id: int | None = None,
        coder: str,
        description: str = "",
        inclusion: str = "",
        exclusion: str = "",
        example: str = "",
        colour: str | None = None,
        position: int | None = None,
    ) -> Code:
        """Add a code under a parent (or at the top); journaled."""
        name = codebook.check_name(name)
        journal = _Journal()
        with self._tx() as s:
            if parent_id is not None and s.get(CodeRow, parent_id) is None:
                raise NotFound(f"no code with id {parent_id}")
            self._check_sibling_name(s, parent_id, name, None)
            if colour is None:
                used = set(s.scalars(select(CodeRow.colour)))
                colour = codebook.next_colour(used)
            if position is None:
                last = s.scalar(
                    select(func.max(CodeRow.position)).where(
                        CodeRow.parent_id.is_(None)
                        if parent_id is None
                        else CodeRow.parent_id == parent_id
                    )
                )
                position = 0 if last is None else last + 1
            row = CodeRow(
                parent_id=parent_id,
                name=name,
                description=description,
                inclusion=inclusion,
                exclusion=exclusion,
                example=example,
                colour=codebook.check_colour(colour),
                position=position,
            )
            s.add(row)
            s.flush()
            journal.inserted("codes", _row_dict(row))
            path = _journal.code_path(s, row.id)
            journal.details = {"code": path}
            self._record(s, coder, "create_code", f'create code "{path}"', journal)
            code_id = row.id
        return self.code(code_id)

    def update_code(
        self,
        code_id: int,
        *,
        coder: str,
        name: str | None = None,
        description: str | None = None,
        inclusion: str | None = None,
        exclusion: str | None = None,
        example: str | None = None,
        colour: str | None = None,
    ) -> Code:
        """Rename, recolour or describe a code; journaled."""
        journal = _Journal()
        with self._tx() as s:
            row = s.get(CodeRow, code_id)
            if row is None:
                raise NotFound(f"no code with id {code_id}")
            before = _row_dict(row)
            was = _journal.code_path(s, row.id)
            if name is not None:
                name = codebook.check_name(name)
                self._check_sibling_name(s, row.parent_id, name, row.id)
                row.name = name
            if colour is not None:
                row.colour = codebook.check_colour(colour)
            for field_name, value in (
                ("description", description),
                ("inclusion", inclusion),
                ("exclusion", exclusion),
                ("example", example),
            ):
                if value is not None:
                    setattr(row, field_name, value)
            s.flush()
            journal.updated("codes", row.id, before, _row_dict(row))
            path = _journal.code_path(s, row.id)
            journal.details = {"code": path, "was": was} if path != was else {"code": path}
            self._record(s, coder, "update_code", f'edit code "{path}"', journal)
        return self.code(code_id)

    def _descendants(self, s: Session, code_id: int) -> list[int]:
        children: dict[int | None, list[int]] = defaultdict(list)
        for cid, parent in s.execute(select(CodeRow.id, CodeRow.parent_id)):
            children[parent].append(cid)
        out, stack = [], [code_id]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(children[current])
        return out

    def move_code(
        self, code_id: int, parent_id: int | None, *, coder: str, position: int | None = None
    ) -> Code:
        """Move a code (with its sub-codes) under another parent or position; journaled."""
        journal = _Journal()
        with self._tx() as s:
            row = s.get(CodeRow, code_id)
            if row is None:
                raise NotFound(f"no code with id {code_id}")
            if parent_id is not None:
                if s.get(CodeRow, parent_id) is None:
                    raise NotFound(f"no code with id {parent_id}")
                if parent_id in self._descendants(s, code_id):
                    raise Conflict(f"cannot move code {row.name!r} under itself or its sub-codes")
            self._check_sibling_name(s, parent_id, row.name, row.id)
            siblings = list(
                s.scalars(
                    select(CodeRow)
                    .where(
                        CodeRow.parent_id.is_(None)
                        if parent_id is None
                        else CodeRow.parent_id == parent_id,
                        CodeRow.id != code_id,
                    )
                    .order_by(CodeRow.position, CodeRow.id)
                )
            )
            was = _journal.code_path(s, row.id)
            index = len(siblings) if position is None else max(0, min(position, len(siblings)))
            siblings.insert(index, row)
            before = {r.id: _row_dict(r) for r in siblings}
            row.parent_id = parent_id
            for i, sibling in enumerate(siblings):
                sibling.position = i
            s.flush()
            for sibling in siblings:
                journal.updated("codes", sibling.id, before[sibling.id], _row_dict(sibling))
            path = _journal.code_path(s, row.id)
            journal.details = {"code": path, "was": was}
            self._record(s, coder, "move_code", f'move code "{was}" to "{path}"', journal)
        return self.code(code_id)

    def code_usage(self, code_id: int) -> dict[str, int]:
        """What deleting a code would take with it: sub-codes and codings."""
        with self._read() as s:
            ids = self._descendants(s, code_id)
            codings = s.scalar(select(func.count()).where(CodingRow.code_id.in_(ids))) or 0
            return {"subcodes": len(ids) - 1, "codings": codings}

    def _delete_code_rows(self, s: Session, ids: list[int], journal: _Journal) -> None:
        for coding in s.scalars(select(CodingRow).where(CodingRow.code_id.in_(ids))):
            self._delete_memos(s, "coding", coding.id, journal)
            journal.deleted("codings", _row_dict(coding))
            s.delete(coding)
        s.flush()
        # Children before parents, so that each delete is valid on its own when replayed.
        for cid in reversed(ids):
            self._delete_memos(s, "code", cid, journal)
            row = s.get(CodeRow, cid)
            assert row is not None
            journal.deleted("codes", _row_dict(row))
            s.delete(row)
            s.flush()

    def delete_code(self, code_id: int, *, coder: str) -> dict[str, int]:
        """Delete a code, its sub-codes and their codings; journaled, so undo restores all."""
        journal = _Journal()
        with self._tx() as s:
            row = s.get(CodeRow, code_id)
            if row is None:
                raise NotFound(f"no code with id {code_id}")
            path = _journal.code_path(s, row.id)
            ids = self._descendants(s, code_id)
            codings = s.scalar(select(func.count()).where(CodingRow.code_id.in_(ids))) or 0
            self._delete_code_rows(s, ids, journal)
            journal.details = {"code": path}
            self._record(
                s, coder, "delete_code", f'delete code "{path}" ({codings} codings)', journal
            )
        return {"subcodes": len(ids) - 1, "codings": codings}

    def merge_codes(self, source_id: int, target_id: int, *, coder: str) -> int:
        """Merge a code into another: its codings and sub-codes follow; returns codings moved."""
        journal = _Journal()
        with self._tx() as s:
            source, target = s.get(CodeRow, source_id), s.get(CodeRow, target_id)
            if source is None or target is None:
                raise NotFound("both codes of a merge must exist")
            if target_id in self._descendants(s, source_id):
                raise Conflict(f"cannot merge {source.name!r} into one of its own sub-codes")
            source_path = _journal.code_path(s, source_id)
            moved = 0
            existing = {
                tuple(r)
                for r in s.execute(
                    select(
                        CodingRow.document_id, CodingRow.coder_id, CodingRow.start, CodingRow.end
                    ).where(CodingRow.code_id == target_id)
                )
            }
            for coding in list(s.scalars(select(CodingRow).where(CodingRow.code_id == source_id))):
                key = (coding.document_id, coding.coder_id, coding.start, coding.end)
                if key in existing:
                    # The target already holds this very span for this coder.
                    self._delete_memos(s, "coding", coding.id, journal)
                    journal.deleted("codings", _row_dict(coding))
                    s.delete(coding)
                    continue
                before = _row_dict(coding)
                coding.code_id = target_id
                existing.add(key)
                journal.updated("codings", coding.id, before, _row_dict(coding))
                moved += 1
            target_children = {
                r.name: r for r in s.scalars(select(CodeRow).where(CodeRow.parent_id == target_id))
            }
            next_position = max((r.position for r in target_children.values()), default=-1) + 1
            s.flush()
            for child in list(s.scalars(select(CodeRow).where(CodeRow.parent_id == source_id))):
                if child.name in target_children:
                    raise Conflict(
                        f"both codes have a sub-code named {child.name!r}: merge those first"
                    )
                before = _row_dict(child)
                child.parent_id = target_id
                child.position = next_position
                next_position += 1
                journal.updated("codes", child.id, before, _row_dict(child))
            s.flush()
            for memo in list(
                s.scalars(
                    select(MemoRow).where(MemoRow.target == "code", MemoRow.target_id == source_id)
                )
            ):
                before = _row_dict(memo)
                memo.target_id = target_id
                journal.updated("memos", memo.id, before, _row_dict(memo))
            s.flush()
            journal.deleted("codes", _row_dict(source))
            s.delete(source)
            s.flush()
            target_path = _journal.code_path(s, target_id)
            journal.details = {"code": source_path, "into": target_path}
            self._record(
                s,
                coder,
                "merge_codes",
                f'merge code "{source_path}" into "{target_path}"',
                journal,
            )
        return moved

    def create_codes(
        self, new: Sequence[tuple[CodePath, dict[str, Any]]], *, coder: str
    ) -> dict[CodePath, int]:
        """Add many codes at once (a codebook import), in one transaction; journaled.

        ``new`` holds (path, fields) with parents before children; each path's
        parent either exists or comes earlier in ``new``. ``fields`` may hold
        description, inclusion, exclusion, example and colour. Names are
        checked as :meth:`create_code` checks them. Costs one insert per level
        of depth rather than one round of reads per code, so that a codebook
        of 100,000 codes takes seconds. Returns the new codes' ids by path.
        """
        journal = _Journal()
        created: dict[CodePath, int] = {}
        with self._tx() as s:
            rows = s.execute(select(CodeRow.id, CodeRow.parent_id, CodeRow.name, CodeRow.colour))
            by_id: dict[int, tuple[int | None, str]] = {}
            taken: set[str] = set()
            for code_id, parent_id, name, colour in rows:
                by_id[code_id] = (parent_id, name)
                taken.add(colour.upper())
            ids: dict[CodePath, int] = {}
            for row_id in by_id:
                reversed_path: list[str] = []
                at: int | None = row_id
                while at is not None:
                    parent_id, name = by_id[at]
                    reversed_path.append(name)
                    at = parent_id
                ids[tuple(reversed(reversed_path))] = row_id
            siblings: dict[int | None, set[str]] = defaultdict(set)
            next_position: dict[int | None, int] = defaultdict(int)
            for parent_id, name in by_id.values():
                siblings[parent_id].add(name)
            for parent_id, last in s.execute(
                select(CodeRow.parent_id, func.max(CodeRow.position)).group_by(CodeRow.parent_id)
            ):
                next_position[parent_id] = last + 1
            by_depth: dict[int, list[tuple[CodePath, dict[str, Any]]]] = defaultdict(list)
            for path, fields in new:
                by_depth[len(path)].append((path, fields))
            for depth in sorted(by_depth):
                params: list[dict[str, Any]] = []
                paths: list[CodePath] = []
                for path, fields in by_depth[depth]:
                    name = codebook.check_name(path[-1])
                    parent_id = ids.get(path[:-1]) if depth > 1 else None
                    if depth > 1 and parent_id is None:
                        raise NotFound(f"no code {codebook.format_path(path[:-1])!r}")
                    if name in siblings[parent_id] or path in ids:
                        raise Conflict(
                            f"a code named {name!r} already exists at that place in the codebook"
                        )
                    siblings[parent_id].add(name)
                    colour = fields.get("colour") or codebook.next_free_colour(taken)
                    colour = codebook.check_colour(colour)
                    taken.add(colour.upper())
                    params.append(
                        {
                            "parent_id": parent_id,
                            "name": name,
                            "description": fields.get("description", ""),
                            "inclusion": fields.get("inclusion", ""),
                            "exclusion": fields.get("exclusion", ""),
                            "example": fields.get("example", ""),
                            "colour": colour,
                            "position": next_position[parent_id],
                        }
                    )
                    next_position[parent_id] += 1
                    paths.append(path)
                    # A placeholder so that a duplicate later in this level is caught.
                    ids[path] = -1
                # One executemany per level, then the new ids read back by
                # (parent, name), unique among siblings: RETURNING with
                # executemany falls back to one statement per row on SQLite.
                before = s.scalar(select(func.max(CodeRow.id))) or 0
                s.execute(insert(cast(Table, CodeRow.__table__)), params)
                fresh = {
                    (parent_id, name): code_id
                    for code_id, parent_id, name in s.execute(
                        select(CodeRow.id, CodeRow.parent_id, CodeRow.name).where(
                            CodeRow.id > before
                        )
                    )
                }
                for path, values in zip(paths, params, strict=True):
                    code_id = fresh[(values["parent_id"], values["name"])]
                    ids[path] = created[path] = code_id
                    journal.inserted("codes", {"id": code_id, **values})
            self._record(s, coder, "create_codes", f"create {len(created)} codes", journal)
        return created
