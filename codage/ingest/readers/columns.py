"""Which role each column of a survey table plays: id, open question or attribute.

Also how a cell reads as text or as a number, which the table reader shares.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from codage.domain import AttributeValue, fold
from codage.ingest.errors import IngestError

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
    "libre",
    "other",
    "autre",
    "observation",
    "free text",
    "open",
    "ouvert",
    "why",
    "explain",
    "feedback",
    "?",
)
# Columns that name or title something: never open questions, however varied.
_NAME_HINTS = {
    "nom",
    "name",
    "prenom",
    "firstname",
    "lastname",
    "surname",
    "username",
    "titre",
    "title",
    "intitule",
    "email",
    "mail",
    "courriel",
    "login",
    "id",
    "identifiant",
    "uid",
    "url",
}
# A closed choice: at most this many distinct values, most of them chosen again.
MAX_CHOICES = 12
# Rows x columns of a table (after trailing empty rows and columns are cut):
# beyond this a file is refused rather than eating the memory of the machine.
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
            i
            for i, s in enumerate(stats)
            if i != id_column and s.is_open_text(fold(header[i]).strip())
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
    # distinct values chosen more than once
    repeated: int
    # the same three counts over the cells of three words or more (sentences)
    sentences: int
    sentence_distinct: int
    sentence_repeated: int

    @classmethod
    def of(cls, values: list[Any]) -> _ColumnStats:
        texts = [cell_text(v) for v in values if v is not None]
        words = [len(t.split()) for t in texts]
        counts = Counter(texts)
        said = Counter({t: n for t, n in counts.items() if len(t.split()) >= 3})
        return cls(
            rows=len(values),
            filled=len(texts),
            distinct=len(set(texts)),
            mean_words=sum(words) / len(words) if words else 0.0,
            max_words=max(words, default=0),
            max_length=max((len(t) for t in texts), default=0),
            numeric=sum(1 for v in values if v is not None and cell_number(v) is not None),
            repeated=sum(1 for n in counts.values() if n > 1),
            sentences=sum(said.values()),
            sentence_distinct=len(said),
            sentence_repeated=sum(1 for n in said.values() if n > 1),
        )

    def could_be_id(self) -> bool:
        return (
            self.filled == self.rows
            and self.distinct == self.filled
            and self.max_length <= MAX_ID_LENGTH
            and self.max_words <= 3
        )

    def is_closed_choice(self) -> bool:
        """A handful of values, most chosen again and again: answers to a closed question."""
        return _closed(self.filled, self.distinct, self.repeated)

    def is_open_text(self, folded_name: str) -> bool:
        if not self.filled or self.numeric > self.filled / 2:
            return False
        tokens = set(re.split(r"[^\w°]+", folded_name))
        named = any(h in folded_name for h in _TEXT_HINTS if h != "?")
        if tokens & _NAME_HINTS and not named:
            return False
        if named:
            # A comment column holds sentences among its "RAS" and "Non", which
            # repeat; it is a closed choice only if its sentences themselves do.
            if _closed(self.sentences, self.sentence_distinct, self.sentence_repeated):
                return False
            if self.sentences >= min(3, math.ceil(self.filled / 2)):
                return True
        if self.is_closed_choice():
            return False
        variety = self.distinct / self.filled
        hinted = named or "?" in folded_name
        if hinted and self.mean_words >= 2 and variety >= 0.5:
            return True
        if self.mean_words >= 4 and self.max_words >= 6 and variety >= 0.5:
            return True
        # Short but nearly all different answers in a large table are still free text.
        return self.filled >= 20 and self.mean_words >= 2.5 and variety >= 0.9


def _closed(filled: int, distinct: int, repeated: int) -> bool:
    return 0 < distinct <= MAX_CHOICES and filled >= 3 * distinct and 3 * repeated >= 2 * distinct


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


def cell_text(value: Any) -> str:
    """A cell as text: booleans as oui/non, whole floats as integers, dates as ISO."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def cell_number(value: Any) -> int | float | None:
    """A cell as a number, or None when it is not one (identifiers with a leading zero)."""
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
    numbers = [cell_number(v) for v in filled]
    if filled and all(n is not None for n in numbers):
        return [None if v is None else cell_number(v) for v in values]
    return [None if v is None else cell_text(v) for v in values]
