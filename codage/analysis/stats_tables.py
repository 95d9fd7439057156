"""The tables of ``codage stats``: frequencies per code, code x document and code x
attribute crosstabs, co-occurrence; with their JSON and spreadsheet forms.

Computed by :mod:`codage.analysis.stats`, which names them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from codage.domain import Code

__all__ = ["CodeFrequency", "Stats"]


@dataclass(frozen=True, slots=True)
class CodeFrequency:
    """How much one code is used (its own codings; sub-codes count for themselves)."""

    code_id: int
    path: str
    codings: int
    documents: int
    cases: int
    coders: int
    characters: int
    share: float  # characters covered by the code's union / characters of the corpus


@dataclass
class Stats:
    """Every table of ``codage stats``; codes are listed in tree order."""

    codes: list[Code]
    documents: list[str]
    total_characters: int
    frequencies: list[CodeFrequency]
    # code id -> document name -> codings
    by_document: dict[int, dict[str, int]]
    # attribute -> code id -> value (as text) -> codings
    by_attribute: dict[str, dict[int, dict[str, int]]]
    # attribute -> code id -> value (as text) -> distinct cases
    cases_by_attribute: dict[str, dict[int, dict[str, int]]]
    # (code id a, code id b), a before b in tree order -> number of passages coded with both
    cooccurrence_passage: dict[tuple[int, int], int]
    # same key -> number of units touched by both codes
    cooccurrence_unit: dict[tuple[int, int], int]
    unit_kinds: dict[str, str] = field(default_factory=dict)  # document -> unit kind used

    def _path(self, code_id: int) -> str:
        for code in self.codes:
            if code.id == code_id:
                return code.path_str
        return str(code_id)

    def attribute_values(self, attribute: str) -> list[str]:
        values: set[str] = set()
        for per_code in self.by_attribute.get(attribute, {}).values():
            values.update(per_code)
        return sorted(values)

    def used_codes(self) -> list[Code]:
        """Codes with at least one coding, in tree order."""
        used = {f.code_id for f in self.frequencies if f.codings}
        return [c for c in self.codes if c.id in used]

    def to_json(self) -> dict[str, Any]:
        """A plain-JSON form (paths as keys) for ``codage stats --json``."""
        paths = {c.id: c.path_str for c in self.codes}

        def pairs(table: Mapping[tuple[int, int], int]) -> list[dict[str, Any]]:
            return [
                {"code_a": paths[a], "code_b": paths[b], "count": n}
                for (a, b), n in table.items()
                if n
            ]

        return {
            "total_characters": self.total_characters,
            "documents": self.documents,
            "frequencies": [
                {
                    "code": f.path,
                    "codings": f.codings,
                    "documents": f.documents,
                    "cases": f.cases,
                    "coders": f.coders,
                    "characters": f.characters,
                    "share": round(f.share, 6),
                }
                for f in self.frequencies
            ],
            "code_by_document": {
                paths[cid]: dict(per_doc) for cid, per_doc in self.by_document.items()
            },
            "code_by_attribute": {
                attr: {paths[cid]: dict(values) for cid, values in per_code.items()}
                for attr, per_code in self.by_attribute.items()
            },
            "cases_by_attribute": {
                attr: {paths[cid]: dict(values) for cid, values in per_code.items()}
                for attr, per_code in self.cases_by_attribute.items()
            },
            "cooccurrence_passage": pairs(self.cooccurrence_passage),
            "cooccurrence_unit": pairs(self.cooccurrence_unit),
            "unit_kinds": dict(self.unit_kinds),
        }

    def sheets(self, labels: Mapping[str, str] | None = None) -> list[tuple[str, list[list[Any]]]]:
        """The tables as (title, rows) with a header row, for spreadsheets and CSV."""
        lab = {
            "frequencies": "Frequencies",
            "by_document": "Code x document",
            "by_attribute": "Code x {attribute}",
            "cooccurrence": "Co-occurrence",
            "code": "Code",
            "codings": "Codings",
            "documents": "Documents",
            "cases": "Cases",
            "coders": "Coders",
            "characters": "Characters",
            "share": "Share of text",
            "code_a": "Code A",
            "code_b": "Code B",
            "passage": "Same passage",
            "unit": "Same unit",
            **(labels or {}),
        }
        used = self.used_codes()
        freq_rows: list[list[Any]] = [
            [
                lab["code"],
                lab["codings"],
                lab["documents"],
                lab["cases"],
                lab["coders"],
                lab["characters"],
                lab["share"],
            ]
        ]
        freq_rows += [
            [f.path, f.codings, f.documents, f.cases, f.coders, f.characters, round(f.share, 6)]
            for f in self.frequencies
        ]
        doc_rows: list[list[Any]] = [[lab["code"], *self.documents]]
        for code in used:
            per_doc = self.by_document.get(code.id, {})
            doc_rows.append([code.path_str, *(per_doc.get(d, 0) for d in self.documents)])
        out: list[tuple[str, list[list[Any]]]] = [
            (lab["frequencies"], freq_rows),
            (lab["by_document"], doc_rows),
        ]
        for attribute in sorted(self.by_attribute):
            values = self.attribute_values(attribute)
            rows: list[list[Any]] = [[lab["code"], *values]]
            per_code = self.by_attribute[attribute]
            for code in used:
                counts = per_code.get(code.id, {})
                rows.append([code.path_str, *(counts.get(v, 0) for v in values)])
            out.append((lab["by_attribute"].format(attribute=attribute), rows))
        co_rows: list[list[Any]] = [[lab["code_a"], lab["code_b"], lab["passage"], lab["unit"]]]
        for key in sorted(
            set(self.cooccurrence_passage) | set(self.cooccurrence_unit),
            key=lambda k: (self._order(k[0]), self._order(k[1])),
        ):
            passage = self.cooccurrence_passage.get(key, 0)
            unit = self.cooccurrence_unit.get(key, 0)
            if passage or unit:
                co_rows.append([self._path(key[0]), self._path(key[1]), passage, unit])
        out.append((lab["cooccurrence"], co_rows))
        return out

    def _order(self, code_id: int) -> int:
        for i, code in enumerate(self.codes):
            if code.id == code_id:
                return i
        return len(self.codes)
