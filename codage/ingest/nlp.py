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

import contextlib
import itertools
import re
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Generic, TypeVar

from codage.domain import NewDocument, Unit, encode_lemmas
from codage.ingest.speakers import content_offset
from codage.limits import MAX_ANALYSIS_CHUNK

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from spacy.language import Language
    from spacy.tokens import Doc

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
            lemmatizer.lemmatize = _CachedLemmas(lemmatizer.rule_lemmatize)  # type: ignore[attr-defined]
    return nlp


class _CachedLemmas:
    """Memoise the French rule lemmatizer on (word, part of speech).

    spaCy's French lemmatizer caches only words found in its index and walks
    its whole suffix-rule list for every other token, which made lemmas the
    largest cost of an import. The result depends on nothing but the word and
    its part of speech, so a full cache changes no lemma.
    """

    def __init__(self, lemmatize: object) -> None:
        self._lemmatize = lemmatize
        self._cache: dict[tuple[int, int], list[str]] = {}

    def __call__(self, token: object) -> list[str]:
        key = (token.orth, token.pos)  # type: ignore[attr-defined]
        forms = self._cache.get(key)
        if forms is None:
            forms = self._lemmatize(token)  # type: ignore[operator]
            self._cache[key] = forms
        return forms


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

    One ``nlp.pipe`` runs over the whole stream, so worker processes start once
    for an import of any size, and a document can be written while later ones
    are still being read or analysed. ``documents`` is consumed lazily, as spaCy
    asks for more text.
    """
    waiting: deque[_Pending] = deque()
    # Where each text fed to spaCy comes from, in feeding order: nlp.pipe gives the
    # docs back in that order, several processes or not. (Passing these along as
    # spaCy "contexts" would serialise them with every doc, which costs more than
    # the analysis itself with worker processes.)
    sources: deque[tuple[_Pending, int, int, Unit]] = deque()

    def feed() -> Iterator[str]:
        for key, document in documents:
            pieces = chunks(document)
            state = _Pending(key, document, done=not pieces, left=len(pieces))
            waiting.append(state)
            for start, end, container in pieces:
                sources.append((state, start, end, container))
                yield document.text[start:end]

    def ready() -> Iterator[tuple[K, NewDocument]]:
        while waiting and waiting[0].done:
            state = waiting.popleft()
            yield state.key, _with_sentences(state.document, state.sentences)

    for rows in _analyse(feed(), n_process=n_process, batch_size=batch_size, nlp=nlp):
        state, start, end, container = sources.popleft()
        text = state.document.text[start:end]
        state.sentences.extend(_sentence_units(rows, start, container, text))
        state.left -= 1
        if state.left == 0:
            state.done = True
        yield from ready()
    # documents without any text to analyse, after the last analysed one
    for state in waiting:
        state.done = True
    yield from ready()


@dataclass(slots=True)
class _Pending(Generic[K]):
    key: K
    document: NewDocument
    done: bool = False
    left: int = 0
    sentences: list[Unit] = field(default_factory=list)


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
    starts = [0] if tokens else []
    previous_end = None
    for i, (idx, length, is_space, model_start) in enumerate(tokens):
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
        previous_end = idx + length
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


# One token as the import reads it: offset and length in the analysed text, lemma,
# punctuation, space, and whether the model starts a sentence there.
Row = tuple[int, int, str, bool, bool, bool]


def _rows(parsed: Doc) -> list[Row]:
    """The tokens of an analysed text, read from the Doc's arrays.

    Walking Token objects one by one cost as much as half of spaCy's own work
    on a large import; the arrays give the same offsets and lemmas at a
    fraction of it. Plain tuples also cross a pipe from the model's process.
    """
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH, SENT_START

    if len(parsed) == 0:
        return []
    table = parsed.to_array([IDX, LENGTH, LEMMA, IS_PUNCT, IS_SPACE, SENT_START]).tolist()
    strings = parsed.vocab.strings
    return [
        (idx, length, strings[lemma] if lemma else "", bool(punct), bool(space), start == 1)
        for idx, length, lemma, punct, space, start in table
    ]


def _analyse(
    texts: Iterator[str], *, n_process: int, batch_size: int, nlp: Language | None
) -> Iterator[list[Row]]:
    """The rows of each text, in order: from the model started in the background, or here."""
    if nlp is None:
        background = _background_model()
        if background is not None and n_process == 1:
            yield from background.pipe(texts, batch_size)
            return
        if background is not None:
            # Several processes fork from this one, which needs the model itself.
            background.stop()
        nlp = load_nlp()
    for parsed in nlp.pipe(texts, batch_size=batch_size, n_process=n_process):
        yield _rows(parsed)


def _sentence_units(rows: list[Row], base: int, container: Unit, text: str) -> list[Unit]:
    """Sentence units with their lemmas. ``text`` is the text spaCy was given."""
    n = len(rows)
    if n == 0:
        return []
    starts = sentence_starts(text, [(r[0], r[1], r[4], r[5]) for r in rows])
    starts.append(n)
    units = []
    for first, stop in itertools.pairwise(starts):
        begin = rows[first][0]
        finish = rows[stop - 1][0] + rows[stop - 1][1]
        piece = text[begin:finish]
        stripped = piece.strip()
        if not stripped:
            continue
        start = base + begin + len(piece) - len(piece.lstrip())
        end = start + len(stripped)
        tokens = []
        for idx, length, lemma, is_punct, is_space, _ in rows[first:stop]:
            if is_punct or is_space:
                continue
            tokens.append(
                (base + idx, base + idx + length, (lemma or text[idx : idx + length]).lower())
            )
        lemmas = encode_lemmas(tokens)
        units.append(Unit("sentence", start, end, speaker=container.speaker, lemmas=lemmas or None))
    return units


# The model loaded in a process of its own while this one starts (issue 9).
_BACKGROUND: list[_ModelProcess] = []


def start_model_in_background() -> None:
    """Start loading the model in a forked process, if this one has not loaded it.

    Loading the French model takes seconds of one core, and starting an import
    (the database layer, the readers, the project) takes most of a second more
    on another: the command line calls this first thing when it is asked to
    import, so that the two overlap and a small import costs the model's load
    and little else. Only on Linux, where forking a process that has started no
    thread is safe; elsewhere, and for imports large enough to use several
    processes, the model is loaded here as before.
    """
    if _BACKGROUND or load_nlp.cache_info().currsize or not sys.platform.startswith("linux"):
        return
    import multiprocessing

    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs,), name="codage-model", daemon=True)
    process.start()
    theirs.close()
    _BACKGROUND.append(_ModelProcess(process, ours))


def _background_model() -> _ModelProcess | None:
    return _BACKGROUND[0] if _BACKGROUND else None


def _serve(connection: Connection) -> None:
    """The model's process: load it, then analyse each batch of texts sent."""
    import signal

    # Ctrl-C is for the command, which stops this process on its way out.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        nlp = load_nlp()
    except Exception as exc:
        connection.send(("error", str(exc)))
        return
    connection.send(("ready", None))
    while True:
        try:
            texts = connection.recv()
        except (EOFError, OSError):
            return
        if texts is None:
            return
        try:
            connection.send(("ok", [_rows(parsed) for parsed in nlp.pipe(texts)]))
        except Exception as exc:
            connection.send(("error", f"{type(exc).__name__}: {exc}"))


@dataclass
class _ModelProcess:
    process: BaseProcess
    connection: Connection
    ready: bool = False

    def _receive(self) -> object:
        try:
            status, payload = self.connection.recv()
        except (EOFError, OSError):
            self.stop()
            raise RuntimeError("the language model's process stopped unexpectedly") from None
        if status == "error":
            self.stop()
            raise RuntimeError(str(payload))
        return payload

    def pipe(self, texts: Iterator[str], batch_size: int) -> Iterator[list[Row]]:
        # The first batch is read while the model is still loading.
        while batch := list(itertools.islice(texts, batch_size)):
            if not self.ready:
                self._receive()
                self.ready = True
            self.connection.send(batch)
            yield from self._receive()  # type: ignore[misc]

    def stop(self) -> None:
        if self in _BACKGROUND:
            _BACKGROUND.remove(self)
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(None)
        self.connection.close()
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.kill()
