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
from collections.abc import Callable
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
