"""A doubt about the speakers found in a document, said in one line for the import summary.

Speaker detection fails in a recognisable way: one "speaker" ends up holding most
of the text while the labels of the others (``PARTICIPANT 12:``, ``[00:10]
RESEARCHER:``, ``[SPEAKER_01]:``) sit inside its turns, because they were not at
the start of a line or did not have a shape the rules accept. The same labels in
a document where no turn was found at all tell the same story. Both are reported
with the labels met, so that the person can pass ``--speaker-pattern``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from codage.domain import Unit
from codage.ingest.speakers import (
    clean_label,
    content_offset,
    in_capitals,
    is_excluded_label,
    is_speaker_id,
    speaker_role,
)

# A share of the turns' text above which one voice "holds" the document.
DOMINANT_SHARE = 0.6
# How many times labels must show inside the text to be a sign, not a quotation.
MIN_OCCURRENCES = 2
MAX_NAMED = 5
MAX_SUFFIX_WORDS = 4
LOOK_BACK = 80

_COLON = re.compile(r"\]?[ \t]*:(?![/\d])|\](?=[ \t])")
_TIMESTAMP_END = re.compile(r"[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?[ \t-]*$")


def check_speakers(text: str, units: Sequence[Unit]) -> list[str]:
    """Warnings (zero or one line) when the turns found look like a failed detection."""
    turns = [u for u in units if u.kind == "turn" and u.speaker is not None]
    if not turns:
        found = embedded_labels(text, [(0, len(text))], ())
        if len(found) >= 2 and sum(found.values()) >= MIN_OCCURRENCES + 1:
            return [
                f"no speaker turns were found, yet speaker labels appear inside the text "
                f"({_named(found)}); import it with --speaker-pattern"
            ]
        return []
    share: Counter[str] = Counter()
    for turn in turns:
        share[turn.speaker or ""] += turn.end - turn.start
    total = sum(share.values())
    dominant, held = share.most_common(1)[0]
    if held / total < DOMINANT_SHARE:
        return []
    # Each turn is read past its own label, which is where it rightly starts.
    spans = [(_content_start(text, t), t.end) for t in turns if t.speaker == dominant]
    found = embedded_labels(text, spans, [s for s in share if s != dominant])
    # Its own label again mid-turn says lines were joined, but only another voice's
    # label is a sign that someone else's speech was taken.
    # A label met once is a quotation; one that returns is another voice.
    if max((n for label, n in found.items() if label != dominant), default=0) < MIN_OCCURRENCES:
        return []
    return [
        f'speakers may be wrong: "{dominant}" holds {round(100 * held / total)}% of the '
        f"turns' text, yet speaker labels appear inside its turns ({_named(found)}); "
        "check the file or import it with --speaker-pattern"
    ]


def embedded_labels(
    text: str, spans: Iterable[tuple[int, int]], speakers: Iterable[str]
) -> Counter[str]:
    """Speaker-like labels followed by a colon inside ``spans`` of ``text``.

    A label counts when it is a role or a speaker id (``PARTICIPANT 12``,
    ``Speaker 2``), another speaker of the document, follows a timestamp, or is
    written in capitals at the start of a line.
    """
    others = set(speakers)
    found: Counter[str] = Counter()
    for start, end in spans:
        for match in _COLON.finditer(text, start, end):
            # A label is a few words: look no further back, so that a long line
            # full of colons costs its length, not its square.
            low = max(start, match.start() - LOOK_BACK)
            newline = text.rfind("\n", low, match.start())
            window = newline + 1 if newline != -1 else low
            at_line_start = newline != -1 or low == 0 or text[low - 1] == "\n"
            label = _label_before(text[window : match.start()], others, at_line_start)
            if label is not None:
                found[label] += 1
    return found


def _label_before(before: str, others: set[str], at_line_start: bool) -> str | None:
    words = before.split()[-MAX_SUFFIX_WORDS:]
    if not any(c.isupper() for w in words for c in w):
        return None  # the common case, "it was: ok", decided cheaply
    for size in range(len(words), 0, -1):
        label, kind = _kind(" ".join(words[-size:]))
        if kind is None and label not in others:
            continue
        prefix = " ".join(words[:-size])
        whole_line = at_line_start and len(words) == size
        timed = _TIMESTAMP_END.search(prefix) is not None
        if kind == "id" or label in others:
            return label
        if kind == "role" and (len(label) > 1 or whole_line or timed):
            return label
        if kind in ("role", "capitals") and (timed or whole_line) and in_capitals(label):
            return label
    return None


@lru_cache(maxsize=4096)
def _kind(raw: str) -> tuple[str, str | None]:
    """The label written ``raw`` and what makes it look like a speaker.

    The kind is ``id``, ``role``, ``capitals`` or None. Cached: transcripts
    repeat their few labels thousands of times.
    """
    label = clean_label(raw.lstrip("[(*_"))
    if not label or not (label[0].isupper() or label[0].isdigit()) or is_excluded_label(label):
        return label, None
    if is_speaker_id(label):
        return label, "id"
    if speaker_role(label) is not None:
        return label, "role"
    return label, "capitals" if in_capitals(label) else None


def _content_start(text: str, turn: Unit) -> int:
    line_end = text.find("\n", turn.start, turn.end)
    line = text[turn.start : line_end if line_end != -1 else turn.end]
    return turn.start + content_offset(line, turn.speaker)


def _named(found: Counter[str]) -> str:
    named = [f"{label} ×{n}" for label, n in found.most_common(MAX_NAMED)]
    if len(found) > MAX_NAMED:
        named.append(f"and {len(found) - MAX_NAMED} more")
    return ", ".join(named)
