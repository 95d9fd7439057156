"""Sentences and lemmas with spaCy's French model, in the lean import pipeline.

The pipeline keeps what sentences and lemmas need (tok2vec, morphologizer,
senter, attribute_ruler, lemmatizer) and excludes the parser and NER, which
would triple the cost for nothing the import uses. ``fr_core_news_sm`` ships a
``senter`` disabled by default (the parser normally sets sentence boundaries);
it is enabled here.

The senter alone splits inside names and dates ("Marine | Le Pen", "depuis
août 2024 | DiaLog utilise"), before dashes and after ellipses that go on in
lower case. Measured against a hand-marked gold set (``benchmarks/data/
sentences-gold.txt``, ``benchmarks/sentences_bench.py``), punctuation rules on
top of it did better than both the senter and the full parser, at the senter's
speed: see :func:`sentence_starts`.

spaCy runs on the text of each paragraph, turn, heading or answer (split at
blank lines, the label of a turn left out), never on the whole document, so a
sentence never crosses a unit and its offsets map back exactly.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Generic, TypeVar

from codage.domain import NewDocument, Unit
from codage.ingest.lemmatizer import CachedLemmas, LemmaColumn, index_as_sets
from codage.ingest.model_process import (
    MODEL_BATCH,
    ModelPool,
    Row,
    background_started,
    can_fork,
    rows_of,
)
from codage.ingest.speakers import content_offset
from codage.limits import MAX_ANALYSIS_CHUNK

if TYPE_CHECKING:
    from spacy.language import Language

K = TypeVar("K")

MODEL = "fr_core_news_sm"
LEAN_EXCLUDE = ("parser", "ner")
CONTAINER_KINDS = frozenset({"paragraph", "heading", "turn", "answer"})
DEFAULT_BATCH_SIZE = 256
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_KIND_ORDER = {"heading": 0, "turn": 0, "paragraph": 0, "answer": 0, "sentence": 1}

# Words that end with a full stop without ending a sentence (lower-cased, dot included).
ABBREVIATIONS = frozenset(
    [
        "m.",
        "mm.",
        "mme.",
        "mmes.",
        "mlle.",
        "mlles.",
        "dr.",
        "pr.",
        "me.",
        "mgr.",
        "st.",
        "ste.",
        "cf.",
        "p.",
        "pp.",
        "art.",
        "al.",
        "n.",
        "vol.",
        "chap.",
        "éd.",
        "av.",
        "bd.",
        "fig.",
        "env.",
        "hab.",
        "ex.",
        "réf.",
        "tél.",
        "c.-à-d.",
        "cad.",
        "resp.",
        "dir.",
        "adj.",
        "coord.",
        "sq.",
        "suiv.",
        "op.",
        "cit.",
        "ibid.",
        "janv.",
        "févr.",
        "fév.",
        "avr.",
        "juil.",
        "oct.",
        "nov.",
        "déc.",
    ]
)
# A sentence ends with . ? ! … (or ...), possibly followed by closing quotes or brackets.
_TERMINAL = re.compile(r"(\.\.\.|[.?!…]+)(?:\s*[»\"”’)\]])*\s*$")
_LAST_WORD = re.compile(r"(\S+)\s*$")
_INITIALS = re.compile(r"(?:[A-ZÀ-Ý]\.-?)*[A-ZÀ-Ý]")
_OPENERS = frozenset('«"“([—–-¿¡')
_ENDINGS = frozenset('.?!…»"”’)]')


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The lean French pipeline, loaded once per process."""
    import spacy

    try:
        nlp = spacy.load(MODEL, exclude=list(LEAN_EXCLUDE))
    except OSError as exc:
        raise RuntimeError(
            f"the French spaCy model {MODEL} is not installed: python -m spacy download {MODEL}"
        ) from exc
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    elif "senter" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")
    if "lemmatizer" in nlp.pipe_names:
        lemmatizer = nlp.get_pipe("lemmatizer")
        if getattr(lemmatizer, "mode", None) == "rule":
            index_as_sets(lemmatizer)
            lemmatizer.lemmatize = CachedLemmas(lemmatizer.rule_lemmatize)  # type: ignore[attr-defined]
            # nlp.pipe takes a component's own ``pipe`` when it has one: this one
            # reads and writes the lemma column as an array (nlp(text) is unchanged)
            lemmatizer.pipe = LemmaColumn(lemmatizer)  # type: ignore[attr-defined]
    return nlp


