"""Codings as tables: one row per coding with every field, in CSV or XLSX.

The writer receives the codings as records (a :class:`Selection`, read by
:func:`codage.services.selection.select_codings`) and a path; it also holds
what every writer shares: text safe for XML and for spreadsheet cells.
"""

from __future__ import annotations

import csv
import io
import pickle
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codage.exchange.atomic import ExportWriteError, atomic_path
from codage.exchange.spill import Spill
from codage.i18n import register, t
from codage.services.selection import CodingRecord, Selection, SelectionStream, record_order

register(
    {
        "tables.document": {"en": "document", "fr": "document"},
        "tables.code": {"en": "code", "fr": "code"},
        "tables.level": {"en": "level_{n}", "fr": "niveau_{n}"},
        "tables.coder": {"en": "coder", "fr": "codeur"},
        "tables.automatic": {"en": "automatic", "fr": "automatique"},
        "tables.suggested": {"en": "suggested", "fr": "suggéré"},
        "tables.start": {"en": "start", "fr": "début"},
        "tables.end": {"en": "end", "fr": "fin"},
        "tables.text": {"en": "text", "fr": "texte"},
        "tables.speaker": {"en": "speaker", "fr": "locuteur"},
        "tables.timestamp": {"en": "timestamp", "fr": "horodatage"},
        "tables.paragraph": {"en": "paragraph", "fr": "paragraphe"},
        "tables.memo": {"en": "memo", "fr": "mémo"},
        "tables.case": {"en": "case", "fr": "cas"},
        "tables.codings": {"en": "Codings", "fr": "Codages"},
        "tables.unknown_format": {
            "en": "unknown table format {fmt!r}: use csv or xlsx",
            "fr": "format de tableau inconnu {fmt!r} : csv ou xlsx",
        },
    }
)

# Characters XML 1.0 (so docx and xlsx) cannot hold; a stray one in a transcript
# must not make a whole export fail.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """The text without the control characters XML refuses."""
    return _ILLEGAL_XML.sub("", text)


def escape_text(text: str) -> str:
    """XML text content escaped as lxml escapes it (``&``, ``<``, ``>``, carriage return),
    for the Word and Excel parts written as text."""
    # str.replace, much faster than str.translate on the accented text of a French
    # corpus, and each skipped when its character is absent
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


# A cell starting with one of these is run as a formula by spreadsheet programs
# (formula injection): a passage reading "=HYPERLINK(...)" must stay text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> Any:
    """A value for a CSV or XLSX cell: text that would start a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def format_timestamp(seconds: float | None) -> str:
    """``hh:mm:ss`` (empty when there is no timestamp)."""
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


@dataclass
class TableReport:
    """What a table export wrote."""

    path: Path
    format: str
    rows: int
    sheets: list[str] = field(default_factory=list)


def coding_rows(
    selection: Selection | SelectionStream, folder: Path | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and one row per coding with every field, made as they are written
    (a million rows held as lists weighed as much again as the records). A stream's
    rows come in :func:`ordered_rows`' order, through a temporary file in ``folder``."""
    header, depth = _header(selection)
    if isinstance(selection, Selection):
        return header, _rows(selection.records, selection.attributes, depth)
    if selection.sheet is not None:
        # its codings are in ``sheet``, which only the workbook writes: not lost here
        raise ValueError("a stream read as sheet rows is written by the xlsx export only")
    return header, ordered_rows(selection, depth, folder)


def _header(selection: Selection | SelectionStream) -> tuple[list[str], int]:
    """The header of the codings' table, and how many code levels it has."""
    depth = max((len(c.path) for c in selection.codes), default=1)
    header = [
        t("tables.document"),
        t("tables.code"),
        *(t("tables.level", n=i) for i in range(1, depth + 1)),
        t("tables.coder"),
        # 1 for a coding made by auto-coding from a search, 0 for one made by hand
        t("tables.automatic"),
        # 1 for a coding its coder accepted from a code suggestion (codage suggest)
        t("tables.suggested"),
        t("tables.start"),
        t("tables.end"),
        t("tables.text"),
        t("tables.speaker"),
        t("tables.timestamp"),
        t("tables.paragraph"),
        t("tables.memo"),
        t("tables.case"),
        *selection.attributes,
    ]
    return header, depth


def ordered_rows(
    stream: SelectionStream, depth: int, folder: Path | None = None
) -> Iterator[list[Any]]:
    """The stream's rows in :class:`Selection` order (code tree, document name, position,
    coder, id), holding one document's at a time: each document's rows are filed by
    code in a temporary file (in ``folder``), then read back code by code."""
    order = record_order(stream.codes)
    with Spill(folder) as spill:
        for batch in stream.batches:
            by_code: dict[int, list[CodingRecord]] = {}
            for record in sorted(batch.records, key=order):
                by_code.setdefault(record.code.id, []).append(record)
            for code_id, records in by_code.items():
                rows = list(_rows(records, stream.attributes, depth))
                spill.add(code_id, batch.name, pickle.dumps(rows, pickle.HIGHEST_PROTOCOL))
        for code in stream.codes:
            for piece in spill.pieces(code.id, whole=True):
                yield from pickle.loads(piece)


