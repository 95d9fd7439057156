"""Passages a person names: finding one by its text, and saying where one is.

A person types or pastes a passage from a mail, a word processor or a
terminal: its accents may be decomposed (NFD), its line ends CRLF, its
apostrophes straight where the transcript's are typographic, its guillemets
plain quotes without the spaces French puts inside them. :func:`find_passage`
compares both texts in one folded form and maps every match back to offsets
of the document's own text, which are the offsets a coding stores.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from codage.domain import Case, Span, Unit, normalise_text
from codage.i18n import register, t
from codage.places import Locator, Place
from codage.store.errors import NotFound

if TYPE_CHECKING:
    import regex

__all__ = [
    "AmbiguousPassage",
    "PassageNotFound",
    "find_passage",
    "fold_passage",
    "locate_passage",
    "passage_pattern",
    "place_label",
]

register(
    {
        "place.turn": {"en": "turn {n}", "fr": "tour {n}"},
        "place.paragraph": {"en": "para. {n}", "fr": "§ {n}"},
        "place.heading": {"en": "para. {n}", "fr": "§ {n}"},
        "place.answer": {"en": "answer {n}", "fr": "réponse {n}"},
        "passage.not_found": {
            "en": "{document}: passage not found: {passage}",
            "fr": "{document} : passage introuvable : {passage}",
        },
        "passage.empty": {
            "en": "{document}: the passage to find is empty",
            "fr": "{document} : le passage à chercher est vide",
        },
        "passage.ambiguous": {
            "en": "{document}: the passage occurs {count} times ({where}); "
            "give --start/--end or a longer passage",
            "fr": "{document} : le passage apparaît {count} fois ({where}) ; "
            "donnez --start/--end ou un passage plus long",
        },
    }
)

# One form for the characters people type in several ways.
_QUOTES = frozenset('"«»“”„‟〝〞＂')
_APOSTROPHES = frozenset("'’‘‛ʼ′`´")
_DASHES = frozenset("‐‑‒–—―−")
_ELLIPSIS = "…"
# Gone from the folded text: they are invisible, so nobody types them.
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u2060\ufeff")
# French puts a (narrow) space before these; a person may not.
_SPACED_BEFORE = frozenset("?!:;")


def _fold_char(ch: str) -> str:
    if ch in _QUOTES:
        return '"'
    if ch in _APOSTROPHES:
        return "'"
    if ch in _DASHES:
        return "-"
    if ch == _ELLIPSIS:
        return "..."
    if ch in _INVISIBLE:
        return ""
    if ch.isspace():
        return " "
    return ch


def fold_passage(text: str) -> str:
    """``text`` with quotes, apostrophes, dashes and spaces in one form.

    Runs of spaces, newlines and non-breaking spaces become one space; a space
    beside a quote or before ``? ! : ;`` goes, so that ``« oui »`` and
    ``"oui"`` fold alike; leading and trailing spaces go.
    """
    out: list[str] = []
    pending = False  # a run of spaces waiting for what follows it
    for ch in normalise_text(text):
        folded = _fold_char(ch)
        if folded == " ":
            pending = True
        elif folded:
            beside_quote = out and (out[-1] == '"' or folded[0] == '"')
            if pending and out and not beside_quote and folded not in _SPACED_BEFORE:
                out.append(" ")
            pending = False
            out.append(folded)
    return "".join(out)


def _class(chars: frozenset[str]) -> str:
    import regex

    return "[" + "".join(regex.escape(c) for c in sorted(chars)) + "]"


def passage_pattern(typed: str, *, invisible: bool = True) -> regex.Pattern[str] | None:
    """A pattern that matches the typed passage in a document's own text, every form
    :func:`fold_passage` makes alike matching alike; None for an empty passage.

    ``invisible=False`` leaves out the soft hyphens and zero-width characters a
    document may hold between any two letters: a simpler, faster pattern for
    the texts (most of them) that hold none.
    """
    # imported here: importing ``regex`` is a large part of a light command's start
    # (``codage stats`` reads this module for its case locator)
    import regex

    folded = fold_passage(typed)
    if not folded:
        return None
    pieces: list[str] = []
    for token in regex.findall(r"\.\.\.|.", folded, regex.DOTALL):
        if token == " ":
            piece = r"\s+"
        elif token == '"':
            piece = r"\s*" + _class(_QUOTES) + r"\s*"
        elif token == "'":
            piece = _class(_APOSTROPHES)
        elif token == "-":
            piece = _class(_DASHES | {"-"})
        elif token == "...":
            piece = r"(?:\.\.\.|…)"
        elif token in _SPACED_BEFORE:
            piece = r"\s*" + regex.escape(token)
        else:
            piece = regex.escape(token)
        pieces.append(piece)
    body = (_class(_INVISIBLE) + "*" if invisible else "").join(pieces)
    # spaces beside a quote at either end belong to the text around, not to the passage
    if body.startswith(r"\s*"):
        body = body[3:]
    if body.endswith(r"\s*"):
        body = body[:-3]
    return regex.compile(body)


def find_passage(text: str, typed: str) -> list[Span]:
    """Every place of a document's ``text`` where the passage ``typed`` occurs.

    Unicode forms, line ends, straight or typographic quotes and apostrophes,
    the spaces inside French guillemets, non-breaking spaces and runs of
    spaces or newlines do not matter; case and accents do. The spans are
    offsets into ``text`` itself, in text order; occurrences may overlap.
    """
    pattern = passage_pattern(typed, invisible=any(c in text for c in _INVISIBLE))
    if pattern is None:
        return []
    return [Span(*m.span()) for m in pattern.finditer(text, overlapped=True)]


class PassageNotFound(NotFound):
    """The typed passage is not in the document."""


class AmbiguousPassage(NotFound):
    """The typed passage occurs more than once; ``spans`` says where."""

    def __init__(self, message: str, spans: Sequence[Span]) -> None:
        super().__init__(message)
        self.spans = list(spans)


def place_label(place: Place, label: Callable[..., str] = t) -> str:
    """``turn 12``, ``answer 4`` or ``para. 3``: how dossiers and the interface name a place."""
    return label(f"place.{place.kind}", n=place.number)


def _short(passage: str) -> str:
    flat = " ".join(passage.split())
    return repr(flat if len(flat) <= 60 else flat[:59] + "…")


def locate_passage(text: str, typed: str, *, document: str, locator: Locator | None = None) -> Span:
    """The one span of ``text`` where ``typed`` occurs (see :func:`find_passage`).

    Raises :class:`PassageNotFound`, or :class:`AmbiguousPassage` naming each
    occurrence by its offsets and, given a ``locator``, by its place.
    """
    if not " ".join(typed.split()):
        raise PassageNotFound(t("passage.empty", document=document))
    spans = find_passage(text, typed)
    if not spans:
        raise PassageNotFound(t("passage.not_found", document=document, passage=_short(typed)))
    if len(spans) > 1:
        where = []
        for span in spans[:8]:
            place = locator.at(span.start) if locator is not None else None
            shown = f"{span.start}–{span.end}"
            where.append(f"{shown} {place_label(place)}" if place is not None else shown)
        if len(spans) > 8:
            where.append("…")
        raise AmbiguousPassage(
            t("passage.ambiguous", document=document, count=len(spans), where=", ".join(where)),
            spans,
        )
    return spans[0]


def case_locator(
    units: Sequence[Unit], unit_cases: Mapping[int, Case], document_case: Case | None
) -> Callable[[Span], Case | None]:
    """The case of a passage of one document, given its units and their cases.

    A passage belongs to the case of the unit (a survey answer) holding its
    start; one that starts between two answers belongs to the first answer it
    overlaps; otherwise to the document's case (an interviewee), if any.
    """
    held = sorted((u for u in units if u.id in unit_cases), key=lambda u: (u.start, u.end))
    starts = [u.start for u in held]

    def find(span: Span) -> Case | None:
        i = bisect.bisect_right(starts, span.start) - 1
        while i >= 0:
            unit = held[i]
            if unit.start <= span.start < max(unit.end, unit.start + 1):
                return unit_cases[unit.id]  # type: ignore[index]
            if unit.end <= span.start:
                break
            i -= 1
        j = max(i + 1, 0)
        if j < len(held) and held[j].start < span.end:
            return unit_cases[held[j].id]  # type: ignore[index]
        return document_case

    return find