def chunks(document: NewDocument) -> list[tuple[int, int, Unit]]:
    """``(start, end, container)`` stretches of text that spaCy reads, in document order."""
    text = document.text
    out: list[tuple[int, int, Unit]] = []
    for unit in document.units:
        if unit.kind not in CONTAINER_KINDS:
            continue
        start = unit.start
        if unit.speaker is not None or unit.timestamp is not None:
            line_end = text.find("\n", unit.start, unit.end)
            line = text[unit.start : line_end if line_end != -1 else unit.end]
            start = unit.start + content_offset(line, unit.speaker)
        pos = start
        for match in [*_BLANK_LINES.finditer(text, start, unit.end), None]:
            end = match.start() if match is not None else unit.end
            out.extend((s, e, unit) for s, e in _split_long(text, pos, end))
            if match is not None:
                pos = match.end()
    return out


# Where a long stretch may be cut for analysis, best first: after a sentence's end
# followed by what starts one, at a line break, at a space.
_SENTENCE_END = re.compile(r"[.?!…][»\"”’)\]]*\s+(?=[«\"“(\[—–-]?\s*[A-ZÀ-Ý0-9])")


def _cut(text: str, start: int, limit: int) -> int:
    """The safest place to end a piece of ``text[start:limit]`` (a long block for spaCy)."""
    window = text[start:limit]
    # Only the second half: cutting early would make many tiny pieces.
    half = len(window) // 2
    for match in reversed(list(_SENTENCE_END.finditer(window, half))):
        # "M. Garnier", "cf. p. 3", "J.-P. Martin" end no sentence.
        word = window[: match.start() + 1].rsplit(None, 1)[-1].lower()
        if word not in ABBREVIATIONS and not _INITIALS.fullmatch(word.rstrip(".").upper()):
            return start + match.end()
    for separator in ("\n", " "):
        cut = text.rfind(separator, start + half, limit)
        if cut > start:
            return cut
    return limit


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Strip a stretch and cut it into pieces of at most MAX_ANALYSIS_CHUNK characters.

    spaCy holds a batch of pieces in memory at once: a 5 MB line given whole
    (or in pieces of 100,000 characters) made a batch of gigabytes. Pieces end
    after a sentence where one ends in reach, else at a line break or a space,
    so the cut never falls inside a sentence a reader would see.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    out = []
    while end - start > MAX_ANALYSIS_CHUNK:
        cut = _cut(text, start, start + MAX_ANALYSIS_CHUNK)
        piece_end = cut
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        out.append((start, piece_end))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out


def add_sentences(
    documents: Sequence[NewDocument],
    *,
    n_process: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    nlp: Language | None = None,
) -> list[NewDocument]:
    """The documents with ``sentence`` units (carrying lemmas) added inside their units.

    Sentence units inherit the speaker of their turn. Lemmas are lower-cased, and
    punctuation and spaces are left out; offsets are relative to the document.
    """
    processes = n_process if sum(len(chunks(d)) for d in documents) >= 2 * batch_size else 1
    stream = stream_sentences(
        ((i, d) for i, d in enumerate(documents)),
        n_process=processes,
        batch_size=batch_size,
        nlp=nlp,
    )
    return [document for _, document in stream]


def stream_sentences(
    documents: Iterable[tuple[K, NewDocument]],
    *,
    n_process: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    nlp: Language | None = None,
) -> Iterator[tuple[K, NewDocument]]:
    """Add sentences to documents as they come, yielding each one, in order, once done.

    The whole document is held with its units: see :func:`stream_units` to write
    the units of a long document as they come.
    """
    for key, document, units in stream_units(
        documents, n_process=n_process, batch_size=batch_size, nlp=nlp
    ):
        ordered = list(units)
        yield (
            key,
            replace(
                document,
                units=[u for u, _ in ordered],
                unit_cases={i: case for i, (_, case) in enumerate(ordered) if case is not None},
            ),
        )


