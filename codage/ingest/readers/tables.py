"""Open comments in a table (``.csv``, ``.tsv``, ``.xlsx``): one document per question.

Each open-ended question column becomes one ``survey`` document: the answers one
after another, separated by a blank line, one ``answer`` unit per non-empty
answer, linked to the respondent's case (``unit_cases``). Respondents are named
by the id column (or ``<file stem> #<row>`` when there is none) and carry the
other columns as case attributes, numbers typed as numbers.

Column roles are detected and can be forced (:class:`TableOptions`):

- id: every row filled, all values unique and short; a column named like an id
  (``id``, ``identifiant``, ``répondant``, ``numéro``...) or else the first column;
- open text: long free text (several words on average) with mostly distinct values,
  or a column named for comments (``commentaire``, ``précisez``, ``autre``,
  ``verbatim``...) holding sentences, however often "RAS" or "Non" repeats;
- attributes: everything else with values (short categories, numbers, dates), and
  always a closed choice (a handful of values, each chosen again and again, however
  long) or a column named for a name or title (``nom``, ``titre``, ``email``...).

A blank line inside an answer is a paragraph break of that answer and is kept.
Tables are read as a stream and bounded (:data:`MAX_TABLE_CELLS`); a CSV without a
header row is read with numbered columns and a warning; a CSV quote that is never
closed is refused rather than swallowing the rows after it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from codage.domain import AttributeValue, NewDocument, Unit, normalise_text
from codage.ingest.encoding import clean_text, decode_bytes
from codage.ingest.errors import IngestError
from codage.ingest.readers.columns import (
    MAX_ID_LENGTH,
    TableOptions,
    cell_number,
    cell_text,
    column_roles,
    typed_column,
)
from codage.ingest.zipguard import check_zip
from codage.limits import MAX_TABLE_CELLS

# Rows x columns of a table (after trailing empty rows and columns are cut):
# beyond this a file is refused rather than eating the memory of the machine.


def read_csv(path: Path, options: TableOptions | None = None) -> list[NewDocument]:
    """Read a ``.csv``/``.tsv`` (``,`` ``;`` or tab, any supported encoding)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror or exc})") from None
    text = decode_bytes(data, path)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[Any]] = []
    starts: list[int] = []  # the file line each record starts on, for messages
    end = 0
    try:
        for row in reader:
            starts.append(end + 1)
            end = reader.line_num
            rows.append(row)
    except csv.Error as exc:
        raise IngestError(path, f"this CSV file is malformed ({exc}); check its quotes") from None
    _check_quotes(path, text, delimiter, rows, starts)
    return table_documents(
        path, rows, options or TableOptions(), {"format": "csv"}, check_header=True
    )


def _check_quotes(
    path: Path, text: str, delimiter: str, rows: list[list[Any]], starts: list[int]
) -> None:
    """Refuse a quote that is never closed: csv would read every row after it as one cell.

    A quote closed much later (by a stray quote in another answer) swallows whole
    rows into one cell: found as lines of a cell that start like the rows do (the
    same shape of first cell, ``R0012``) and hold as many separators as a row.
    """
    width = len(rows[0]) if rows else 0
    firsts = {_shape(row[0]) for row in rows[1:] if row and "\n" not in row[0]}
    if width > 1 and 0 < len(firsts) <= 3:
        for number, row in enumerate(rows, start=1):
            for value in row:
                for inner in value.split("\n")[1:]:
                    head = inner.split(delimiter, 1)[0]
                    if inner.count(delimiter) >= width - 1 and _shape(head) in firsts:
                        raise _unclosed_quote(path, number, starts[number - 1])
    strict = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        for _ in strict:
            pass
    except csv.Error as exc:
        if "end of data" in str(exc):
            raise _unclosed_quote(path, len(rows), starts[-1]) from None


def _unclosed_quote(path: Path, record: int, line: int) -> IngestError:
    return IngestError(
        path,
        f"row {record} (line {line}) opens a quote that is not closed where the answer ends, "
        "so the rows after it would be read as one answer; fix that quote "
        '(a quote inside a quoted answer is written "")',
    )


