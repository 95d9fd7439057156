"""The Codings sheet of an XLSX export: one ``<row>`` per coding, rendered from its record.

:func:`codage.exchange.tables.coding_rows` says what each column holds; these write the
same cells (as :func:`codage.exchange.sheet_xml.cell_body` writes a value) without first
building each row as a list of values: what repeats along a document's rows (the
document, the code and its levels, the coder, the case and its attributes, the speaker)
is rendered once and reused, and a passage's text is checked and escaped once.

A stream's rows are rendered as each document is read, with their row number left out
(a NUL, which XML cannot hold, so never part of the data), filed by code in a
:class:`Spill`, and numbered as they are read back in the sheet's order (code tree,
then document name): what the spill holds is the sheet's text itself.
"""

from __future__ import annotations

import marshal
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from openpyxl.utils import get_column_letter

from codage.domain import Case, Code
from codage.exchange.sheet_xml import MAX_TEXT, cell_body
from codage.exchange.spill import Spill
from codage.exchange.tables import FORMULA_START, format_timestamp, xml_safe
from codage.services.selection import CodingRecord, Selection, SelectionStream, record_order
from codage.services.selection_rows import SheetRow, SheetRows

__all__ = ["CodingRows", "read_sheet_rows", "sheet_rows"]

_NUMBER = "\x00"  # the row number, until the row's place in the sheet is known
_ROW_END = "\x01"  # between the rows of a spilled piece
# Characters XML refuses: a text holding one is made safe by the general path
_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EMPTY = ' t="inlineStr"></c>'
# Slices of the sheet handed to the zip: about a megabyte
_FLUSH = 1 << 20
# Cases and units kept rendered, up to this many
_KEEP = 4096


def text_body(value: str) -> str:
    """A text cell as an export writes it: made XML-safe, a ``'`` before what would start
    a formula, then as :func:`cell_body` writes text. Plain text takes the short way."""
    if (
        value
        and len(value) <= MAX_TEXT
        # printable text holds no character XML refuses (all are control or unassigned
        # characters); isprintable is much cheaper than a search, and most text passes
        and (value.isprintable() or _SPECIAL.search(value) is None)
        and "&" not in value
        and "<" not in value
        and ">" not in value
        and "\r" not in value
        and not value.startswith(FORMULA_START)
        and value[0] != "#"
        and not value[0].isspace()
        and not value[-1].isspace()
    ):
        return f' t="inlineStr"><is><t>{value}</t></is></c>'
    value = xml_safe(value)
    return cell_body("'" + value if value.startswith(FORMULA_START) else value)


# Bytes of UTF-8 text that keep it off the short way: what XML refuses (below a space),
# what is escaped, and (first or last) spaces and the starts of formulas and errors
_DELETE = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *b"&<>\r"])
_FIRST = frozenset(b"=+-@#\t\r\n\x0b\x0c ")
_LAST = frozenset(b"\t\r\n\x0b\x0c ")


def utf8_body(value: bytes) -> bytes:
    """:func:`text_body` of UTF-8 text, in UTF-8: text read as SQLite keeps it is
    written without being decoded and encoded again. Plain text takes the short way;
    the rest (a space first or last, U+FFFE or U+FFFF, a character to escape or drop,
    a formula's start) goes through :func:`text_body` itself."""
    if (
        value
        and len(value) <= MAX_TEXT
        # a first or last character beyond ASCII: only a space keeps it off the short
        # way (its first or last four bytes hold it whole)
        and (
            value[0] not in _FIRST
            if value[0] < 0x80
            else not value[:4].decode("utf-8", "ignore")[:1].isspace()
        )
        and (
            value[-1] not in _LAST
            if value[-1] < 0x80
            else not value[-4:].decode("utf-8", "ignore")[-1:].isspace()
        )
        and b"\xef\xbf\xbe" not in value  # U+FFFE and U+FFFF, which XML refuses
        and b"\xef\xbf\xbf" not in value
        and len(value.translate(None, _DELETE)) == len(value)
    ):
        return b' t="inlineStr"><is><t>' + value + b"</t></is></c>"
    return text_body(value.decode("utf-8")).encode("utf-8")


