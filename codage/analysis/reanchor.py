"""A corrected text for a coded document: every coding re-anchored, none dropped.

The old and new texts are aligned (:func:`codage.analysis.align.align_texts`)
and each coding, whoever made it, is placed again by its anchor text
(:func:`codage.analysis.align.place_anchor`), as the merge re-anchors a coder's
copy. A coding whose passage was deleted is kept aside and listed; the case
links of units follow their units where the unit survives. The change is one
journaled operation of the person who corrects the text, undoable.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from codage.analysis.align import OffsetMap, Placement, align_texts, place_anchor
from codage.domain import NewDocument, Unit, text_sha256
from codage.services.backups import back_up
from codage.store.documents import TextReplacement
from codage.store.project import Project

__all__ = ["CodingChange", "LinkLost", "ReplacementReport", "replace_document_text"]


@dataclass(frozen=True, slots=True)
class CodingChange:
    """One coding as the correction leaves it (``new_*`` None when kept aside)."""

    coding_id: int
    code: str
    coder: str
    old_start: int
    old_end: int
    old_text: str
    new_start: int | None = None
    new_end: int | None = None
    new_text: str | None = None
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "coding": self.coding_id,
            "code": self.code,
            "coder": self.coder,
            "old": {"start": self.old_start, "end": self.old_end, "text": self.old_text},
            "new": None
            if self.new_start is None
            else {"start": self.new_start, "end": self.new_end, "text": self.new_text},
            **({"reason": self.reason} if self.reason else {}),
        }


@dataclass(frozen=True, slots=True)
class LinkLost:
    """A unit's case link whose unit is gone from the corrected text."""

    case: str
    kind: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "kind": self.kind, "text": self.text}


@dataclass(slots=True)
class ReplacementReport:
    """What correcting a document's text did (or, on a dry run, would do) to its codings."""

    document: str
    dry_run: bool
    unchanged_text: bool = False
    # on the very same text and place
    identical: list[CodingChange] = field(default_factory=list)
    # the same text, at another place
    moved: list[CodingChange] = field(default_factory=list)
    # placed again on a passage whose text the correction changed
    changed: list[CodingChange] = field(default_factory=list)
    # the passage is gone: kept aside, with its old text
    aside: list[CodingChange] = field(default_factory=list)
    links_kept: int = 0
    links_lost: list[LinkLost] = field(default_factory=list)
    units_before: dict[str, int] = field(default_factory=dict)
    units_after: dict[str, int] = field(default_factory=dict)
    coders: list[str] = field(default_factory=list)
    # the copy of the project made before the text was replaced (SQLite)
    backup: Path | None = None

    @property
    def codings(self) -> int:
        return len(self.identical) + len(self.moved) + len(self.changed) + len(self.aside)

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "dry_run": self.dry_run,
            "unchanged_text": self.unchanged_text,
            "codings": self.codings,
            "identical": len(self.identical),
            "moved": [c.to_json() for c in self.moved],
            "changed": [c.to_json() for c in self.changed],
            "aside": [c.to_json() for c in self.aside],
            "links_kept": self.links_kept,
            "links_lost": [link.to_json() for link in self.links_lost],
            "units_before": self.units_before,
            "units_after": self.units_after,
            "coders": self.coders,
            "backup": None if self.backup is None else str(self.backup),
        }


class _UnitIndex:
    """The new units other than sentences, by start, to find those a mapped span overlaps
    without comparing every old unit with every new one (a long transcript has tens of
    thousands of paragraphs)."""

    # Units starting before a span that may still overlap it: turns and their paragraphs
    # nest, a few deep at most.
    BACK = 8

    def __init__(self, units: list[Unit]) -> None:
        self.units = units
        self.order = sorted((u.start, i) for i, u in enumerate(units) if u.kind != "sentence")
        self.starts = [start for start, _ in self.order]

    def overlapping(self, start: int, end: int) -> list[int]:
        first = max(0, bisect_left(self.starts, start) - self.BACK)
        found = []
        for k in range(first, len(self.order)):
            if self.starts[k] >= end:
                break
            index = self.order[k][1]
            if self.units[index].end > start:
                found.append(index)
        return found


def _unit_target(unit: Unit, offsets: OffsetMap, index: _UnitIndex, used: set[int]) -> int | None:
    """The new unit an old one became: the one that covers most of where it maps, and
    mostly that (of its kind if any is, else any unit other than a sentence)."""
    start, end = offsets.start(unit.start), offsets.end(unit.end)
    if end <= start:
        return None
    best: tuple[int, int, int] | None = None  # (same kind, overlap, -index)
    for i in index.overlapping(start, end):
        if i in used:
            continue
        new = index.units[i]
        overlap = min(end, new.end) - max(start, new.start)
        if overlap <= 0 or 2 * overlap <= max(end - start, new.end - new.start):
            continue
        key = (int(new.kind == unit.kind), overlap, -i)
        if best is None or key > best:
            best = key
    return None if best is None else -best[2]


def _edge_marks(text: str, *, tail: bool) -> str:
    """The punctuation and blanks a passage ends (or starts) with."""
    marks = ""
    for ch in reversed(text) if tail else text:
        if ch.isalnum() or ch == "_":
            break
        marks = ch + marks if tail else marks + ch
    return marks


