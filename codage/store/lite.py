"""A light read model of a SQLite project: the standard library's ``sqlite3``, read-only.

The commands that only list what a project holds (``documents``, ``segments``,
``codebook show``, ``history``) used to load SQLAlchemy and open the project through
its engine, which cost a person more than half a second before the first line came
out (issues 13 and 19). :func:`open_lite` opens a SQLite project at the schema this
codage writes through a read-only ``sqlite3`` URI (``mode=ro``) and answers the same
read methods as :class:`codage.store.project.Project`, with the same domain records
in the same order, so that a command prints the same bytes whichever way it read.

Anything else (a server URL, a project of an older schema that the full store reads
as it is and upgrades before its first write, a file refused or damaged) gets None,
and the caller opens the full store, which gives the same answer or the same error
as before. ``ProjectReader`` is what both kinds of project offer a reader. Setting
``CODAGE_FULL_STORE`` (to anything) makes every read take the full store, to compare
the two ways or to rule this one out when something looks wrong.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from codage import codebook
from codage.domain import (
    AttributeValue,
    Case,
    Code,
    Coder,
    Coding,
    DocumentInfo,
    JournalEntry,
    Pseudonym,
    Unit,
)
from codage.store.lite_search import LiteSearch
from codage.store.location import sqlite_file_of
from codage.store.sqlite_file import CODAGE_TABLES, FileRefused, inspect_file, read_only_uri

__all__ = ["CodingTuple", "LiteProject", "ProjectReader", "open_lite", "schema_head"]

# (id, document id, code id, coder, start, end, text, memo, automatic, suggested): a
# coding's fields without its timestamps, in the order of ``Coding``'s; what
# ``coding_rows`` yields, in both kinds of project.
CodingTuple = tuple[int, int, int, str, int, int, str, str | None, bool, bool]

MIGRATION_SCRIPTS = Path(__file__).parent / "migrations" / "versions"
_SCRIPT_NAME = re.compile(r"^(\d{4})_\w+\.py$")


class ProjectReader(Protocol):
    """The read methods a light command uses, offered by both kinds of project."""

    def documents(self) -> list[DocumentInfo]: ...
    def unit_counts(self, document_id: int | None = None) -> dict[int, dict[str, int]]: ...
    def speakers(self, document_id: int | None = None) -> dict[int, list[str]]: ...
    def codes(self) -> list[Code]: ...
    def coders(self) -> list[Coder]: ...
    def coding_counts(self, document_id: int | None = None) -> dict[int, int]: ...
    def codings(
        self,
        *,
        document_id: int | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
    ) -> list[Coding]: ...
    def stream_codings(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
        timestamps: bool = False,
        with_text: bool = True,
    ) -> Iterator[Coding]: ...
    def coding_rows(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
    ) -> Iterator[CodingTuple]: ...
    def history(
        self, *, coder: str | None = None, limit: int | None = 50
    ) -> list[JournalEntry]: ...
    def pseudonyms(self) -> list[Pseudonym]: ...
    def close(self) -> None: ...


# Schemas behind the head by an index only: their tables and what they hold read as the
# head's (0013 added a covering index on units), so a project at one of them is read
# here too, as the full store reads it without upgrading it.
SAME_TABLES = frozenset({"0012"})


# the same aggregates as History.journal_mark (the full store's), one snapshot
_JOURNAL_MARK = """
SELECT coalesce(max(id), 0),
       coalesce(sum(CASE WHEN state = 'done' THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN state = 'done' THEN id ELSE 0 END), 0)
  FROM journal
