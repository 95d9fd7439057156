"""Code suggestions: rank the codes of the codebook by how close a passage is to what
each code already covers, with the coded passages that say why.

Three signals, each a cosine in the index's space: the nearest coded units (a
vote of the ``k`` most similar coded units, weighted by similarity), the code's
centroid (the sum of its coded units), and the code's own words in the codebook
(name, description, inclusion, example). Only codes that cover at least one
passage are suggested, so that every suggestion has evidence. Nothing here
writes a coding: :func:`accept_suggestion` does, when a person says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from codage.domain import Code, Coding
from codage.services.assist.index import AssistIndex, Query, SparseQuery
from codage.services.assist.tokens import Lemmatizer, text_tokens
from codage.store.project import Project

# Defaults chosen on the demo's leave-one-document-out (benchmarks/assist_bench.py).
NEIGHBOURS = 10
WEIGHTS = (0.4, 0.4, 0.2)  # nearest coded units, centroid, definition
EVIDENCE = 3


@dataclass(frozen=True)
class Evidence:
    """A coded passage close to the one a code is suggested for."""

    document: str
    document_id: int
    start: int
    end: int
    text: str
    coder: str
    score: float


@dataclass(frozen=True)
class CodeSuggestion:
    """One code for a passage: its score, its parts, and the evidence."""

    code: str
    code_id: int
    score: float
    neighbours: float
    centroid: float
    definition: float
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Definitions:
    """The codes' own words (name, description, inclusion, example) as vectors, scored
    against a passage all at once: a matrix product, or for TF-IDF the postings of
    the passage's terms."""

    codes: list[int]
    matrix: np.ndarray | None = None
    terms: np.ndarray | None = None  # sorted term ids, with the code (row) and weight
    rows: np.ndarray | None = None
    weights: np.ndarray | None = None

    @classmethod
    def of(cls, index: AssistIndex, texts: dict[int, list[str]]) -> Definitions:
        codes = sorted(texts)
        vectors = [index.query_tokens(texts[c]) for c in codes]
        if index.matrix is not None:
            dim = index.matrix.shape[1]
            dense = [v for v in vectors if isinstance(v, np.ndarray)]
            matrix = np.stack(dense) if dense else np.zeros((0, dim), np.float32)
            return cls(codes, matrix=matrix.astype(np.float32))
        sparse = [v for v in vectors if isinstance(v, SparseQuery)]
        terms = np.concatenate([v.ids for v in sparse]) if sparse else np.zeros(0, np.int64)
        rows = np.repeat(np.arange(len(sparse)), [len(v.ids) for v in sparse])
        weights = np.concatenate([v.weights for v in sparse]) if sparse else np.zeros(0, np.float32)
        order = np.argsort(terms, kind="stable")
        return cls(codes, terms=terms[order], rows=rows[order], weights=weights[order])

    def scores(self, query: Query) -> dict[int, float]:
        if not self.codes:
            return {}
        if self.matrix is not None:
            assert isinstance(query, np.ndarray)
            found = np.einsum("ij,j->i", self.matrix, query)
            return dict(zip(self.codes, found.tolist(), strict=True))
        assert isinstance(query, SparseQuery)
        assert self.terms is not None and self.rows is not None and self.weights is not None
        first = np.searchsorted(self.terms, query.ids, "left")
        last = np.searchsorted(self.terms, query.ids, "right")
        total = np.zeros(len(self.codes), dtype=np.float64)
        for a, b, weight in zip(first.tolist(), last.tolist(), query.weights.tolist(), strict=True):
            if b > a:
                total += np.bincount(
                    self.rows[a:b], self.weights[a:b] * weight, minlength=len(self.codes)
                )
        return dict(zip(self.codes, total.tolist(), strict=True))


