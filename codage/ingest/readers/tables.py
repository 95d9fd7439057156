"""Open comments in a table (``.csv``, ``.tsv``, ``.xlsx``): one document per question.

Each open-ended question column becomes one ``survey`` document: the answers one
after another, separated by a blank line, one ``answer`` unit per non-empty
answer, linked to the respondent's case (``unit_cases``). Respondents are named
by the id column (or ``<file stem> #<row>`` when there is none) and carry the
other columns as case attributes, numbers typed as numbers.

Column roles are detected and can be forced (:class:`TableOptions`):

- id: every row filled, all values unique and short; a column named like an id
  (``id``, ``identifiant``, ``répondant``, ``numéro``...) or else the first column;
- open text: long free text (several words on average) with mostly distinct values;
- attributes: everything else with values (short categories, numbers, dates).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from codage.domain import AttributeValue, NewDocument, Unit, fold, normalise_text
from codage.ingest.encoding import clean_text, decode_bytes
from codage.ingest.errors import IngestError
from codage.ingest.zipguard import check_zip

_ID_HINTS = {
    "id",
    "identifiant",
    "ident",
    "repondant",
    "repondante",
    "respondent",
    "numero",
    "num",
    "no",
    "n°",
    "matricule",
    "participant",
    "ref",
    "reference",
    "uid",
    "code",
    "cle",
}
_TEXT_HINTS = (
    "commentaire",
    "comment",
    "remarque",
    "pourquoi",
    "precise",
    "expliq",
    "avis",
    "suggestion",
    "verbatim",
    "texte",
    "reponse libre",
    "?",
)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)?|\d{1,3}(?:[  \u202f]\d{3})+(?:[.,]\d+)?)")
MAX_ID_LENGTH = 40


@dataclass(frozen=True, slots=True)
class TableOptions:
    """Column roles forced by the person importing; None means detect."""

    id_column: str | None = None
    text_columns: Sequence[str] | None = None
    attribute_columns: Sequence[str] | None = None


@dataclass(slots=True)
class ColumnRoles:
    """The roles found (or forced) for the columns of a table, by column index."""

    id_column: int | None
    text_columns: list[int]
    attribute_columns: list[int] = field(default_factory=list)


def read_csv(path: Path, options: TableOptions | None = None) -> list[NewDocument]:
    """Read a ``.csv``/``.tsv`` (``,`` ``;`` or tab, any supported encoding)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror or exc})") from None
    text = decode_bytes(data, path)
    delimiter = sniff_delimiter(text)
    try:
        rows: list[list[Any]] = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise IngestError(path, f"this CSV file is malformed ({exc}); check its quotes") from None
    return table_documents(path, rows, options or TableOptions(), {"format": "csv"})


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
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
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


def table_documents(
    path: Path, rows: list[list[Any]], options: TableOptions, metadata: dict[str, Any]
) -> list[NewDocument]:
    """Turn the rows of a table (header first) into one survey document per text column."""
    rows = [[_cell(v) for v in row] for row in rows]
    rows = [row for row in rows if any(v is not None for v in row)]
    if not rows:
        raise IngestError(path, "the table is empty; nothing to import")
    width = max(len(row) for row in rows)
    header = _header(rows[0], width)
    body = [row + [None] * (width - len(row)) for row in rows[1:]]
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
        )
        for d in documents
    ]


def column_roles(
    path: Path, header: list[str], columns: list[list[Any]], options: TableOptions
) -> ColumnRoles:
    """Decide which column is the id, which hold open text and which are attributes."""
    stats = [_ColumnStats.of(values) for values in columns]
    id_column = (
        _find_column(path, header, options.id_column)
        if options.id_column
        else _detect_id(header, stats)
    )
    if options.text_columns:
        texts = [_find_column(path, header, name) for name in options.text_columns]
    else:
        texts = [
            i for i, s in enumerate(stats) if i != id_column and s.is_open_text(fold(header[i]))
        ]
    if options.attribute_columns is not None:
        attrs = [_find_column(path, header, name) for name in options.attribute_columns]
        texts = [i for i in texts if i not in attrs]
    else:
        attrs = [
            i for i, s in enumerate(stats) if i != id_column and i not in texts and s.filled > 0
        ]
    return ColumnRoles(id_column, texts, attrs)


