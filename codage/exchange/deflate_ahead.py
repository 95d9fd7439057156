"""A dossier's body deflated as it is read, by a thread of its own, for sources read in order.

A dossier's body is written code by code but read document by document: its zip entry
could only be compressed once every extract was written, on the one core that had read
and written them, after writing them all to a temporary file and reading them back
(issue 20). A source read in the order of its documents' names (the plain rows, see
:func:`codage.services.selection_dossier.read_dossier_batches`; a selection, whose
pieces are filed under no name) gives each bucket's pieces in their final order: they
are gathered into slices of about a megabyte, and each slice is deflated on its own (a
fresh compressor, flushed to a byte boundary: such segments join into one deflate
stream) by a second thread while the next documents are read, its checksum kept
running per bucket. Only the compressed slices are kept, in a temporary file. Other
sources use :class:`Spill`, their body compressed when it is written.
"""

from __future__ import annotations

import queue
import tempfile
import threading
import zlib
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

__all__ = ["BUCKETS", "LEVEL", "Deflated", "DeflatingSpill", "crc32_combine", "deflater"]

# zlib's level 1: a third of level 6's processor time on a large part (python-docx and
# openpyxl use 6), about a fifth more bytes; every zip reader reads any level
LEVEL = 1
# A bucket's pieces are deflated in slices of about this many bytes: each slice costs
# the thread a few waits for the interpreter's lock (a few milliseconds each while the
# reading thread runs), so slices are large
_SLICE = 1 << 20
# Gathered pieces held in memory at most, across buckets, before all are sent (each
# then a slice of its own, however small: see BUCKETS)
_HOLD = 128 << 20
# Buckets that each fill whole slices before the memory bound is reached: with more
# (a dossier grouped by document or case: a bucket per code of each), slices would be
# small and many, and the thread's waits for the lock would outlast the reading
BUCKETS = _HOLD // _SLICE
# Slices sent but not yet deflated, at most
_AHEAD = 4


def deflater() -> zlib._Compress:
    """A raw deflate compressor (no zlib header: a zip entry's data) at :data:`LEVEL`."""
    return zlib.compressobj(LEVEL, zlib.DEFLATED, -15)


@dataclass
class Deflated:
    """One bucket's pieces in their order, as deflate segments written to a file: their
    bytes' CRC-32 and length, and where each segment lies."""

    file: IO[bytes]
    crc: int = 0
    size: int = 0
    segments: list[tuple[int, int]] = field(default_factory=list)  # (offset, length)

    def chunks(self) -> Iterator[bytes]:
        """The segments' compressed bytes, in order."""
        for offset, length in self.segments:
            self.file.seek(offset)
            data = self.file.read(length)
            if len(data) != length:
                raise OSError(f"the temporary file {self.file.name} was cut short")
            yield data


@dataclass
class _Gathering:
    last: str
    pieces: list[bytes] = field(default_factory=list)
    size: int = 0


