"""Rows of a worksheet as SpreadsheetML text, as openpyxl's write-only mode writes them.

openpyxl builds a cell object for every value and writes it through lxml: at a million
codings of twenty columns that was most of the minutes an XLSX export took. These give
the same elements (inline strings, ``xml:space`` where the text has outer spaces, numbers
written with ``%.16g``, booleans as 1 and 0, error codes typed as errors, empty values
left out) as plain text, for :func:`codage.exchange.package.splice_package`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils import get_column_letter

from codage.exchange.tables import escape_text

__all__ = ["MAX_TEXT", "cell_body", "rows_xml"]

MAX_TEXT = 32767  # Excel's longest cell text; openpyxl cuts there too


def cell_body(value: Any) -> str:
    """A cell's XML after its opening ``<c r="..."``: its type, its value, its end. Values
    are what an XLSX export writes (text already made safe, numbers, booleans)."""
    # text first: most cells of an export are text
    if type(value) is str:
        text = value[:MAX_TEXT] if len(value) > MAX_TEXT else value
    elif isinstance(value, bool):
        return f' t="b"><v>{int(value)}</v></c>'
    elif isinstance(value, int | float):
        number = "" if isinstance(value, float) and not math.isfinite(value) else f"{value:.16g}"
        return f' t="n"><v>{number}</v></c>'
    else:
        text = str(value)[:MAX_TEXT]
    if not text:
        return ' t="inlineStr"></c>'
    if text[0] == "#" and text in ERROR_CODES:
        return f' t="e"><v>{escape_text(text)}</v></c>'
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f' t="inlineStr"><is><t{space}>{escape_text(text)}</t></is></c>'


def rows_xml(rows: Iterable[Sequence[Any]], first: int) -> Iterator[bytes]:
    """``<row>`` elements numbered from ``first``, in slices of about a megabyte. Values
    are what an XLSX export writes (text already made safe, numbers, booleans, None)."""
    letters: list[str] = []
    pending: list[str] = []
    size = 0
    for n, row in enumerate(rows, first):
        while len(letters) < len(row):
            letters.append(get_column_letter(len(letters) + 1))
        cells = "".join(
            f'<c r="{letters[i]}{n}"{cell_body(v)}' for i, v in enumerate(row) if v is not None
        )
        line = f'<row r="{n}">{cells}</row>'
        pending.append(line)
        size += len(line)
        if size >= 1 << 20:
            yield "".join(pending).encode("utf-8")
            pending, size = [], 0
    if pending:
        yield "".join(pending).encode("utf-8")
