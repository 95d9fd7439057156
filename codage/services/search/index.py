"""What the corpus search reads once per process: each document's text folded for case-
and accent-blind matching, its units, and its lemmas.

Two ways to get it. By default from the index the store keeps (see
codage.store.search_index): folded texts and sentence bounds are read as they are
stored, a lemma query reads the postings of its lemmas only, and the language model is
loaded only for a query word the corpus does not know. A document whose stored entry
is missing or stale (a project from before the index, an entry of an older format) is
indexed first, and the index persisted, when the project can be written; when it cannot
(read only, an older schema read as it is, another coder's role on a server) or with
``stored=False``, the index is built in memory from the documents themselves, as before
the stored index: the reference the stored index is tested against.

Either is kept while the documents stay the same (their ids and SHA-256 are the key).
Texts and container units are read per document when a hit needs them.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from codage.domain import DocumentInfo, Unit
from codage.folding import FoldedText, fold_text
from codage.store.index_format import CONTAINER_KINDS

if TYPE_CHECKING:
    from codage.store.lite import LiteProject
    from codage.store.project import Project

    # what a search reads: the full store, or a SQLite project read through sqlite3
    SearchSource = Project | LiteProject

__all__ = [
    "CONTAINER_KINDS",
    "CorpusIndex",
    "DocumentIndex",
    "corpus_index",
    "find_lemmas",
    "phrase_spans",
]


@dataclass
class DocumentIndex:
    """One document as the search reads it."""

    info: DocumentInfo
    position: int
    folded: FoldedText
    project: SearchSource
    # the sentences' bounds (start, end, start, end, ...), when known without reading
    # the units (from the stored index)
    sentence_bounds: array[int] | None = None
    # the containers' (start, end, unit id) triples in text order, when known without
    # reading the units (from the stored index)
    container_bounds: array[int] | None = None
    # read by the first search that needs them (autocode by sentence; the lemma and
    # fuzzy searches without a stored index): three quarters of the units
    sentences: list[Unit] | None = None
    # the lemmas of its sentences as stored (see codage.domain.encode_lemmas), for the
    # lemma search without a stored index
    packed_lemmas: list[str] = field(default_factory=list)
    _text: str | None = None
    _containers: list[Unit] | None = None
    _bounds: tuple[list[int], list[int], list[int]] | None = None
    # container units read so far, by id (those hits fell in)
    _units: dict[int, Unit] = field(default_factory=dict)
    _unaccented: dict[bool, FoldedText] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The stored text, read when first needed (a hit's context, a regex)."""
        if self._text is None:
            self._text = self.project.document(self.info.id).text
        return self._text

    @property
    def containers(self) -> list[Unit]:
        """The container units (answers, turns, paragraphs, headings), in text order."""
        if self._containers is None:
            units = self.project.units(self.info.id, CONTAINER_KINDS)
            self._containers = sorted(units, key=lambda u: (u.start, -u.end))
        return self._containers

    def bounds(self) -> tuple[list[int], list[int], list[int]]:
        """The containers' starts, ends and unit ids, in text order."""
        if self._bounds is None:
            if self.container_bounds is not None:
                b = self.container_bounds
                self._bounds = (list(b[0::3]), list(b[1::3]), list(b[2::3]))
            else:
                units = self.containers
                ids = [u.id if u.id is not None else -1 for u in units]
                self._bounds = ([u.start for u in units], [u.end for u in units], ids)
        return self._bounds

    def folded_as(self, accents: bool) -> FoldedText:
        """The text folded blind to accents (the default) or not."""
        if accents:
            return self.folded
        if False not in self._unaccented:
            self._unaccented[False] = fold_text(self.text, accents=False)
        return self._unaccented[False]

    def container_index(self, start: int, end: int) -> int | None:
        """Which container (its place in :meth:`bounds`) holds ``start``: the innermost
        one (a hit between units: the first one it overlaps)."""
        starts, ends, _ = self.bounds()
        i = bisect.bisect_right(starts, start) - 1
        found: int | None = None
        # Containers may nest (a turn holds paragraphs) but never deeply: the few that
        # start at or before ``start`` are enough to find the innermost one holding it.
        for j in range(i, max(i - 8, -1), -1):
            if starts[j] <= start < ends[j] and (
                found is None or ends[j] - starts[j] < ends[found] - starts[found]
            ):
                found = j
        if found is None:
            j = bisect.bisect_right(starts, start)
            if j < len(starts) and starts[j] < end:
                found = j
        return found

    def container_at(self, start: int, end: int) -> Unit | None:
        """The container unit holding ``start`` (see :meth:`container_index`)."""
        j = self.container_index(start, end)
        if j is None:
            return None
        if self._containers is not None:
            return self._containers[j]
        unit_id = self.bounds()[2][j]
        unit = self._units.get(unit_id)
        if unit is None:
            self._units.update(self.project.units_by_id([unit_id]))
            unit = self._units.get(unit_id)
        return unit

    def case_units(self, unit_ids: Iterable[int]) -> list[Unit]:
        """The containers with these ids, as bounds (what locating a case needs)."""
        wanted = set(unit_ids)
        starts, ends, ids = self.bounds()
        return [
            Unit("answer", s, e, id=i)
            for s, e, i in zip(starts, ends, ids, strict=True)
            if i in wanted
        ]

    def units_of(self, kind: str) -> list[Unit]:
        if kind == "sentence":
            return self.sentences or []
        return [u for u in self.containers if u.kind == kind]

    def fuzzy_bounds(self) -> list[tuple[int, int]]:
        """The spans the fuzzy search scores: the sentences, or the containers of a
        document without sentences."""
        if self.sentence_bounds is not None:
            b = self.sentence_bounds
            pairs = [(b[i], b[i + 1]) for i in range(0, len(b), 2)]
        else:
            pairs = [(u.start, u.end) for u in self.sentences or []]
        if pairs:
            return pairs
        starts, ends, _ = self.bounds()
        return list(zip(starts, ends, strict=True))


