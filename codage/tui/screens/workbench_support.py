"""What the workbench and its parts share: answer filters, coverage, small helpers."""

from __future__ import annotations

import re
from collections.abc import Iterable

from textual.css.scalar import Unit as ScalarUnit
from textual.widgets import Static

from codage.domain import (
    Case,
    Coding,
    DocumentInfo,
    attribute_labels,
    fold,
)
from codage.services import StoreError

LAYERS = ("mine", "all", "side")


# Attributes shown first in an answer's header, when the respondents have them.
PREFERRED_ATTRIBUTES = ("type_collectivite", "grade", "direction", "service", "role", "fonction")


# Below this width only one side pane fits next to a readable transcript.
WIDE = 120


# What kinds of unit ``]`` and ``[`` step through, best first.
STEP_KINDS = ("answer", "turn", "paragraph")


# Errors a person can cause (a duplicate name, an undo blocked by later changes): shown as a
# notification, never as a crash.
EXPECTED_ERRORS = (StoreError, ValueError, LookupError)


def parse_filter(text: str) -> tuple[list[str], dict[str, str]]:
    """``"entretien grade=C"`` -> words ``["entretien"]`` and attributes ``{"grade": "c"}``,
    folded (case and accents ignored)."""
    words: list[str] = []
    attributes: dict[str, str] = {}
    for token in re.findall(r'(\S+?=(?:"[^"]*"|\S+)|\S+)', text):
        if "=" in token:
            key, value = token.split("=", 1)
            attributes[fold(key.strip())] = fold(value.strip().strip('"'))
        else:
            words.append(fold(token))
    return words, attributes


def case_matches(case: Case | None, wanted: dict[str, str]) -> bool:
    """Whether a case has every wanted attribute value (folded; a value may be a prefix)."""
    if not wanted:
        return True
    if case is None:
        return False
    have = {fold(k): fold(str(v)) for k, v in case.attributes.items() if v is not None}
    return all(k in have and have[k].startswith(v) for k, v in wanted.items())


def answer_note(case: Case) -> str:
    """``R0001 · Département · grade B · Finances · anciennete 5-14 ans``: the respondent,
    then attributes, named where the value alone would be ambiguous."""
    return " · ".join([case.name, *attribute_labels(case.attributes, PREFERRED_ATTRIBUTES)])


def coded_shares(documents: Iterable[DocumentInfo], codings: Iterable[Coding]) -> dict[int, float]:
    """Share of each document's text covered by at least one coding (any coder)."""
    spans: dict[int, list[Coding]] = {}
    for c in codings:
        spans.setdefault(c.document_id, []).append(c)
    return {
        d.id: (covered_by(spans.get(d.id, [])) / d.length if d.length else 0.0) for d in documents
    }


def covered_by(codings: Iterable[Coding]) -> int:
    """Code points covered by at least one coding: ``covered_length`` of their spans, on
    plain pairs, since it runs on every coding applied (5,000 ``Span`` objects built and
    sorted took some 15 ms a keystroke)."""
    total, reach = 0, -1
    for start, end in sorted((c.start, c.end) for c in codings):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def height_of(static: Static) -> int | None:
    """The height a Static takes for its current content (fixed, or auto up to a cap), or
    None when its CSS does not let that be worked out here (then the caller lays out)."""
    styles = static.styles
    if styles.height is not None and styles.height.unit == ScalarUnit.CELLS:
        return int(styles.height.value)
    if styles.height is None or not styles.height.is_auto or styles.min_height is not None:
        return None
    width = static.content_region.width
    # Textual hands a widget's styles to get_height itself (Widget._get_box_model); its
    # annotation asks for the RulesMap those styles read from
    height = static.visual.get_height(styles, width) + styles.gutter.height  # type: ignore[arg-type]
    cap = styles.max_height
    if cap is not None:
        if cap.unit != ScalarUnit.CELLS:
            return None
        height = min(height, int(cap.value))
    return height
