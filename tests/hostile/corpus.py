"""A corpus of bad inputs, each written by a small function, with the command that reads it.

Every entry writes its hostile file into a folder of its own and returns how it is
given to codage: the command line (after ``python -m codage``) and what must hold
afterwards (the checks live in ``test_bad_inputs.py``):

- ``"base"``: the command works on an existing project (``project.db``, copied from
  a small project built once); that file must be byte-for-byte the same afterwards;
- ``"new"``: the command would create ``new.db``; nothing of it may be left behind;
- ``"self"``: the hostile file *is* the project; it must be byte-for-byte the same.

Nothing binary is committed: Word, OpenDocument, spreadsheets, PDF and REFI-QDA
files are made here, from valid ones broken on purpose.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import docx

PROJECT = "project.db"
NEW = "new.db"

TEXT = (
    "Enquêtrice : Comment l'intranet a-t-il changé votre travail ?\n\n"
    "M. Garnier : Au début, personne ne le lisait. Puis la crise est arrivée.\n"
)

# The classic "billion laughs": ten levels of ten references, 10^9 "lol" if expanded.
_LAUGHS = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
LAUGHS_DTD = f'<!DOCTYPE lolz [<!ENTITY lol0 "lol">{_LAUGHS}]>'
XXE_DTD = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@dataclass(frozen=True)
class Call:
    """How a hostile file is handed to codage, and which project must stay untouched."""

    argv: list[str]
    mode: str  # "base", "new" or "self"
    subject: str = PROJECT  # the project file checked (name inside the case's folder)
    # Not refused but reported: a REFI-QDA project is imported for what it holds, and
    # what could not be placed is kept aside and said (exit 0, this said on stdout).
    reported: str | None = None


Builder = Callable[[Path], Call]
CASES: dict[str, Builder] = {}


# Odd inputs that are still readable: read, keeping these words, rather than refused.
TOLERATED: dict[str, tuple[Builder, tuple[str, ...]]] = {}


def case(builder: Builder) -> Builder:
    CASES[builder.__name__] = builder
    return builder


def tolerated(*kept: str) -> Callable[[Builder], Builder]:
    """Register an odd but readable input, and the words its reading must keep."""

    def register(builder: Builder) -> Builder:
        TOLERATED[builder.__name__] = (builder, kept)
        return builder

    return register


def written(path: Path, content: bytes | str) -> Path:
    """``path`` holding ``content`` (text in UTF-8)."""
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def files(call: Callable[[Path], Call], rows: Iterable[tuple[str, str, bytes | str]]) -> None:
    """Register one case per row ``(case name, file name, content)``: that file, given to
    ``call``. Most hostile inputs are a single file of odd bytes; a table reads better
    than sixty three-line builders."""
    for name, file_name, content in rows:
        case(_file_builder(name, call, file_name, content))


def tolerated_files(
    call: Callable[[Path], Call], rows: Iterable[tuple[str, str, str, tuple[str, ...]]]
) -> None:
    """Like :func:`files`, for odd but readable inputs: ``(case name, file name,
    content, words the reading must keep)``."""
    for name, file_name, content, kept in rows:
        tolerated(*kept)(_file_builder(name, call, file_name, content))


def _file_builder(
    name: str, call: Callable[[Path], Call], file_name: str, content: bytes | str
) -> Builder:
    def build(d: Path) -> Call:
        return call(written(d / file_name, content))

    build.__name__ = name
    return build


def imported(path: Path, *options: str) -> Call:
    return Call(["import", "-p", PROJECT, *options, str(path)], "base")


def imported_new(path: Path) -> Call:
    return Call(["import", "-p", NEW, str(path)], "new", NEW)


def valid_docx(path: Path, text: str = TEXT) -> Path:
    document = docx.Document()
    for paragraph in text.split("\n\n"):
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def rezip(source: Path, target: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy a zip entry by entry; ``change`` returns new bytes, or None to drop the entry."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)
    return target


def truncated(source: Path, target: Path, size: int | None = None) -> Path:
    """The first ``size`` bytes of ``source`` (half of it by default; a negative size
    drops that many from the end) written to ``target``."""
    whole = source.read_bytes()
    return written(target, whole[: len(whole) // 2 if size is None else size])


def without(source: Path, target: Path, part: str) -> Path:
    """A copy of the zip ``source`` without its entry ``part``."""
    return rezip(source, target, lambda name, data: None if name == part else data)


def with_doctype(source: Path, target: Path, part: str, root: bytes, doctype: str) -> Path:
    """A copy of the zip ``source`` whose ``part`` has ``doctype`` before its ``root`` tag."""
    return rezip(
        source,
        target,
        lambda name, data: data.replace(root, doctype.encode() + root, 1) if name == part else data,
    )
