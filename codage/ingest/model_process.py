"""The language model in processes of its own, sending back plain rows.

Two costs of an import live here (issue 9, issue 11):

- Loading the French model takes seconds of one core, and starting an import
  (the database layer, the readers, the project) most of a second more. The
  command line calls :func:`start_model_in_background` first thing when asked
  to import, so that the two overlap on two cores and a small import costs the
  model's load and little else.
- With several spaCy processes, spaCy's own ``n_process`` sent every analysed
  Doc back to the importing process, which rebuilt it there and held the model
  too: that process grew by about 20 bytes per character of a long transcript.
  Here each model process sends back only the rows the import reads (offset,
  length, lemma, flags per token), and the importing process never loads the
  model at all.

Processes are forked (Linux only, where forking a process that has started no
thread is safe; elsewhere the model runs in the importing process as before). A
process forked after the model is loaded here has it at once; one forked before
loads it itself. Batches go round the processes in turn, one batch in flight
per process, so that the results come back in the order the texts were given.
"""

from __future__ import annotations

import contextlib
import itertools
import signal
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codage.domain import encode_lemmas

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from spacy.tokens import Doc

# One token as the import reads it: offset and end in the analysed text, its lemma as
# codage.domain.encode_lemmas spells it (None for punctuation and spaces, which the
# lemmas leave out), space, and whether the model starts a sentence there.
Row = tuple[int, int, str | None, bool, bool]

# Texts the model takes at once, in its process or in the importing one: the network's
# activations for a batch are held together, about 150 MB for 256 pieces of text of
# 1,000 characters, far less for 64; and 64 cost less CPU too (on the import bench's
# varied text, 10.7-10.9 s for 64 against 11.6 s for 128 and 11.7-12.5 s for 256; 32
# and 16 no less than 64).
MODEL_BATCH = 64

# Model processes started ahead of the import that will use them.
_STARTED: list[ModelProcess] = []


def rows_of(parsed: Doc) -> list[Row]:
    """The tokens of an analysed text, read from the Doc's arrays.

    Walking Token objects one by one cost as much as half of spaCy's own work
    on a large import; the arrays give the same offsets and lemmas at a
    fraction of it, as plain tuples that cross a pipe cheaply. Each lemma (or,
    for a word without one, the word) is spelt once per process, by its hash:
    a corpus has far fewer distinct lemmas than tokens.
    """
    from spacy.attrs import (
        IDX,
        IS_PUNCT,
        IS_SPACE,
        LEMMA,
        LENGTH,
        ORTH,
        SENT_START,
    )

    if len(parsed) == 0:
        return []
    table = parsed.to_array([IDX, LENGTH, LEMMA, ORTH, IS_PUNCT, IS_SPACE, SENT_START]).tolist()
    strings = parsed.vocab.strings
    spelt = _SPELT
    rows: list[Row] = []
    append = rows.append
    for idx, length, lemma, orth, punct, space, start in table:
        if punct or space:
            append((idx, idx + length, None, space == 1, start == 1))
            continue
        # a token without a lemma is taken as its own word (its orth is its text)
        key = lemma or orth
        word = spelt.get(key)
        if word is None:
            word = spelt[key] = spell_lemma(strings[key].lower())
        append((idx, idx + length, word, False, start == 1))
    return rows


# A lemma's (or word's) hash -> its spelling in a unit's lemmas, in this process.
_SPELT: dict[int, str] = {}


def spell_lemma(lemma: str) -> str:
    """``lemma`` as :func:`codage.domain.encode_lemmas` writes it in a unit's lemmas
    (spaces as ``_``, an empty lemma as ``_``)."""
    return encode_lemmas([(0, 0, lemma)]).split(",", 2)[2]


def can_fork() -> bool:
    return sys.platform.startswith("linux")


def background_started() -> bool:
    return bool(_STARTED)


