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

import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from codage.domain import decode_lemmas
from codage.folding import FoldedText, fold_text
from codage.store.base import ProjectBase
from codage.store.engine import StoreError
from codage.store.schema import (
    DocumentRow,
    SearchFormRow,
    SearchLemmaRow,
    SearchTextRow,
    UnitRow,
)

__all__ = [
    "INDEX_VERSION",
    "IndexEntry",
    "SearchIndex",
    "StoredText",
    "build_entry",
    "document_forms",
    "fold_lemma",
]

# The format of the rows; an entry of another version is rebuilt on its next search.
INDEX_VERSION = 1

# Rows written per statement.
_SLICE = 5_000


def _pack(values: array[int]) -> bytes:
    # little-endian on disk, whatever the machine: a project file travels
    if sys.byteorder == "big":
        values = array("i", values)
        values.byteswap()
    return values.tobytes()


def unpack(data: bytes | None) -> array[int]:
    """Little-endian int32 values as an array."""
    values = array("i")
    if data:
        values.frombytes(data)
        if sys.byteorder == "big":
            values.byteswap()
    return values


def fold_lemma(lemma: str, cache: dict[str, str] | None = None) -> str:
    """A lemma as the index keys it: folded as the search folds texts."""
    if cache is not None:
        known = cache.get(lemma)
        if known is None:
            known = cache[lemma] = fold_text(lemma).text
        return known
    return fold_text(lemma).text


@dataclass
class IndexEntry:
    """One document's index, as built from its text and its sentences' lemmas."""

    folded: FoldedText
    sentences: array[int]  # start, end, start, end, ...
    lemmas: dict[str, array[int]] = field(default_factory=dict)  # ordinal, start, end, ...
    forms: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class StoredText:
    """A document's folded text as the index holds it."""

    document_id: int
    sha256: str
    folded: FoldedText
    sentences: array[int]


def build_entry(text: str, sentences: Iterable[tuple[int, int, str | None]]) -> IndexEntry:
    """The index of a text from its sentences, (start, end, packed lemmas) in text order.

    Ordinals count tokens through the document and skip one at each sentence's end, so
    that lemmas which follow one another in a sentence (and only those) have ordinals
    that follow one another.
    """
    entry = IndexEntry(folded=fold_text(text), sentences=array("i"))
    folded_lemmas: dict[str, str] = {}
    folded_forms: dict[str, str] = {}
    ordinal = 0
    for start, end, packed in sentences:
        entry.sentences.extend((start, end))
        for s, e, lemma in decode_lemmas(packed):
            key = fold_lemma(lemma, folded_lemmas)
            postings = entry.lemmas.get(key)
            if postings is None:
                postings = entry.lemmas[key] = array("i")
            postings.extend((ordinal, s, e))
            ordinal += 1
            word = text[s:e]
            form = folded_forms.get(word)
            if form is None:
                form = folded_forms[word] = fold_text(word).text
            entry.forms.add((form, key))
        ordinal += 1
    return entry


def document_forms(text: str, packed: Iterable[str]) -> set[tuple[str, str]]:
    """The (folded form, folded lemma) pairs of a document's sentences, as
    :func:`build_entry` finds them (for a search that reads no stored index)."""
    out: set[tuple[str, str]] = set()
    cache: dict[str, str] = {}
    for line in packed:
        for s, e, lemma in decode_lemmas(line):
            out.add((fold_text(text[s:e]).text, fold_lemma(lemma, cache)))
    return out


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
        ).where(SearchTextRow.version == INDEX_VERSION)
        if document_ids is not None:
            query = query.where(SearchTextRow.document_id.in_(list(document_ids)))
        out: dict[int, StoredText] = {}
        with self._read() as s:
            for doc_id, sha, folded, back, sentences in s.execute(query):
                out[doc_id] = StoredText(
                    doc_id,
                    sha,
                    FoldedText(folded, None if back is None else unpack(back)),
                    unpack(sentences),
                )
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
                out.setdefault(doc_id, {})[lemma] = unpack(postings)
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
                for doc_id in ids:
                    self._index_document(s, doc_id)
        except (StoreError, DBAPIError):
            return False
        return True

    def _index_document(self, s: Session, document_id: int, text: str | None = None) -> None:
        """Rewrite one document's index from its text and sentences, in session ``s``
        (nothing when the document no longer exists)."""
        if text is None:
            text = s.scalar(select(DocumentRow.text).where(DocumentRow.id == document_id))
            if text is None:
                return
        sha = s.scalar(select(DocumentRow.sha256).where(DocumentRow.id == document_id))
        sentences = s.execute(
            select(UnitRow.start, UnitRow.end, UnitRow.lemmas)
            .where(UnitRow.document_id == document_id, UnitRow.kind == "sentence")
            .order_by(UnitRow.start, UnitRow.end.desc(), UnitRow.position)
        )
        entry = build_entry(text, ((a, b, lemmas) for a, b, lemmas in sentences))
        for table in (SearchTextRow, SearchLemmaRow, SearchFormRow):
            s.execute(delete(table).where(table.document_id == document_id))
        back = entry.folded.back
        s.execute(
            insert(SearchTextRow),
            [
                {
                    "document_id": document_id,
                    "version": INDEX_VERSION,
                    "sha256": sha,
                    "folded": entry.folded.text,
                    "back": None if back is None else _pack(array("i", back)),
                    "sentences": _pack(entry.sentences),
                }
            ],
        )
        lemma_rows = [
            {"document_id": document_id, "lemma": lemma, "postings": _pack(postings)}
            for lemma, postings in entry.lemmas.items()
        ]
        form_rows = [
            {"document_id": document_id, "form": form, "lemma": lemma}
            for form, lemma in sorted(entry.forms)
        ]
        for rows, table in ((lemma_rows, SearchLemmaRow), (form_rows, SearchFormRow)):
            for i in range(0, len(rows), _SLICE):
                s.execute(insert(table), rows[i : i + _SLICE])
        s.flush()

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
