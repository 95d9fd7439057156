"""A zip package (docx, xlsx) rewritten with one part's content streamed in at a marker.

A library (python-docx, openpyxl) writes the small part of a document, with its styles
and everything around the bulk; the bulk (a dossier's extracts, a table's rows) is then
written as text where a marker stands in one part, straight into the zip, never held.
"""

from __future__ import annotations

import io
import itertools
import queue
import struct
import threading
import time
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from codage.exchange.deflate_ahead import LEVEL, Deflated, crc32_combine, deflater

__all__ = ["splice_deflated", "splice_package"]


def splice_package(
    out: Path,
    template: io.BytesIO,
    member: str,
    marker: str,
    content: Iterable[bytes],
    *,
    beside: bool = False,
) -> None:
    """Write ``template``'s parts to ``out`` in their order; ``member`` with ``content``
    in place of the first ``marker`` in its text (UTF-8). With ``beside``, the content's
    pieces are compressed and written by a thread of their own while the next ones are
    made (see :func:`_write_beside`)."""
    with zipfile.ZipFile(template) as package:
        text = package.read(member).decode("utf-8")
        head, found, tail = text.partition(marker)
        if not found:
            raise RuntimeError(f"{member} of the template lost its marker")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as zipped:
            for info in package.infolist():
                if info.filename != member:
                    zipped.writestr(info.filename, package.read(info.filename))
                    continue
                with zipped.open(member, "w", force_zip64=True) as part:
                    part.write(head.encode("utf-8"))
                    if beside:
                        _write_beside(part, content)
                    else:
                        for piece in content:
                            part.write(piece)
                    part.write(tail.encode("utf-8"))


# Pieces made but not yet written, at most: a few megabytes
_AHEAD = 4


def _write_beside(part: IO[bytes], content: Iterable[bytes]) -> None:
    """``content`` written to ``part`` by another thread: a zip entry's checksum, its
    deflate and the file's writes all run without the interpreter's lock, so a gigabyte
    of sheet is compressed on a second core while this one makes the next pieces (the
    same bytes, in the same order: one writer, one queue)."""
    pending: queue.Queue[bytes | None] = queue.Queue(maxsize=_AHEAD)
    failed: list[BaseException] = []

    def work() -> None:
        try:
            while (piece := pending.get()) is not None:
                part.write(piece)
        except BaseException as exc:  # handed to the caller's thread below
            failed.append(exc)
            while pending.get() is not None:
                pass  # let the maker finish its put and stop

    writer = threading.Thread(target=work, name="codage-zip", daemon=True)
    writer.start()
    try:
        for piece in content:
            if failed:
                break
            pending.put(piece)
    finally:
        pending.put(None)
        writer.join()
    if failed:
        raise failed[0]


# The package written by hand (see splice_deflated): zip's signatures and fields
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")
_ZIP64_EXTRA = struct.Struct("<HHQQ")
_MAX32 = 0xFFFFFFFF
_UNIX = 3 << 8  # made on Unix, as zipfile writes it
_FILE_MODE = 0o600 << 16  # as zipfile writes a part given by name


@dataclass
class _Entry:
    name: bytes
    crc: int
    compressed: int
    size: int
    offset: int
    zip64: bool