class AnalysisError(Exception):
    """The language model failed: every document not yet analysed fails with it."""


def stream_units(
    documents: Iterable[tuple[K, NewDocument]],
    *,
    n_process: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    nlp: Language | None = None,
) -> Iterator[tuple[K, NewDocument, Iterator[tuple[Unit, str | None]]]]:
    """Each document, in order, with an iterator over its units as the model reads it.

    The units come in their final order (``position`` set): the document's own
    units (turns, paragraphs, answers...) each followed by the sentences found
    in it, with the case each belongs to (``unit_cases``) or None. One
    ``nlp.pipe`` runs over the whole stream, so worker processes start once for
    an import of any size; ``documents`` is consumed lazily, as the model asks
    for more text. A document's units must be consumed (or abandoned) before
    the next document is asked for; abandoned units are skipped. A failure of
    the model is raised as :class:`AnalysisError` from the units' iterator or
    from this one.
    """
    stream = _UnitStream(documents, n_process=n_process, batch_size=batch_size, nlp=nlp)
    return stream.documents()


@dataclass(slots=True)
class _Doc(Generic[K]):
    """A document fed to the model, and how far its units have been handed out."""

    key: K
    document: NewDocument
    # its own units in final order, with their index in ``document.units``
    own: list[tuple[int, Unit]]
    chunks_left: int
    # nested own units cannot interleave with sentences in one pass: such a
    # document's sentences are gathered, and its units handed out at the end
    nested: bool
    next_own: int = 0
    position: int = 0
    sentences: list[Unit] = field(default_factory=list)


class _UnitStream(Generic[K]):
    def __init__(
        self,
        documents: Iterable[tuple[K, NewDocument]],
        *,
        n_process: int,
        batch_size: int,
        nlp: Language | None,
    ) -> None:
        self._documents = documents
        self._fed: deque[_Doc[K]] = deque()
        # where each text fed to the model comes from, in feeding order: the model
        # gives the results back in that order (passing these as spaCy "contexts"
        # would serialise them with every doc, which costs more than the analysis)
        self._sources: deque[tuple[_Doc[K], int, int, Unit]] = deque()
        self._results = _analyse(self._feed(), n_process=n_process, batch_size=batch_size, nlp=nlp)
        # (doc, unit, case) to hand out, or (doc, None, None) when a document is done
        self._ready: deque[tuple[_Doc[K], Unit | None, str | None]] = deque()
        self._finished = False

    def _feed(self) -> Iterator[str]:
        for key, document in self._documents:
            own = sorted(
                ((i, u) for i, u in enumerate(document.units) if u.kind != "sentence"),
                key=lambda t: (t[1].start, -t[1].end, _KIND_ORDER.get(t[1].kind, 2)),
            )
            nested = any(b.start < a.end for (_, a), (_, b) in itertools.pairwise(own))
            pieces = chunks(document)
            state = _Doc(key, document, own, len(pieces), nested)
            self._fed.append(state)
            for start, end, container in pieces:
                self._sources.append((state, start, end, container))
                yield document.text[start:end]

    def _advance(self) -> bool:
        """Read one more result of the model into ``_ready``; False at the end."""
        if self._finished:
            return False
        try:
            rows = next(self._results)
        except StopIteration:
            self._finished = True
            while self._fed:
                self._close(self._fed.popleft())
            return bool(self._ready)
        except AnalysisError:
            raise
        except Exception as exc:
            self._finished = True
            raise AnalysisError(str(exc) or type(exc).__name__) from exc
        state, start, end, container = self._sources.popleft()
        # every document fed before this one is complete
        while self._fed[0] is not state:
            self._close(self._fed.popleft())
        text = state.document.text[start:end]
        sentences = _sentence_units(rows, start, container, text)
        state.chunks_left -= 1
        if state.nested:
            state.sentences.extend(sentences)
        else:
            # the document's own units up to this piece's container, then its sentences
            while state.next_own < len(state.own) and state.own[state.next_own][1].start <= start:
                self._hand_own(state)
            for sentence in sentences:
                self._hand(state, sentence, None)
        return True

    def _hand_own(self, state: _Doc[K]) -> None:
        index, unit = state.own[state.next_own]
        state.next_own += 1
        self._hand(state, unit, state.document.unit_cases.get(index))

    def _hand(self, state: _Doc[K], unit: Unit, case: str | None) -> None:
        # Unit's fields in order, position last: dataclasses.replace reads the class's
        # fields at every call, and this runs for every unit of an import
        u = unit
        placed = Unit(
            u.kind,
            u.start,
            u.end,
            u.speaker,
            u.timestamp,
            u.lemmas,
            u.id,
            u.document_id,
            state.position,
        )
        self._ready.append((state, placed, case))
        state.position += 1

    def _close(self, state: _Doc[K]) -> None:
        if state.nested:
            merged = _with_sentences(state.document, state.sentences)
            for i, unit in enumerate(merged.units):
                self._ready.append((state, unit, merged.unit_cases.get(i)))
        else:
            while state.next_own < len(state.own):
                self._hand_own(state)
        self._ready.append((state, None, None))

    def documents(self) -> Iterator[tuple[K, NewDocument, Iterator[tuple[Unit, str | None]]]]:
        while True:
            while not self._ready:
                if not self._advance():
                    return
            state = self._ready[0][0]
            units = self._units(state)
            yield state.key, state.document, units
            # units the caller left (a document that failed to be written) are skipped
            for _ in units:
                pass

    def _units(self, state: _Doc[K]) -> Iterator[tuple[Unit, str | None]]:
        while True:
            while not self._ready:
                if not self._advance():
                    return
            owner, unit, case = self._ready[0]
            if owner is not state:
                return
            self._ready.popleft()
            if unit is None:
                return
            yield unit, case


