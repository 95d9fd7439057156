"""The ``--case-attributes`` file: document name -> case name and attributes (CSV or YAML).

CSV: a header row; the document column is called ``document`` (or ``doc``,
``fichier``, ``file``, ``nom``, ``name``; else the first column), the case column
``cas`` (or ``case``; without one the document name is the case name); every
other column is an attribute, numbers typed as numbers::

    document,cas,type_collectivite,role,date_entretien,taille
    entretien-01-region,DSI-01,Région,DSI,2026-01-20,4800

YAML: a mapping from document name to its fields, or a list of mappings with a
``document`` key::

    entretien-01-region: {cas: DSI-01, type_collectivite: Région, taille: 4800}
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from codage.domain import AttributeValue, fold
from codage.ingest.encoding import decode_bytes
from codage.ingest.errors import IngestError
from codage.ingest.readers.tables import sniff_delimiter, typed_column

_DOCUMENT_KEYS = ("document", "doc", "fichier", "file", "nom", "name", "entretien")
_CASE_KEYS = ("cas", "case", "participant", "repondant", "enquete")


@dataclass(frozen=True, slots=True)
class CaseAssignment:
    """The case a document belongs to and the attributes of that case."""

    case: str
    attributes: dict[str, AttributeValue] = field(default_factory=dict)


class CaseTable:
    """Case assignments looked up by document name (case and accents ignored)."""

    def __init__(self, assignments: dict[str, CaseAssignment]) -> None:
        self._by_name = {_key(name): a for name, a in assignments.items()}

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, document_name: str) -> CaseAssignment | None:
        """The assignment of a document, by its name or its file name."""
        key = _key(document_name)
        found = self._by_name.get(key)
        if found is None and "." in key:
            found = self._by_name.get(key.rsplit(".", 1)[0])
        return found


def _key(name: str) -> str:
    return " ".join(fold(name).split())


def load_case_table(path: str | Path) -> CaseTable:
    """Read a case attributes file; raises :class:`IngestError` when it is unusable."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(
            path, f"cannot read the case attributes ({exc.strerror or exc})"
        ) from None
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return CaseTable(_from_yaml(path, decode_bytes(data, path)))
    if suffix in (".csv", ".tsv", ".txt"):
        return CaseTable(_from_csv(path, decode_bytes(data, path)))
    raise IngestError(path, "case attributes must be a .csv or .yaml file")


def _from_csv(path: Path, text: str) -> dict[str, CaseAssignment]:
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text)) if any(r)]
    if len(rows) < 2:
        raise IngestError(path, "the case attributes table needs a header and at least one row")
    header = [h.strip() for h in rows[0]]
    folded = [fold(h) for h in header]
    doc_col = next((folded.index(k) for k in _DOCUMENT_KEYS if k in folded), 0)
    case_col = next((folded.index(k) for k in _CASE_KEYS if k in folded), None)
    body = [r + [""] * (len(header) - len(r)) for r in rows[1:]]
    attribute_cols = [i for i in range(len(header)) if i not in (doc_col, case_col) and header[i]]
    typed = {i: typed_column([r[i].strip() or None for r in body]) for i in attribute_cols}
    out: dict[str, CaseAssignment] = {}
    for r, row in enumerate(body):
        document = row[doc_col].strip()
        if not document:
            continue
        case = row[case_col].strip() if case_col is not None else ""
        attributes = {header[i]: typed[i][r] for i in attribute_cols if typed[i][r] is not None}
        out[document] = CaseAssignment(case or document, attributes)
    return out


def _from_yaml(path: Path, text: str) -> dict[str, CaseAssignment]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise IngestError(
            path, f"this YAML file is malformed{where}; check its indentation"
        ) from None
    entries: list[tuple[str, dict[str, Any]]] = []
    if isinstance(data, dict):
        for name, fields in data.items():
            entries.append((str(name), fields if isinstance(fields, dict) else {"cas": fields}))
    elif isinstance(data, list):
        for item in data:
            if not isinstance(item, dict):
                raise IngestError(path, "each list item must be a mapping with a 'document' key")
            key = next((k for k in item if fold(str(k)) in _DOCUMENT_KEYS), None)
            if key is None:
                raise IngestError(path, "each list item needs a 'document' key")
            fields = {k: v for k, v in item.items() if k != key}
            entries.append((str(item[key]), fields))
    else:
        raise IngestError(path, "expected a mapping from document names to cases")
    out: dict[str, CaseAssignment] = {}
    for name, fields in entries:
        case_key = next((k for k in fields if fold(str(k)) in _CASE_KEYS), None)
        case = str(fields[case_key]) if case_key is not None else name
        attributes = {
            str(k): _yaml_value(v) for k, v in fields.items() if k != case_key and v is not None
        }
        out[name] = CaseAssignment(case, attributes)
    return out


def _yaml_value(value: Any) -> AttributeValue:
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
