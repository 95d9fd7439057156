"""How :class:`codage.cli.quick_table.QuickTable` gives the lines of plain text it
draws to the console: gathered into one segment when the table is printed uncropped
(written as they are), otherwise cut so that Rich measures them quickly to crop them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rich.segment import Segment

__all__ = [
    "RICH_COUNTED_RANGES",
    "aligned",
    "gathering",
    "given",
    "quickly_measured",
    "whole",
]

# The characters rich.cells counts rather than looks up (its _SINGLE_CELL_UNICODE_RANGES;
# the test checks that Rich still counts them)
RICH_COUNTED_RANGES = "\x20-\x7e\xa0-\xac\xae-\u02ff\u0370-\u0482\u2500-\u25fc\u2800-\u28ff"
_RICH_COUNTED = re.compile(f"[{RICH_COUNTED_RANGES}]*")
_RICH_LOOKED_UP = re.compile(f"([^{RICH_COUNTED_RANGES}]+)")


def gathering(gathered: list[str]) -> Callable[[str], tuple[()]]:
    """What takes a line printed uncropped: kept, with its end, in ``gathered``."""

    def gather(line: str) -> tuple[()]:
        gathered.append(line + "\n")
        return ()

    return gather


def given(gathered: list[str]) -> list[Segment]:
    """The lines gathered so far as one segment (none when there are none)."""
    if not gathered:
        return []
    segment = Segment("".join(gathered))
    gathered.clear()
    return [segment]


def whole(line: str) -> list[Segment]:
    return [Segment(line), Segment.line()]


def quickly_measured(line: str) -> list[Segment]:
    """A line of plain text as segments whose cell lengths add up to the line's, cut
    so that Rich measures most of it by counting: ``rich.cells.cell_len`` counts a
    text of its single-cell characters, and looks every character up otherwise.
    Cell lengths add up when no zero-width joiner or variation selector (which Rich
    measures with the character before it) is in the line."""
    if _RICH_COUNTED.fullmatch(line) or "\u200d" in line or "\ufe0f" in line:
        return [Segment(line), Segment.line()]
    return [*(Segment(piece) for piece in _RICH_LOOKED_UP.split(line) if piece), Segment.line()]


def aligned(lines: list[str], height: int, width: int, bottom: bool) -> list[str]:
    """A cell's lines made ``height`` lines, blank lines below (above: ``bottom``)."""
    blank = [" " * width] * (height - len(lines))
    return blank + lines if bottom else lines + blank
