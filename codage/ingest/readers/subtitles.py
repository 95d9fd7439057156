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
from dataclasses import dataclass, field
from pathlib import Path

from codage.domain import NewDocument, Unit, normalise_text
from codage.ingest.encoding import decode_bytes
from codage.ingest.errors import IngestError
from codage.ingest.speakers import choose_speakers, parse_line
from codage.ingest.structure import speaker_metadata

# A timing line is anything around an arrow; its two times are read leniently
# (Teams writes ``0:1:2.110``) and a time that cannot be read is left empty.
_TIMING = re.compile(r"^\s*(?P<start>\S*)\s*-->\s*(?P<end>\S*)(?P<settings>.*)$")
_TIME = re.compile(r"(?:(?:(?P<h>\d+):)?(?P<m>\d+):)?(?P<s>\d+)(?:[.,](?P<frac>\d+))?")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+(?P<name>[^>]*))?>", re.IGNORECASE)
# Only the tags WebVTT and SubRip define are markup; ``a < b`` in speech stays.
_TAG = re.compile(
    r"</?(?:v|c|i|b|u|ruby|rt|lang|font|span)(?:[.\s][^<>]*)?>|<\d+(?::\d+)+(?:[.,]\d+)?>",
    re.IGNORECASE,
)
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")
_INDEX = re.compile(r"\s*\d+\s*")
_NOT_SPEECH = re.compile(r"(?P<kind>NOTE|STYLE|REGION)(?:[ \t]|$)")
_DIARISED = re.compile(r"^\[(?P<name>[A-Za-z][\w .-]{0,39})\]\s*:?\s*")
PAUSE = 2.0
MAX_PARAGRAPH = 1000


@dataclass(slots=True)
class Cue:
    """One subtitle cue: start and end in seconds (None when unreadable), text and speaker."""

    start: float | None
    end: float | None
    text: str
    speaker: str | None = None


@dataclass(slots=True)
class ParsedCues:
    """The cues of a file and what was found in it that is not speech, for warnings."""

    cues: list[Cue] = field(default_factory=list)
    # timing lines found: without any, this is not a subtitle file
    timed: int = 0
    # line numbers (1-based) of cues whose timing could not be read: kept untimed
    untimed: list[int] = field(default_factory=list)
    # line numbers of text blocks without any timing line: kept as untimed cues
    orphans: list[int] = field(default_factory=list)
    # NOTE / STYLE / REGION blocks skipped, by kind
    skipped: dict[str, int] = field(default_factory=dict)