def _keep_edges(anchor: str, target: str, found: Placement) -> Placement:
    """A placed passage keeps the punctuation its anchor ended or started with when the
    corrected text has it right there: where a sentence after it was deleted, the
    alignment may give its full stop to the sentence that went."""
    start, end = found.start, found.end
    tail = _edge_marks(anchor, tail=True)
    if tail and not target[start:end].endswith(tail) and target.startswith(tail, end):
        end += len(tail)
    head = _edge_marks(anchor, tail=False)
    if head and not target[start:end].startswith(head) and target.endswith(head, 0, start):
        start -= len(head)
    return (
        found if (start, end) == (found.start, found.end) else replace(found, start=start, end=end)
    )


def _carry_units(
    old_units: list[Unit], offsets: OffsetMap, new_units: list[Unit]
) -> tuple[list[Unit], dict[int, int]]:
    """Which new unit each old one became (old unit id -> index in ``new_units``), and
    the new units with the kinds of the old ones they continue: an answer of a survey
    corrected through a plain text file comes back as a paragraph, and stays an answer."""
    used: set[int] = set()
    targets: dict[int, int] = {}
    kinds: dict[int, Unit] = {}
    by_start = _UnitIndex(new_units)
    for unit in old_units:
        if unit.id is None or unit.kind == "sentence":
            continue
        target = _unit_target(unit, offsets, by_start, used)
        if target is not None:
            used.add(target)
            targets[unit.id] = target
            kinds[target] = unit
    out = list(new_units)
    for index, old in kinds.items():
        if out[index].kind == "paragraph" and old.kind != "paragraph":
            out[index] = replace(out[index], kind=old.kind, speaker=old.speaker)
    return out, targets


def replace_document_text(
    project: Project,
    document: int | str,
    new: NewDocument,
    *,
    coder: str,
    dry_run: bool = False,
) -> ReplacementReport:
    """Give ``document`` the text (and units) of ``new``, re-anchoring every coding.

    ``new`` is the corrected text read like an import
    (:func:`codage.ingest.replacement.read_replacement`). Every coding of the
    document, of every coder, is placed on the corrected text by its anchor
    text, or kept aside when its passage is gone; case links of units follow
    their units. Unless ``dry_run``, the change is written in one transaction
    as one entry of ``coder``'s history (their undo restores the old text,
    units, links and codings). Returns the report either way.
    """
    doc = project.document(document)
    report = ReplacementReport(document=doc.name, dry_run=dry_run)
    report.unchanged_text = doc.text == new.text
    old_units = project.units(doc.id, with_lemmas=False)
    report.units_before = dict(Counter(u.kind for u in old_units))
    offsets = align_texts(doc.text, new.text)
    paths = {c.id: c.path_str for c in project.codes()}
    moves: dict[int, tuple[int, int]] = {}
    aside: dict[int, str] = {}
    # Two codings of one coder and code cannot share a span: the second to land
    # on a span is kept aside rather than merged away.
    landed: dict[tuple[int, str, int, int], int] = {}
    for coding in project.codings(document_id=doc.id):
        base = CodingChange(
            coding.id,
            paths.get(coding.code_id, str(coding.code_id)),
            coding.coder,
            coding.start,
            coding.end,
            coding.text,
        )
        found = place_anchor(
            coding.text, coding.start, coding.end, new.text, offsets, source=doc.text
        )
        if not isinstance(found, Placement) or found.end <= found.start:
            score = 0.0 if isinstance(found, Placement) else found[1]
            reason = f"the passage is not in the corrected text; best match {round(score * 100)}%"
            aside[coding.id] = reason
            report.aside.append(replace(base, reason=reason))
            continue
        found = _keep_edges(coding.text, new.text, found)
        key = (coding.code_id, coding.coder, found.start, found.end)
        if key in landed:
            reason = "the correction made it the same passage as another coding of this code"
            aside[coding.id] = reason
            report.aside.append(replace(base, reason=reason))
            continue
        landed[key] = coding.id
        moves[coding.id] = (found.start, found.end)
        placed = replace(
            base,
            new_start=found.start,
            new_end=found.end,
            new_text=new.text[found.start : found.end],
        )
        if placed.new_text != coding.text:
            report.changed.append(placed)
        elif (found.start, found.end) != (coding.start, coding.end):
            report.moved.append(placed)
        else:
            report.identical.append(placed)
    report.coders = sorted(
        {c.coder for c in report.identical + report.moved + report.changed + report.aside}
    )
    new_units, targets = _carry_units(old_units, offsets, list(new.units))
    report.units_after = dict(Counter(u.kind for u in new_units))
    unit_links: dict[int, int | None] = {}
    by_id = {u.id: u for u in old_units}
    for unit_id, case in sorted(project.unit_cases(doc.id).items()):
        unit = by_id.get(unit_id)
        target = targets.get(unit_id)
        unit_links[unit_id] = target
        if target is None:
            text = "" if unit is None else doc.text[unit.start : unit.end]
            report.links_lost.append(LinkLost(case.name, unit.kind if unit else "", text))
        else:
            report.links_kept += 1
    if dry_run or (report.unchanged_text and not aside and not report.moved):
        return report
    change = TextReplacement(
        text=new.text,
        units=new_units,
        moves=moves,
        aside=aside,
        unit_links=unit_links,
        expected_sha256=text_sha256(doc.text),
    )
    details = {
        "document": doc.name,
        "codings_moved": len(report.moved) + len(report.changed),
        "codings_aside": len(report.aside),
        "coders": report.coders,
        "note": "an explicit correction of the text that moves every coder's codings with it",
    }
    # journaled and undoable, but a whole text is replaced: a copy of the project first
    report.backup = back_up(project, "replace")
    project.replace_document_text(doc.id, change, coder=coder, details=details)
    return report
