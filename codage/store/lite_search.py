"""The reads of the corpus search, for a SQLite project read through ``sqlite3``
(:class:`codage.store.lite.LiteProject`): the same rows in the same order as the full
store's :class:`codage.store.search_index.SearchIndex` gives them, so that ``codage
search`` prints the same bytes without loading SQLAlchemy (issue 19).

The light read never writes: a project whose stored index is missing or stale for some
document raises :class:`IndexNeedsWriting` where the full store would bring the index up
to date (and keep it), and the caller runs the search on the full store instead.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

from codage.domain import Document, Unit
from codage.store.errors import NotFound, StoreError
from codage.store.index_format import INDEX_VERSION, StoredText, unpack_postings

__all__ = ["IndexNeedsWriting", "LiteSearch"]

# A unit's columns in the order of codage.domain.Unit's fields, without lemmas.
_UNIT_COLUMNS = 'kind, start, "end", speaker, timestamp, NULL, id, document_id, position'
# Ids per statement: below SQLite's smallest limit of bound parameters.
_SLICE = 900


class IndexNeedsWriting(StoreError):
    """The search index must be written before this project can be searched light."""


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


class LiteSearch:
    """What the corpus search reads (see the module's docstring)."""

    _conn: sqlite3.Connection

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        return self._conn.execute(sql, tuple(params)).fetchall()

    def _in(self, sql: str, ids: Sequence[object], extra: Sequence[object] = ()) -> list[Any]:
        """``sql`` with its one ``IN ({})`` filled slice by slice with ``ids``."""
        out: list[Any] = []
        for i in range(0, len(ids), _SLICE):
            part = ids[i : i + _SLICE]
            out.extend(self._rows(sql.format(_marks(part)), [*part, *extra]))
        return out

    has_search_index = True  # a light read opens a project at the head schema only

    def index_documents(self, document_ids: Iterable[int]) -> bool:
        """Never written here: see :class:`IndexNeedsWriting`."""
        if list(document_ids):
            raise IndexNeedsWriting("the search index must be brought up to date first")
        return False

    def search_index_state(self) -> dict[int, str]:
        """Per indexed document, the SHA-256 its current entry was built from."""
        rows = self._rows(
            "SELECT document_id, sha256 FROM search_texts WHERE version = ?", [INDEX_VERSION]
        )
        return {doc_id: sha for doc_id, sha in rows}

    def search_texts(self, document_ids: Sequence[int] | None = None) -> dict[int, StoredText]:
        """The folded texts and sentence bounds of these documents (all when None)."""
        sql = (
            "SELECT document_id, sha256, folded, back, sentences, containers FROM search_texts "
            "WHERE version = ?"
        )
        if document_ids is None:
            rows = self._rows(sql, [INDEX_VERSION])
        else:
            ids = list(document_ids)
            rows = (
                self._in(
                    f"{sql} AND document_id IN ({{}})",
                    ids,
                )
                if ids
                else []
            )
        out: dict[int, StoredText] = {}
        for row in rows:
            out[row[0]] = StoredText.from_row(row)
        return out

    def lemma_postings(self, lemmas: Iterable[str]) -> dict[int, dict[str, array[int]]]:
        """Per document, where each of these (folded) lemmas occurs."""
        wanted = sorted(set(lemmas))
        out: dict[int, dict[str, array[int]]] = {}
        if not wanted:
            return out
        for doc_id, lemma, postings in self._rows(
            f"SELECT document_id, lemma, postings FROM search_lemmas "
            f"WHERE lemma IN ({_marks(wanted)})",
            wanted,
        ):
            out.setdefault(doc_id, {})[lemma] = unpack_postings(postings)
        return out

    def form_lemmas(self, forms: Iterable[str]) -> dict[str, set[str]]:
        """The lemmas the corpus gave each of these folded word forms."""
        wanted = sorted(set(forms))
        out: dict[str, set[str]] = {}
        if not wanted:
            return out
        for form, lemma in self._rows(
            f"SELECT DISTINCT form, lemma FROM search_forms WHERE form IN ({_marks(wanted)})",
            wanted,
        ):
            out.setdefault(form, set()).add(lemma)
        return out

    def known_lemmas(self, lemmas: Iterable[str]) -> set[str]:
        """Which of these (folded) lemmas occur in the corpus."""
        wanted = sorted(set(lemmas))
        if not wanted:
            return set()
        return {
            r[0]
            for r in self._rows(
                f"SELECT DISTINCT lemma FROM search_lemmas WHERE lemma IN ({_marks(wanted)})",
                wanted,
            )
        }

    def document_texts(self, document_ids: Iterable[int]) -> dict[int, str]:
        """The stored texts of these documents."""
        ids = sorted(set(document_ids))
        if not ids:
            return {}
        return dict(self._in("SELECT id, text FROM documents WHERE id IN ({})", ids))

    def document(self, document_id: int) -> Document:
        """A document with its text, by id."""
        found = self._rows(
            "SELECT id, name, kind, text, sha256, source_path, imported_at, meta "
            "FROM documents WHERE id = ?",
            [document_id],
        )
        if not found:
            raise NotFound(f"no document with id {document_id}")
        from codage.store.lite import _json, _when

        r = found[0]
        return Document(r[0], r[1], r[2], r[3], r[4], r[5], _when(r[6]), dict(_json(r[7]) or {}))

    def units_of_documents(
        self, document_ids: Iterable[int], kinds: Iterable[str]
    ) -> dict[int, list[Unit]]:
        """Per document, its units of these kinds (without lemmas) in the order of
        ``units``; a document without any maps to an empty list."""
        ids = sorted(set(document_ids))
        out: dict[int, list[Unit]] = {doc_id: [] for doc_id in ids}
        if not ids:
            return out
        wanted = list(kinds)
        rows = self._rows(
            f"SELECT {_UNIT_COLUMNS} FROM units WHERE document_id IN ({_marks(ids)}) "
            f'AND kind IN ({_marks(wanted)}) ORDER BY document_id, start, "end" DESC, position',
            [*ids, *wanted],
        )
        for row in rows:
            out[row[7]].append(Unit(*row))
        return out

    def units_by_id(self, unit_ids: Iterable[int]) -> dict[int, Unit]:
        """These units (without lemmas), by id; an id that is gone is left out."""
        ids = sorted(set(unit_ids))
        rows = self._in(f"SELECT {_UNIT_COLUMNS} FROM units WHERE id IN ({{}})", ids)
        return {row[6]: Unit(*row) for row in rows}

    def unit_case_names(self, document_ids: Iterable[int]) -> dict[int, dict[int, str]]:
        """Per document, the name of the case linked to each unit that has one."""
        ids = sorted(set(document_ids))
        out: dict[int, dict[int, str]] = {doc_id: {} for doc_id in ids}
        if not ids:
            return out
        for doc_id, unit_id, name in self._rows(
            "SELECT case_links.document_id, case_links.unit_id, cases.name FROM case_links "
            "JOIN cases ON cases.id = case_links.case_id "
            f"WHERE case_links.document_id IN ({_marks(ids)}) "
            "AND case_links.unit_id IS NOT NULL ORDER BY case_links.id",
            ids,
        ):
            out[doc_id][unit_id] = name
        return out
