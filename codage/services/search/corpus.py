"""The corpus search both faces run: a query in one of five modes, restricted by code,
document and case, with ranked hits that come with their unit, speaker and case.

Modes: ``exact`` (the string, blind to case and, by default, to accents), ``words``
(all the words, in any order, within one unit), ``lemma`` (the lemmas stored at
import), ``regex`` (a regular expression, with a time limit) and ``fuzzy``
(rapidfuzz partial matching above a threshold, for misspellings).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import regex

from codage import codebook
from codage.domain import Case, Span, Unit, fold
from codage.passages import case_locator
from codage.services import resolve_document
from codage.services.search.index import CorpusIndex, DocumentIndex, corpus_index
from codage.services.search.text import (
    REGEX_TIMEOUT,
    SearchError,
    compile_regex,
    exact_spans,
    fold_query,
    fold_text,
    regex_spans,
)
from codage.store.index_format import fold_lemma

if TYPE_CHECKING:
    from codage.services.search.index import SearchSource

__all__ = [
    "DEFAULT_THRESHOLD",
    "MODES",
    "REGEX_TIMEOUT",
    "Lemmatizer",
    "SearchFilters",
    "SearchHit",
    "SearchResult",
    "search_corpus",
]

MODES = ("exact", "words", "lemma", "regex", "fuzzy")
# A partial-match score (0-100) at which a misspelt word of a few letters still matches
# ("rançongicel" for "rançongiciel") and unrelated words of the same length do not.
DEFAULT_THRESHOLD = 85.0
CONTEXT = 60

# Lemmas of a query, by the same French model that lemmatised the corpus at import
# (the faces pass codage.ingest.nlp.query_lemmas: the services may not import ingest).
Lemmatizer = Callable[[str], list[str]]


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Where to search: inside passages coded with ``code`` (or its children), in the
    named ``documents``, in the cases whose attributes match every ``KEY=VALUE``."""

    code: str | None = None
    documents: tuple[str, ...] = ()
    cases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One place a query was found, with what a person needs to judge it."""

    document_id: int
    document: str
    start: int
    end: int
    text: str
    score: float
    before: str
    after: str
    unit: Unit | None = None
    speaker: str | None = None
    case: Case | None = None

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    def to_json(self) -> dict[str, object]:
        unit = self.unit
        return {
            "document": self.document,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 1),
            "before": self.before,
            "after": self.after,
            "unit": None
            if unit is None
            else {"kind": unit.kind, "start": unit.start, "end": unit.end},
            "speaker": self.speaker,
            "case": None if self.case is None else self.case.name,
        }


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The hits shown (ranked, at most ``limit``) and how many there were in all."""

    query: str
    mode: str
    hits: list[SearchHit]
    total: int
    filtered_out: int = 0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "query": self.query,
            "mode": self.mode,
            "total": self.total,
            "shown": len(self.hits),
            "filtered_out": self.filtered_out,
            "hits": [h.to_json() for h in self.hits],
        }


# A raw hit: (score, document position, start, end).
_Raw = tuple[float, int, int, int]


def _exact(project: SearchSource, index: CorpusIndex, query: str, accents: bool) -> list[_Raw]:
    needle = fold_query(query, accents=accents)
    if not accents:
        # folded from the stored texts (the index keeps them folded blind to accents)
        index.prefetch(project, range(len(index.documents)), containers=False)
    out: list[_Raw] = []
    for d, doc in enumerate(index.documents):
        out.extend((100.0, d, s.start, s.end) for s in exact_spans(doc.folded_as(accents), needle))
    return out


def _words(project: SearchSource, index: CorpusIndex, query: str, accents: bool) -> list[_Raw]:
    words = list(dict.fromkeys(regex.findall(r"\w+", fold_query(query, accents=accents))))
    if not words:
        raise SearchError(f"no word to search in {query!r}")
    patterns = [regex.compile(rf"(?<!\w){regex.escape(w)}(?!\w)") for w in words]
    if not accents:
        index.prefetch(project, range(len(index.documents)), containers=False)
    # the containers of every document the first word is in (stored: their bounds)
    first = patterns[0]
    index.prefetch(
        project,
        (d for d, doc in enumerate(index.documents) if first.search(doc.folded_as(accents).text)),
        texts=not accents,
    )
    out: list[_Raw] = []
    for d, doc in enumerate(index.documents):
        folded = doc.folded_as(accents)
        # per unit (by its start), the first occurrence of each word
        found: dict[int, dict[int, Span]] = {}
        starts = doc.bounds()[0]
        for w, pattern in enumerate(patterns):
            for m in pattern.finditer(folded.text):
                span = folded.span(m.start(), m.end())
                j = doc.container_index(span.start, span.end)
                key = -1 if j is None else starts[j]
                found.setdefault(key, {}).setdefault(w, span)
            if w == 0 and not found:
                break
        for spans in found.values():
            if len(spans) < len(words):
                continue
            start = min(s.start for s in spans.values())
            end = max(s.end for s in spans.values())
            # words close together rank before words scattered over a long turn
            score = 100.0 * sum(s.end - s.start for s in spans.values()) / (end - start)
            out.append((min(score, 100.0), d, start, end))
    return out