def _rows(
    records: Iterable[CodingRecord], attributes: list[str], depth: int
) -> Iterator[list[Any]]:
    for r in records:
        levels = list(r.code.path) + [""] * (depth - len(r.code.path))
        attrs = r.case.attributes if r.case else {}
        yield [
            r.document.name,
            r.code.path_str,
            *levels,
            r.coding.coder,
            int(r.coding.automatic),
            int(r.coding.suggested),
            r.coding.start,
            r.coding.end,
            r.coding.text,
            r.speaker or "",
            format_timestamp(r.timestamp),
            r.paragraph if r.paragraph is not None else "",
            r.coding.memo or "",
            r.case.name if r.case else "",
            *(_cell(attrs.get(a)) for a in attributes),
        ]


def _cell(value: object) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sheet_title(title: str, taken: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ , unique regardless of case.
    clean = re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate.casefold() in taken:
        suffix = f" ({n})"
        candidate = clean[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate.casefold())
    return candidate


# Extra sheets of a workbook: (title, rows)
Sheets = Sequence[tuple[str, Sequence[Sequence[Any]]]]

# The row that stands where the codings go in the sheet openpyxl writes (its first sheet).
_ROWS_MARKER = "codage-rows-4b9e2d71"
_ROWS_MARKER_XML = f'<row r="2"><c r="A2" t="inlineStr"><is><t>{_ROWS_MARKER}</t></is></c></row>'
_CODINGS_PART = "xl/worksheets/sheet1.xml"


def _xlsx_value(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = xml_safe(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def export_codings(
    selection: Selection | SelectionStream,
    out_path: str | Path,
    fmt: str = "csv",
    *,
    sheets: Sheets | Callable[[], Sheets] = (),
    delimiter: str = ",",
) -> TableReport:
    """Write one row per coding of ``selection`` (CSV in UTF-8 with a BOM for Excel, or XLSX).

    A :class:`SelectionStream` (from :func:`codage.services.selection.stream_codings`)
    is read one document at a time, its rows ordered through a temporary file beside
    ``out_path``; a :class:`Selection` is written as it is.

    ``sheets`` are extra (title, rows) tables for the XLSX workbook, such as
    :meth:`codage.analysis.stats.Stats.sheets`, or a function giving them, called once
    the rows are read (tables counted on the same pass); the CSV ignores them.
    """
    fmt = fmt.lower()
    if fmt not in ("csv", "xlsx"):
        raise ValueError(t("tables.unknown_format", fmt=fmt))
    out = Path(out_path)
    if fmt == "csv":
        header, rows = _counted(selection, out.parent)
        with (
            atomic_path(out) as part,
            part.open("w", encoding="utf-8-sig", newline="") as handle,
        ):
            writer = csv.writer(handle, delimiter=delimiter)
            writer.writerow([cell_safe(v) for v in header])
            writer.writerows([cell_safe(v) for v in row] for row in rows)
        return TableReport(out, fmt, rows.count)

    # openpyxl (write-only) writes the workbook around the rows: the header, the extra
    # sheets, styles; the rows themselves go into the Codings sheet as text where a marker
    # row stands (see sheet_xml.py), written straight into the zip. openpyxl streams its
    # sheets through temporary files of the system's temporary folder: that folder full
    # (or a file-size limit) fails inside lxml, said here in one line.
    from lxml.etree import SerialisationError
    from openpyxl import Workbook  # imported here: only the xlsx path pays for it

    from codage.exchange.coding_sheet import read_sheet_rows
    from codage.exchange.package import splice_package

    header, depth = _header(selection)
    written = [0]
    titles: list[str] = []
    try:
        # the rows go straight from the records to the sheet's text (coding_sheet.py),
        # the same cells as coding_rows' values written by openpyxl; a stream is read
        # whole first, so that sheets counted on its pass are known for the template
        with (
            atomic_path(out) as part,
            read_sheet_rows(selection, depth, 2, written, out.parent) as body,
        ):
            book = Workbook(write_only=True)
            taken: set[str] = set()
            titles.append(_sheet_title(t("tables.codings"), taken))
            sheet = book.create_sheet(titles[0])
            sheet.append([_xlsx_value(v) for v in header])
            sheet.append([_ROWS_MARKER])
            for title, table in sheets() if callable(sheets) else sheets:
                name = _sheet_title(title, taken)
                titles.append(name)
                extra = book.create_sheet(name)
                for line in table:
                    extra.append([_xlsx_value(v) for v in line])
            template = io.BytesIO()
            book.save(template)
            splice_package(part, template, _CODINGS_PART, _ROWS_MARKER_XML, body, beside=True)
    except (OSError, SerialisationError) as exc:
        if isinstance(exc, ExportWriteError):
            raise
        raise ExportWriteError(
            f"{out}: could not be written: the temporary folder or the disk refused "
            f"({getattr(exc, 'strerror', None) or exc}: full, or a file too large)"
        ) from None
    return TableReport(out, fmt, written[0], titles)


class _Counting:
    """Rows passed through, counted."""

    def __init__(self, rows: Iterator[list[Any]]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[list[Any]]:
        for row in self._rows:
            self.count += 1
            yield row


def _counted(selection: Selection | SelectionStream, folder: Path) -> tuple[list[str], _Counting]:
    # a stream's temporary file beside the export: on the disk it is written to
    header, rows = coding_rows(selection, folder)
    return header, _Counting(rows)
