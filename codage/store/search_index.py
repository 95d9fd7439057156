"""The stored search index: per document, its text folded for case- and accent-blind
matching (with the map back to stored offsets when folding changes lengths), its
sentences' bounds, where each lemma occurs, and which lemma each word form was given.

It is derived data, kept exact by the store itself: the transaction that writes a text
or its units (an import, a merge, a REFI-QDA import, a corrected text, the undo or redo
of one) rewrites the document's index in the same transaction; deleting a document
deletes it (foreign keys, ON DELETE CASCADE); a copy copies it with every table. Each
row records the SHA-256 of the text it was built from and the format's version, so a
reader can tell a missing or stale entry (a project indexed by an older codage, one
upgraded from before migration 0008) and have it rebuilt with :meth:`index_documents`.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, delete, insert, literal, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from codage.domain import Unit
from codage.folding import FoldedText, fold_text
from codage.store.base import ProjectBase
from codage.store.engine import StoreError
from codage.store.index_format import (
    CONTAINER_KINDS,
    INDEX_VERSION,
    StoredText,
    _pack,
    fold_lemma,
    pack_postings,
    unpack_postings,
)
from codage.store.schema import (
    CaseLinkRow,
    CaseRow,
    DocumentRow,
    SearchFormRow,
    SearchLemmaRow,
    SearchTextRow,
    UnitRow,
)

__all__ = [
    "CONTAINER_KINDS",
    "INDEX_VERSION",
    "IndexEntry",
    "SearchIndex",
    "StoredText",
    "build_entry",
    "document_forms",
    "fold_lemma",
]

# Rows written per statement.
_SLICE = 5_000

# The TEMP tables of :meth:`SearchIndex.index_rows_in_order`: per table, its staging
# table, the columns, and the order of its key.
_STAGE = {
    "search_lemmas": (
        "temp.codage_staged_lemmas",
        "document_id, lemma, postings",
        "lemma, document_id",
    ),
    "search_forms": (
        "temp.codage_staged_forms",
        "document_id, form, lemma",
        "form, lemma, document_id",
    ),
}

# A unit's columns in the order of codage.domain.Unit's fields (no lemmas).
_UNIT_COLUMNS = (
    UnitRow.kind,
    UnitRow.start,
    UnitRow.end,
    UnitRow.speaker,
    UnitRow.timestamp,
    literal(None).label("lemmas"),
    UnitRow.id,
    UnitRow.document_id,
    UnitRow.position,
)


@dataclass
class IndexEntry:
    """One document's index, as built from its text and its sentences' lemmas."""

    folded: FoldedText
    sentences: array[int]  # start, end, start, end, ...
    lemmas: dict[str, array[int]] = field(default_factory=dict)  # ordinal, start, end, ...
    forms: set[tuple[str, str]] = field(default_factory=set)


def build_entry(text: str, sentences: Iterable[tuple[int, int, str | None]]) -> IndexEntry:
    """The index of a text from its sentences, (start, end, packed lemmas) in text order.

    Ordinals count tokens through the document and skip one at each sentence's end, so
    that lemmas which follow one another in a sentence (and only those) have ordinals
    that follow one another.
    """
    entry = IndexEntry(folded=fold_text(text), sentences=array("i"))
    bounds = entry.sentences
    plain = entry.folded.back is None
    # folding is per character: a span of the folded text is its word folded
    source = entry.folded.text if plain else text
    # per lemma as the model gave it, in order of first occurrence: its (ordinal, start,
    # end) triples; with the (form, lemma) pairs met, folded once each at the end. The
    # packed lemmas are read here rather than through decode_lemmas: this runs for every
    # token of an import.
    postings_of: dict[str, list[int]] = {}
    pairs: set[tuple[str, str]] = set()
    ordinal = 0
    for start, end, packed in sentences:
        bounds.append(start)
        bounds.append(end)
        if packed:
            for s, e, lemma in _triples(packed):
                postings = postings_of.get(lemma)
                if postings is None:
                    postings_of[lemma] = [ordinal, s, e]
                else:
                    postings += (ordinal, s, e)
                pairs.add((source[s:e], lemma))
                ordinal += 1
        ordinal += 1
    keys = _fold_all(set(postings_of))
    merged: set[str] = set()
    for lemma, postings in postings_of.items():
        key = keys[lemma]
        found = entry.lemmas.get(key)
        if found is None:
            entry.lemmas[key] = array("i", postings)
        else:
            found.extend(postings)
            merged.add(key)
    if plain:
        entry.forms.update([(form, keys[lemma]) for form, lemma in pairs])
    else:
        words = _fold_all({form for form, _ in pairs})
        entry.forms.update([(words[form], keys[lemma]) for form, lemma in pairs])
    # lemmas the model spelt apart that fold alike: their triples back in token order
    for key in merged:
        triples = entry.lemmas[key]
        ordered = sorted(zip(triples[0::3], triples[1::3], triples[2::3], strict=True))
        entry.lemmas[key] = array("i", [v for triple in ordered for v in triple])
    return entry


def _triples(packed: str) -> Iterable[tuple[int, int, str]]:
    """The (start, end, lemma) triples of a unit's packed lemmas (``decode_lemmas``),
    split in C when no lemma holds a comma (offsets never do; lemmas seldom)."""
    parts = packed.replace(" ", ",").split(",")
    if len(parts) == 3 * (packed.count(" ") + 1):
        return zip(map(int, parts[0::3]), map(int, parts[1::3]), parts[2::3], strict=True)
    return [(int(a), int(b), lemma) for a, b, lemma in _TRIPLE.findall(packed)]


# One packed triple; a lemma holds no space (encode_lemmas spells them "_").
_TRIPLE = re.compile(r"(\d+),(\d+),([^ ]+)")


def _fold_all(words: set[str]) -> dict[str, str]:
    """Each word folded, in one pass over them all (folding is per character and no
    word holds a newline: lemmas spell spaces "_", tokens hold none)."""
    ordered = sorted(words)
    if not ordered:
        return {}
    if any("\n" in word for word in ordered):
        return {word: fold_text(word).text for word in ordered}
    return dict(zip(ordered, fold_text("\n".join(ordered)).text.split("\n"), strict=True))


def document_forms(text: str, packed: Iterable[str]) -> set[tuple[str, str]]:
    """The (folded form, folded lemma) pairs of a document's sentences, as
    :func:`build_entry` finds them (for a search that reads no stored index)."""
    return build_entry(text, ((0, 0, line) for line in packed)).forms


class SearchIndex(ProjectBase):
    """The search index of a project: kept by the writers of texts, read by the search."""

    @property
    def has_search_index(self) -> bool:
        """Whether the store holds the index's tables (a project older than migration
        0008, read without upgrading it, does not)."""
        return not self.store.outdated

    def search_index_state(self) -> dict[int, str]:
        """Per indexed document, the SHA-256 of the text its current entry was built
        from (entries of another format's version are left out: they are stale)."""
        with self._read() as s:
            rows = s.execute(
                select(SearchTextRow.document_id, SearchTextRow.sha256).where(
                    SearchTextRow.version == INDEX_VERSION
                )
            )
            return {doc_id: sha for doc_id, sha in rows}

    def search_texts(self, document_ids: Sequence[int] | None = None) -> dict[int, StoredText]:
        """The folded texts and sentence bounds of these documents (all when None)."""
        query = select(
            SearchTextRow.document_id,
            SearchTextRow.sha256,
            SearchTextRow.folded,
            SearchTextRow.back,
            SearchTextRow.sentences,
            SearchTextRow.containers,
        ).where(SearchTextRow.version == INDEX_VERSION)
        if document_ids is not None:
            query = query.where(SearchTextRow.document_id.in_(list(document_ids)))
        out: dict[int, StoredText] = {}
        with self._read() as s:
            for row in s.execute(query):
                out[row[0]] = StoredText.from_row(row)
        return out

    def lemma_postings(self, lemmas: Iterable[str]) -> dict[int, dict[str, array[int]]]:
        """Per document, where each of these (folded) lemmas occurs: (ordinal, start,
        end) triples in text order."""
        wanted = sorted(set(lemmas))
        out: dict[int, dict[str, array[int]]] = {}
        if not wanted:
            return out
        with self._read() as s:
            rows = s.execute(
                select(
                    SearchLemmaRow.document_id, SearchLemmaRow.lemma, SearchLemmaRow.postings
                ).where(SearchLemmaRow.lemma.in_(wanted))
            )
            for doc_id, lemma, postings in rows:
                out.setdefault(doc_id, {})[lemma] = unpack_postings(postings)
        return out

    def form_lemmas(self, forms: Iterable[str]) -> dict[str, set[str]]:
        """The lemmas the corpus gave each of these folded word forms (a form absent
        from the corpus is absent from the answer)."""
        wanted = sorted(set(forms))
        out: dict[str, set[str]] = {}
        if not wanted:
            return out
        with self._read() as s:
            rows = s.execute(
                select(SearchFormRow.form, SearchFormRow.lemma)
                .where(SearchFormRow.form.in_(wanted))
                .distinct()
            )
            for form, lemma in rows:
                out.setdefault(form, set()).add(lemma)
        return out

    def known_lemmas(self, lemmas: Iterable[str]) -> set[str]:
        """Which of these (folded) lemmas occur in the corpus."""
        wanted = sorted(set(lemmas))
        if not wanted:
            return set()
        with self._read() as s:
            query = select(SearchLemmaRow.lemma).where(SearchLemmaRow.lemma.in_(wanted)).distinct()
            return set(s.scalars(query))

    # What a search's hits need of the documents they fall in, read for all of them
    # at once: one query each rather than three per document (a common word falls in
    # every document of a corpus).

    def document_texts(self, document_ids: Iterable[int]) -> dict[int, str]:
        """The stored texts of these documents."""
        ids = sorted(set(document_ids))
        if not ids:
            return {}
        with self._read() as s:
            rows = s.execute(
                select(DocumentRow.id, DocumentRow.text).where(DocumentRow.id.in_(ids))
            )
            return {doc_id: text for doc_id, text in rows}

    def units_of_documents(
        self, document_ids: Iterable[int], kinds: Iterable[str]
    ) -> dict[int, list[Unit]]:
        """Per document, its units of these kinds (without lemmas) in the order of
        ``Project.units``; a document without any maps to an empty list."""
        ids = sorted(set(document_ids))
        out: dict[int, list[Unit]] = {doc_id: [] for doc_id in ids}
        if not ids:
            return out
        query = (
            select(*_UNIT_COLUMNS)
            .where(UnitRow.document_id.in_(ids), UnitRow.kind.in_(list(kinds)))
            .order_by(UnitRow.document_id, UnitRow.start, UnitRow.end.desc(), UnitRow.position)
        )
        with self._read() as s:
            for row in s.execute(query):
                out[row.document_id].append(Unit(*row))
        return out

    def units_by_id(self, unit_ids: Iterable[int]) -> dict[int, Unit]:
        """These units (without lemmas), by id; an id that is gone is left out."""
        ids = sorted(set(unit_ids))
        out: dict[int, Unit] = {}
        with self._read() as s:
            for i in range(0, len(ids), _SLICE):
                query = select(*_UNIT_COLUMNS).where(UnitRow.id.in_(ids[i : i + _SLICE]))
                for row in s.execute(query):
                    out[row.id] = Unit(*row)
        return out

    def unit_case_names(self, document_ids: Iterable[int]) -> dict[int, dict[int, str]]:
        """Per document, the name of the case linked to each unit that has one (as
        ``Project.unit_cases`` gives them, names only); every document is a key."""
        ids = sorted(set(document_ids))
        out: dict[int, dict[int, str]] = {doc_id: {} for doc_id in ids}
        if not ids:
            return out
        query = (
            select(CaseLinkRow.document_id, CaseLinkRow.unit_id, CaseRow.name)
            .join(CaseRow, CaseRow.id == CaseLinkRow.case_id)
            .where(CaseLinkRow.document_id.in_(ids), CaseLinkRow.unit_id.is_not(None))
            .order_by(CaseLinkRow.id)
        )
        with self._read() as s:
            for doc_id, unit_id, name in s.execute(query):
                if unit_id is not None:  # the query asks for unit links only
                    out[doc_id][unit_id] = name
        return out

    def index_documents(self, document_ids: Iterable[int]) -> bool:
        """Build and store the index of these documents (those whose entry is missing or
        stale), in one transaction. Returns False, storing nothing, when this project
        cannot be written by this session (read only, older schema, another coder's
        role on a server, a concurrent writer): the caller searches without it."""
        ids = list(document_ids)
        if not ids or not self.has_search_index or self.read_only:
            return False
        try:
            with self._tx() as s:
                # one statement per table: without an index by document, each deletion
                # reads the table through
                for table in (SearchTextRow, SearchLemmaRow, SearchFormRow):
                    s.execute(delete(table).where(table.document_id.in_(ids)))
                for doc_id in ids:
                    self._index_document(s, doc_id, new=True)
        except (StoreError, DBAPIError):
            return False
        return True

    def _index_document(
        self,
        s: Session,
        document_id: int,
        text: str | None = None,
        *,
        new: bool = False,
        sha: str | None = None,
        sentences: Iterable[tuple[int, int, str | None]] | None = None,
    ) -> None:
        """Rewrite one document's index from its text and sentences, in session ``s``
        (nothing when the document no longer exists); ``new``: it has none (any more).
        A writer that has just written the text and its sentence units may give the
        text's ``sha`` and the ``sentences`` (start, end, packed lemmas, in the order of
        start, end descending, position), which are then not read back.

        The lemma and form tables are keyed by lemma and form, with no index by
        document (it would add a sixth to the index's size): deleting a document's
        rows reads them through, which a corrected text or an undo can afford."""
        if text is None:
            text = s.scalar(select(DocumentRow.text).where(DocumentRow.id == document_id))
            if text is None:
                return
        if sha is None:
            sha = s.scalar(select(DocumentRow.sha256).where(DocumentRow.id == document_id))
        if sentences is None:
            sentences = s.execute(
                select(UnitRow.start, UnitRow.end, UnitRow.lemmas)
                .where(UnitRow.document_id == document_id, UnitRow.kind == "sentence")
                .order_by(UnitRow.start, UnitRow.end.desc(), UnitRow.position)
            ).tuples()
        entry = build_entry(text, sentences)
        containers = array("i")
        for row in s.execute(
            select(UnitRow.start, UnitRow.end, UnitRow.id)
            .where(UnitRow.document_id == document_id, UnitRow.kind.in_(CONTAINER_KINDS))
            .order_by(UnitRow.start, UnitRow.end.desc(), UnitRow.position)
        ):
            containers.extend(row)
        if not new:
            for table in (SearchTextRow, SearchLemmaRow, SearchFormRow):
                s.execute(delete(table).where(table.document_id == document_id))
        back = entry.folded.back
        s.execute(
            insert(cast(Table, SearchTextRow.__table__)),
            [
                {
                    "document_id": document_id,
                    "version": INDEX_VERSION,
                    "sha256": sha,
                    "folded": entry.folded.text,
                    "back": None if back is None else _pack(array("i", back)),
                    "sentences": _pack(entry.sentences),
                    "containers": _pack(containers),
                }
            ],
        )
        lemma_rows = [
            (document_id, lemma, pack_postings(postings))
            for lemma, postings in entry.lemmas.items()
        ]
        form_rows = [(document_id, form, lemma) for form, lemma in sorted(entry.forms)]
        connection = s.connection()
        staged = getattr(self._local, "index_staged", False)
        for rows, table, keys in (
            (lemma_rows, SearchLemmaRow, ("document_id", "lemma", "postings")),
            (form_rows, SearchFormRow, ("document_id", "form", "lemma")),
        ):
            into = _STAGE[table.__tablename__][0] if staged else table.__tablename__
            for i in range(0, len(rows), _SLICE):
                piece = rows[i : i + _SLICE]
                if connection.dialect.name == "sqlite":
                    # plain tuples straight to the driver: a merge of a corpus indexes
                    # hundreds of thousands of lemmas, and SQLAlchemy's processing of
                    # each row's parameters cost more than SQLite's writing them
                    connection.exec_driver_sql(
                        f"INSERT INTO {into} ({', '.join(keys)}) VALUES (?, ?, ?)", piece
                    )
                else:
                    s.execute(
                        insert(cast(Table, table.__table__)),
                        [dict(zip(keys, row, strict=True)) for row in piece],
                    )
        s.flush()

    @contextmanager
    def index_rows_in_order(self) -> Iterator[None]:
        """Inside a :meth:`batch` on SQLite: the lemma and form rows of the documents
        indexed in the block are kept in TEMP tables and written into their tables at
        its end, in the order of their keys. Those tables are keyed by lemma and form
        first: a document's rows written as it comes land all over them, and once they
        outgrow the page cache each lands on a page read back for it (a merge of ten
        million words wrote two million rows of each). The same rows; on a failure the
        rollback takes the TEMP tables with the rest."""
        session = getattr(self._local, "session", None)
        if (
            session is None
            or not self.is_sqlite
            or not self.has_search_index
            or getattr(self._local, "index_staged", False)
        ):
            yield
            return
        connection = session.connection()
        for staged, columns, _ in _STAGE.values():
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {staged}")
            connection.exec_driver_sql(f"CREATE TABLE {staged} ({columns})")
        self._local.index_staged = True
        try:
            yield
        finally:
            self._local.index_staged = False
        for table, (staged, columns, order) in _STAGE.items():
            connection.exec_driver_sql(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staged} ORDER BY {order}"
            )
            connection.exec_driver_sql(f"DROP TABLE {staged}")

    def _reindex_touched(self, s: Session, ops: Iterable[dict[str, object]]) -> None:
        """After journal operations were replayed (undo, redo): rewrite the index of
        every document whose text or units they changed."""
        touched: set[int] = set()
        for op in ops:
            if op.get("t") == "documents" and op.get("op") == "update":
                touched.add(int(op["id"]))  # type: ignore[call-overload]
            elif op.get("t") == "units":
                row = op.get("row")
                if isinstance(row, dict) and row.get("document_id") is not None:
                    touched.add(int(row["document_id"]))
        if touched and self.has_search_index:
            for doc_id in sorted(touched):
                self._index_document(s, doc_id)
