"""Safe opening of zip-based inputs (docx, xlsx, odt): no zip bombs, no odd paths.

The central directory is checked before any library reads the file: number of
entries, total uncompressed size, compression ratio of large entries and entry
names. Python's :mod:`zipfile` never inflates more than an entry's declared
size, so checking the declared sizes bounds what python-docx, openpyxl or our own
readers will decompress afterwards.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from codage.ingest.errors import IngestError
from codage.limits import (
    MAX_XML_PART_SIZE,
    ZIP_MAX_ENTRIES,
    ZIP_MAX_ENTRY_SIZE,
    ZIP_MAX_RATIO,
    ZIP_MAX_TOTAL_SIZE,
    ZIP_RATIO_FLOOR,
)

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")

_FORMAT_NAMES = {
    ".docx": "a Word (.docx)",
    ".xlsx": "an Excel (.xlsx)",
    ".odt": "an OpenDocument (.odt)",
}


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """Limits for one zip-based input; generous for real documents, small for bombs."""

    max_entries: int = ZIP_MAX_ENTRIES
    max_total_size: int = ZIP_MAX_TOTAL_SIZE
    max_entry_size: int = ZIP_MAX_ENTRY_SIZE
    # Only entries above ``ratio_floor`` bytes are checked: tiny entries can have silly ratios.
    max_ratio: float = ZIP_MAX_RATIO
    ratio_floor: int = ZIP_RATIO_FLOOR


DEFAULT_LIMITS = ZipLimits()


def check_xml_part(path: Path, name: str, size: int) -> None:
    """Refuse an XML part larger than :data:`~codage.limits.MAX_XML_PART_SIZE` before parsing it."""
    if size > MAX_XML_PART_SIZE:
        raise IngestError(
            path,
            f"{name} holds {size // (1024 * 1024)} MB of XML "
            f"(limit {MAX_XML_PART_SIZE // (1024 * 1024)} MB per part, MAX_XML_PART_SIZE); "
            "split the document into smaller files",
        )


def open_zip(path: str | Path, limits: ZipLimits = DEFAULT_LIMITS) -> zipfile.ZipFile:
    """Open ``path`` as a zip after checking its signature and central directory.

    Raises :class:`IngestError` for an encrypted Office file (OLE container), a
    corrupt or non-zip file, a zip bomb or unsafe entry names. The caller closes
    the returned :class:`zipfile.ZipFile`.
    """
    path = Path(path)
    what = _FORMAT_NAMES.get(path.suffix.lower(), "a zip-based")
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not head:
        raise IngestError(path, "the file is empty; nothing to import")
    if head.startswith(OLE_SIGNATURE):
        raise IngestError(
            path,
            f"this is not {what} file but an OLE container: a password-protected "
            "Office file or an old .doc/.xls renamed; remove the password or save it "
            f"again as {path.suffix.lower() or '.docx'}",
        )
    if not head.startswith(ZIP_SIGNATURES):
        raise IngestError(
            path,
            f"this is not {what} file (corrupt or another format); open and save it again",
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(path, f"this file is corrupt ({exc}); open and save it again") from None
    try:
        check_archive(archive, path, limits)
    except BaseException:
        archive.close()
        raise
    return archive


def check_zip(path: str | Path, limits: ZipLimits = DEFAULT_LIMITS) -> None:
    """Check ``path`` as :func:`open_zip` does, and close it again."""
    open_zip(path, limits).close()


def check_archive(archive: zipfile.ZipFile, path: str | Path, limits: ZipLimits) -> None:
    """Apply the limits to an open archive's central directory."""
    entries = archive.infolist()
    if len(entries) > limits.max_entries:
        raise IngestError(
            path,
            f"the archive has {len(entries)} entries (limit {limits.max_entries}); "
            "this looks like a zip bomb, not a document",
        )
    total = 0
    for info in entries:
        _check_name(info.filename, path)
        if info.flag_bits & 0x1:
            raise IngestError(path, "the archive is encrypted; remove the password and save again")
        total += info.file_size
        if info.file_size > limits.max_entry_size or total > limits.max_total_size:
            raise IngestError(
                path,
                f"it would expand to more than {limits.max_total_size // (1024 * 1024)} MB; "
                "this looks like a zip bomb, not a document",
            )
        if info.file_size > limits.ratio_floor:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise IngestError(
                    path,
                    f"entry {info.filename!r} is compressed {ratio:.0f} times "
                    "(a zip bomb?); refusing to open it",
                )


def _check_name(name: str, path: str | Path) -> None:
    unsafe = (
        name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or ".." in PurePosixPath(name.replace("\\", "/")).parts
        or "\x00" in name
    )
    if unsafe:
        raise IngestError(path, f"the archive holds an unsafe entry name {name!r}; refusing it")


def read_entry(archive: zipfile.ZipFile, name: str, path: str | Path) -> bytes:
    """Read one entry, with a clear message when it is missing or damaged."""
    try:
        return archive.read(name)
    except KeyError:
        raise IngestError(
            path, f"{name} is missing: the file is corrupt or not a document"
        ) from None
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as exc:
        raise IngestError(path, f"the file is corrupt ({exc}); open and save it again") from None