def _with_sentences(document: NewDocument, sentences: list[Unit]) -> NewDocument:
    """Merge sentence units in text order, keeping ``unit_cases`` on the same units."""
    tagged: list[tuple[Unit, int | None]] = [
        (u, i) for i, u in enumerate(document.units) if u.kind != "sentence"
    ]
    tagged.extend((u, None) for u in sentences)
    tagged.sort(key=lambda t: (t[0].start, -t[0].end, _KIND_ORDER.get(t[0].kind, 2)))
    new_index = {old: new for new, (_, old) in enumerate(tagged) if old is not None}
    return replace(
        document,
        units=[replace(u, position=i) for i, (u, _) in enumerate(tagged)],
        unit_cases={
            new_index[i]: case for i, case in document.unit_cases.items() if i in new_index
        },
    )


def sentence_starts(text: str, tokens: Sequence[tuple[int, int, bool, bool]]) -> list[int]:
    """Indices of the tokens that start a sentence, the model's guess checked by rules.

    ``tokens`` are ``(offset, length, is_space, model_says_start)`` in order. A
    sentence starts after . ? ! … followed by a capital, a digit or an opening
    quote, bracket or dash, unless the full stop closes an abbreviation, a title or
    an initial (``M.``, ``cf.``, ``J.-P.``); after a full stop followed by a
    lower-case word only where the model also sees a start (survey answers are
    often written without capitals, but "etc. et" or "… rien" go on). Without such
    punctuation a model's start is kept only at a line break before a word that is
    not lower-case: the senter's other splits fell inside names, dates, dashes and
    quotes, far more often than on a true boundary, on the gold set.
    """
    return _starts_of_rows(text, [(o, o + n, None, space, start) for o, n, space, start in tokens])


