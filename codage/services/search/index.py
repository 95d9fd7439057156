"""What the corpus search reads once per process: each document's text folded for case-
and accent-blind matching, its units, its tokens with their lemmas, and a lemma index.

Built from the store the first time a project is searched and kept while the
documents stay the same (their ids and SHA-256 are the key): the first query pays for
reading the corpus, the following ones only search it. The lemma index and the fuzzy
choices are built on the first query that needs them.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from codage.domain import DocumentInfo, Unit
from codage.services.search.text import FoldedText, fold_text
from codage.store.project import Project

__all__ = [
    "CONTAINER_KINDS",
    "CorpusIndex",
    "DocumentIndex",
    "corpus_index",
    "find_lemmas",
]

# The units a hit belongs to, and that the ``words`` mode searches within.
CONTAINER_KINDS = ("answer", "turn", "paragraph", "heading")


@dataclass
class DocumentIndex:
    """One document as the search reads it."""

    info: DocumentInfo
    position: int
    text: str
    folded: FoldedText
    containers: list[Unit]
    container_starts: list[int]
    # read by the first search that needs them (lemma, fuzzy, auto-coding by sentence):
    # three quarters of the units, and most of the cost of reading a corpus
    sentences: list[Unit] | None = None
    # the lemmas of its sentences as stored (see codage.domain.encode_lemmas), until
    # the first lemma search folds them into CorpusIndex.lemma_texts
    packed_lemmas: list[str] = field(default_factory=list)
    _unaccented: dict[bool, FoldedText] = field(default_factory=dict)

    def folded_as(self, accents: bool) -> FoldedText:
        """The text folded blind to accents (the default) or not."""
        if accents:
            return self.folded
        if False not in self._unaccented:
            self._unaccented[False] = fold_text(self.text, accents=False)
        return self._unaccented[False]

    def container_at(self, start: int, end: int) -> Unit | None:
        """The innermost container unit holding ``start`` (a hit between units: the first
        one it overlaps)."""
        i = bisect.bisect_right(self.container_starts, start) - 1
        found: Unit | None = None
        # Containers may nest (a turn holds paragraphs) but never deeply: the few that
        # start at or before ``start`` are enough to find the innermost one holding it.
        for j in range(i, max(i - 8, -1), -1):
            unit = self.containers[j]
            if unit.start <= start < unit.end and (
                found is None or unit.end - unit.start < found.end - found.start
            ):
                found = unit
        if found is None:
            j = bisect.bisect_right(self.container_starts, start)
            if j < len(self.containers) and self.containers[j].start < end:
                found = self.containers[j]
        return found

    def units_of(self, kind: str) -> list[Unit]:
        if kind == "sentence":
            return self.sentences or []
        return [u for u in self.containers if u.kind == kind]


@dataclass
class CorpusIndex:
    """Every document of a project, in the order the project lists them."""

    key: tuple[tuple[int, str], ...]
    documents: list[DocumentIndex]
    # document position -> unit id -> the name of the case linked to that unit (answers
    # of a survey): read once, as the units (links are made at import). The cases'
    # attributes are read at each search, so that `codage case set` is seen at once.
    unit_case_names: dict[int, dict[int, str]] = field(default_factory=dict)
    _lemma_texts: list[str] | None = None
    _fuzzy: tuple[list[str], list[tuple[int, Unit]]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def load_sentences(self, project: Project) -> None:
        """Read the sentences (with their lemmas) of every document, once."""
        with self._lock:
            for doc in self.documents:
                if doc.sentences is None:
                    units = project.units(doc.info.id, ["sentence"], with_lemmas=True)
                    doc.packed_lemmas = [u.lemmas for u in units if u.lemmas]
                    doc.sentences = [replace(u, lemmas=None) for u in units]

    def lemma_texts(self, project: Project) -> list[str]:
        """Per document, the stored lemmas of its sentences folded, one sentence a line
        (see :func:`find_lemmas`)."""
        self.load_sentences(project)
        with self._lock:
            if self._lemma_texts is None:
                self._lemma_texts = [
                    fold_text("\n".join(doc.packed_lemmas)).text for doc in self.documents
                ]
                for doc in self.documents:
                    doc.packed_lemmas = []
            return self._lemma_texts

    def fuzzy_choices(self, project: Project) -> tuple[list[str], list[tuple[int, Unit]]]:
        """The folded text of every sentence (or container, in a document without
        sentences), with where each comes from."""
        self.load_sentences(project)
        with self._lock:
            if self._fuzzy is None:
                texts: list[str] = []
                where: list[tuple[int, Unit]] = []
                for d, doc in enumerate(self.documents):
                    units = doc.sentences or doc.containers
                    for unit in units:
                        if doc.folded.back is None:
                            texts.append(doc.folded.text[unit.start : unit.end])
                        else:
                            texts.append(fold_text(doc.text[unit.start : unit.end]).text)
                        where.append((d, unit))
                self._fuzzy = (texts, where)
            return self._fuzzy


def _document_index(project: Project, info: DocumentInfo, position: int) -> DocumentIndex:
    text = project.document(info.id).text
    containers = sorted(project.units(info.id, CONTAINER_KINDS), key=lambda u: (u.start, -u.end))
    return DocumentIndex(
        info=info,
        position=position,
        text=text,
        folded=fold_text(text),
        containers=containers,
        container_starts=[u.start for u in containers],
    )


def find_lemmas(packed: str, lemmas: Sequence[str]) -> list[tuple[int, int]]:
    """The spans of a document where ``lemmas`` follow one another within a sentence.

    ``packed`` holds the ``start,end,lemma`` triples of codage.domain.encode_lemmas, a
    sentence a line. Searched as text (``str.find`` of ``,lemma``, each hit checked and
    its numbers read) rather than decoded into a million tuples: the first lemma search
    of a process then costs no more than the following ones.
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


_CACHE: dict[str, CorpusIndex] = {}
_CACHE_LOCK = threading.Lock()


def corpus_index(project: Project) -> CorpusIndex:
    """The index of a project's documents, read again only when they changed."""
    documents = project.documents()
    key = tuple((d.id, d.sha256) for d in documents)
    location = str(project.engine.url)
    with _CACHE_LOCK:
        cached = _CACHE.get(location)
    if cached is not None and cached.key == key:
        # names may have changed (a rename keeps the text): take them from the store
        for doc, info in zip(cached.documents, documents, strict=True):
            doc.info = info
        return cached
    index = CorpusIndex(
        key=key, documents=[_document_index(project, d, i) for i, d in enumerate(documents)]
    )
    with _CACHE_LOCK:
        # One project at a time is what a person searches; keep memory bounded.
        _CACHE.clear()
        _CACHE[location] = index
    return index