class DeflatingSpill:
    """Bytes filed under buckets, each bucket's given in its final order (by sort key,
    equal keys in the order given), deflated ahead (see the module's text):
    :meth:`finish` once every piece is added, then :meth:`deflated` per bucket. The
    compressed slices go to a temporary file (in ``folder`` when given)."""

    def __init__(self, folder: Path | None = None) -> None:
        # closed by close() (or the with block): the file lives as long as the spill
        self._packed: IO[bytes] = tempfile.TemporaryFile(  # noqa: SIM115
            dir=folder, prefix=".codage-deflated-", suffix=".tmp"
        )
        self._gathering: dict[Hashable, _Gathering] = {}
        self._held = 0
        # written by the thread alone, read once it has stopped
        self._made: dict[Hashable, Deflated] = {}
        self._written = 0
        self._pending: queue.Queue[tuple[Hashable, list[bytes]] | None] = queue.Queue(_AHEAD)
        self._failed: list[BaseException] = []
        self._thread: threading.Thread | None = None
        self._finished = False

    def __enter__(self) -> DeflatingSpill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._stop()
        finally:
            self._packed.close()

    def add(self, bucket: Hashable, key: str, data: bytes) -> None:
        """File ``data`` under ``bucket``, after the bucket's pieces given before (whose
        keys may not be greater: the caller reads in key order)."""
        if not data:
            return
        if self._finished:
            raise RuntimeError("a piece added to a finished spill")
        gathering = self._gathering.get(bucket)
        if gathering is None:
            gathering = self._gathering[bucket] = _Gathering(key)
        elif key < gathering.last:
            raise RuntimeError(
                f"pieces of {bucket!r} out of order: {key!r} after {gathering.last!r}"
            )
        gathering.last = key
        gathering.pieces.append(data)
        gathering.size += len(data)
        self._held += len(data)
        if gathering.size >= _SLICE:
            self._send(bucket, gathering)
        if self._held >= _HOLD:
            for held_bucket, held in self._gathering.items():
                if held.pieces:
                    self._send(held_bucket, held)

    def buckets(self) -> list[Hashable]:
        """Every bucket that holds a piece, in the order they were first filled."""
        return list(self._gathering)

    def _send(self, bucket: Hashable, gathering: _Gathering) -> None:
        if self._failed:
            raise self._failed[0]
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="codage-deflate", daemon=True)
            self._thread.start()
        self._pending.put((bucket, gathering.pieces))
        self._held -= gathering.size
        gathering.pieces, gathering.size = [], 0

    def _work(self) -> None:
        try:
            while (item := self._pending.get()) is not None:
                bucket, pieces = item
                data = b"".join(pieces)
                compressor = deflater()
                packed = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
                made = self._made.get(bucket)
                if made is None:
                    made = self._made[bucket] = Deflated(self._packed)
                made.crc = zlib.crc32(data, made.crc)
                made.size += len(data)
                made.segments.append((self._written, len(packed)))
                self._packed.write(packed)
                self._written += len(packed)
        except BaseException as exc:  # handed to the caller's thread
            self._failed.append(exc)
            while self._pending.get() is not None:
                pass  # let the sender finish its put and stop

    def _stop(self) -> None:
        self._finished = True
        if self._thread is not None:
            self._pending.put(None)
            self._thread.join()
            self._thread = None

    def finish(self) -> None:
        """Deflate what is still gathered and wait for the thread: no piece may be added
        after this."""
        try:
            for bucket, gathering in self._gathering.items():
                if gathering.pieces:
                    self._send(bucket, gathering)
        finally:
            self._stop()
        if self._failed:
            raise self._failed[0]

    def deflated(self, bucket: Hashable) -> Deflated | None:
        """The bucket's pieces deflated in their order (once finished); None for a
        bucket that holds none."""
        if not self._finished or self._failed:
            raise RuntimeError("the spill was not finished")
        return self._made.get(bucket)


# CRC-32 (zlib's, reflected polynomial) of two byte strings joined, from their own
# CRCs: multiplying by x to the power of the second's length in bits, modulo the
# polynomial, shifts the first's CRC past it.
_POLY = 0xEDB88320


def _multiply(a: int, b: int) -> int:
    """a(x) b(x) modulo the polynomial, both reflected (x^0 is the highest bit)."""
    mask = 1 << 31
    product = 0
    while mask:
        if a & mask:
            product ^= b
        mask >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1
    return product


def _squares() -> list[int]:
    # x^(2^k) modulo the polynomial for k in 0..31 (they cycle past that: see below)
    power = 1 << 30  # x^1
    made = []
    for _ in range(32):
        made.append(power)
        power = _multiply(power, power)
    return made


_X2N = _squares()


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of ``a + b`` from ``crc32(a)``, ``crc32(b)`` and ``len(b)``."""
    if length2 <= 0:
        return crc1
    power = 1 << 31  # x^0
    k = 3  # a byte is 2^3 bits
    n = length2
    while n:
        if n & 1:
            power = _multiply(_X2N[k & 31], power)
        n >>= 1
        k += 1
    return _multiply(power, crc1) ^ crc2
