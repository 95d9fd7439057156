"""What a REFI-QDA import found, placed, converted, kept aside and skipped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class NotPlaced:
    """A coding whose selection could not be placed on its text."""

    source: str
    selection: str
    code: str
    start: int
    end: int
    text_length: int
    reason: str

    def line(self) -> str:
        """One line for a person."""
        return (
            f"{self.source}: selection {self.selection} [{self.start}, {self.end}) "
            f"({self.code}): {self.reason} (the text has {self.text_length} characters)"
        )


@dataclass
class RefiReport:
    """Per file: what was found, what became of it, and the merge's own report."""

    path: Path
    project: str = ""
    origin: str = ""
    sources: int = 0
    codes: int = 0
    codings: int = 0
    memos: int = 0
    cases: int = 0
    counting: str = "code points (the standard)"
    placed_exactly: int = 0
    # how -> codings whose positions were converted that way
    converted: Counter[str] = field(default_factory=Counter)
    not_placed: list[NotPlaced] = field(default_factory=list)
    # kind -> count, for what codage does not hold
    skipped: Counter[str] = field(default_factory=Counter)
    # codings whose coder was not named by the file: who they were given to -> count
    coder_fallbacks: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    # the report of the merge into the target (codage.analysis.merge's), as plain data
    merge: dict[str, Any] = field(default_factory=dict)
    # the copy of an existing project made before the import (SQLite)
    backup: Path | None = None

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def placed(self) -> int:
        return self.placed_exactly + sum(self.converted.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "file": str(self.path),
            "project": self.project,
            "origin": self.origin,
            "found": {
                "sources": self.sources,
                "codes": self.codes,
                "codings": self.codings,
                "memos": self.memos,
                "cases": self.cases,
            },
            "counting": self.counting,
            "codings_placed_exactly": self.placed_exactly,
            "codings_converted": dict(self.converted),
            "codings_not_placed": [
                {
                    "source": n.source,
                    "selection": n.selection,
                    "code": n.code,
                    "start": n.start,
                    "end": n.end,
                    "text_length": n.text_length,
                    "reason": n.reason,
                }
                for n in self.not_placed
            ],
            "skipped": dict(self.skipped),
            "coder_fallbacks": dict(self.coder_fallbacks),
            "notes": list(self.notes),
            "merge": self.merge,
        }
