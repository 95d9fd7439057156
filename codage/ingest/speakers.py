"""Speaker turns in the conventions of French interview transcripts.

A line may start with an optional timestamp and a speaker label::

    M. Garnier : Alors, nous avons...
    Enquêtrice : Et l'intranet ?
    E : ... / R : ...        Q : ... / R : ...
    [00:12:34] Marie : ...   [00:12:34] E : ...
    (00:12:34) ...           (00:03:12) Intervieweur - ...
    Intervieweur - ...       **Enquêtrice :** ... (Markdown)

An ordinary sentence with a colon ("Le problème : personne ne lit l'intranet")
must not become a turn, so a candidate label must have the shape of a name (one
to five words, capitalised, no lower-case common words) and then be either a
known label (interviewer or respondent), timestamped, given by the document
(a bold run in Word) or recur in the document. A document whose only evidence
is a single recurring label ("Remarque :" twice) gets no turns: interviews have
at least two voices.

Speaker names are kept as written (whitespace collapsed, emphasis removed).
Interviewer labels (Enquêteur, Enquêtrice, Intervieweur, Intervieweuse,
Interviewer, E, Q, Chercheur, Chercheuse, Question, Animateur...) are reported
by :func:`speaker_role` as ``"interviewer"``; ``R``, Répondant, Réponse,
Enquêté... as ``"respondent"``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from codage.domain import fold

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TIMESTAMP = re.compile(
    rf"\[\s*(?P<bracket>{_TS})\s*\]"
    rf"|\(\s*(?P<paren>{_TS})\s*\)"
    r"|(?P<bare>\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?)(?![\d:])"
)
# After a timestamp some tools put a dash before the label: "(00:03:12) - Marie :".
_AFTER_TIMESTAMP = re.compile(r"[ \t]*(?:[-–—][ \t]+)?")
# The label: a letter first, then name characters; a colon (not "://" nor "10:30")
# or a dash surrounded by blanks ends it. Markdown emphasis may wrap it.
_LABEL = re.compile(
    r"(?P<em>\*\*|__)?"
    r"(?P<label>[^\W\d_][\w.'’\- ]{0,39}?)"
    r"(?:\*\*|__)?[ \t]*"
    r"(?P<sep>:(?![/\d])|(?<=[ \t])[-–—](?=[ \t]))"
    r"(?:\*\*|__)?[ \t]*"
)

MAX_LABEL_WORDS = 5

_INTERVIEWER = {
    "e",
    "q",
    "i",
    "enqueteur",
    "enquetrice",
    "intervieweur",
    "intervieweuse",
    "interviewer",
    "interviewer·euse",
    "chercheur",
    "chercheuse",
    "question",
    "animateur",
    "animatrice",
    "moderateur",
    "moderatrice",
}
_RESPONDENT = {
    "r",
    "reponse",
    "repondant",
    "repondante",
    "enquete",
    "enquetee",
    "interviewe",
    "interviewee",
}
# Words that start ordinary "Word : explanation" lines of notes and headers.
_NOT_SPEAKERS = {
    "date",
    "dates",
    "lieu",
    "duree",
    "heure",
    "note",
    "notes",
    "remarque",
    "remarques",
    "nb",
    "n.b.",
    "ps",
    "p.s.",
    "objet",
    "theme",
    "themes",
    "sujet",
    "source",
    "sources",
    "titre",
    "contexte",
    "transcription",
    "entretien",
    "participants",
    "presents",
    "exemple",
    "exemples",
    "conclusion",
    "introduction",
    "resume",
    "attention",
    "annexe",
    "fichier",
    "lien",
    "url",
    "legende",
    "consigne",
    "total",
    "bref",
    "donc",
    "alors",
    "enfin",
    "mais",
    "et",
    "ou",
    "puis",
    "ensuite",
    "voila",
    "probleme",
    "solution",
    "objectif",
    "objectifs",
    "avantages",
    "inconvenients",
    "rappel",
    "info",
    "information",
    "important",
    "definition",
    "mots-cles",
    "resultat",
    "resultats",
    "tel",
    "email",
    "courriel",
    "adresse",
}
_PARTICLES = {"de", "du", "des", "la", "le", "les", "d'", "l'", "d’", "l’", "van", "von", "et"}


@dataclass(frozen=True, slots=True)
class LineStart:
    """What starts a line: a timestamp, a speaker label, or both.

    ``content`` is the offset in the line where the spoken text begins.
    """

    timestamp: float | None
    label: str | None
    content: int


def parse_timestamp(value: str) -> float:
    """``"00:12:34"`` -> 754.0; ``"12:34"`` (mm:ss) -> 754.0; ``"1:02:03,5"`` -> 3723.5."""
    value = value.replace(",", ".")
    parts = value.split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2]) if len(parts) >= 2 else 0
    hours = int(parts[-3]) if len(parts) >= 3 else 0
    return hours * 3600 + minutes * 60 + seconds


def parse_line(line: str) -> LineStart | None:
    """The timestamp and candidate label at the start of ``line``, if any.

    A candidate label has the shape of a speaker name; whether it is taken as a
    speaker is decided per document by :func:`choose_speakers`.
    """
    pos = len(line) - len(line.lstrip())
    timestamp = None
    match = _TIMESTAMP.match(line, pos)
    if match is not None:
        timestamp = parse_timestamp(
            match.group("bracket") or match.group("paren") or match.group("bare")
        )
        pos = _AFTER_TIMESTAMP.match(line, match.end()).end()
    label_match = _LABEL.match(line, pos)
    if label_match is not None:
        label = clean_label(label_match.group("label"))
        if is_label_shape(label):
            return LineStart(timestamp, label, label_match.end())
    if timestamp is not None:
        return LineStart(timestamp, None, pos)
    return None


def clean_label(label: str) -> str:
    """A label as stored on units: blanks collapsed, emphasis and colon removed."""
    label = label.strip().strip("*_").strip()
    label = label.rstrip(":").strip()
    return " ".join(label.split())


def is_label_shape(label: str) -> bool:
    """True when ``label`` looks like a speaker name rather than the start of a sentence."""
    if not label or len(label) > 40:
        return False
    folded = fold(label)
    if folded in _NOT_SPEAKERS:
        return False
    if speaker_role(label) is not None:
        return True
    words = label.split()
    if len(words) > MAX_LABEL_WORDS or not words[0][0].isupper():
        return False
    if fold(words[-1]) in _PARTICLES:
        return False
    for word in words:
        head = word[0]
        if not (head.isupper() or head.isdigit() or fold(word) in _PARTICLES):
            return False
    return True


def is_excluded_label(label: str) -> bool:
    """True for words that start "Word : explanation" notes (Date, Note, Important...)."""
    return fold(label).strip() in _NOT_SPEAKERS


def speaker_role(label: str) -> str | None:
    """``"interviewer"``, ``"respondent"`` or None for a speaker label.

    Numbered labels count too: ``Enquêteur 2``, ``R1``.
    """
    folded = fold(label).strip()
    words = folded.split()
    if not words:
        return None
    base = words[0].rstrip(".")
    rest = words[1:]
    if rest and not all(w.isdigit() for w in rest):
        return None
    numbered = re.fullmatch(r"([a-z]+)(\d+)", base)
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


def choose_speakers(starts: Sequence[LineStart], forced: Iterable[str] = ()) -> set[str]:
    """The candidate labels of a document that are taken as speakers.

    ``forced`` are labels the format marks explicitly (bold runs in Word).
    """
    labelled = [start.label for start in starts if start.label is not None]
    strong: set[str] = set(forced)
    for start in starts:
        if start.label is not None and (
            start.timestamp is not None or speaker_role(start.label) is not None
        ):
            strong.add(start.label)
    counts = Counter(labelled)
    weak = {label for label, n in counts.items() if n >= 2 and label not in strong}
    # A single recurring label with nothing else is a note heading, not a dialogue.
    if not strong and len(weak) < 2:
        return set()
    # Once a dialogue is established, a label met once is a speaker when it answers
    # (or is answered by) a known voice: "E : ... / Mme Roux : ... / E : ...".
    if strong:
        for i, label in enumerate(labelled):
            neighbours = labelled[max(i - 1, 0) : i] + labelled[i + 1 : i + 2]
            if any(n in strong for n in neighbours):
                weak.add(label)
    return strong | weak


def content_offset(line: str, speaker: str | None) -> int:
    """Offset in ``line`` where the spoken text starts, skipping timestamp and label.

    ``speaker`` is the label the line was given; labels that do not have the shape
    parse_line accepts (a bold Word run such as ``Mme Le Gall (DSI) :``) are
    skipped literally.
    """
    start = parse_line(line)
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