def splice_deflated(
    out: Path,
    template: io.BytesIO,
    member: str,
    marker: str,
    content: Iterable[bytes | Deflated],
) -> None:
    """:func:`splice_package` with pieces of content deflated already (see
    :mod:`codage.exchange.deflate_ahead`) among plain ones: the same parts, but the zip
    written here, as zipfile writes no compressed data it did not compress itself. The
    content is one deflate stream: plain pieces go through one compressor, flushed to a
    byte boundary before each deflated piece and begun again after it (its history
    would no longer be what precedes)."""
    stamp = time.localtime(time.time())
    dos_time = stamp.tm_hour << 11 | stamp.tm_min << 5 | stamp.tm_sec // 2
    dos_date = (stamp.tm_year - 1980) << 9 | stamp.tm_mon << 5 | stamp.tm_mday
    entries: list[_Entry] = []
    with zipfile.ZipFile(template) as package, out.open("wb") as zipped:

        def local(entry: _Entry) -> bytes:
            zip64 = entry.zip64
            header = _LOCAL.pack(
                0x04034B50,
                *_fields(entry, zip64, zip64, dos_time, dos_date),
                _ZIP64_EXTRA.size if zip64 else 0,
            )
            extra = _ZIP64_EXTRA.pack(1, 16, entry.size, entry.compressed) if zip64 else b""
            return header + entry.name + extra

        for info in package.infolist():
            name = info.filename.encode("ascii")
            offset = zipped.tell()
            if info.filename != member:
                data = package.read(info.filename)
                compressor = deflater()
                packed = compressor.compress(data) + compressor.flush()
                entry = _Entry(name, zlib.crc32(data), len(packed), len(data), offset, False)
                zipped.write(local(entry))
                zipped.write(packed)
                entries.append(entry)
                continue
            text = package.read(member).decode("utf-8")
            head, found, tail = text.partition(marker)
            if not found:
                raise RuntimeError(f"{member} of the template lost its marker")
            # the sizes are known once written: the header is written again then
            entry = _Entry(name, 0, 0, 0, offset, True)
            zipped.write(local(entry))
            crc, size, compressed = _write_stream(
                zipped, itertools.chain((head.encode("utf-8"),), content, (tail.encode("utf-8"),))
            )
            entry.crc, entry.size, entry.compressed = crc, size, compressed
            zipped.seek(offset)
            zipped.write(local(entry))
            zipped.seek(0, io.SEEK_END)
            entries.append(entry)
        _write_directory(zipped, entries, dos_time, dos_date)


def _fields(
    entry: _Entry, zip64: bool, sizes64: bool, dos_time: int, dos_date: int
) -> tuple[int, ...]:
    """What a local header and a central directory's entry share, from the version
    needed to the name's length (sizes in the zip64 field when ``sizes64``)."""
    return (
        45 if zip64 else 20,
        0,
        zipfile.ZIP_DEFLATED,
        dos_time,
        dos_date,
        entry.crc,
        _MAX32 if sizes64 else entry.compressed,
        _MAX32 if sizes64 else entry.size,
        len(entry.name),
    )


def _write_stream(out: IO[bytes], content: Iterable[bytes | Deflated]) -> tuple[int, int, int]:
    """Write ``content`` as one raw deflate stream; its CRC-32, size and compressed size."""
    crc = size = compressed = 0
    compressor = deflater()
    for piece in content:
        if isinstance(piece, bytes):
            crc = zlib.crc32(piece, crc)
            size += len(piece)
            packed = compressor.compress(piece)
            out.write(packed)
            compressed += len(packed)
            continue
        packed = compressor.flush(zlib.Z_SYNC_FLUSH)
        out.write(packed)
        compressed += len(packed)
        for chunk in piece.chunks():
            out.write(chunk)
            compressed += len(chunk)
        crc = crc32_combine(crc, piece.crc, piece.size)
        size += piece.size
        compressor = deflater()
    packed = compressor.flush()
    out.write(packed)
    return crc, size, compressed + len(packed)


def _write_directory(out: IO[bytes], entries: list[_Entry], dos_time: int, dos_date: int) -> None:
    start = out.tell()
    for entry in entries:
        far = entry.offset > _MAX32
        # zip64 fields in the directory only when a value needs them, as zipfile writes
        # it: LibreOffice (7.4) refuses a package whose directory has them for sizes that
        # fit, though its local headers may (their sizes are known only at the end)
        big = entry.size > _MAX32 or entry.compressed > _MAX32
        extra = b""
        if big or far:
            values = [entry.size, entry.compressed] if big else []
            values += [entry.offset] if far else []
            extra = struct.pack(f"<HH{len(values)}Q", 1, 8 * len(values), *values)
        out.write(
            _CENTRAL.pack(
                0x02014B50,
                _UNIX | (45 if extra or entry.zip64 else 20),
                *_fields(entry, bool(extra) or entry.zip64, big, dos_time, dos_date),
                len(extra),
                0,
                0,
                0,
                _FILE_MODE,
                _MAX32 if far else entry.offset,
            )
            + entry.name
            + extra
        )
    end = out.tell()
    count, length = len(entries), end - start
    if start > _MAX32 or count > 0xFFFF:
        out.write(_END64.pack(0x06064B50, 44, _UNIX | 45, 45, 0, 0, count, count, length, start))
        out.write(_LOCATOR64.pack(0x07064B50, 0, end, 1))
    out.write(
        _END.pack(
            0x06054B50,
            0,
            0,
            min(count, 0xFFFF),
            min(count, 0xFFFF),
            min(length, _MAX32),
            min(start, _MAX32),
            0,
        )
    )