"""
_DOCUMENTS_MARK = "SELECT count(id), coalesce(max(id), 0) FROM documents"


def read_journal_mark(conn: sqlite3.Connection) -> tuple[int, ...]:
    """The journal's and documents' fingerprint (as ``Project.journal_mark``), read on a
    ``sqlite3`` connection in one snapshot; the light readers and the lean write path
    share it."""
    cursor = conn.cursor()
    try:
        cursor.execute("BEGIN")
        journal = cursor.execute(_JOURNAL_MARK).fetchone()
        documents = cursor.execute(_DOCUMENTS_MARK).fetchone()
        cursor.execute("COMMIT")
    finally:
        cursor.close()
    return tuple(int(v) for v in (*journal, *documents))


def schema_head() -> str:
    """The schema version this codage writes, read from its migration scripts' names.

    The same as ``codage.store.engine.SCHEMA_HEAD`` (a test checks it), found without
    importing the engine, which loads SQLAlchemy: every migration is named after its
    revision (``0006_pseudonyms.py`` is revision 0006).
    """
    found = (_SCRIPT_NAME.match(name) for name in os.listdir(MIGRATION_SCRIPTS))
    return max(match.group(1) for match in found if match)


def open_read_only(
    location: str, versions: Iterable[str], *, check: bool, shared: bool = False
) -> tuple[sqlite3.Connection, Path, bool] | None:
    """A ``sqlite3`` connection reading (only) the codage project at ``location``, its
    file and whether the file is writable; None when the full store must open it: a
    URL, an absent or refused file, a schema other than the head or ``versions``, or
    ``CODAGE_FULL_STORE`` set. ``check``: verify the file's pages first
    (``PRAGMA quick_check``), as the full store does; ``shared``: the connection may be
    used by another thread than the one opening it."""
    if os.environ.get("CODAGE_FULL_STORE"):
        return None
    path = sqlite_file_of(location)
    if path is None or not path.is_file():
        return None
    try:
        # The same look at the file as the full store's (header, quick check, version):
        # what it would refuse, it refuses itself, with its own words.
        found = inspect_file(path, check=check)
    except FileRefused:
        return None
    if not found.tables >= CODAGE_TABLES or len(found.versions) != 1:
        return None
    if found.versions[0] not in {schema_head(), *versions}:
        return None
    try:
        conn = sqlite3.connect(
            read_only_uri(path, immutable=found.immutable),
            uri=True,
            check_same_thread=not shared,
        )
    except sqlite3.Error:
        return None
    return conn, path, found.writable


def open_lite(location: str) -> LiteProject | None:
    """The project at ``location`` read through ``sqlite3``, or None when the full store
    must open it (a URL, an absent or refused file, a schema other than the head)."""
    opened = open_read_only(location, SAME_TABLES, check=True)
    return None if opened is None else LiteProject(opened[0], str(opened[1]))


def _when(value: str | None) -> datetime | None:
    # SQLAlchemy keeps a datetime on SQLite as "YYYY-MM-DD HH:MM:SS.ffffff", read back naive.
    return None if value is None else datetime.fromisoformat(value)


def _json(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def decode_attribute(type_: str, value: str | None) -> AttributeValue:
    """A case attribute's stored text as its value (the full store reads it the same way:
    ``codage.store.cases`` and the interface's first look use this one)."""
    if value is None:
        return None
    if type_ == "number":
        number = float(value)
        return int(number) if number.is_integer() else number
    if type_ == "boolean":
        return value == "true"
    return value


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