@dataclass
class Suggester:
    """The coded passages of a project placed in an index, ready to rank codes for
    any passage; built once per set of codings (a session rebuilds it when they
    change), so that one suggestion costs a few vector products."""

    index: AssistIndex
    codes: dict[int, Code]
    paths: dict[int, str]
    members: dict[int, np.ndarray]  # code id -> indices of the units it covers
    unit_codings: dict[int, list[Coding]]  # unit index -> codings on it
    coded_units: np.ndarray
    coded_codes: list[frozenset[int]]
    centroid_norms: dict[int, float]  # the length of the sum of each code's unit vectors
    definitions: Definitions
    unplaced: int  # codings no indexed unit overlaps (reported, not used)
    k: int = NEIGHBOURS
    weights: tuple[float, float, float] = WEIGHTS

    def suggest(
        self,
        query: Query,
        *,
        document_id: int | None = None,
        start: int = 0,
        end: int = 0,
        top: int = 3,
    ) -> list[CodeSuggestion]:
        """The ``top`` codes for a passage, best first, each with its evidence.

        Units overlapping the passage itself ([start, end) of ``document_id``) are
        not evidence for it: a passage is not its own neighbour.
        """
        index = self.index
        if not len(self.coded_units):
            return []
        sims = index.scores(query)
        coded_sims = sims[self.coded_units].astype(np.float64)
        if document_id is not None:
            own = index.overlapping(document_id, start, end)
            coded_sims[np.isin(self.coded_units, own)] = -np.inf
        usable = np.isfinite(coded_sims)
        k = min(self.k, int(usable.sum()))
        votes: dict[int, float] = {}
        if k:
            nearest = np.argpartition(-coded_sims, k - 1)[:k]
            positive = np.maximum(coded_sims[nearest], 0.0)
            total = float(positive.sum()) or 1.0
            for pos, weight in zip(nearest.tolist(), positive.tolist(), strict=True):
                for code_id in self.coded_codes[pos]:
                    votes[code_id] = votes.get(code_id, 0.0) + weight / total
        w_near, w_centroid, w_def = self.weights
        by_definition = self.definitions.scores(query)
        ranked: list[tuple[float, str, int, float, float, float]] = []
        for code_id, members in self.members.items():
            near = votes.get(code_id, 0.0)
            # the cosine to the centroid: the sum of the similarities to its units over
            # the length of their sum (no vector product per code)
            norm = self.centroid_norms[code_id]
            centroid = max(float(sims[members].sum()) / norm, 0.0) if norm > 0 else 0.0
            words = max(by_definition.get(code_id, 0.0), 0.0)
            score = w_near * near + w_centroid * centroid + w_def * words
            ranked.append((score, self.paths[code_id], code_id, near, centroid, words))
        ranked.sort(key=lambda r: (-r[0], r[1]))
        out: list[CodeSuggestion] = []
        for score, path, code_id, near, centroid, words in ranked:
            if len(out) >= top:
                break
            evidence = self._evidence(code_id, sims, document_id, start, end)
            if not evidence:
                # what the code covers is only this passage itself: nothing to show for it
                continue
            out.append(
                CodeSuggestion(
                    path,
                    code_id,
                    round(score, 4),
                    round(near, 4),
                    round(centroid, 4),
                    round(words, 4),
                    evidence,
                )
            )
        return out

    def _evidence(
        self, code_id: int, sims: np.ndarray, document_id: int | None, start: int, end: int
    ) -> list[Evidence]:
        index = self.index
        members = self.members[code_id]
        order = members[np.lexsort((members, -sims[members]))]
        out: list[Evidence] = []
        for i in order.tolist():
            for coding in self.unit_codings[i]:
                if coding.code_id != code_id:
                    continue
                if coding.document_id == document_id and coding.start < end and coding.end > start:
                    continue
                out.append(
                    Evidence(
                        index.document_names.get(coding.document_id, "?"),
                        coding.document_id,
                        coding.start,
                        coding.end,
                        coding.text,
                        coding.coder,
                        round(float(sims[i]), 4),
                    )
                )
                break
            if len(out) >= EVIDENCE:
                break
        return out


def build_suggester(
    project: Project,
    index: AssistIndex,
    *,
    coders: Iterable[str] | None = None,
    exclude_documents: Iterable[int] = (),
    lemmatize: Lemmatizer | None = None,
    k: int = NEIGHBOURS,
    weights: tuple[float, float, float] = WEIGHTS,
    codings: list[Coding] | None = None,
) -> Suggester:
    """Place the codings (of ``coders``, or everyone's) in ``index``; codings of
    ``exclude_documents`` are left out (a held-out document)."""
    excluded = set(exclude_documents)
    if codings is None:
        codings = project.codings_bulk(coders=list(coders) if coders is not None else None)
    codes = {c.id: c for c in project.codes()}
    paths = {c.id: c.path_str for c in codes.values()}
    unit_codings: dict[int, list[Coding]] = {}
    by_code: dict[int, set[int]] = {}
    unplaced = 0
    for coding in codings:
        if coding.document_id in excluded or coding.code_id not in codes:
            continue
        unit = index.locate(coding.document_id, coding.start, coding.end)
        if unit is None:
            unplaced += 1
            continue
        unit_codings.setdefault(unit, []).append(coding)
        by_code.setdefault(coding.code_id, set()).add(unit)
    coded_units = np.asarray(sorted(unit_codings), dtype=np.int64)
    coded_codes = [frozenset(c.code_id for c in unit_codings[i]) for i in coded_units.tolist()]
    members = {code: np.asarray(sorted(units), dtype=np.int64) for code, units in by_code.items()}
    centroid_norms = {code: index.sum_norm(units) for code, units in members.items()}
    texts: dict[int, list[str]] = {}
    for code_id in members:
        code = codes[code_id]
        words = " ".join(
            part for part in (code.name, code.description, code.inclusion, code.example) if part
        )
        tokens = text_tokens(words, lemmatize)
        if tokens:
            texts[code_id] = tokens
    definitions = Definitions.of(index, texts)
    return Suggester(
        index,
        codes,
        paths,
        members,
        unit_codings,
        coded_units,
        coded_codes,
        centroid_norms,
        definitions,
        unplaced,
        k,
        weights,
    )