_WORD = regex.compile(r"\w+")


def query_lemmas(
    project: SearchSource, index: CorpusIndex, query: str, lemmatize: Lemmatizer | None
) -> list[str]:
    """The (folded) lemmas of a query, from the corpus when it knows every word: a word
    the corpus holds with one lemma (``intranets``) stands for that lemma, a word it
    does not hold as a form but holds as a lemma (an infinitive, ``dématérialiser``)
    for itself; so that the language model is not loaded. Otherwise (a word it does
    not know, one it gave several lemmas, one spaCy would split, ``l'intranet``) the
    lemmas ``lemmatize`` finds."""
    words = query.split()
    if words and all(_WORD.fullmatch(w) for w in words):
        forms = [fold_query(w) for w in words]
        known = index.form_lemmas(project, forms)
        bare = index.known_lemmas(project, [f for f in forms if f not in known])
        if all(len(known.get(f, ())) == 1 or f in bare for f in forms):
            return [next(iter(known[f])) if f in known else f for f in forms]
    if lemmatize is None:
        raise SearchError("the lemma search needs the French language model")
    # folded and spelt as encode_lemmas stores them (a space inside a lemma is "_")
    cache: dict[str, str] = {}
    return [
        fold_lemma("_".join(lemma.split()), cache) for lemma in lemmatize(query) if lemma.strip()
    ]


def _lemma(
    project: SearchSource, index: CorpusIndex, query: str, lemmatize: Lemmatizer | None
) -> list[_Raw]:
    lemmas = query_lemmas(project, index, query, lemmatize)
    if not lemmas:
        raise SearchError(f"no word to search in {query!r}")
    # several lemmas: the words in that order, one after the other, in one sentence
    return [(100.0, d, start, end) for d, start, end in index.lemma_spans(project, lemmas)]


def _regex(project: SearchSource, index: CorpusIndex, query: str, timeout: float) -> list[_Raw]:
    pattern = compile_regex(query)
    # a regular expression runs on the stored texts: every one, read at once
    index.prefetch(project, range(len(index.documents)), containers=False)
    deadline = time.monotonic() + timeout
    out: list[_Raw] = []
    for d, doc in enumerate(index.documents):
        left = deadline - time.monotonic()
        if left <= 0:
            raise SearchError(
                f"the regular expression {query!r} took longer than {timeout:g} s "
                "and was stopped; make it simpler"
            )
        out.extend((100.0, d, s.start, s.end) for s in regex_spans(pattern, doc.text, timeout=left))
    return out


def _fuzzy(project: SearchSource, index: CorpusIndex, query: str, threshold: float) -> list[_Raw]:
    # rapidfuzz loads for this mode only: the others start without it
    from rapidfuzz import fuzz, process

    needle = fold_query(" ".join(query.split()))
    if not needle:
        raise SearchError("the query is empty")
    texts, where = index.fuzzy_choices(project)
    out: list[_Raw] = []
    found = process.extract(
        needle, texts, scorer=fuzz.partial_ratio, score_cutoff=threshold, limit=None
    )
    index.prefetch(project, (where[i][0] for _, _, i in found), containers=False)
    for _, score, i in found:
        d, unit_start, unit_end = where[i]
        doc = index.documents[d]
        piece = doc.text[unit_start:unit_end]
        alignment = fuzz.partial_ratio_alignment(needle, texts[i])
        if alignment is None or alignment.dest_end <= alignment.dest_start:
            continue
        span = fold_text(piece).span(alignment.dest_start, alignment.dest_end)
        start, end = _whole_words(piece, span.start, span.end)
        out.append((float(score), d, unit_start + start, unit_start + end))
    return out


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    # A partial match may begin or end inside a word: widen it to the whole words.
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return start, end


def _code_spans(project: SearchSource, code_path: str) -> dict[int, list[tuple[int, int]]]:
    codes = project.codes()
    code = codebook.resolve_path(codes, code_path)
    ids = {c.id for c in codes if c.path[: len(code.path)] == code.path}
    spans: dict[int, list[tuple[int, int]]] = {}
    for coding in project.codings_bulk():
        if coding.code_id in ids:
            spans.setdefault(coding.document_id, []).append((coding.start, coding.end))
    for value in spans.values():
        value.sort()
    return spans


def _inside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    # the coding that holds it starts at or before it; check those that reach far enough
    while i >= 0:
        s, e = spans[i]
        if s <= start and end <= e:
            return True
        i -= 1
    return False


def _parse_cases(items: Iterable[str]) -> dict[str, str]:
    wanted: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise SearchError(f"{item!r}: expected KEY=VALUE, e.g. type_collectivite=Région")
        wanted[fold(key.strip())] = fold(value.strip())
    return wanted


def _case_matches(case: Case | None, wanted: dict[str, str]) -> bool:
    if case is None:
        return False
    have = {fold(k): fold(str(v)) for k, v in case.attributes.items() if v is not None}
    return all(have.get(k) == v for k, v in wanted.items())