def _starts_of_rows(text: str, rows: Sequence[Row]) -> list[int]:
    """:func:`sentence_starts` over the model's rows (offset, end, lemma, space, start)."""
    starts = [0] if rows else []
    previous_end = None
    for i, (idx, end, _, is_space, model_start) in enumerate(rows):
        if is_space:
            continue
        # Most tokens follow neither a model's start nor punctuation: decided here,
        # without a call, since this runs for every token of an import.
        if (
            previous_end is not None
            and (model_start or text[previous_end - 1] in _ENDINGS)
            and _starts_sentence(text, previous_end, idx, model_start)
        ):
            starts.append(i)
        previous_end = end
    return starts


def _starts_sentence(text: str, previous_end: int, idx: int, model_start: bool) -> bool:
    """Whether the token at ``idx`` starts a sentence (see :func:`sentence_starts`)."""
    # A short window is enough to see the last word and its punctuation, and keeps
    # the rule linear on long chunks.
    before = text[max(0, previous_end - 40) : previous_end]
    terminal = _TERMINAL.search(before)
    first = text[idx]
    if terminal is None:
        # A line break may end a heading or a list item; a line wrapped inside a
        # sentence (subtitles) goes on in lower case.
        return model_start and "\n" in text[previous_end:idx] and not first.islower()
    mark = terminal.group(1)
    if mark == ".":
        word = _LAST_WORD.search(before[: terminal.start()])
        # "L'art." is "art.": an elided article or pronoun is not part of the word.
        stem = word.group(1).replace("’", "'").rpartition("'")[2] if word is not None else ""
        if (stem + ".").lower() in ABBREVIATIONS or _INITIALS.fullmatch(stem):
            return False
        if first.islower():
            return model_start and stem.lower() != "etc"
    elif first.islower():
        return False
    return first.isupper() or first.isdigit() or first in _OPENERS


def _analyse(
    texts: Iterator[str], *, n_process: int, batch_size: int, nlp: Language | None
) -> Iterator[list[Row]]:
    """The rows of each text, in order: from model processes, or from the model here.

    Several processes, or the one the command line started in the background,
    are processes of the model's own that send rows back (see
    :mod:`codage.ingest.model_process`); this process then never holds the
    model's Docs, nor the model itself if it had not loaded it.
    """
    if nlp is None and can_fork() and (n_process > 1 or background_started()):
        pool = ModelPool.start(n_process)
        try:
            yield from pool.pipe(texts, batch_size)
        finally:
            pool.stop()
        return
    nlp = nlp or load_nlp()
    # the model's batches as in its processes: ``batch_size`` is what is sent to them
    model_batch = min(batch_size, MODEL_BATCH)
    for parsed in nlp.pipe(texts, batch_size=model_batch, n_process=n_process):
        yield rows_of(parsed)


def _sentence_units(rows: list[Row], base: int, container: Unit, text: str) -> list[Unit]:
    """Sentence units with their lemmas. ``text`` is the text spaCy was given."""
    n = len(rows)
    if n == 0:
        return []
    starts = _starts_of_rows(text, rows)
    starts.append(n)
    speaker = container.speaker
    units = []
    for first, stop in itertools.pairwise(starts):
        begin = rows[first][0]
        finish = rows[stop - 1][1]
        piece = text[begin:finish]
        stripped = piece.strip()
        if not stripped:
            continue
        start = base + begin + len(piece) - len(piece.lstrip())
        # encode_lemmas' triples written out here, the lemmas spelt already (rows_of):
        # this runs for every token of an import
        lemmas = " ".join(
            [
                f"{base + idx},{base + end},{word}"
                for idx, end, word, _, _ in rows[first:stop]
                if word is not None
            ]
        )
        units.append(Unit("sentence", start, start + len(stripped), speaker, None, lemmas or None))
    return units


def query_lemmas(text: str) -> list[str]:
    """The lemmas of a typed query, lower-cased, as :func:`_sentence_units` stores those
    of the corpus (punctuation and spaces left out); the model loads on first use."""
    nlp = load_nlp()
    return [
        (token.lemma_ or token.text).lower()
        for token in nlp(" ".join(text.split()))
        if not (token.is_punct or token.is_space)
    ]
