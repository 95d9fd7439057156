"""Subtitles from automatic transcription: WebVTT ``.vtt`` and SubRip ``.srt``.

Cues become text. The speaker comes from a WebVTT voice tag (``<v Marie>``), a
``NAME :`` label at the start of a cue (the SRT convention: written when the
speaker changes) or a ``[SPEAKER_00]`` diarisation tag; a cue without one keeps
the previous speaker. Consecutive cues of one speaker merge into one turn written
``Speaker : text``, whose timestamp is the first cue's start. Without any speaker,
cues are grouped into paragraphs at pauses of two seconds or more.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from codage.domain import NewDocument, Unit, normalise_text
from codage.ingest.encoding import decode_bytes
from codage.ingest.errors import IngestError
from codage.ingest.speakers import choose_speakers, parse_line
from codage.ingest.structure import speaker_metadata

_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*(?P<start>{_TIME})\s*-->\s*(?P<end>{_TIME})")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+(?P<name>[^>]+)>")
_TAG = re.compile(r"<[^>]*>")
_DIARISED = re.compile(r"^\[(?P<name>[A-Za-z][\w .-]{0,39})\]\s*:?\s*")
PAUSE = 2.0
MAX_PARAGRAPH = 1000


@dataclass(slots=True)
class Cue:
    """One subtitle cue: start and end in seconds, its text and its speaker, if named."""

    start: float
    end: float
    text: str
    speaker: str | None = None


def read_subtitles(path: Path) -> list[NewDocument]:
    """Read a ``.vtt`` or ``.srt`` file into one ``subtitles`` document of turns."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror or exc})") from None
    raw = decode_bytes(data, path)
    cues = parse_cues(raw)
    if not cues:
        raise IngestError(
            path, "no subtitle cue found (no 'start --> end' lines); is it a subtitle file?"
        )
    _label_speakers(cues)
    text, units = _assemble(cues)
    if not text.strip():
        raise IngestError(path, "the subtitles contain no text; nothing to import")
    metadata = {"format": path.suffix.lower().lstrip("."), "cues": len(cues)}
    metadata.update(speaker_metadata(units))
    return [NewDocument(path.stem, "subtitles", text, units, str(path), metadata)]


def parse_cues(raw: str) -> list[Cue]:
    """The cues of a VTT or SRT text, in order; header, NOTE and STYLE blocks are skipped."""
    cues: list[Cue] = []
    for block in re.split(r"\n[ \t]*\n", raw):
        lines = [line for line in block.split("\n") if line.strip()]
        timing_index = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if timing_index is None:
            continue
        match = _TIMING.match(lines[timing_index])
        assert match is not None
        speaker = None
        pieces = []
        for line in lines[timing_index + 1 :]:
            voice = _VOICE.search(line)
            if voice is not None and speaker is None:
                speaker = " ".join(voice.group("name").split())
            pieces.append(html.unescape(_TAG.sub("", line)).strip())
        text = " ".join(p for p in pieces if p)
        if text:
            cues.append(
                Cue(_seconds(match.group("start")), _seconds(match.group("end")), text, speaker)
            )
    return cues


def _seconds(value: str) -> float:
    parts = value.replace(",", ".").split(":")
    seconds = float(parts[-1]) + 60 * int(parts[-2])
    if len(parts) == 3:
        seconds += 3600 * int(parts[0])
    return seconds


def _label_speakers(cues: list[Cue]) -> None:
    """Take ``NAME :`` and ``[SPEAKER_00]`` labels off cue texts and carry speakers forward."""
    labelled: list[tuple[int, str, int]] = []
    for index, cue in enumerate(cues):
        if cue.speaker is not None:
            continue
        diarised = _DIARISED.match(cue.text)
        if diarised is not None and not re.fullmatch(r"[\d:.,]+", diarised.group("name")):
            cue.speaker = diarised.group("name").strip()
            cue.text = cue.text[diarised.end() :]
            continue
        start = parse_line(cue.text)
        if start is not None and start.label is not None and start.timestamp is None:
            labelled.append((index, start.label, start.content))
    # Labels are written only when the speaker changes, so they rarely recur:
    # two different labels in the file are enough evidence of a dialogue.
    distinct = {label for _, label, _ in labelled}
    accepted = choose_speakers(
        [s for i, _, _ in labelled if (s := parse_line(cues[i].text)) is not None],
        forced=distinct if len(distinct) >= 2 else (),
    )
    for index, label, content in labelled:
        if label in accepted:
            cues[index].speaker = label
            cues[index].text = cues[index].text[content:].strip()
    current = None
    for cue in cues:
        if cue.speaker is None:
            cue.speaker = current
        current = cue.speaker


def _assemble(cues: list[Cue]) -> tuple[str, list[Unit]]:
    groups: list[list[Cue]] = []
    for cue in cues:
        if groups and _continues(groups[-1], cue):
            groups[-1].append(cue)
        else:
            groups.append([cue])
    pieces: list[str] = []
    units: list[Unit] = []
    pos = 0
    for group in groups:
        speaker = group[0].speaker
        said = " ".join(c.text for c in group if c.text).strip()
        if not said and speaker is None:
            continue
        piece = normalise_text(f"{speaker} : {said}".rstrip() if speaker else said)
        if pieces:
            pos += 2
        pieces.append(piece)
        kind = "turn" if speaker else "paragraph"
        units.append(
            Unit(kind, pos, pos + len(piece), speaker, group[0].start, position=len(units))
        )
        pos += len(piece)
    return "\n\n".join(pieces), units


def _continues(group: list[Cue], cue: Cue) -> bool:
    last = group[-1]
    if cue.speaker != last.speaker:
        return False
    if cue.speaker is not None:
        return True
    # Unnamed speech: a new paragraph at a pause, or when a long one ends a sentence.
    if cue.start - last.end >= PAUSE:
        return False
    length = sum(len(c.text) + 1 for c in group)
    return not (length >= MAX_PARAGRAPH and last.text.rstrip().endswith((".", "?", "!", "…")))