def _value_body(value: object) -> str:
    # an attribute's value as coding_rows gives it (none empty, a whole float an integer)
    if value is None:
        return _EMPTY
    if isinstance(value, str):
        return text_body(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return cell_body(value)


class CodingRows:
    """Renders records as the Codings sheet's rows, each with its row number left out
    (see :func:`number_rows`); ``depth`` code levels and the case ``attributes`` named."""

    def __init__(self, attributes: list[str], depth: int) -> None:
        self._attributes = attributes
        self._depth = depth
        columns = 2 + depth + 11 + len(attributes)
        self._pre = [f'<c r="{get_column_letter(i)}{_NUMBER}"' for i in range(1, columns + 1)]
        # made once per document, code, coder, case or unit: keyed by the object (kept
        # beside its rendering, so that a freed object's id reused is not taken for it)
        self._documents: dict[str, str] = {}
        self._codes: dict[int, tuple[Code, str]] = {}
        self._coders: dict[tuple[str, bool, bool], str] = {}
        self._cases: dict[int, tuple[Case | None, str]] = {}
        self._units: dict[tuple[str | None, float | None, int | None], str] = {}
        # the same, as UTF-8, for rows rendered as bytes (see numbered)
        self._coder_bytes: dict[tuple[str, bool, bool], bytes] = {}
        self._voice_bytes: dict[tuple[str | None, float | None], bytes] = {}
        self._case_bytes: dict[int, bytes] = {}

    def _code(self, code: Code) -> tuple[Code, str]:
        made = self._codes.get(id(code))
        if made is None or made[0] is not code:
            path = list(code.path)
            levels = path + [""] * (self._depth - len(path))
            pre = self._pre
            text = pre[1] + text_body(code.path_str)
            text += "".join(pre[2 + i] + text_body(v) for i, v in enumerate(levels))
            made = self._codes[id(code)] = (code, text)
        return made

    def _case(self, case: Case | None) -> tuple[Case | None, str]:
        made = self._cases.get(id(case))
        if made is None or made[0] is not case:
            pre, at = self._pre, 2 + self._depth + 10
            attrs = case.attributes if case is not None else {}
            text = pre[at] + text_body(case.name if case is not None else "")
            text += "".join(
                pre[at + 1 + i] + _value_body(attrs.get(a)) for i, a in enumerate(self._attributes)
            )
            if len(self._cases) >= _KEEP:
                self._cases.clear()
            made = self._cases[id(case)] = (case, text)
        return made

    def row(self, r: CodingRecord) -> str:
        """One coding's row, its number left out."""
        c = r.coding
        pre = self._pre
        at = 2 + self._depth  # the coder's column
        document = self._documents.get(r.document.name)
        if document is None:
            document = self._documents[r.document.name] = pre[0] + text_body(r.document.name)
        code = self._codes.get(id(r.code))
        if code is None or code[0] is not r.code:
            code = self._code(r.code)
        coder_key = (c.coder, c.automatic, c.suggested)
        coder = self._coders.get(coder_key)
        if coder is None:
            coder = self._coders[coder_key] = (
                f"{pre[at]}{text_body(c.coder)}"
                f'{pre[at + 1]} t="n"><v>{int(c.automatic)}</v></c>'
                f'{pre[at + 2]} t="n"><v>{int(c.suggested)}</v></c>'
            )
        # a unit's speaker and time are on each of its codings: rendered once
        unit_key = (r.speaker, r.timestamp, r.paragraph)
        unit = self._units.get(unit_key)
        if unit is None:
            unit = self._unit(unit_key)
        case = self._cases.get(id(r.case))
        if case is None or case[0] is not r.case:
            case = self._case(r.case)
        memo = _EMPTY if not c.memo else text_body(c.memo)
        # offsets are integers far below 1e16: written as %.16g writes them
        return (
            f'<row r="{_NUMBER}">{document}{code[1]}{coder}'
            f'{pre[at + 3]} t="n"><v>{c.start}</v></c>{pre[at + 4]} t="n"><v>{c.end}</v></c>'
            f"{pre[at + 5]}{text_body(c.text)}{unit}{pre[at + 9]}{memo}{case[1]}</row>"
        )

    def numbered(
        self,
        document: str,
        code: Code,
        rows: Iterable[SheetRow],
        cases: Mapping[int, Case],
        first: int,
        out: list[bytes],
    ) -> int:
        """Sheet rows (see :data:`SheetRow`) of one document and one code, as
        :meth:`row` renders their records but in UTF-8, numbered from ``first``,
        appended to ``out``; the number of the row after them."""
        pre = self._pre
        at = 2 + self._depth
        name = self._documents.get(document)
        if name is None:
            name = self._documents[document] = pre[0] + text_body(document)
        head = f'<row r="{_NUMBER}">{name}{self._code(code)[1]}'.encode()
        start_cell = f'{pre[at + 3]} t="n"><v>'.encode()
        end_cell = f'</v></c>{pre[at + 4]} t="n"><v>'.encode()
        text_cell = f"</v></c>{pre[at + 5]}".encode()
        memo_cell = pre[at + 9].encode()
        empty = _EMPTY.encode()
        coders, voices, case_ids = self._coder_bytes, self._voice_bytes, self._case_bytes
        n = first
        append = out.append
        for _, start, end, coder, _, auto, sugg, text, memo, speaker, stamp, number, case in rows:
            coder_key = (coder, auto, sugg)
            coder_text = coders.get(coder_key)
            if coder_text is None:
                coder_text = coders[coder_key] = (
                    f"{pre[at]}{text_body(coder)}"
                    f'{pre[at + 1]} t="n"><v>{int(auto)}</v></c>'
                    f'{pre[at + 2]} t="n"><v>{int(sugg)}</v></c>'
                ).encode()
            # the speaker and time repeat over a document's rows, the number less so
            voice_key = (speaker, stamp)
            voice = voices.get(voice_key)
            if voice is None:
                if len(voices) >= _KEEP:
                    voices.clear()
                voice = voices[voice_key] = self._unit((speaker, stamp, None))[
                    : -len(_EMPTY)
                ].encode()
            case_text = case_ids.get(case)
            if case_text is None:
                if len(case_ids) >= _KEEP:
                    case_ids.clear()
                case_text = case_ids[case] = self._case(cases.get(case))[1].encode()
            append(
                b"".join(
                    (
                        head,
                        coder_text,
                        start_cell,
                        b"%d" % start,
                        end_cell,
                        b"%d" % end,
                        text_cell,
                        utf8_body(text),
                        voice,
                        empty if number is None else b' t="n"><v>%d</v></c>' % number,
                        memo_cell,
                        empty if not memo else utf8_body(memo),
                        case_text,
                        b"</row>",
                    )
                ).replace(b"\x00", b"%d" % n)
            )
            n += 1
        return n

    def _unit(self, key: tuple[str | None, float | None, int | None]) -> str:
        speaker, timestamp, paragraph = key
        pre, at = self._pre, 2 + self._depth
        stamp = _EMPTY if timestamp is None else text_body(format_timestamp(timestamp))
        number = _EMPTY if paragraph is None else f' t="n"><v>{paragraph}</v></c>'
        if len(self._units) >= _KEEP:
            self._units.clear()
        made = self._units[key] = (
            f"{pre[at + 6]}{text_body(speaker or '')}{pre[at + 7]}{stamp}{pre[at + 8]}{number}"
        )
        return made


def number_rows(pieces: Iterable[bytes], first: int, counted: list[int]) -> Iterator[bytes]:
    """Rows rendered by :class:`CodingRows` (joined by ``\\x01`` in each piece), numbered
    from ``first`` in the order given, in slices of about a megabyte; ``counted[0]``
    counts them."""
    n = first
    out: list[bytes] = []
    size = 0
    for piece in pieces:
        for row in piece.split(b"\x01"):
            out.append(row.replace(b"\x00", b"%d" % n))
            n += 1
        size += len(piece)
        counted[0] = n - first
        if size >= _FLUSH:
            yield b"".join(out)
            out, size = [], 0
    if out:
        yield b"".join(out)


def _in_order(selection: Selection, render: CodingRows) -> Iterator[bytes]:
    # a selection's records are in the sheet's order already: rendered in slices
    records = selection.records
    step = 2000
    for i in range(0, len(records), step):
        rows = [render.row(r) for r in records[i : i + step]]
        yield _ROW_END.join(rows).encode("utf-8")


def _spill_all(stream: SelectionStream, render: CodingRows, spill: Spill) -> None:
    # each document's rows filed by code
    order = record_order(stream.codes)
    for batch in stream.batches:
        by_code: dict[int, list[str]] = {}
        for record in sorted(batch.records, key=order):
            by_code.setdefault(record.code.id, []).append(render.row(record))
        for code_id, rows in by_code.items():
            spill.add(code_id, batch.name, _ROW_END.join(rows).encode("utf-8"))


def _spill_sheet(rows: SheetRows, spill: Spill) -> None:
    # each document's rows (in the sheet's order already) filed by code, as the tuples
    # themselves: rendered, they weighed seven times as much, to be written and read back
    for batch in rows.batches:
        name = batch.document.name
        for rank, group in groupby(batch.rows, itemgetter(0)):
            spill.add(rank, batch.name, marshal.dumps((name, list(group))))


def _sheet_back(
    stream: SelectionStream,
    rows: SheetRows,
    spill: Spill,
    render: CodingRows,
    first: int,
    counted: list[int],
) -> Iterator[bytes]:
    # code by code, documents by name: rendered and numbered as they come back
    n = first
    out: list[bytes] = []
    for rank, code in enumerate(stream.codes):
        for piece in spill.pieces(rank, whole=True):
            document, group = marshal.loads(piece)
            n = render.numbered(document, code, group, rows.cases, n, out)
            counted[0] = n - first
            if len(out) >= 1000:
                yield b"".join(out)
                out = []
    if out:
        yield b"".join(out)


def _read_back(stream: SelectionStream, spill: Spill) -> Iterator[bytes]:
    # code by code, documents by name
    for code in stream.codes:
        yield from spill.pieces(code.id, whole=True)


@contextmanager
def read_sheet_rows(
    source: Selection | SelectionStream,
    depth: int,
    first: int,
    counted: list[int],
    folder: Path | None = None,
) -> Iterator[Iterator[bytes]]:
    """:func:`sheet_rows`, with a stream read whole on entering the block (its rows
    filed in a temporary file in ``folder``, kept until the block ends): what the
    workbook writes after the rows, its statistics counted on the same pass, is then
    known before the first part of the package is written."""
    render = CodingRows(source.attributes, depth)
    if isinstance(source, Selection):
        yield number_rows(_in_order(source, render), first, counted)
        return
    if source.sheet is not None:
        with Spill(folder) as spill:
            _spill_sheet(source.sheet, spill)
            yield _sheet_back(source, source.sheet, spill, render, first, counted)
        return
    with Spill(folder) as spill:
        _spill_all(source, render, spill)
        yield number_rows(_read_back(source, spill), first, counted)


def sheet_rows(
    source: Selection | SelectionStream,
    depth: int,
    first: int,
    counted: list[int],
    folder: Path | None = None,
) -> Iterator[bytes]:
    """The Codings sheet's ``<row>`` elements from ``first`` on, in the sheet's order,
    in slices of about a megabyte; ``counted[0]`` is the number of rows written. A
    stream is read one document at a time, through a temporary file in ``folder``."""
    with read_sheet_rows(source, depth, first, counted, folder) as rows:
        yield from rows