def start_model_in_background() -> None:
    """Start loading the model in a forked process, if none is started and this one has not."""
    from codage.ingest.nlp import load_nlp

    if _STARTED or load_nlp.cache_info().currsize or not can_fork():
        return
    _STARTED.append(ModelProcess.fork())


def start_model_processes(n_process: int) -> None:
    """Fork the model processes an import of several will need, before it reads any file.

    A process forked later would share the pages of the files read so far with
    this one, and copy them as Python touches them: forked first, it holds only
    the model.
    """
    if n_process <= 1 or not can_fork():
        return
    while len(_STARTED) < n_process:
        _STARTED.append(ModelProcess.fork())


def stop_unused_model_processes() -> None:
    """Stop model processes that were started for an import that did not need them."""
    for process in list(_STARTED):
        process.stop()


def _serve(connection: Connection, importer_end: Connection) -> None:
    """A model process: load the model (at once if forked after it), then analyse batches."""
    # The importing process's end of the pipe, a copy of which the fork gave this one:
    # held here, it kept this process waiting for a batch for ever once the import was
    # killed (its end closed, the pipe would not end while this copy was open).
    importer_end.close()
    # Ctrl-C is for the command, which stops this process on its way out.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from codage.ingest.nlp import load_nlp

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
            parsed = nlp.pipe(texts, batch_size=MODEL_BATCH)
            reply: tuple[str, object] = ("ok", [rows_of(doc) for doc in parsed])
        except Exception as exc:
            reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            connection.send(reply)
        except OSError:  # the import is gone (killed, interrupted): no one to answer
            return


@dataclass
class ModelProcess:
    process: BaseProcess
    connection: Connection
    ready: bool = False

    @classmethod
    def fork(cls) -> ModelProcess:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_serve, args=(theirs, ours), name="codage-model", daemon=True
        )
        process.start()
        theirs.close()
        return cls(process, ours)

    def send(self, batch: list[str]) -> None:
        if not self.ready:
            self.receive()  # the model's "ready" (or its error)
            self.ready = True
        self.connection.send(batch)

    def receive(self) -> list[list[Row]]:
        try:
            status, payload = self.connection.recv()
        except (EOFError, OSError):
            self.stop()
            raise RuntimeError("the language model's process stopped unexpectedly") from None
        if status == "error":
            self.stop()
            raise RuntimeError(str(payload))
        return payload  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self in _STARTED:
            _STARTED.remove(self)
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(None)
        self.connection.close()
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=1)


@dataclass
class ModelPool:
    processes: list[ModelProcess] = field(default_factory=list)

    @classmethod
    def start(cls, n_process: int) -> ModelPool:
        """The processes started in the background, and as many more as ``n_process`` asks."""
        processes = list(_STARTED)
        _STARTED.clear()
        pool = cls(processes)
        try:
            while len(pool.processes) < max(1, n_process):
                pool.processes.append(ModelProcess.fork())
        except Exception:
            pool.stop()
            raise
        return pool

    def pipe(self, texts: Iterator[str], batch_size: int) -> Iterator[list[Row]]:
        """The rows of each text, in order; texts are read only as the processes need them."""
        in_flight: deque[ModelProcess] = deque()
        turn = itertools.cycle(self.processes)
        exhausted = False

        def fill() -> None:
            # Each free process gets the next batch (the first is read while the
            # model may still be loading).
            nonlocal exhausted
            while not exhausted and len(in_flight) < len(self.processes):
                batch = list(itertools.islice(texts, batch_size))
                if not batch:
                    exhausted = True
                    return
                process = next(turn)
                process.send(batch)
                in_flight.append(process)

        while True:
            fill()
            if not in_flight:
                return
            rows = in_flight.popleft().receive()
            # The process just freed gets its next batch before these rows are handed
            # out: the model reads it while the import writes them (handed out first,
            # the two took turns on two cores).
            fill()
            yield from rows

    def stop(self) -> None:
        for process in self.processes:
            process.stop()
        self.processes.clear()
