"""Speaker turns in the label styles of real interview transcripts.

A line may start with an optional timestamp and a speaker label::

    M. Garnier : Alors, nous avons...       Enquêtrice : Et l'intranet ?
    E : ... / R : ...  Q : ... / R : ...    Intervieweur - ...
    [00:12:34] Marie : ...                  (00:03:12) Intervieweur - ...
    00:19 PARTICIPANT 12: ...               [00:10] RESEARCHER: ...
    [SPEAKER_01]: ... (WhisperX)            [id1] ...
    Speaker 1 : / Locuteur 2 : / Intervenant 3 :
    **Enquêtrice :** ... (Markdown)         M. de La Tour : / Mme d'Arc : / JEAN-MARC :

or the label may stand alone on its line, the speech on the lines after it, until
the next label (``INTERVIEWER``, ``Marie Dupont :``, ``Speaker 1  0:03``).

An ordinary sentence with a colon ("Le problème : personne ne lit l'intranet")
must not become a turn, so a candidate label must have the shape of a name (one
to five words, capitalised, no lower-case common words, not a note heading such
as ``Date``, ``Note``, ``Location``) and then be either a known role
(interviewer or respondent), a speaker id (``Speaker 1``, ``SPEAKER_01``,
``[id1]``), timestamped (in a document with several timestamped labels), given
by the document (a bold run in Word), or recur in the document. A label met once
is a speaker only when the labels just before and after it (in the same style)
are speakers, it is not the document's first label (a title) and it does not end
with another speaker's label ("Hi PARTICIPANT 12: ..." is speech addressed to
someone). A label alone on its line with no colon must recur or be a role or id,
and such labels are only taken when the document has at least two of them. A
document whose only evidence is a single recurring label ("Remarque :" twice)
gets no turns: interviews have at least two voices.

The label tests are cached: a transcript repeats its few labels thousands of times.

A person can replace all this for one import with a regular expression (see
:func:`compile_speaker_pattern` and :func:`using_speaker_pattern`).

Speaker names are kept as written (whitespace collapsed, emphasis and brackets
removed). :func:`speaker_role` reports interviewer labels (Enquêteur, E, Q,
Interviewer, Researcher, Moderator...) as ``"interviewer"`` and ``R``,
Répondant, Enquêté, Participant, Respondent... as ``"respondent"``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import lru_cache

from codage.domain import fold
from codage.ingest.errors import IngestError

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# A bare two-field time ("00:19") is only a timestamp when a label follows it:
# "10:30 on a repris" is speech. That is checked in parse_line.
_TIMESTAMP = re.compile(
    rf"\[\s*(?P<bracket>{_TS})\s*\]"
    rf"|\(\s*(?P<paren>{_TS})\s*\)"
    r"|(?P<bare>\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?)(?![\d:])"
    r"|(?P<short>\d{1,2}:\d{2}(?:[.,]\d{1,3})?)(?![\d:])(?=[ \t])"
)
# After a timestamp some tools put a dash before the label: "(00:03:12) - Marie :".
_AFTER_TIMESTAMP = re.compile(r"[ \t]*(?:[-–—][ \t]+)?")
_NAME = r"[^\W\d_][\w.'’\- ]{0,39}?"
# The label: a letter first, then name characters; a colon (not "://" nor "10:30")
# or a dash surrounded by blanks ends it. Markdown emphasis may wrap it.
_LABEL = re.compile(
    r"(?P<em>\*\*|__)?"
    rf"(?P<label>{_NAME})"
    r"(?:\*\*|__)?[ \t]*"
    # "Interviewer (00:01:23):" puts the time after the name.
    rf"(?:[\[(](?P<ts>{_TS})[\])][ \t]*)?"
    r"(?P<sep>:(?![/\d])|(?<=[ \t])[-–—](?=[ \t]))"
    r"(?:\*\*|__)?[ \t]*"
)
# A label alone on its line, perhaps followed by a time (Teams, Otter: "Speaker 1  0:03").
_ALONE = re.compile(
    rf"(?:\*\*|__)?(?P<label>{_NAME})(?:\*\*|__)?"
    rf"(?:[ \t]+(?P<ts>{_TS}))?[ \t]*$"
)
_TRAILING_TIME = re.compile(rf"(?P<ts>{_TS})[ \t]*$")
_BRACKETED = re.compile(r"\[(?P<label>[^\[\]\n]{1,40})\][ \t]*(?::(?![/\d]))?[ \t]*")
# Speaker ids of transcription tools: "Speaker 1", "SPEAKER_01", "Locuteur 2", "[id1]".
_ID_WORDS = (
    "speaker|locuteur|locutrice|intervenant|intervenante|orateur|oratrice|participant"
    "|participante|personne|person|voix|voice"
)
_SPEAKER_ID = re.compile(
    rf"(?:{_ID_WORDS})(?:[ _-]?\d{{1,3}}|[ _-][A-Z])|(?:spk|id|s|p)[ _-]?\d{{1,3}}"
    r"|unknown speaker(?: \d{1,3})?|locut(?:eur|rice) inconnue?",
    re.IGNORECASE,
)
_URL = re.compile(r"(?:https?://|www\.)", re.IGNORECASE)
_BRACKET_ID = re.compile(r"[a-z]{1,12}[ _-]?\d{1,3}", re.IGNORECASE)

MAX_LABEL_WORDS = 5


def _words(text: str) -> frozenset[str]:
    """A word list written as one string, to keep long lists readable."""
    return frozenset(text.split())


_INTERVIEWER = _words(
    "e q i int iv enqueteur enquetrice intervieweur intervieweuse interviewer"
    " interviewer·euse chercheur chercheuse question animateur animatrice moderateur"
    " moderatrice researcher moderator facilitator"
)
_RESPONDENT = _words(
    "r reponse repondant repondante enquete enquetee interviewe interviewee"
    " respondent participant participante answer a"
)
# Words that start ordinary "Word : explanation" lines of notes, headers and forms.
_NOT_SPEAKERS = _words(
    "date dates lieu duree heure note notes remarque remarques nb n.b. ps p.s. objet theme"
    " themes sujet source sources titre contexte transcription entretien participants"
    " presents exemple exemples conclusion introduction resume attention annexe fichier lien"
    " url legende consigne total bref donc alors enfin mais et ou puis ensuite voila"
    " probleme solution objectif objectifs avantages inconvenients rappel info information"
    " important definition mots-cles resultat resultats tel email courriel adresse"
    " location time duration title subject project projet language langue recorded"
    " recording enregistrement meeting reunion keywords summary link phone telephone age"
    " gender sexe genre role position name nom prenom service fonction poste organisation"
    " organization collectivite effectif commune site website http https www transcript"
    " interview audio video file tags step etape warning tip"
)
# One-word answers and sound notes that may sit alone on a line or in brackets.
_NOT_ALONE = _words(
    "oui non merci ok okay d'accord d’accord voila bonjour bonsoir yes no yeah right sure"
    " thanks hello hi bye mhm hmm hum euh ah oh bon bien exactement absolument pardon sorry"
    " well so fin end silence rires rire laughter laughs music musique inaudible pause"
    " crosstalk applause applaudissements noise bruit blank_audio incomprehensible"
    " unintelligible"
)
_PARTICLES = _words("de du des la le les d' l' d’ l’ van von et")
_PARTICLE_PREFIX = re.compile(r"(?:d|l)['’](?=\w)", re.IGNORECASE)

_PATTERN: ContextVar[re.Pattern[str] | None] = ContextVar("speaker_pattern", default=None)


@dataclass(frozen=True, slots=True)
class LineStart:
    """What starts a line: a timestamp, a speaker label, or both.

    ``content`` is the offset in the line where the spoken text begins. ``alone``:
    the label is all the line holds (the speech follows on the next lines);
    ``bare``: alone and with no colon, dash or bracket to mark it;
    ``loose_time``: the timestamp is a bare ``mm:ss``, which a clock time shares.
    """

    timestamp: float | None
    label: str | None
    content: int
    alone: bool = False
    bare: bool = False
    bracketed: bool = False
    loose_time: bool = False


def parse_timestamp(value: str) -> float:
    """``"00:12:34"`` -> 754.0; ``"12:34"`` (mm:ss) -> 754.0; ``"1:02:03,5"`` -> 3723.5."""
    value = value.replace(",", ".")
    parts = value.split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2]) if len(parts) >= 2 else 0
    hours = int(parts[-3]) if len(parts) >= 3 else 0
    return hours * 3600 + minutes * 60 + seconds


def compile_speaker_pattern(text: str) -> re.Pattern[str]:
    """A person's ``--speaker-pattern``, checked: it compiles and has a ``speaker`` group.

    Raises :class:`IngestError` with one line saying what is wrong.
    """
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise IngestError(
            None, f"--speaker-pattern {text!r} is not a valid regular expression ({exc})"
        ) from None
    if "speaker" not in pattern.groupindex:
        raise IngestError(
            None,
            f"--speaker-pattern {text!r} has no named group 'speaker'; "
            "write it as (?P<speaker>...)",
        )
    return pattern


@contextmanager
def using_speaker_pattern(pattern: re.Pattern[str] | None) -> Iterator[None]:
    """Within the block, lines are parsed with ``pattern`` instead of the automatic rules.

    Every line the pattern matches (at its start) is a turn of the ``speaker`` it
    captures; ``None`` keeps the automatic detection.
    """
    token = _PATTERN.set(pattern)
    try:
        yield
    finally:
        _PATTERN.reset(token)


def active_speaker_pattern() -> re.Pattern[str] | None:
    """The pattern set by :func:`using_speaker_pattern`, if any."""
    return _PATTERN.get()


def parse_line(line: str, *, alone: bool = False) -> LineStart | None:
    """The timestamp and candidate label at the start of ``line``, if any.

    A candidate label has the shape of a speaker name; whether it is taken as a
    speaker is decided per document by :func:`choose_speakers`. ``alone`` also
    looks for a label that is the whole line without a colon (``INTERVIEWER``,
    ``Speaker 1  0:03``): documents read line by line want it, a subtitle cue of
    three capitalised words does not.
    """
    pattern = _PATTERN.get()
    if pattern is not None:
        return _parse_with_pattern(line, pattern)
    pos = len(line) - len(line.lstrip())
    timestamp = None
    short = False
    match = _TIMESTAMP.match(line, pos)
    if match is not None:
        value = next(v for v in match.group("bracket", "paren", "bare", "short") if v)
        timestamp = parse_timestamp(value)
        short = match.group("short") is not None
        after = _AFTER_TIMESTAMP.match(line, match.end())
        # the pattern may match empty, so it matches wherever a timestamp ended
        assert after is not None
        pos = after.end()
    start = _bracketed(line, pos, timestamp) or _inline(line, pos, timestamp)
    if start is None and alone:
        start = _alone(line, pos, timestamp)
    if start is not None:
        # "10:30 Atelier : intranet" is a programme: a bare "10:30" is not the
        # mark of a speaker the way "[00:10:30]" is; the label has to be one.
        return replace(start, loose_time=True) if short else start
    if timestamp is not None and not short:
        return LineStart(timestamp, None, pos)
    return None


def _bracketed(line: str, pos: int, timestamp: float | None) -> LineStart | None:
    match = _BRACKETED.match(line, pos)
    if match is None:
        return None
    label = clean_label(match.group("label"))
    if fold(label) in _NOT_ALONE or not (_BRACKET_ID.fullmatch(label) or is_label_shape(label)):
        return None
    # Zoom: "[Jean Dupont] 10:03:12" on its line, the speech below.
    after = _TRAILING_TIME.match(line, match.end())
    if after is not None and timestamp is None:
        timestamp = parse_timestamp(after.group("ts"))
        return LineStart(timestamp, label, len(line), alone=True, bracketed=True)
    alone = not line[match.end() :].strip()
    return LineStart(timestamp, label, match.end(), alone=alone, bracketed=True)


def _inline(line: str, pos: int, timestamp: float | None) -> LineStart | None:
    match = _LABEL.match(line, pos)
    if match is None:
        return None
    label = clean_label(match.group("label"))
    # "Lien Zoom: https://..." is a header line: people do not open a turn on a URL.
    if not is_label_shape(label) or _URL.match(line, match.end()):
        return None
    if match.group("ts") is not None:
        if timestamp is not None:
            return None
        timestamp = parse_timestamp(match.group("ts"))
    return LineStart(timestamp, label, match.end(), alone=not line[match.end() :].strip())


def _alone(line: str, pos: int, timestamp: float | None) -> LineStart | None:
    match = _ALONE.match(line, pos)
    if match is None:
        return None
    label = clean_label(match.group("label"))
    # A letter alone on its line ("A", "E") is a list marker more often than a voice.
    if len(label) < 2 or label.endswith(".") or fold(label) in _NOT_ALONE:
        return None
    if not is_label_shape(label):
        return None
    if match.group("ts") is None:
        return LineStart(timestamp, label, len(line), alone=True, bare=True)
    if timestamp is not None:
        return None
    # Otter, Teams: "Kelly  0:34" is a name marked by its time, not a bare line.
    return LineStart(parse_timestamp(match.group("ts")), label, len(line), alone=True)


def _parse_with_pattern(line: str, pattern: re.Pattern[str]) -> LineStart | None:
    match = pattern.match(line)
    if match is None:
        return None
    speaker = match.group("speaker")
    label = clean_label(speaker) if speaker else None
    timestamp = None
    if "timestamp" in pattern.groupindex and match.group("timestamp"):
        stamp = re.search(_TS, match.group("timestamp"))
        timestamp = parse_timestamp(stamp.group()) if stamp is not None else None
    content = match.end()
    content += len(line[content:]) - len(line[content:].lstrip(" \t"))
    if label is None and timestamp is None:
        return None
    return LineStart(timestamp, label or None, content, alone=not line[content:].strip())


def clean_label(label: str) -> str:
    """A label as stored on units: blanks collapsed, emphasis, brackets and colon removed."""
    label = label.strip().strip("*_").strip()
    if label.startswith("[") and label.endswith("]"):
        label = label[1:-1]
    label = label.rstrip(":").strip()
    return " ".join(label.split())


@lru_cache(maxsize=4096)
def is_label_shape(label: str) -> bool:
    """True when ``label`` looks like a speaker name rather than the start of a sentence."""
    if not label or len(label) > 40:
        return False
    folded = fold(label)
    if folded in _NOT_SPEAKERS:
        return False
    if speaker_role(label) is not None or is_speaker_id(label):
        return True
    words = label.split()
    if len(words) > MAX_LABEL_WORDS or not words[0][0].isupper():
        return False
    if fold(words[-1]) in _PARTICLES:
        return False
    for word in words:
        if fold(word) in _PARTICLES:
            continue
        # "d'Arc", "l'Estrange": the capital comes after the particle.
        head = _PARTICLE_PREFIX.sub("", word, count=1)[:1]
        if not (head.isupper() or head.isdigit()):
            return False
    return True


def is_excluded_label(label: str) -> bool:
    """True for words that start "Word : explanation" notes (Date, Note, Important...)."""
    return fold(label).strip() in _NOT_SPEAKERS


@lru_cache(maxsize=4096)
def is_speaker_id(label: str) -> bool:
    """True for the ids transcription tools give: ``Speaker 1``, ``SPEAKER_01``, ``Locuteur 2``."""
    return _SPEAKER_ID.fullmatch(label.strip()) is not None


@lru_cache(maxsize=4096)
def speaker_role(label: str) -> str | None:
    """``"interviewer"``, ``"respondent"`` or None for a speaker label.

    Numbered labels count too: ``Enquêteur 2``, ``R1``, ``PARTICIPANT 12``.
    """
    folded = fold(label).strip()
    words = folded.split()
    if not words:
        return None
    base = words[0].rstrip(".")
    rest = words[1:]
    if rest and not all(w.isdigit() for w in rest):
        return None
    numbered = re.fullmatch(r"([a-z]+)_?(\d+)", base)
    if numbered is not None:
        base = numbered.group(1)
    if base in _INTERVIEWER:
        return "interviewer"
    if base in _RESPONDENT:
        return "respondent"
    return None


def is_interviewer(label: str | None) -> bool:
    """True for labels that name the interviewer (``E``, ``Q``, ``Enquêtrice``...)."""
    return label is not None and speaker_role(label) == "interviewer"


def is_dialogue_column(values: Sequence[str]) -> bool:
    """True when the first column of a two-column table names the speakers of a dialogue.

    A report's ``label | value`` table names each field once; a dialogue comes back
    to its speakers. So the labels must have a speaker's shape, and at least one
    must return: "Interviewer | J. Martin", "Participant | Mme Roux" describes
    an interview, it does not transcribe one.
    """
    labels = [clean_label(v.rstrip(" :")) for v in values if v.strip()]
    if not labels or not all(is_label_shape(v) for v in labels):
        return False
    return 2 <= len(set(labels)) < len(labels)


def choose_speakers(starts: Sequence[LineStart], forced: Iterable[str] = ()) -> set[str]:
    """The candidate labels of a document that are taken as speakers.

    ``forced`` are labels the format marks explicitly (bold runs in Word). Under a
    ``--speaker-pattern`` every label it captured is a speaker.
    """
    labelled = [start for start in starts if start.label is not None]
    if _PATTERN.get() is not None:
        return {s.label for s in labelled if s.label is not None} | set(forced)
    counts = Counter(s.label for s in labelled if s.label is not None)
    timed = sum(1 for s in labelled if s.timestamp is not None and not s.bare)
    marked = {s.label for s in labelled if s.label is not None and not s.bare}
    strong: set[str] = set(forced)
    for start in labelled:
        if start.label is not None and _is_strong(start, start.label, timed):
            strong.add(start.label)
    weak = {label for label, n in counts.items() if n >= 2 and label not in strong}
    # Labels alone on their lines without a colon are only a dialogue's voices when
    # the document speaks that way with at least two of them; else they are titles.
    # Even a role ("Question" alone, as a heading) needs that company.
    alone_voices = {s.label for s in labelled if s.alone} & (strong | weak)
    if len(alone_voices) < 2:
        kept = marked | set(forced)
        strong = {label for label in strong if label in kept}
        weak = {label for label in weak if label in kept}
    # A single recurring label with nothing else is a note heading, not a dialogue.
    if not strong and len(weak) < 2:
        return set()
    accepted = strong | weak
    return accepted | _answering(labelled, counts, accepted)


def _is_strong(start: LineStart, label: str, timed: int) -> bool:
    """A label that is a speaker by itself: a role, an id, or timed among timed labels."""
    if speaker_role(label) is not None or is_speaker_id(label):
        return True
    if start.bracketed and _BRACKET_ID.fullmatch(label):
        return True
    return start.timestamp is not None and not (start.bare or start.loose_time) and timed >= 2


def _answering(labelled: Sequence[LineStart], counts: Counter[str], accepted: set[str]) -> set[str]:
    """Labels met once that answer, and are answered by, known voices: "E / Mme Roux / E"."""
    bare_voices = {s.label for s in labelled if s.bare and s.label in accepted}
    capital_voices = len(bare_voices) >= 2 and all(in_capitals(v) for v in bare_voices if v)
    found: set[str] = set()
    for i, start in enumerate(labelled):
        label = start.label
        if i == 0 or label is None or counts[label] != 1 or label in accepted:
            continue
        # A bare line met once ("Bonjour Madame Roussel") is speech, unless the
        # document's voices are all such lines in capitals and it is one too.
        if start.bare and not (capital_voices and in_capitals(label)):
            continue
        before = labelled[i - 1]
        after = labelled[i + 1] if i + 1 < len(labelled) else None
        if before.label not in accepted or before.alone != start.alone:
            continue
        if after is not None and (after.label not in accepted or after.alone != start.alone):
            continue
        # "Hi PARTICIPANT 12: ..." is said to PARTICIPANT 12, not by someone new.
        if any(label != s and label.endswith(" " + s) for s in accepted):
            continue
        found.add(label)
    return found


def in_capitals(label: str) -> bool:
    """True for labels written in capitals (``MARIE DUPONT``, ``PARTICIPANT 12``)."""
    letters = [c for c in label if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def content_offset(line: str, speaker: str | None) -> int:
    """Offset in ``line`` where the spoken text starts, skipping timestamp and label.

    ``speaker`` is the label the line was given; labels that do not have the shape
    parse_line accepts (a bold Word run such as ``Mme Le Gall (DSI) :``) are
    skipped literally.
    """
    start = parse_line(line, alone=True)
    if start is not None and start.label == speaker:
        return start.content
    pos = (
        start.content
        if start is not None and start.label is None
        else len(line) - len(line.lstrip())
    )
    if speaker is None:
        return pos
    rest = line[pos:]
    stripped = rest.lstrip("*_")
    pos += len(rest) - len(stripped)
    # Compare word by word so that doubled blanks in the source still match.
    words = speaker.split()
    match = re.match(
        r"[ \t]*".join(re.escape(w) for w in words)
        + r"(?:\*\*|__)?[ \t]*(?:[:\-–—])?(?:\*\*|__)?[ \t]*",
        line[pos:],
    )
    return pos + match.end() if match is not None else 0