def read_subtitles(path: Path) -> list[NewDocument]:
    """Read a ``.vtt`` or ``.srt`` file into one ``subtitles`` document of turns.

    Every cue with text is kept; cues whose timing cannot be read, text outside
    any cue and skipped WebVTT NOTE/STYLE/REGION blocks are named in the
    document's warnings.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror or exc})") from None
    raw = decode_bytes(data, path)
    parsed = parse_subtitles(raw)
    cues = parsed.cues
    if not parsed.timed:
        raise IngestError(
            path, "no subtitle cue found (no 'start --> end' lines); is it a subtitle file?"
        )
    _label_speakers(cues)
    text, units = _assemble(cues)
    if not text.strip():
        raise IngestError(path, "the subtitles contain no text; nothing to import")
    metadata = {"format": path.suffix.lower().lstrip("."), "cues": len(cues)}
    metadata.update(speaker_metadata(units))
    document = NewDocument(path.stem, "subtitles", text, units, str(path), metadata)
    document.warnings.extend(_warnings(parsed))
    return [document]


def parse_cues(raw: str) -> list[Cue]:
    """The cues of a VTT or SRT text, in order (see :func:`parse_subtitles`)."""
    return parse_subtitles(raw).cues


def parse_subtitles(raw: str) -> ParsedCues:
    """Read cues line by line, so that missing blank lines or indexes lose nothing.

    A cue is a timing line and the text lines after it, up to a blank line or the
    next cue's timing line (and its identifier: a number, or the line just after
    a blank line). The WebVTT header and NOTE/STYLE/REGION blocks are skipped.
    """
    lines = raw.lstrip("\ufeff").split("\n")
    timings = [i for i in range(len(lines)) if _is_timing(lines, i)]
    timing_set = set(timings)
    parsed = ParsedCues()
    owner: list[int | None] = [None] * len(lines)  # which timing line a text line belongs to
    ignored = [False] * len(lines)
    # The identifier of a cue: the line right before its timing line, when it is
    # a number or opens its block (follows a blank line or the file's start).
    for t in timings:
        i = t - 1
        if i >= 0 and lines[i].strip() and i not in timing_set:
            opens_block = i == 0 or not lines[i - 1].strip()
            if _INDEX.fullmatch(lines[i]) or opens_block:
                ignored[i] = True
    _skip_header_and_blocks(lines, timing_set, ignored, parsed)
    current: int | None = None
    for i, line in enumerate(lines):
        if i in timing_set:
            current = i
            continue
        if not line.strip():
            current = None
            continue
        if ignored[i]:
            continue
        owner[i] = current
    texts: dict[int, list[str]] = {t: [] for t in timings}
    orphan_blocks: list[tuple[int, list[str]]] = []
    for i, line in enumerate(lines):
        if ignored[i] or i in timing_set or not line.strip():
            continue
        timing = owner[i]
        if timing is not None:
            texts[timing].append(line)
        elif orphan_blocks and orphan_blocks[-1][0] + len(orphan_blocks[-1][1]) == i:
            orphan_blocks[-1][1].append(line)
        else:
            orphan_blocks.append((i, [line]))
    # Text outside any cue (a cue whose timing line is missing or garbled) is
    # kept, untimed, where it stands, and reported.
    events: list[tuple[int, float | None, float | None, list[str]]] = []
    parsed.timed = len(timings)
    for t in timings:
        match = _TIMING.match(lines[t])
        assert match is not None
        start, end = _seconds(match.group("start")), _seconds(match.group("end"))
        if texts[t] and (start is None or end is None):
            parsed.untimed.append(t + 1)
        events.append((t, start, end, texts[t]))
    for first, block in orphan_blocks:
        if _INDEX.fullmatch(block[0]) and len(block) > 1:
            block, first = block[1:], first + 1
        parsed.orphans.append(first + 1)
        events.append((first, None, None, block))
    events.sort(key=lambda e: e[0])
    for _, start, end, block in events:
        parsed.cues.extend(_cue_pieces(start, end, block))
    return parsed


def _is_timing(lines: list[str], i: int) -> bool:
    """A line with an arrow is a timing line if a time can be read on it or it opens a block.

    An arrow in speech (``A --> B``) inside a cue's text is text; an unreadable
    timing line where a cue starts is still a cue, kept untimed.
    """
    match = _TIMING.match(lines[i]) if "-->" in lines[i] else None
    if match is None:
        return False
    if _seconds(match.group("start")) is not None or _seconds(match.group("end")) is not None:
        return True
    before = [lines[j].strip() for j in range(max(0, i - 2), i)]
    # After a blank line (or the file's start), or after an identifier that follows one.
    return not before or not before[-1] or len(before) == 1 or not before[0]


def _skip_header_and_blocks(
    lines: list[str], timing_set: set[int], ignored: list[bool], parsed: ParsedCues
) -> None:
    """Mark the WebVTT header and NOTE/STYLE/REGION blocks (up to a blank line) as not text."""
    webvtt = bool(lines) and lines[0].lstrip("\ufeff").startswith("WEBVTT")
    i = 0
    while i < len(lines):
        line = lines[i]
        block_start = i == 0 or not lines[i - 1].strip()
        header = i == 0 and webvtt
        # NOTE, STYLE and REGION blocks exist only in WebVTT; in SRT such a line is text.
        kind = _NOT_SPEECH.match(line) if webvtt and block_start and not header else None
        if header or (kind is not None and "-->" not in line):
            if kind is not None:
                name = kind.group("kind")
                parsed.skipped[name] = parsed.skipped.get(name, 0) + 1
            while i < len(lines) and lines[i].strip() and i not in timing_set:
                ignored[i] = True
                i += 1
            continue
        i += 1


def _cue_pieces(start: float | None, end: float | None, lines: list[str]) -> list[Cue]:
    """The text of one cue, split where a voice tag names another speaker."""
    pieces: list[Cue] = []
    speaker: str | None = None
    words: list[str] = []

    def flush() -> None:
        # Only ordinary blanks collapse: a no-break space before ``!`` is French typography.
        text = re.sub(r"[ \t]+", " ", " ".join(w for w in words if w)).strip()
        if text:
            pieces.append(Cue(start, end, text, speaker))
        words.clear()

    for line in lines:
        pos = 0
        for voice in _VOICE.finditer(line):
            words.append(_plain(line[pos : voice.start()]))
            name = " ".join((voice.group("name") or "").split()) or None
            if name is not None and name != speaker:
                flush()
                speaker = name
            pos = voice.end()
        words.append(_plain(line[pos:]))
    flush()
    return pieces


def _plain(markup: str) -> str:
    return html.unescape(_ASS_OVERRIDE.sub("", _TAG.sub("", markup))).strip()


def _seconds(value: str) -> float | None:
    """Seconds of ``[[h:]m:]s[.fff]``; None for what is not a time (negative, garbage)."""
    match = _TIME.fullmatch(value.strip())
    if match is None:
        return None
    seconds = float(f"{match.group('s')}.{match.group('frac') or 0}")
    seconds += 60 * int(match.group("m") or 0) + 3600 * int(match.group("h") or 0)
    return seconds


def _warnings(parsed: ParsedCues) -> list[str]:
    out = []
    if parsed.untimed:
        their = "its" if len(parsed.untimed) == 1 else "their"
        out.append(
            f"{_count(len(parsed.untimed), 'cue')} with a timing that cannot be "
            f"read (line {_lines(parsed.untimed)}); {their} text is kept without a time"
        )
    if parsed.orphans:
        out.append(
            f"{_count(len(parsed.orphans), 'text block')} outside any cue "
            f"(no 'start --> end' line; line {_lines(parsed.orphans)}); kept without a time"
        )
    if parsed.skipped:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(parsed.skipped.items()))
        out.append(f"WebVTT blocks that are not speech were not imported ({kinds})")
    return out


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n > 1 else ''}"


def _lines(numbers: list[int], shown: int = 10) -> str:
    text = ", ".join(str(n) for n in numbers[:shown])
    return text + (f" and {len(numbers) - shown} more" if len(numbers) > shown else "")


def _label_speakers(cues: list[Cue]) -> None:
    """Take ``NAME :`` and ``[SPEAKER_00]`` labels off cue texts and carry speakers forward."""
    labelled: list[tuple[int, str, int]] = []
    for index, cue in enumerate(cues):
        if cue.speaker is not None:
            continue
        diarised = _DIARISED.match(cue.text)
        # ``[SPEAKER_00]`` or ``[Marie]:`` name a speaker; ``[Musique]`` or ``[rires]``
        # alone describe a sound, which is part of the transcript's text.
        if diarised is not None and (
            re.search(r"[\d_]", diarised.group("name")) or ":" in diarised.group(0)
        ):
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
    if cue.start is not None and last.end is not None and cue.start - last.end >= PAUSE:
        return False
    length = sum(len(c.text) + 1 for c in group)
    return not (length >= MAX_PARAGRAPH and last.text.rstrip().endswith((".", "?", "!", "…")))
