"""The corpus as vectors, in memory: every unit's stored vector (computed and stored
first where missing), and the cosine of a passage to every unit.

A unit is a sentence, a speaker turn, a survey answer or a paragraph. The index is
built once per session (the interface keeps it; a command builds it per run) and
reads the project only while it is built.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from codage.domain import Unit
from codage.services.assist.tokens import DocumentTokens
from codage.services.assist.vectors import (
    MODEL_PACKAGE,
    TFIDF,
    Method,
    WordVectors,
    describe,
    pack_dense,
    pack_terms,
    resolve_method,
    unpack_dense,
    unpack_terms,
)
from codage.store.project import Project

INDEXED_KINDS = ("sentence", "turn", "answer", "paragraph")

Progress = Callable[[str, int, int], None]


@dataclass
class SparseQuery:
    """A TF-IDF vector: sorted term ids and their weights, unit length."""

    ids: np.ndarray
    weights: np.ndarray


Query = np.ndarray | SparseQuery


@dataclass
class AssistIndex:
    """The indexed units of a project and their vectors, for one method."""

    method: Method
    unit_ids: np.ndarray
    document_ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    kinds: list[str]
    speakers: list[str | None]
    document_names: dict[int, str]
    # dense (word vectors): one unit-length row per unit
    matrix: np.ndarray | None = None
    words: WordVectors | None = None
    # Mean word vectors all lean one way (cosines of 0.9 between unrelated
    # passages): the corpus's mean is taken off every vector, at each load, so that
    # the stored vectors stay independent of the rest of the corpus.
    center: np.ndarray | None = None
    # sparse (TF-IDF): by unit (ptr, terms, weights) and by term (ptr, units, weights)
    vocabulary: dict[str, int] = field(default_factory=dict)
    idf: np.ndarray | None = None
    unit_ptr: np.ndarray | None = None
    unit_terms: np.ndarray | None = None
    unit_weights: np.ndarray | None = None
    term_ptr: np.ndarray | None = None
    term_units: np.ndarray | None = None
    term_weights: np.ndarray | None = None
    # what building it cost: units embedded now (not found stored) and seconds
    embedded: int = 0
    embed_seconds: float = 0.0
    load_seconds: float = 0.0
    _exact: dict[tuple[int, int, int], int] = field(default_factory=dict)
    _by_document: dict[int, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.unit_ids)

    # -- queries --------------------------------------------------------------

    def query_tokens(self, tokens: list[str]) -> Query:
        """The vector of a passage given by its tokens (lemmas)."""
        if self.words is not None:
            return self._centred(self.words.embed(tokens))
        assert self.idf is not None
        ids = [self.vocabulary[t] for t in tokens if t in self.vocabulary]
        if not ids:
            return SparseQuery(np.zeros(0, np.int64), np.zeros(0, np.float32))
        terms, counts = np.unique(np.asarray(ids, dtype=np.int64), return_counts=True)
        weights = (1.0 + np.log(counts)) * self.idf[terms]
        return SparseQuery(terms, (weights / np.linalg.norm(weights)).astype(np.float32))

    def _centred(self, vector: np.ndarray) -> np.ndarray:
        if self.center is None or not vector.any():
            return vector
        moved = vector - self.center
        norm = float(np.linalg.norm(moved))
        out: np.ndarray = moved / norm if norm > 0 else moved
        return out

    def query_unit(self, i: int) -> Query:
        """The stored vector of the ``i``-th unit."""
        if self.matrix is not None:
            row: np.ndarray = self.matrix[i]
            return row
        assert self.unit_ptr is not None and self.unit_terms is not None
        assert self.unit_weights is not None
        a, b = self.unit_ptr[i], self.unit_ptr[i + 1]
        return SparseQuery(self.unit_terms[a:b], self.unit_weights[a:b])

    def query_span(self, project: Project, document_id: int, start: int, end: int) -> Query:
        """The vector of [start, end) of a document: a unit's stored one when the span
        is a unit, else made from the stored lemmas of the span."""
        found = self._exact.get((document_id, start, end))
        if found is not None:
            return self.query_unit(found)
        text = project.document(document_id).text
        sentences = project.units(document_id, ["sentence"], with_lemmas=True)
        return self.query_tokens(DocumentTokens.of(text, sentences).span(start, end))

    def scores(self, query: Query) -> np.ndarray:
        """The cosine of ``query`` to every unit, in index order."""
        n = len(self.unit_ids)
        if self.matrix is not None:
            assert isinstance(query, np.ndarray)
            # einsum, not BLAS: one thread, the same sums in the same order on every run
            # (and a threaded BLAS on a busy machine was five times slower)
            found: np.ndarray = np.einsum("ij,j->i", self.matrix, query)
            return found
        assert isinstance(query, SparseQuery)
        assert self.term_ptr is not None and self.term_units is not None
        assert self.term_weights is not None
        if len(query.ids) == 0:
            return np.zeros(n, dtype=np.float32)
        parts_units = []
        parts_weights = []
        for term, weight in zip(query.ids.tolist(), query.weights.tolist(), strict=True):
            a, b = self.term_ptr[term], self.term_ptr[term + 1]
            parts_units.append(self.term_units[a:b])
            parts_weights.append(self.term_weights[a:b] * weight)
        return np.bincount(
            np.concatenate(parts_units), np.concatenate(parts_weights), minlength=n
        ).astype(np.float32)

    def sum_norm(self, members: np.ndarray) -> float:
        """The length of the sum of some units' vectors (a code's centroid, unnormalised)."""
        if self.matrix is not None:
            return float(np.linalg.norm(self.matrix[members].sum(axis=0)))
        assert self.unit_ptr is not None and self.unit_terms is not None
        assert self.unit_weights is not None
        pieces_t = [self.unit_terms[self.unit_ptr[i] : self.unit_ptr[i + 1]] for i in members]
        pieces_w = [self.unit_weights[self.unit_ptr[i] : self.unit_ptr[i + 1]] for i in members]
        if not pieces_t:
            return 0.0
        _, inverse = np.unique(np.concatenate(pieces_t), return_inverse=True)
        summed = np.bincount(inverse, np.concatenate(pieces_w))
        return float(np.linalg.norm(summed))

    # -- where passages are ----------------------------------------------------

    def locate(self, document_id: int, start: int, end: int) -> int | None:
        """The unit that best matches a span (the same span, else the largest overlap
        over union), or None when no indexed unit overlaps it."""
        found = self._exact.get((document_id, start, end))
        if found is not None:
            return found
        idx = self._by_document.get(document_id)
        if idx is None or len(idx) == 0:
            return None
        s, e = self.starts[idx], self.ends[idx]
        inter = np.minimum(e, end) - np.maximum(s, start)
        union = np.maximum(e, end) - np.minimum(s, start)
        jaccard = np.where(inter > 0, inter / np.maximum(union, 1), 0.0)
        best = int(np.argmax(jaccard))
        return int(idx[best]) if jaccard[best] > 0 else None

    def overlapping(self, document_id: int, start: int, end: int) -> np.ndarray:
        """The indices of the units of a document that overlap [start, end)."""
        idx = self._by_document.get(document_id)
        if idx is None:
            return np.zeros(0, dtype=np.int64)
        keep = (self.starts[idx] < end) & (self.ends[idx] > start)
        kept: np.ndarray = idx[keep]
        return kept

    def document_units(self, document_id: int) -> np.ndarray:
        return self._by_document.get(document_id, np.zeros(0, dtype=np.int64))


def build_index(
    project: Project,
    method: str = "auto",
    *,
    package: str = MODEL_PACKAGE,
    kinds: Iterable[str] = INDEXED_KINDS,
    progress: Progress | None = None,
) -> AssistIndex:
    """Read (and first compute and store, where missing) the vectors of every unit.

    ``method`` is ``auto`` (the model's word vectors where ``package`` is installed,
    else TF-IDF), ``vectors`` or ``tfidf``; the method that ran is the index's
    ``method``. Vectors are stored in the project once: a later index reads them.
    """
    began = time.perf_counter()
    chosen = describe(resolve_method(method, package), package)
    words = WordVectors.load(package) if chosen.name != TFIDF else None
    wanted = tuple(kinds)
    stored = project.unit_vectors(chosen.key)
    documents = project.documents()
    units: list[Unit] = []
    pending: list[tuple[Unit, list[str]]] = []
    embed_seconds = 0.0
    for n, info in enumerate(documents):
        if progress:
            progress("units", n, len(documents))
        doc_units = [u for u in project.units(info.id, wanted) if u.id is not None]
        units.extend(doc_units)
        missing = [u for u in doc_units if u.id not in stored]
        if missing:
            t0 = time.perf_counter()
            text = project.document(info.id).text
            tokens = DocumentTokens.of(text, project.units(info.id, ["sentence"], with_lemmas=True))
            pending.extend((u, tokens.span(u.start, u.end)) for u in missing)
            embed_seconds += time.perf_counter() - t0
    if pending:
        t0 = time.perf_counter()
        rows: list[tuple[int, int, bytes]] = []
        if words is not None:
            for u, toks in pending:
                rows.append((u.id or 0, u.document_id or 0, pack_dense(words.embed(toks))))
        else:
            vocabulary = project.add_assist_terms(t for _, toks in pending for t in toks)
            for u, toks in pending:
                rows.append(
                    (u.id or 0, u.document_id or 0, pack_terms([vocabulary[t] for t in toks]))
                )
        project.save_unit_vectors(chosen.key, rows)
        stored.update((unit_id, blob) for unit_id, _, blob in rows)
        embed_seconds += time.perf_counter() - t0
    if progress:
        progress("units", len(documents), len(documents))
    index = AssistIndex(
        method=chosen,
        unit_ids=np.asarray([u.id for u in units], dtype=np.int64),
        document_ids=np.asarray([u.document_id for u in units], dtype=np.int64),
        starts=np.asarray([u.start for u in units], dtype=np.int64),
        ends=np.asarray([u.end for u in units], dtype=np.int64),
        kinds=[u.kind for u in units],
        speakers=[u.speaker for u in units],
        document_names={d.id: d.name for d in documents},
        words=words,
        embedded=len(pending),
        embed_seconds=embed_seconds,
    )
    blobs = [stored[u.id or 0] for u in units]
    if words is not None:
        matrix = unpack_dense(blobs, words.dim)
        known = matrix.any(axis=1)
        if known.any():
            index.center = matrix[known].mean(axis=0)
            matrix[known] -= index.center
            norms = np.linalg.norm(matrix[known], axis=1, keepdims=True)
            matrix[known] /= np.where(norms > 0, norms, 1.0)
        index.matrix = matrix
    else:
        _tfidf(index, blobs, project.assist_terms())
    order = np.argsort(index.document_ids, kind="stable")
    bounds = np.searchsorted(index.document_ids[order], list(index.document_names), "left")
    ends = np.searchsorted(index.document_ids[order], list(index.document_names), "right")
    for doc_id, a, b in zip(index.document_names, bounds, ends, strict=True):
        index._by_document[doc_id] = order[a:b]
    # the finest unit wins a span several kinds share (an answer of one sentence)
    rank = {kind: r for r, kind in enumerate(INDEXED_KINDS)}
    for i, u in enumerate(units):
        key = (u.document_id or 0, u.start, u.end)
        held = index._exact.get(key)
        if held is None or rank.get(u.kind, 9) < rank.get(units[held].kind, 9):
            index._exact[key] = i
    index.load_seconds = time.perf_counter() - began
    return index


def _tfidf(index: AssistIndex, blobs: list[bytes], vocabulary: dict[str, int]) -> None:
    """TF-IDF weights of the stored lemma ids: sublinear tf, smoothed idf, unit rows."""
    n = len(blobs)
    size = max(vocabulary.values(), default=0) + 1
    arrays = [unpack_terms(b) for b in blobs]
    lengths = np.asarray([len(a) for a in arrays], dtype=np.int64)
    terms = np.concatenate(arrays).astype(np.int64) if arrays else np.zeros(0, np.int64)
    owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
    pairs, counts = np.unique(owner * size + terms, return_counts=True)
    units, terms = pairs // size, pairs % size
    df = np.bincount(terms, minlength=size)
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    weights = ((1.0 + np.log(counts)) * idf[terms]).astype(np.float32)
    norms = np.sqrt(np.bincount(units, weights * weights, minlength=n))
    weights = weights / np.where(norms > 0, norms, 1.0)[units]
    index.vocabulary = vocabulary
    index.idf = idf
    index.unit_ptr = np.concatenate([[0], np.cumsum(np.bincount(units, minlength=n))])
    index.unit_terms, index.unit_weights = terms, weights.astype(np.float32)
    by_term = np.argsort(terms, kind="stable")
    index.term_ptr = np.concatenate([[0], np.cumsum(np.bincount(terms, minlength=size))])
    index.term_units = units[by_term]
    index.term_weights = index.unit_weights[by_term]