_SPACES = regex.compile(r"\s+")


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    # Runs of spaces and newlines become one space; the space next to the hit stays,
    # so that "l'intranet" is not shown as "l' intranet".
    before = _SPACES.sub(" ", text[max(0, start - CONTEXT) : start]).lstrip()
    after = _SPACES.sub(" ", text[end : end + CONTEXT]).rstrip()
    return before, after


def search_corpus(
    project: SearchSource,
    query: str,
    mode: str = "exact",
    *,
    filters: SearchFilters | None = None,
    limit: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    accent_blind: bool = True,
    lemmatize: Lemmatizer | None = None,
    regex_timeout: float = REGEX_TIMEOUT,
    stored_index: bool = True,
) -> SearchResult:
    """Search the whole project (or what ``filters`` keep) for ``query``.

    Hits are ranked by score (best first), then in document order and text order;
    ``limit`` keeps the first ones, ``total`` says how many there were. ``exact``
    and ``words`` are blind to case, and to accents unless ``accent_blind`` is False. Raises
    SearchError for a query that cannot be searched (an empty one, a bad or too slow
    regular expression) and NotFound for a code or document that does not exist.

    The search reads the index the store keeps (see codage.services.search.index);
    ``stored_index`` False reads the documents themselves instead, the reference the
    stored index is tested against. A lemma query whose words the corpus knows is
    lemmatised from the corpus; ``lemmatize`` (the language model) serves the others.
    """
    if mode not in MODES:
        raise SearchError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
    if not query.strip():
        raise SearchError("the query is empty")
    if not 0 <= threshold <= 100:
        raise SearchError(f"the threshold is a score from 0 to 100, not {threshold:g}")
    filters = filters or SearchFilters()
    wanted_cases = _parse_cases(filters.cases)
    index = corpus_index(project, stored=stored_index)
    only: set[int] | None = None
    if filters.documents:
        only = {resolve_document(project, name).id for name in filters.documents}
    coded = _code_spans(project, filters.code) if filters.code else None

    if mode == "exact":
        raw = _exact(project, index, query, accent_blind)
    elif mode == "words":
        raw = _words(project, index, query, accent_blind)
    elif mode == "lemma":
        raw = _lemma(project, index, query, lemmatize)
    elif mode == "regex":
        raw = _regex(project, index, query, regex_timeout)
    else:
        raw = _fuzzy(project, index, query, threshold)

    kept: list[_Raw] = []
    cases = _Cases(project, index)
    index.prefetch(project, {hit[1] for hit in raw}, texts=False, containers=False, cases=True)
    for hit in raw:
        doc = index.documents[hit[1]]
        if only is not None and doc.info.id not in only:
            continue
        if coded is not None and not _inside(coded.get(doc.info.id, []), hit[2], hit[3]):
            continue
        if wanted_cases:
            case = cases.of(doc, hit[2], hit[3])
            if not _case_matches(case, wanted_cases):
                continue
        kept.append(hit)
    filtered_out = len(raw) - len(kept)
    kept.sort(key=lambda h: (-h[0], h[1], h[2], h[3]))
    shown = kept if limit is None else kept[: max(limit, 0)]
    spans: dict[int, list[tuple[int, int]]] = {}
    for _, d, start, end in shown:
        spans.setdefault(d, []).append((start, end))
    index.prefetch(project, spans, hits=spans)
    hits = [_hit(cases, index.documents[d], s, e, score) for score, d, s, e in shown]
    return SearchResult(query, mode, hits, len(kept), filtered_out)


class _Cases:
    """The case of a passage, per document, for one search: the links read once per
    process (see CorpusIndex.unit_case_names), the cases and attributes read now."""

    def __init__(self, project: SearchSource, index: CorpusIndex) -> None:
        self.project = project
        self.index = index
        self._by_name: dict[str, Case] | None = None
        self._finders: dict[int, Callable[[Span], Case | None]] = {}

    def of(self, doc: DocumentIndex, start: int, end: int) -> Case | None:
        finder = self._finders.get(doc.position)
        if finder is None:
            if self._by_name is None:
                self._by_name = {c.name: c for c in self.project.cases()}
            names = self.index.unit_case_names.get(doc.position)
            if names is None:
                names = {
                    unit_id: case.name
                    for unit_id, case in self.project.unit_cases(doc.info.id).items()
                }
                self.index.unit_case_names[doc.position] = names
            by_name = self._by_name
            unit_cases = {u: by_name[n] for u, n in names.items() if n in by_name}
            own = by_name.get(doc.info.case) if doc.info.case else None
            finder = self._finders[doc.position] = case_locator(
                doc.case_units(unit_cases), unit_cases, own
            )
        return finder(Span(start, end))


def _hit(
    cases: _Cases,
    doc: DocumentIndex,
    start: int,
    end: int,
    score: float,
) -> SearchHit:
    unit = doc.container_at(start, end)
    before, after = _context(doc.text, start, end)
    return SearchHit(
        document_id=doc.info.id,
        document=doc.info.name,
        start=start,
        end=end,
        text=doc.text[start:end],
        score=score,
        before=before,
        after=after,
        unit=unit,
        speaker=None if unit is None else unit.speaker,
        case=cases.of(doc, start, end),
    )
