"""Words the office readers share for what they did not take as document text."""

from __future__ import annotations

from collections.abc import Sequence


def plural(count: int, one: str, many: str) -> str:
    """``1 comment``, ``3 comments``."""
    return f"{count} {one if count == 1 else many}"


def outside_text(objects: int, margins: Sequence[str]) -> list[str]:
    """Warnings for embedded objects and page headers or footers that were not imported."""
    out = []
    if objects:
        out.append(
            f"{plural(objects, 'embedded object', 'embedded objects')} "
            "(charts, diagrams, spreadsheets...) not imported"
        )
    if margins:
        sample = " / ".join(margins)
        if len(sample) > 80:
            sample = sample[:79] + "…"
        out.append(f"page headers and footers not imported: «{sample}»")
    return out