@dataclass
class CorpusIndex:
    """Every document of a project, in the order the project lists them."""

    key: tuple[tuple[int, str], ...]
    documents: list[DocumentIndex]
    stored: bool = False
    # document position -> unit id -> the name of the case linked to that unit (answers
    # of a survey): read once, as the units (links are made at import). The cases'
    # attributes are read at each search, so that `codage case set` is seen at once.
    unit_case_names: dict[int, dict[int, str]] = field(default_factory=dict)
    _lemma_texts: list[str] | None = None
    _forms: dict[str, set[str]] | None = None
    _fuzzy: tuple[list[str], list[tuple[int, int, int]]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def prefetch(
        self,
        project: SearchSource,
        positions: Iterable[int],
        *,
        texts: bool = True,
        containers: bool = True,
        cases: bool = False,
        hits: dict[int, list[tuple[int, int]]] | None = None,
    ) -> None:
        """Read what hits in these documents need (texts, container units, the cases
        of units), for all of them at once, where not read yet; with ``hits`` (spans
        per document position), only the containers those hits fall in."""
        docs = [self.documents[d] for d in sorted(set(positions))]
        if texts:
            missing = {doc.info.id: doc for doc in docs if doc._text is None}
            for doc_id, text in project.document_texts(missing).items():
                missing[doc_id]._text = text
        if containers:
            # the stored bounds say which unit each hit is in: read only those units
            stored = [doc for doc in docs if doc.container_bounds is not None]
            wanted: set[int] = set()
            for doc in stored:
                for start, end in (hits or {}).get(doc.position, ()):
                    j = doc.container_index(start, end)
                    if j is not None:
                        wanted.add(doc.bounds()[2][j])
            by_id = {doc.info.id: doc for doc in stored}
            read = {i for doc in stored for i in doc._units}
            for unit_id, unit in project.units_by_id(wanted - read).items():
                owner = by_id.get(unit.document_id or -1)
                if owner is not None:
                    owner._units[unit_id] = unit
            missing = {
                doc.info.id: doc
                for doc in docs
                if doc._containers is None and doc.container_bounds is None
            }
            for doc_id, listed in project.units_of_documents(missing, CONTAINER_KINDS).items():
                missing[doc_id]._containers = sorted(listed, key=lambda u: (u.start, -u.end))
        if cases:
            missing = {doc.info.id: doc for doc in docs if doc.position not in self.unit_case_names}
            for doc_id, names in project.unit_case_names(missing).items():
                self.unit_case_names[missing[doc_id].position] = names

    def load_sentences(self, project: SearchSource) -> None:
        """Read the sentences (with their lemmas) of every document, once."""
        with self._lock:
            for doc in self.documents:
                if doc.sentences is None:
                    units = project.units(doc.info.id, ["sentence"], with_lemmas=True)
                    if not self.stored:
                        doc.packed_lemmas = [u.lemmas for u in units if u.lemmas]
                    doc.sentences = [replace(u, lemmas=None) for u in units]

    def lemma_texts(self, project: SearchSource) -> list[str]:
        """Per document, the stored lemmas of its sentences folded, one sentence a line
        (see :func:`find_lemmas`); for the search without a stored index."""
        self.load_sentences(project)
        with self._lock:
            if self._lemma_texts is None:
                self._lemma_texts = [
                    fold_text("\n".join(doc.packed_lemmas)).text for doc in self.documents
                ]
            return self._lemma_texts

    def form_lemmas(self, project: SearchSource, forms: Sequence[str]) -> dict[str, set[str]]:
        """The (folded) lemmas the corpus gave each of these folded word forms."""
        if self.stored:
            return project.form_lemmas(forms)
        # the stored index's builder, which loads the full store: only without that index
        from codage.store.search_index import document_forms

        self.load_sentences(project)
        with self._lock:
            if self._forms is None:
                known: dict[str, set[str]] = {}
                for doc in self.documents:
                    for form, lemma in document_forms(doc.text, doc.packed_lemmas):
                        known.setdefault(form, set()).add(lemma)
                self._forms = known
        return {f: self._forms[f] for f in forms if f in self._forms}

    def known_lemmas(self, project: SearchSource, lemmas: Sequence[str]) -> set[str]:
        """Which of these (folded) lemmas the corpus holds."""
        if self.stored:
            return project.known_lemmas(lemmas)
        self.form_lemmas(project, [])
        assert self._forms is not None
        held = {lemma for found in self._forms.values() for lemma in found}
        return held & set(lemmas)

    def lemma_spans(
        self, project: SearchSource, lemmas: Sequence[str]
    ) -> list[tuple[int, int, int]]:
        """(document position, start, end) of each place where ``lemmas`` (folded, as
        :func:`codage.store.search_index.fold_lemma` folds them) follow one another
        within a sentence."""
        out: list[tuple[int, int, int]] = []
        if self.stored:
            positions = {doc.info.id: doc.position for doc in self.documents}
            for doc_id, postings in project.lemma_postings(lemmas).items():
                d = positions.get(doc_id)
                if d is not None:
                    out.extend((d, start, end) for start, end in phrase_spans(postings, lemmas))
        else:
            for d, packed in enumerate(self.lemma_texts(project)):
                out.extend((d, start, end) for start, end in find_lemmas(packed, lemmas))
        return out

    def fuzzy_choices(self, project: SearchSource) -> tuple[list[str], list[tuple[int, int, int]]]:
        """The folded text of every sentence (or container, in a document without
        sentences), with where each comes from: (document position, start, end)."""
        if not self.stored:
            self.load_sentences(project)
        with self._lock:
            if self._fuzzy is None:
                texts: list[str] = []
                where: list[tuple[int, int, int]] = []
                for d, doc in enumerate(self.documents):
                    for start, end in doc.fuzzy_bounds():
                        if doc.folded.back is None:
                            texts.append(doc.folded.text[start:end])
                        else:
                            texts.append(fold_text(doc.text[start:end]).text)
                        where.append((d, start, end))
                self._fuzzy = (texts, where)
            return self._fuzzy


def phrase_spans(postings: dict[str, array[int]], lemmas: Sequence[str]) -> list[tuple[int, int]]:
    """The spans where ``lemmas`` follow one another, from their postings in one document
    ((ordinal, start, end) triples whose ordinals follow one another within a sentence
    only, see codage.store.search_index.build_entry), in text order."""
    if not lemmas or any(lemma not in postings for lemma in lemmas):
        return []
    first = postings[lemmas[0]]
    if len(lemmas) == 1:
        return [(first[i + 1], first[i + 2]) for i in range(0, len(first), 3)]
    ends = []
    for lemma in lemmas[1:]:
        p = postings[lemma]
        ends.append({p[i]: p[i + 2] for i in range(0, len(p), 3)})
    out: list[tuple[int, int]] = []
    for i in range(0, len(first), 3):
        ordinal = first[i]
        end: int | None = None
        for k, following in enumerate(ends, start=1):
            end = following.get(ordinal + k)
            if end is None:
                break
        if end is not None:
            out.append((first[i + 1], end))
    return out


def find_lemmas(packed: str, lemmas: Sequence[str]) -> list[tuple[int, int]]:
    """The spans of a document where ``lemmas`` follow one another within a sentence.

    ``packed`` holds the ``start,end,lemma`` triples of codage.domain.encode_lemmas, a
    sentence a line. Searched as text (``str.find`` of ``,lemma``, each hit checked and
    its numbers read) rather than decoded into a million tuples. The search without a
    stored index uses it.
    """
    if not lemmas:
        return []
    needle = "," + lemmas[0]
    size = len(packed)
    out: list[tuple[int, int]] = []
    at = packed.find(needle)
    while at >= 0:
        after = at + len(needle)
        if after == size or packed[after] in " \n":
            head = packed[max(packed.rfind(" ", 0, at), packed.rfind("\n", 0, at)) + 1 : at]
            first, comma, last = head.partition(",")
            if comma and first.isdigit() and last.isdigit():
                end: int | None = int(last)
                position = after
                for lemma in lemmas[1:]:
                    if position >= size or packed[position] != " ":
                        end = None  # the sentence ends before the phrase does
                        break
                    stop = _separator(packed, position + 1)
                    parts = packed[position + 1 : stop].split(",", 2)
                    if len(parts) != 3 or parts[2] != lemma:
                        end = None
                        break
                    end, position = int(parts[1]), stop
                if end is not None:
                    out.append((int(first), end))
        at = packed.find(needle, at + 1)
    return out


def _separator(text: str, start: int) -> int:
    found = [i for i in (text.find(" ", start), text.find("\n", start)) if i >= 0]
    return min(found) if found else len(text)


_CACHE: dict[tuple[str, bool], CorpusIndex] = {}
_CACHE_LOCK = threading.Lock()


def corpus_index(project: SearchSource, *, stored: bool = True) -> CorpusIndex:
    """The index of a project's documents, read again only when they changed.

    With ``stored`` (the default) it is read from the store's search index, which is
    brought up to date first (and persisted) when some document's entry is missing or
    stale; it falls back to reading the documents themselves when the project cannot
    hold its index (see the module's docstring), as ``stored=False`` always does.
    """
    documents = project.documents()
    key = tuple((d.id, d.sha256) for d in documents)
    location = (_location(project), stored)
    with _CACHE_LOCK:
        cached = _CACHE.get(location)
    if cached is not None and cached.key == key:
        # names may have changed (a rename keeps the text): take them from the store
        for doc, info in zip(cached.documents, documents, strict=True):
            doc.info = info
        return cached
    index = _stored_index(project, documents, key) if stored else None
    if index is None:
        index = CorpusIndex(
            key=key,
            documents=[_document_index(project, d, i) for i, d in enumerate(documents)],
        )
    with _CACHE_LOCK:
        # One project at a time is what a person searches; keep memory bounded.
        _CACHE.clear()
        _CACHE[location] = index
    return index


def _location(project: SearchSource) -> str:
    # The key of the cache: the full store's URL, or the file a light read opened.
    engine = getattr(project, "engine", None)
    return str(engine.url) if engine is not None else str(getattr(project, "location", ""))


def _stored_index(
    project: SearchSource, documents: list[DocumentInfo], key: tuple[tuple[int, str], ...]
) -> CorpusIndex | None:
    if not project.has_search_index:
        return None
    state = project.search_index_state()
    stale = [d.id for d in documents if state.get(d.id) != d.sha256]
    if stale and not project.index_documents(stale):
        return None
    texts = project.search_texts()
    out: list[DocumentIndex] = []
    for i, info in enumerate(documents):
        entry = texts.get(info.id)
        if entry is None or entry.sha256 != info.sha256:
            return None  # changed meanwhile by another process: read the documents
        out.append(
            DocumentIndex(
                info=info,
                position=i,
                folded=entry.folded,
                project=project,
                sentence_bounds=entry.sentences,
                container_bounds=entry.containers,
            )
        )
    return CorpusIndex(key=key, documents=out, stored=True)


def _document_index(project: SearchSource, info: DocumentInfo, position: int) -> DocumentIndex:
    text = project.document(info.id).text
    return DocumentIndex(
        info=info, position=position, folded=fold_text(text), project=project, _text=text
    )
