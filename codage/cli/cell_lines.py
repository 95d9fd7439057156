"""A table cell's text as the lines Rich lays it out in (``Text.wrap``, then cropped or
padded to the cell as ``render_lines`` leaves it), for :mod:`codage.cli.quick_table`.

Text whose every character is one cell wide in every Unicode table Rich knows (see
:data:`NARROW_RANGES`) is laid out with lengths: Rich's rules (``divide_line``,
``chop_cells``, ``rstrip_end``, ``Lines.justify``, ``truncate``) with ``len`` where they
call ``cell_len``, a line at a time. Other one-line text goes through Rich's own
``divide_line``; anything else through ``Text.wrap``.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import TYPE_CHECKING

from rich._wrap import divide_line
from rich.cells import cell_len, set_cell_size
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Column

__all__ = ["JUSTIFIED", "NARROW_RANGES", "NOT_NARROW", "lay_out", "narrow_lines", "narrow_pieces"]

# What Text.wrap and Text.__rich_measure__ split lines on differently (splitlines
# knows more line breaks than "\n"), tabs, and the controls a terminal acts on: a cell
# holding any of them is left to Rich.
_AWKWARD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\t\r]")
JUSTIFIED = ("left", "right", "center")

# Characters that every Unicode table Rich carries measures one cell wide (the test
# checks each one against rich.cells for every version): a text made of them only is
# as many cells wide as it has characters. Latin with its Latin-1 and extended
# letters, Greek, Cyrillic, Vietnamese, general punctuation (dashes, quotes, bullet,
# ellipsis, the narrow no-break space of French typography), currency, letterlike
# symbols, arrows, box drawing, Braille. Not the zero-width space and joiners, the
# bidirectional controls, nor the variation selector that widens a symbol.
NARROW_RANGES = (
    "\x20-\x7e\xa0-\u02ff\u0370-\u0482\u1e00-\u1eff\u2010-\u2027\u202f-\u205e"
    "\u20a0-\u20c0\u2100-\u214f\u2190-\u21ff\u2500-\u25fc\u2800-\u28ff"
)
NOT_NARROW = re.compile(f"[^{NARROW_RANGES}]")

# rich._wrap.re_word, the leading space and the word apart from the space after it
_WORD = re.compile(r"(\s*\S+)\s*")
_TRAILING_SPACE = re.compile(r"\s+$")
_SPACE = re.compile(r"\s*")
# width -> _fits(width)
_FITS: dict[int, re.Pattern[str]] = {}


def _wrap_left(plain: str, width: int, overflow: str) -> list[str]:
    """``Text(plain).wrap(console, width, justify="left", overflow=overflow)`` for one
    line of plain text (no line break, no tab): Rich's own line breaking
    (``divide_line``), then each piece as ``rstrip_end`` and ``truncate`` leave it."""
    offsets = divide_line(plain, width, fold=overflow == "fold")
    bounds = [0, *offsets, len(plain)]
    lines = []
    for start, end in pairwise(bounds):
        line = plain[start:end]
        excess = len(line) - width
        if excess > 0:
            trailing = _TRAILING_SPACE.search(line)
            if trailing is not None:
                line = line[: len(line) - min(len(trailing.group(0)), excess)]
        size = cell_len(line)
        if size > width:
            line = (
                set_cell_size(line, width - 1) + "…"
                if overflow == "ellipsis"
                else set_cell_size(line, width)
            )
        elif size < width:
            line += " " * (width - size)
        lines.append(line)
    return lines


def lay_out(console: Console, text: Text, column: Column, width: int) -> list[str] | None:
    """The lines ``text`` takes in a cell ``width`` wide (padding left out), as Rich
    lays them out; None when Rich must draw it."""
    plain = text.plain
    justify = column.justify
    if (
        width < 1
        or text.justify is not None
        or text.overflow is not None
        or text.no_wrap is not None
        or text.end != "\n"
        or justify not in JUSTIFIED
        or column.overflow == "ignore"
        or _AWKWARD.search(plain)
    ):
        return None
    if "\n" not in plain and not column.no_wrap:
        size = cell_len(plain)
        if size <= width:
            if justify == "left":
                return [plain + " " * (width - size)]
            kept = plain.rstrip()
            size = cell_len(kept)
            if justify == "right":
                return [" " * (width - size) + kept]
            before = (width - size) // 2
            return [" " * before + kept + " " * (width - size - before)]
    if "\n" not in plain and justify == "left" and not column.no_wrap:
        return [set_cell_size(line, width) for line in _wrap_left(plain, width, column.overflow)]
    lines = Text(plain).wrap(
        console, width, justify=justify, overflow=column.overflow, no_wrap=column.no_wrap
    )
    if not lines:
        return None
    # render_lines then crops or pads each line to the width
    return [set_cell_size(line.plain, width) for line in lines]


def _fits(width: int) -> re.Pattern[str]:
    """A pattern matching, from where a line starts, the most text that ends a word
    within ``width`` characters."""
    pattern = _FITS.get(width)
    if pattern is None:
        pattern = _FITS[width] = re.compile(f"[\\s\\S]{{0,{width - 1}}}\\S(?!\\S)")
    return pattern


def _after_space(text: str, at: int) -> int:
    """Where the space from ``at`` on ends."""
    space = _SPACE.match(text, at)
    return at if space is None else space.end()


def _narrow_breaks(plain: str, width: int, fold: bool) -> list[int]:
    """``divide_line(plain, width, fold)`` for one line of text whose every character
    is one cell wide, a line at a time rather than a word at a time.

    Rich puts a word on the current line when its end (its space left out) is within
    ``width`` cells of where the line starts; otherwise it breaks before the word, or,
    when the word is longer than a line, folds it (``chop_cells``: ``width``
    characters a piece, the space after it included) or lets it overflow. A word
    starts after the space that ends the one before; the first word at 0, with the
    space before it. With lengths for cells, where each line ends is one search."""
    size = len(plain)
    fits = _fits(width).match
    breaks: list[int] = []
    start = 0  # where the current line starts
    word: int | None = None  # where a word that does not fit on this line starts
    while True:
        if word is None:
            found = fits(plain, start)
            if found is not None:
                word = _after_space(plain, found.end())
            else:
                # the first word is longer than a line, or the line starts in the
                # space after a folded word and the next word does not fit
                word = 0 if start == 0 else _after_space(plain, start)
            if word >= size:
                return breaks
        match = _WORD.match(plain, word)
        if match is None:  # nothing but space
            return breaks
        end = match.end()
        if match.end(1) - word <= width:
            breaks.append(word)
            start, word = word, None
        elif fold:
            pieces = range(word, end, width)
            breaks.extend(piece for piece in pieces if piece)
            start, word = pieces[-1], None
        else:
            # the word overflows its line; the next word starts the next one
            if word:
                breaks.append(word)
            if end >= size:
                return breaks
            start, word = word, end


def narrow_pieces(plain: str, width: int, fold: bool) -> list[str]:
    """``Text(plain).divide(divide_line(...))`` then ``rstrip_end(width)`` on each
    line, for one line of text whose every character is one cell wide."""
    pieces = []
    for start, end in pairwise([0, *_narrow_breaks(plain, width, fold), len(plain)]):
        piece = plain[start:end]
        excess = end - start - width
        if excess > 0:
            trailing = _TRAILING_SPACE.search(piece)
            if trailing is not None:
                piece = piece[: len(piece) - min(trailing.end() - trailing.start(), excess)]
        pieces.append(piece)
    return pieces


def narrow_lines(plain: str, width: int, justify: str, overflow: str, no_wrap: bool) -> list[str]:
    """The lines ``Text(plain).wrap(console, width, ...)`` gives, cropped or padded to
    ``width`` as ``render_lines`` leaves them, for one line of text whose every
    character is one cell wide (``Lines.justify`` and ``Text.truncate`` with lengths)."""
    if len(plain) <= width or no_wrap:
        pieces = [plain]
    else:
        pieces = narrow_pieces(plain, width, overflow == "fold")
    lines = []
    for piece in pieces:
        if justify != "left":
            piece = piece.rstrip()
        if len(piece) > width:
            piece = piece[: width - 1] + "…" if overflow == "ellipsis" else piece[:width]
        gap = width - len(piece)
        if justify == "left":
            lines.append(piece + " " * gap)
        elif justify == "right":
            lines.append(" " * gap + piece)
        else:
            before = gap // 2
            lines.append(" " * before + piece + " " * (gap - before))
    return lines
