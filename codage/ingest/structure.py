"""From a document's text and its blocks to units: paragraphs, headings, speaker turns.

Every reader ends here. A reader hands over the final text (already normalised)
and its blocks: spans of paragraphs or headings, as the format marks them (runs of
non-blank lines in plain text, paragraphs in Word). Within a paragraph block, a
line that starts with a speaker label or a timestamp starts a new unit, so that
transcripts with one turn per line and transcripts with blank lines between
turns come out the same.

Turn units (our documented convention): a turn spans its whole paragraph,
*including* the speaker label and timestamp, and sets ``speaker`` (and
``timestamp``); paragraphs without a label that follow a turn belong to it and
extend it. A label alone on its line ("INTERVIEWER", "Marie Dupont :") opens
a turn made of that line and the speech below it. Headings end a turn. Sentence
units (added later by :mod:`codage.ingest.nlp`) start after the label.
A detection that looks wrong (:mod:`codage.ingest.speaker_check`) is reported
in the document's warnings. The document's metadata lists
``speakers`` in order of appearance and the ``interviewers`` among them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codage.domain import NewDocument, Unit
from codage.ingest.speaker_check import check_speakers
from codage.ingest.speakers import (
    LineStart,
    active_speaker_pattern,
    choose_speakers,
    parse_line,
    speaker_role,
)

_MARKDOWN_HEADING = re.compile(r"#{1,6}[ \t]+\S")


@dataclass(slots=True)
class Block:
    """A paragraph or heading of the document text, ``[start, end)``."""

    start: int
    end: int
    kind: str = "paragraph"
    # A label the format marks explicitly (a bold run in Word); not re-guessed.
    speaker: str | None = None


@dataclass(slots=True)
class _Segment:
    start: int
    end: int
    kind: str
    speaker: str | None = None
    timestamp: float | None = None


def plain_blocks(text: str, *, markdown: bool = False, per_line: bool = False) -> list[Block]:
    """Blocks of a plain text: runs of non-blank lines; Markdown ``#`` lines are headings.

    ``per_line`` makes every line a block, for converters (RTF) that write one
    paragraph per line without blank lines between them.
    """
    blocks: list[Block] = []
    start: int | None = None
    end = 0
    pos = 0
    for line in text.split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if not line.strip():
            if start is not None:
                blocks.append(Block(start, end))
                start = None
            continue
        if markdown and _MARKDOWN_HEADING.match(line):
            if start is not None:
                blocks.append(Block(start, end))
                start = None
            blocks.append(Block(line_start, line_end, "heading"))
            continue
        if start is None:
            start = line_start
        end = line_end
        if per_line:
            blocks.append(Block(start, end))
            start = None
    if start is not None:
        blocks.append(Block(start, end))
    return [_trimmed(text, b) for b in blocks]


def join_blocks(
    parts: list[tuple[str, str, str | None]], separator: str = "\n\n"
) -> tuple[str, list[Block]]:
    """Join ``(text, kind, speaker)`` parts into one text and the blocks that cover them.

    Empty parts are dropped; each part is stripped so that units start and end on text.
    """
    pieces: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for text, kind, speaker in parts:
        text = text.strip()
        if not text:
            continue
        if pieces:
            pieces.append(separator)
            pos += len(separator)
        pieces.append(text)
        blocks.append(Block(pos, pos + len(text), kind, speaker))
        pos += len(text)
    return "".join(pieces), blocks


def build_document(
    name: str,
    text: str,
    blocks: list[Block],
    *,
    source_path: str | Path | None = None,
    kind: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> NewDocument:
    """Find speaker turns in the blocks and make the document with its units.

    ``kind`` defaults to ``interview`` when turns are found, ``text`` otherwise.
    Under a ``--speaker-pattern`` (see :mod:`codage.ingest.speakers`), the pattern
    alone names the speakers: labels the format marks (bold runs) are not used.
    A detection that looks wrong adds a warning to the document.
    """
    if active_speaker_pattern() is not None:
        blocks = [Block(b.start, b.end, b.kind) for b in blocks]
    lines = _paragraph_lines(text, blocks)
    starts = [start for _, _, start, _ in lines if start is not None]
    forced = {b.speaker for b in blocks if b.speaker}
    speakers = choose_speakers(starts, forced)
    segments = _segments(text, blocks, lines, speakers)
    units = _units(segments)
    meta = dict(metadata or {})
    meta.update(speaker_metadata(units))
    has_turns = any(u.kind == "turn" for u in units)
    warnings = [] if active_speaker_pattern() is not None else check_speakers(text, units)
    return NewDocument(
        name=name,
        kind=kind or ("interview" if has_turns else "text"),
        text=text,
        units=units,
        source_path=None if source_path is None else str(source_path),
        metadata=meta,
        warnings=warnings,
    )


def speaker_metadata(units: list[Unit]) -> dict[str, list[str]]:
    """``speakers`` in order of appearance and the ``interviewers`` among them."""
    order: list[str] = []
    for unit in units:
        if unit.speaker is not None and unit.speaker not in order:
            order.append(unit.speaker)
    if not order:
        return {}
    return {
        "speakers": order,
        "interviewers": [s for s in order if speaker_role(s) == "interviewer"],
    }


def _trimmed(text: str, block: Block) -> Block:
    chunk = text[block.start : block.end]
    lead = len(chunk) - len(chunk.lstrip())
    trail = len(chunk) - len(chunk.rstrip())
    return Block(block.start + lead, block.end - trail, block.kind, block.speaker)


def _paragraph_lines(
    text: str, blocks: list[Block]
) -> list[tuple[int, int, LineStart | None, int]]:
    """``(start, end, parsed start, block index)`` for every line of every paragraph."""
    out: list[tuple[int, int, LineStart | None, int]] = []
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            continue
        pos = block.start
        for line in text[block.start : block.end].split("\n"):
            end = pos + len(line)
            if line.strip():
                forced_first = block.speaker is not None and pos == block.start
                parsed = None if forced_first else parse_line(line, alone=True)
                lead = len(line) - len(line.lstrip())
                # Units start and end on text, never on the blanks around a line.
                out.append((pos + lead, pos + len(line.rstrip()), parsed, index))
            pos = end + 1
    return out


def _segments(
    text: str,
    blocks: list[Block],
    lines: list[tuple[int, int, LineStart | None, int]],
    speakers: set[str],
) -> list[_Segment]:
    by_block: dict[int, list[tuple[int, int, LineStart | None]]] = {}
    for start, end, parsed, index in lines:
        by_block.setdefault(index, []).append((start, end, parsed))
    segments: list[_Segment] = []
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            segments.append(_Segment(block.start, block.end, "heading"))
            continue
        current: _Segment | None = None
        for start, end, parsed in by_block.get(index, []):
            speaker = None
            timestamp = None
            if parsed is not None:
                if parsed.label in speakers:
                    speaker = parsed.label
                # A bare "10:30" before a label that is no speaker is a clock time.
                if speaker is not None or not parsed.loose_time:
                    timestamp = parsed.timestamp
            if current is None and block.speaker is not None:
                speaker = block.speaker
            if current is None or speaker is not None or timestamp is not None:
                current = _Segment(start, end, "paragraph", speaker, timestamp)
                segments.append(current)
            else:
                current.end = end
    return segments


def _units(segments: list[_Segment]) -> list[Unit]:
    units: list[Unit] = []
    turn: _Segment | None = None

    def close() -> None:
        nonlocal turn
        if turn is not None:
            units.append(Unit("turn", turn.start, turn.end, turn.speaker, turn.timestamp))
            turn = None

    for segment in segments:
        if segment.kind == "heading":
            close()
            units.append(Unit("heading", segment.start, segment.end))
        elif segment.speaker is not None:
            close()
            turn = _Segment(segment.start, segment.end, "turn", segment.speaker, segment.timestamp)
        elif turn is not None and segment.timestamp is None:
            # A paragraph without label continues the turn before it.
            turn.end = segment.end
        else:
            close()
            units.append(Unit("paragraph", segment.start, segment.end, None, segment.timestamp))
    close()
    return [_with_position(u, i) for i, u in enumerate(units)]


def _with_position(unit: Unit, position: int) -> Unit:
    return Unit(
        unit.kind,
        unit.start,
        unit.end,
        unit.speaker,
        unit.timestamp,
        unit.lemmas,
        position=position,
    )