@dataclass(slots=True)
class _ColumnStats:
    rows: int
    filled: int
    distinct: int
    mean_words: float
    max_words: int
    max_length: int
    numeric: int

    @classmethod
    def of(cls, values: list[Any]) -> _ColumnStats:
        texts = [_as_text(v) for v in values if v is not None]
        words = [len(t.split()) for t in texts]
        return cls(
            rows=len(values),
            filled=len(texts),
            distinct=len(set(texts)),
            mean_words=sum(words) / len(words) if words else 0.0,
            max_words=max(words, default=0),
            max_length=max((len(t) for t in texts), default=0),
            numeric=sum(1 for v in values if v is not None and _number(v) is not None),
        )

    def could_be_id(self) -> bool:
        return (
            self.filled == self.rows
            and self.distinct == self.filled
            and self.max_length <= MAX_ID_LENGTH
            and self.max_words <= 3
        )

    def is_open_text(self, folded_name: str) -> bool:
        if not self.filled or self.numeric > self.filled / 2:
            return False
        variety = self.distinct / self.filled
        hinted = any(h in folded_name for h in _TEXT_HINTS)
        if hinted and self.mean_words >= 2 and variety >= 0.5:
            return True
        if self.mean_words >= 4 and self.max_words >= 6 and variety >= 0.5:
            return True
        # Short but nearly all different answers in a large table are still free text.
        return self.filled >= 20 and self.mean_words >= 2.5 and variety >= 0.9


def _detect_id(header: list[str], stats: list[_ColumnStats]) -> int | None:
    candidates = [i for i, s in enumerate(stats) if s.could_be_id()]
    for i in candidates:
        tokens = set(re.split(r"[^\w°]+", fold(header[i])))
        if tokens & _ID_HINTS:
            return i
    return 0 if 0 in candidates else None


def _find_column(path: Path, header: list[str], name: str) -> int:
    wanted = fold(name).strip()
    for i, column in enumerate(header):
        if fold(column).strip() == wanted:
            return i
    raise IngestError(path, f"no column named {name!r}; the columns are: " + ", ".join(header))


def _header(row: list[Any], width: int) -> list[str]:
    names: list[str] = []
    for i in range(width):
        value = row[i] if i < len(row) else None
        name = " ".join(_as_text(value).split()) if value is not None else ""
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
    ids = [_as_text(v) if v is not None else generated[r] for r, v in enumerate(columns[id_column])]
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
        answer = clean_text(_as_text(value)).strip() if _as_text(value).strip() else ""
        # A blank line separates answers, so none may contain one.
        answer = re.sub(r"\n\s*\n+", "\n", answer)
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


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if not isinstance(value, str) or not _NUMBER.fullmatch(value.strip()):
        return None
    text = re.sub(r"[  \u202f]", "", value.strip()).replace(",", ".")
    digits = text.lstrip("+-")
    # A leading zero marks an identifier (postcode 01000, code 007), not a quantity.
    if len(digits) > 1 and digits[0] == "0" and digits[1] != ".":
        return None
    number = float(text)
    return int(number) if "." not in text else number


def typed_column(values: list[Any]) -> list[AttributeValue]:
    """Numbers as numbers when every filled cell is one; otherwise text (dates as ISO)."""
    filled = [v for v in values if v is not None]
    if filled and all(isinstance(v, bool) for v in filled):
        return list(values)
    numbers = [_number(v) for v in filled]
    if filled and all(n is not None for n in numbers):
        return [None if v is None else _number(v) for v in values]
    return [None if v is None else _as_text(v) for v in values]
