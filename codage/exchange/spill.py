"""Pieces of an export kept on disk until they can be written in their final order.

A selection is read one document at a time (by document id), but a dossier or a table
lists its passages code by code, and documents by name within a code. Each document's
pieces go to a temporary file under a bucket key (a code, or a group and a code) with a
sort key (the document's name); :meth:`Spill.pieces` gives back one bucket's pieces in
sort-key order. Only the small index stays in memory, never the pieces themselves.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import IO

__all__ = ["Spill"]

# Pieces read back per call: big enough to cost few system calls, small enough to hold.
_READ = 1 << 20


class Spill:
    """Bytes filed under buckets, written to a temporary file (in ``folder`` when given:
    the export's own folder, so that a full disk is the one the export is written to)."""

    def __init__(self, folder: Path | None = None) -> None:
        # closed by close() (or the with block): the file lives as long as the spill
        self._file: IO[bytes] = tempfile.TemporaryFile(  # noqa: SIM115
            dir=folder, prefix=".codage-spill-", suffix=".tmp"
        )
        self._index: dict[Hashable, list[tuple[str, int, int, int]]] = defaultdict(list)
        self._size = 0
        self._n = 0
        self._at_end = True  # where the file's position is: written pieces need no seek

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def add(self, bucket: Hashable, key: str, data: bytes) -> None:
        """File ``data`` under ``bucket``; ``key`` orders it among the bucket's pieces
        (pieces of equal keys keep the order they were added in)."""
        if not data:
            return
        if not self._at_end:
            self._file.seek(self._size)  # reading a bucket back moved the file's position
            self._at_end = True
        self._file.write(data)
        self._index[bucket].append((key, self._n, self._size, len(data)))
        self._size += len(data)
        self._n += 1

    def buckets(self) -> list[Hashable]:
        """Every bucket that holds a piece, in the order they were first filled."""
        return list(self._index)

    def pieces(self, bucket: Hashable, *, whole: bool = False) -> Iterator[bytes]:
        """The bucket's pieces in key order, read back from the file in slices of at
        most about a megabyte, or each ``whole`` (as it was added)."""
        for _, _, offset, length in sorted(self._index.get(bucket, ())):
            self._at_end = False
            self._file.seek(offset)
            if whole:
                data = self._file.read(length)
                if len(data) != length:
                    raise OSError(f"the temporary file {self._file.name} was cut short")
                yield data
                continue
            while length > 0:
                chunk = self._file.read(min(length, _READ))
                if not chunk:
                    raise OSError(f"the temporary file {self._file.name} was cut short")
                length -= len(chunk)
                offset += len(chunk)
                yield chunk
                self._file.seek(offset)  # the caller may have read another bucket meanwhile