def read_xlsx(path: Path, options: TableOptions | None = None) -> list[NewDocument]:
    """Read the first worksheet of an ``.xlsx`` workbook (openpyxl, read-only)."""
    import openpyxl

    check_zip(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, ValueError, zip errors...
        raise IngestError(
            path, f"this Excel file is corrupt ({exc}); open and save it again"
        ) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise IngestError(path, "this workbook has no worksheet")
        # The declared dimension (A1:XFD1048576 after a stray format) would pad
        # every row to it; forget it and read only the cells that exist.
        sheet.reset_dimensions()
        rows = bounded_rows(path, sheet.iter_rows(values_only=True))
        title = sheet.title
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(
            path, f"this Excel file is corrupt ({exc}); open and save it again"
        ) from None
    finally:
        workbook.close()
    return table_documents(
        path, rows, options or TableOptions(), {"format": "xlsx", "sheet": title}
    )


def sniff_delimiter(text: str) -> str:
    """``,``, ``;`` or tab: csv.Sniffer on a sample, or the most frequent in the header."""
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        header = sample.split("\n", 1)[0]
        return max(",;\t", key=header.count)


def bounded_rows(path: Path, rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """The non-empty rows of a stream of rows, trailing empty cells cut, within the bound.

    Raises :class:`IngestError` as soon as rows x columns exceed :data:`MAX_TABLE_CELLS`.
    """
    kept: list[list[Any]] = []
    width = 0
    for row in rows:
        if not row:  # the gaps a sparse sheet yields, often a million of them
            continue
        cells = [_cell(v) for v in row]
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            continue
        width = max(width, len(cells))
        kept.append(cells)
        if len(kept) * width > MAX_TABLE_CELLS:
            raise IngestError(
                path,
                f"this table is too large to import (more than {MAX_TABLE_CELLS:,} cells, "
                "MAX_TABLE_CELLS: "
                f"{len(kept):,} rows of up to {width:,} columns so far); keep only the rows "
                "and columns of the survey, or split the file",
            )
    return kept


def table_documents(
    path: Path,
    rows: list[list[Any]],
    options: TableOptions,
    metadata: dict[str, Any],
    *,
    check_header: bool = False,
) -> list[NewDocument]:
    """Turn the rows of a table (header first) into one survey document per text column.

    With ``check_header``, a first row that looks like data (a number over a column
    of numbers, an id shaped like the ids below it) is read as data, the columns
    numbered, and a warning says so.
    """
    rows = bounded_rows(path, rows)
    if not rows:
        raise IngestError(path, "the table is empty; nothing to import")
    width = max(len(row) for row in rows)
    warnings: list[str] = []
    padded = [row + [None] * (width - len(row)) for row in rows]
    header_width = len(rows[0])
    if check_header and len(padded) > 1 and _first_row_is_data(padded):
        warnings.append(
            f"the first row looks like answers, not column names "
            f"({', '.join(repr(cell_text(v)) for v in rows[0][:3] if v is not None)}...); "
            "it is read as a row and the columns are numbered"
        )
        header = _header([], width)
        body = padded
    else:
        header = _header(rows[0], width)
        body = padded[1:]
        longer = [n for n, row in enumerate(rows[1:], start=2) if len(row) > header_width]
        if longer:
            warnings.append(
                f"{len(longer)} row(s) have more cells than the header "
                f"(row {', '.join(map(str, longer[:10]))}); an unquoted separator in an "
                "answer? The extra cells are kept as columns named 'colonne N'"
            )
    if not body:
        raise IngestError(path, "the table has a header but no rows; nothing to import")
    columns = [[row[i] for row in body] for i in range(width)]
    roles = column_roles(path, header, columns, options)
    if not roles.text_columns:
        raise IngestError(
            path,
            "no column of open answers found (columns: "
            + ", ".join(header)
            + "); name it with --text-column",
        )
    respondents = _respondent_ids(path, header, columns, roles.id_column)
    typed = {i: typed_column(columns[i]) for i in roles.attribute_columns}
    attributes: dict[str, dict[str, AttributeValue]] = {}
    for r, respondent in enumerate(respondents):
        attributes[respondent] = {
            header[i]: typed[i][r] for i in roles.attribute_columns if typed[i][r] is not None
        }
    documents = []
    for column in roles.text_columns:
        document = _survey_document(path, header[column], columns[column], respondents, attributes)
        if document is not None:
            documents.append(document)
    if not documents:
        raise IngestError(path, "the open-answer columns are all empty; nothing to import")
    return [
        NewDocument(
            d.name,
            d.kind,
            d.text,
            d.units,
            d.source_path,
            {**metadata, **d.metadata},
            d.unit_cases,
            d.case,
            d.cases,
            list(warnings),
        )
        for d in documents
    ]


def _first_row_is_data(rows: list[list[Any]]) -> bool:
    """True when the first row has a value shaped like the values of its column below."""
    first, body = rows[0], rows[1:]
    for i, value in enumerate(first):
        below = [row[i] for row in body if row[i] is not None]
        if value is None or len(below) < 2:
            continue
        if cell_number(value) is not None and all(cell_number(v) is not None for v in below):
            return True
        shapes = {_shape(v) for v in below}
        if len(shapes) == 1 and _shape(value) in shapes and any(c.isdigit() for c in shapes.pop()):
            return True
    return False


def _shape(value: Any) -> str:
    """``R0012`` -> ``A9999``: the shape shared by generated identifiers."""
    text = cell_text(value)
    return re.sub(r"[^\W\d_]", "A", re.sub(r"\d", "9", text)) if len(text) <= MAX_ID_LENGTH else ""


def _header(row: list[Any], width: int) -> list[str]:
    names: list[str] = []
    for i in range(width):
        value = row[i] if i < len(row) else None
        name = " ".join(cell_text(value).split()) if value is not None else ""
        name = name or f"colonne {i + 1}"
        base, n = name, 2
        while name in names:
            name = f"{base} ({n})"
            n += 1
        names.append(name)
    return names


def _respondent_ids(
    path: Path, header: list[str], columns: list[list[Any]], id_column: int | None
) -> list[str]:
    rows = len(columns[0])
    generated = [f"{path.stem} #{r + 1}" for r in range(rows)]
    if id_column is None:
        return generated
    ids = [
        cell_text(v) if v is not None else generated[r] for r, v in enumerate(columns[id_column])
    ]
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise IngestError(
                path,
                f"the id column {header[id_column]!r} repeats the value {value!r}; "
                "choose another with --id-column",
            )
        seen.add(value)
    return ids


def _survey_document(
    path: Path,
    question: str,
    answers: list[Any],
    respondents: list[str],
    attributes: dict[str, dict[str, AttributeValue]],
) -> NewDocument | None:
    pieces: list[str] = []
    units: list[Unit] = []
    unit_cases: dict[int, str] = {}
    cases: dict[str, dict[str, AttributeValue]] = {}
    pos = 0
    for respondent, value in zip(respondents, answers, strict=True):
        if value is None:
            continue
        answer = clean_text(cell_text(value)).strip() if cell_text(value).strip() else ""
        # Paragraphs of one answer (a long comment, a tweet) stay apart; the answer
        # stays one unit, so a blank line inside it is not a boundary between answers.
        answer = re.sub(r"\n[ \t]*\n\s*", "\n\n", answer)
        if not answer:
            continue
        if pieces:
            pos += 2
        pieces.append(answer)
        unit_cases[len(units)] = respondent
        units.append(Unit("answer", pos, pos + len(answer), position=len(units)))
        cases[respondent] = attributes.get(respondent, {})
        pos += len(answer)
    if not units:
        return None
    return NewDocument(
        name=f"{path.stem} — {question}",
        kind="survey",
        text="\n\n".join(pieces),
        units=units,
        source_path=str(path),
        metadata={"question": question, "answers": len(units)},
        unit_cases=unit_cases,
        cases=cases,
    )


def _cell(value: Any) -> Any:
    """Empty strings and blank cells as None; text normalised."""
    if value is None:
        return None
    if isinstance(value, str):
        value = normalise_text(value).strip()
        return value or None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