class LiteProject(LiteSearch):
    """A SQLite project read (only) through ``sqlite3``: see the module's docstring (the
    corpus search's reads: :class:`codage.store.lite_search.LiteSearch`)."""

    def __init__(self, conn: sqlite3.Connection, location: str = "") -> None:
        self._conn = conn
        self.location = location  # the file, as opened

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> LiteProject:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _coder_names(self) -> dict[int, str]:
        return {i: n for i, n in self._rows("SELECT id, name FROM coders")}

    # -- documents and units -------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        """Every document, without its text, by name (as ``Project.documents``)."""
        cases: dict[int, str] = {}
        for doc_id, name in self._rows(
            "SELECT case_links.document_id, cases.name FROM case_links "
            "JOIN cases ON cases.id = case_links.case_id "
            "WHERE case_links.unit_id IS NULL ORDER BY case_links.id"
        ):
            cases.setdefault(doc_id, name)
        rows = self._rows(
            "SELECT id, name, kind, sha256, length, words, source_path, imported_at, meta "
            "FROM documents ORDER BY name"
        )
        return [
            DocumentInfo(
                id=r[0],
                name=r[1],
                kind=r[2],
                sha256=r[3],
                length=r[4],
                words=r[5],
                source_path=r[6],
                imported_at=_when(r[7]),
                metadata=dict(_json(r[8]) or {}),
                case=cases.get(r[0]),
            )
            for r in rows
        ]

    def unit_counts(self, document_id: int | None = None) -> dict[int, dict[str, int]]:
        """Units by kind, per document."""
        where, params = (
            ("WHERE document_id = ?", [document_id]) if document_id is not None else ("", [])
        )
        out: dict[int, dict[str, int]] = defaultdict(dict)
        for doc_id, kind, count in self._rows(
            f"SELECT document_id, kind, count(*) FROM units {where} GROUP BY document_id, kind",
            params,
        ):
            out[doc_id][kind] = count
        return dict(out)

    def speakers(self, document_id: int | None = None) -> dict[int, list[str]]:
        """Speakers per document in order of first appearance."""
        extra, params = (
            ("AND document_id = ?", [document_id]) if document_id is not None else ("", [])
        )
        out: dict[int, list[str]] = defaultdict(list)
        for doc_id, speaker, _ in self._rows(
            "SELECT document_id, speaker, min(start) FROM units "
            f"WHERE speaker IS NOT NULL {extra} GROUP BY document_id, speaker "
            "ORDER BY document_id, min(start)",
            params,
        ):
            out[doc_id].append(speaker)
        return dict(out)

    # -- codebook and codings ------------------------------------------------------

    def codes(self) -> list[Code]:
        """The codebook in tree order, each code with its full path."""
        cursor = self._conn.execute("SELECT * FROM codes")
        names = [d[0] for d in cursor.description]
        return codebook.tree_order(dict(zip(names, row, strict=True)) for row in cursor)

    def coding_counts(self, document_id: int | None = None) -> dict[int, int]:
        """Number of codings per code id (of one document, or of the project)."""
        where, params = (
            ("WHERE document_id = ?", [document_id]) if document_id is not None else ("", [])
        )
        return {
            code_id: count
            for code_id, count in self._rows(
                f"SELECT code_id, count(*) FROM codings {where} GROUP BY code_id", params
            )
        }

    def codings(
        self,
        *,
        document_id: int | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
    ) -> list[Coding]:
        """Codings in document and text order, filtered as asked."""
        return list(
            self.stream_codings(
                document_ids=None if document_id is None else [document_id],
                code_ids=code_ids,
                coders=coders,
                timestamps=True,
            )
        )

    def _coding_cursor(
        self,
        columns: str,
        document_ids: Iterable[int] | None,
        code_ids: Iterable[int] | None,
        coders: Iterable[str] | None,
    ) -> tuple[sqlite3.Cursor, dict[int, str]]:
        """``columns`` of the codings asked for, in document and text order, with the
        coders' names by id."""
        names = self._coder_names()
        clauses: list[str] = []
        params: list[object] = []
        for column, values in (("document_id", document_ids), ("code_id", code_ids)):
            if values is not None:
                wanted_ids = list(values)
                clauses.append(f"{column} IN ({_marks(wanted_ids)})")
                params.extend(wanted_ids)
        if coders is not None:
            chosen = set(coders)
            wanted = [cid for cid, name in names.items() if name in chosen]
            clauses.append(f"coder_id IN ({_marks(wanted)})")
            params.extend(wanted)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        cursor = self._conn.execute(
            f'SELECT {columns} FROM codings {where} ORDER BY document_id, start, "end", id',
            tuple(params),
        )
        return cursor, names

    def stream_codings(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
        timestamps: bool = False,
        with_text: bool = True,
    ) -> Iterator[Coding]:
        """The full store's ``stream_codings``: codings in document and text order,
        yielded as they are read (without ``timestamps``, none; without ``with_text``,
        empty texts)."""
        text = "text" if with_text else "''"
        cursor, names = self._coding_cursor(
            f'id, document_id, code_id, coder_id, start, "end", {text}, memo, '
            "created_at, updated_at, automatic, suggested",
            document_ids,
            code_ids,
            coders,
        )
        for r in cursor:
            yield Coding(
                id=r[0],
                document_id=r[1],
                code_id=r[2],
                coder=names[r[3]],
                start=r[4],
                end=r[5],
                text=r[6],
                memo=r[7],
                created_at=_when(r[8]) if timestamps else None,
                updated_at=_when(r[9]) if timestamps else None,
                automatic=bool(r[10]),
                suggested=bool(r[11]),
            )

    def coding_rows(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
    ) -> Iterator[CodingTuple]:
        """The full store's ``coding_rows``: what :meth:`stream_codings` yields, as
        plain tuples in the order of ``Coding``'s fields, without the timestamps."""
        cursor, names = self._coding_cursor(
            'id, document_id, code_id, coder_id, start, "end", text, memo, automatic, suggested',
            document_ids,
            code_ids,
            coders,
        )
        for i, d, c, k, a, b, t, m, auto, sugg in cursor:
            yield (i, d, c, names[k], a, b, t, m, bool(auto), bool(sugg))

    def codings_bulk(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
    ) -> list[Coding]:
        """Codings in document and text order, without timestamps (as the full store's)."""
        return list(self.stream_codings(document_ids=document_ids, coders=coders))

    def coders(self) -> list[Coder]:
        """Every coder, by name."""
        return [Coder(i, n) for i, n in self._rows("SELECT id, name FROM coders ORDER BY name")]

    def units(
        self, document_id: int, kinds: Iterable[str] | None = None, *, with_lemmas: bool = False
    ) -> list[Unit]:
        """The units of a document in text order (longer units first at equal starts)."""
        lemmas = "lemmas" if with_lemmas else "NULL"
        params: list[object] = [document_id]
        extra = ""
        if kinds is not None:
            wanted = list(kinds)
            extra = f" AND kind IN ({_marks(wanted)})"
            params.extend(wanted)
        rows = self._rows(
            f'SELECT kind, start, "end", speaker, timestamp, {lemmas}, id, document_id, '
            f"position FROM units WHERE document_id = ?{extra} "
            'ORDER BY start, "end" DESC, position',
            params,
        )
        return [Unit(*row) for row in rows]

    def unit_kinds(self) -> dict[int, set[str]]:
        """The kinds of unit each document has (documents without units are absent)."""
        out: dict[int, set[str]] = {}
        for doc_id, kind in self._rows("SELECT DISTINCT document_id, kind FROM units"):
            out.setdefault(doc_id, set()).add(kind)
        return out

    def documents_with_cases(self) -> set[int]:
        """Documents that have a case link (of the document or of one of its units)."""
        return {r[0] for r in self._rows("SELECT DISTINCT document_id FROM case_links")}

    def spans_by_document(
        self,
        documents: Iterable[tuple[int, str | None]],
        *,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
    ) -> Iterator[tuple[list[tuple[int, str, int, int]], list[tuple[int, int, int]]]]:
        """The full store's ``spans_by_document``: per (document id, unit kind), the
        (code id, coder, start, end) of its codings in text order and, if it has any,
        the (id, start, end) of its units of that kind in the order of :meth:`units`."""
        names = self._coder_names()
        clauses: list[str] = []
        params: list[object] = []
        if code_ids is not None:
            wanted_codes = list(code_ids)
            clauses.append(f"code_id IN ({_marks(wanted_codes)})")
            params.extend(wanted_codes)
        if coders is not None:
            chosen = set(coders)
            wanted = [cid for cid, name in names.items() if name in chosen]
            clauses.append(f"coder_id IN ({_marks(wanted)})")
            params.extend(wanted)
        where = "".join(f" AND {c}" for c in clauses)
        codings = (
            'SELECT code_id, coder_id, start, "end" FROM codings '
            f'WHERE document_id = ?{where} ORDER BY document_id, start, "end", id'
        )
        units = (
            'SELECT id, start, "end" FROM units WHERE document_id = ? AND kind = ? '
            'ORDER BY start, "end" DESC, position'
        )
        for document_id, kind in documents:
            rows = [
                (c, names[k], a, b)
                for c, k, a, b in self._conn.execute(codings, (document_id, *params))
            ]
            grain: list[tuple[int, int, int]] = []
            if rows and kind is not None:
                grain = self._rows(units, (document_id, kind))
            yield rows, grain

    # -- cases ---------------------------------------------------------------------

    def _cases(self, ids: Iterable[int] | None = None) -> dict[int, Case]:
        # as the full store's: attributes in the order of their rows, by case
        query = "SELECT id, name FROM cases"
        attr_query = "SELECT case_id, name, type, value FROM case_attributes"
        params: list[object] = []
        if ids is not None:
            params = list(ids)
            query += f" WHERE id IN ({_marks(params)})"
            attr_query += f" WHERE case_id IN ({_marks(params)})"
        attrs: dict[int, dict[str, AttributeValue]] = defaultdict(dict)
        for case_id, name, type_, value in self._rows(f"{attr_query} ORDER BY case_id", params):
            attrs[case_id][name] = decode_attribute(type_, value)
        return {
            case_id: Case(case_id, name, dict(attrs[case_id]))
            for case_id, name in self._rows(query, params)
        }

    def cases(self) -> list[Case]:
        """Every case with its attributes, by name."""
        return sorted(self._cases().values(), key=lambda c: c.name)

    def document_case(self, document_id: int) -> Case | None:
        """The case the whole document belongs to, if any."""
        found = self._rows(
            "SELECT case_id FROM case_links WHERE document_id = ? AND unit_id IS NULL "
            "ORDER BY id LIMIT 1",
            (document_id,),
        )
        return None if not found else self._cases([found[0][0]])[found[0][0]]

    def unit_cases(self, document_id: int) -> dict[int, Case]:
        """Cases linked to units of a document: unit id -> case."""
        links = self._rows(
            "SELECT unit_id, case_id FROM case_links WHERE document_id = ? AND unit_id IS NOT NULL",
            (document_id,),
        )
        cases = self._cases({case_id for _, case_id in links})
        return {unit_id: cases[case_id] for unit_id, case_id in links if unit_id is not None}

    # -- journal and pseudonyms ----------------------------------------------------

    def history(self, *, coder: str | None = None, limit: int | None = 50) -> list[JournalEntry]:
        """The latest journal entries, newest first: everyone's, or the changes ``coder``
        made; ``limit`` None for all."""
        names = self._coder_names()
        where, params = "", []
        if coder is not None:
            wanted = [i for i, n in names.items() if n == coder.strip()]
            where = f"WHERE actor_id IN ({_marks(wanted)})"
            params = list(wanted)
        tail = ""
        if limit is not None:
            tail = " LIMIT ?"
            params.append(limit)
        rows = self._rows(
            "SELECT id, actor_id, at, action, summary, details, coders, state FROM journal "
            f"{where} ORDER BY id DESC{tail}",
            params,
        )
        out = []
        for r in rows:
            at = _when(r[2])
            assert at is not None  # the column is NOT NULL
            out.append(
                JournalEntry(
                    id=r[0],
                    coder=names.get(r[1], str(r[1])),
                    at=at,
                    action=r[3],
                    summary=r[4],
                    undone=r[7] != "done",
                    coders=tuple(names.get(i, str(i)) for i in _json(r[6]) or ()),
                    details=_json(r[5]),
                    state=r[7],
                )
            )
        return out

    def pseudonyms(self) -> list[Pseudonym]:
        """The stored map: by kind, the names kept first, the most frequent first."""
        rows = self._rows(
            "SELECT key, name, kind, replacement, keep, count, id FROM pseudonyms ORDER BY id"
        )
        found = (Pseudonym(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6]) for r in rows)
        return sorted(found, key=lambda p: (p.kind, not p.keep, -p.count, p.key))
