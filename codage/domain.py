"""Plain domain objects and pure logic shared by every layer.

Nothing here touches a database, a file or a terminal. Offsets are code-point
offsets into a document's stored text (NFC, ``\\n`` newlines), end exclusive.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import regex

# ---------------------------------------------------------------------------
# Spans
# ---------------------------------------------------------------------------


@dataclass(frozen=True, order=True, slots=True)
class Span:
    """A half-open range ``[start, end)`` of code points."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    @property
    def is_empty(self) -> bool:
        return self.end == self.start

    def overlaps(self, other: Span) -> bool:
        """True when the two spans share at least one code point."""
        return max(self.start, other.start) < min(self.end, other.end)

    def touches(self, other: Span) -> bool:
        """True when the spans overlap or are adjacent (their union is one span)."""
        return self.start <= other.end and other.start <= self.end

    def contains(self, other: Span) -> bool:
        """True when every code point of ``other`` lies in this span."""
        return self.start <= other.start and other.end <= self.end

    def contains_offset(self, offset: int) -> bool:
        return self.start <= offset < self.end

    def intersection(self, other: Span) -> Span | None:
        """The common part, or None when the spans do not overlap."""
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Span(start, end) if start < end else None

    def union(self, other: Span) -> Span:
        """The single span covering both; they must touch."""
        if not self.touches(other):
            raise ValueError(f"{self} and {other} are disjoint: their union is not one span")
        return Span(min(self.start, other.start), max(self.end, other.end))

    def hull(self, other: Span) -> Span:
        """The smallest span covering both, gaps included."""
        return Span(min(self.start, other.start), max(self.end, other.end))


def normalise_spans(spans: Iterable[Span]) -> list[Span]:
    """Sort spans and merge those that overlap or touch; empty spans vanish."""
    out: list[Span] = []
    for span in sorted(s for s in spans if not s.is_empty):
        if out and out[-1].touches(span):
            out[-1] = out[-1].union(span)
        else:
            out.append(span)
    return out


def union_spans(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    """Union of two span sets, as a normalised list."""
    return normalise_spans([*a, *b])


def intersect_spans(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    """Intersection of two span sets, as a normalised list."""
    left, right = normalise_spans(a), normalise_spans(b)
    out: list[Span] = []
    i = j = 0
    while i < len(left) and j < len(right):
        common = left[i].intersection(right[j])
        if common is not None:
            out.append(common)
        if left[i].end <= right[j].end:
            i += 1
        else:
            j += 1
    return normalise_spans(out)


def subtract_spans(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    """The parts of ``a`` not covered by ``b``."""
    out: list[Span] = []
    holes = normalise_spans(b)
    for span in normalise_spans(a):
        cursor = span.start
        for hole in holes:
            if hole.end <= cursor or hole.start >= span.end:
                continue
            if hole.start > cursor:
                out.append(Span(cursor, hole.start))
            cursor = max(cursor, hole.end)
        if cursor < span.end:
            out.append(Span(cursor, span.end))
    return out


def covered_length(spans: Iterable[Span]) -> int:
    """Number of code points covered by at least one span."""
    return sum(len(s) for s in normalise_spans(spans))


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """NFC with ``\\n`` newlines: the one form in which documents are stored."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    return unicodedata.normalize("NFC", text)


def text_sha256(text: str) -> str:
    """SHA-256 of the UTF-8 bytes of an already normalised text."""
    # imported here: OpenSSL's hashes load in milliseconds a listing does not need
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fold(text: str) -> str:
    """Lower case without accents, for forgiving matches of names typed by a person."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Texts longer than this are counted piece by piece: ``split`` makes one string
# per word, which for a 50 MB transcript was 8 million strings at once.
_COUNT_PIECE = 1 << 20


def word_count(text: str) -> int:
    """Runs of non-space characters, as ``len(text.split())``, in bounded memory."""
    if len(text) <= _COUNT_PIECE:
        return len(text.split())
    count, start, size = 0, 0, len(text)
    while start < size:
        end = min(start + _COUNT_PIECE, size)
        while end < size and not text[end].isspace():  # never cut a word in two
            end += 1
        count += len(text[start:end].split())
        start = end
    return count


# Python's ``re`` has no ``\X``; the ``regex`` package follows Unicode's extended
# grapheme clusters (UAX #29): flags, skin tones, ZWJ sequences, combining marks.
# Compiled at first use: importing ``regex`` is a large part of a light command's start.
@functools.cache
def _grapheme() -> regex.Pattern[str]:
    import regex

    return regex.compile(r"\X")


def _plain_boundary(text: str, i: int) -> bool:
    """A cheap sure boundary: between two ASCII characters (no CR LF pair)."""
    if i <= 0 or i >= len(text):
        return True
    before, after = text[i - 1], text[i]
    return before.isascii() and after.isascii() and not (before == "\r" and after == "\n")


def _cluster_around(text: str, offset: int) -> tuple[int, int]:
    """The grapheme cluster holding ``offset`` (its start and end), or
    ``(offset, offset)`` when a cluster boundary falls there."""
    lo = offset
    while not _plain_boundary(text, lo):
        lo -= 1
    hi = offset
    while not _plain_boundary(text, hi):
        hi += 1
    if lo == hi:
        return offset, offset
    for match in _grapheme().finditer(text, lo, hi):
        a, b = match.span()
        if a < offset < b:
            return a, b
        if a >= offset:
            break
    return offset, offset


def snap_to_graphemes(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` widened to whole grapheme clusters of ``text``.

    A coded passage must not cut a flag, an emoji with its skin tone or a letter
    from its combining accent: each end moves outward to the nearest cluster
    boundary. Only the text around each end is segmented, from the nearest
    sure boundaries, so this stays cheap on long documents.
    """
    if not 0 <= start <= end <= len(text):
        return start, end  # not a span of this text: left for the caller to refuse
    new_start = _cluster_around(text, start)[0]
    new_end = _cluster_around(text, end)[1]
    return new_start, max(new_end, new_start)


def grapheme_boundaries(text: str) -> set[int]:
    """Every offset of ``text`` where a grapheme cluster starts or ends."""
    out = {0, len(text)}
    for match in _grapheme().finditer(text):
        out.update(match.span())
    return out


# ---------------------------------------------------------------------------
# Code paths
# ---------------------------------------------------------------------------

PATH_SEPARATOR = "/"

CodePath = tuple[str, ...]


def parse_path(path: str | Sequence[str]) -> CodePath:
    """Split ``"Partie 1/Intranet"`` into its levels, trimming blanks around each."""
    parts = path.split(PATH_SEPARATOR) if isinstance(path, str) else list(path)
    levels = tuple(" ".join(p.split()) for p in parts)
    if not levels or any(not level for level in levels):
        raise ValueError(f"invalid code path {path!r}")
    return levels


def format_path(path: Sequence[str]) -> str:
    return PATH_SEPARATOR.join(path)


@dataclass(frozen=True, slots=True)
class CodeLabel:
    """A code as a table row or a narrow pane names it, where its whole path would fold
    over several lines or be cut in the middle: the leaf, indented by its depth in a listing
    of the whole tree, else followed by its parent (two leaves may share a name)."""

    indent: str
    leaf: str
    parent: str | None = None

    @property
    def plain(self) -> str:
        """``Usages (Espace numérique)`` or ``    Usages``, as plain text."""
        tail = f" ({self.parent})" if self.parent else ""
        return f"{self.indent}{self.leaf}{tail}"


def code_label(path: str | Sequence[str], *, indent: bool = False) -> CodeLabel:
    """How the command line and the interface both name a code in a table: with
    ``indent`` (a table listing the whole tree) the leaf indented two spaces a level,
    otherwise the leaf and its parent."""
    levels = path.split(PATH_SEPARATOR) if isinstance(path, str) else list(path)
    if indent:
        return CodeLabel("  " * (len(levels) - 1), levels[-1])
    return CodeLabel("", levels[-1], levels[-2] if len(levels) > 1 else None)


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------

UNIT_KINDS = ("paragraph", "heading", "turn", "sentence", "answer")
DOCUMENT_KINDS = ("interview", "text", "survey", "subtitles")
ATTRIBUTE_TYPES = ("text", "number", "date", "boolean")

AttributeValue = str | float | int | bool | None


@dataclass(frozen=True, slots=True)
class Coder:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Code:
    """A node of the codebook tree."""

    id: int
    name: str
    path: CodePath
    parent_id: int | None = None
    description: str = ""
    colour: str = "#888888"
    position: int = 0
    inclusion: str = ""
    exclusion: str = ""
    example: str = ""

    @property
    def path_str(self) -> str:
        return format_path(self.path)

    @property
    def depth(self) -> int:
        return len(self.path) - 1


@dataclass(frozen=True, slots=True)
class Unit:
    """A stretch of a document found by a reader or by spaCy.

    ``lemmas`` holds ``start,end,lemma`` triples separated by spaces, offsets
    relative to the document (see :func:`encode_lemmas`).
    """

    kind: str
    start: int
    end: int
    speaker: str | None = None
    timestamp: float | None = None
    lemmas: str | None = None
    id: int | None = None
    document_id: int | None = None
    position: int = 0

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


def encode_lemmas(tokens: Iterable[tuple[int, int, str]]) -> str:
    """Pack (start, end, lemma) triples into the compact string stored on units."""
    return " ".join(f"{s},{e},{'_'.join(lemma.split()) or '_'}" for s, e, lemma in tokens)


def decode_lemmas(packed: str | None) -> list[tuple[int, int, str]]:
    if not packed:
        return []
    out = []
    for item in packed.split(" "):
        s, e, lemma = item.split(",", 2)
        out.append((int(s), int(e), lemma))
    return out


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A document without its text: what lists and summaries need."""

    id: int
    name: str
    kind: str
    sha256: str
    length: int
    words: int
    source_path: str | None = None
    imported_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    case: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    id: int
    name: str
    kind: str
    text: str
    sha256: str
    source_path: str | None = None
    imported_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def excerpt(self, span: Span) -> str:
        return self.text[span.start : span.end]


@dataclass(frozen=True, slots=True)
class NewDocument:
    """What a reader hands to the store: a document before it has an id."""

    name: str
    kind: str
    text: str
    units: list[Unit] = field(default_factory=list)
    source_path: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # answer units linked to respondents: index into ``units`` -> case name
    unit_cases: dict[int, str] = field(default_factory=dict)
    # the case the whole document belongs to (an interviewee), if any
    case: str | None = None
    # attributes of the cases named above, created or updated on import
    cases: dict[str, dict[str, AttributeValue]] = field(default_factory=dict)
    # what the reader wants the person importing to know: parts of the source
    # that are not document text (comments), revisions read as accepted, cues
    # that could not be read, a speaker detection that looks wrong...
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Coding:
    id: int
    document_id: int
    code_id: int
    coder: str
    start: int
    end: int
    text: str
    memo: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    automatic: bool = False  # made by auto-coding from a search, not by hand
    suggested: bool = False  # accepted by its coder from a code suggestion

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass(frozen=True, slots=True)
class AsideCoding:
    """A coding a merge could not place, waiting for a person (see Project.set_aside)."""

    id: int
    document_id: int | None
    document_name: str
    code_id: int | None
    code_path: str
    coder: str
    start: int
    end: int
    text: str
    memo: str | None = None
    source: str = ""
    reason: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CodingImport:
    """One coding for :meth:`Project.import_codings`: its owner travels with it."""

    document_id: int
    code_id: int
    coder: str
    start: int
    end: int
    memo: str | None = None
    automatic: bool = False
    suggested: bool = False


@dataclass(frozen=True, slots=True)
class Memo:
    id: int
    target: str  # "project", "document", "code" or "coding"
    target_id: int | None
    text: str
    author: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    name: str
    attributes: dict[str, AttributeValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journaled change. ``coder`` is who ran it (whose undo takes it back);
    ``coders`` are those whose codings it touched; ``details`` holds what it
    takes to tell it in words (see :mod:`codage.journal_text`)."""

    id: int
    coder: str
    at: datetime
    action: str
    summary: str
    undone: bool = False
    coders: tuple[str, ...] = ()
    details: dict[str, Any] | None = None
    state: str = "done"


def format_attribute(value: object) -> str:
    """An attribute value as a person reads it (1200, not 1200.0; empty for none)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def attribute_labels(attributes: dict[str, AttributeValue], first: Sequence[str] = ()) -> list[str]:
    """A case's attributes as a one-line header shows them, ``first`` ones first.

    A value that names itself (``Finances``, ``Intercommunalité``) stands alone; one that
    would be ambiguous without its attribute's name gets it in front (``anciennete 5-14
    ans`` beside ``tranche age 50-59 ans``, ``grade B``): values with digits, short codes,
    booleans, and values another attribute of the case shares. Empty values are left out.
    """
    keys = [k for k in first if k in attributes]
    keys += sorted(k for k in attributes if k not in keys)
    shown = {k: format_attribute(attributes[k]) for k in keys}
    shown = {k: v for k, v in shown.items() if v.strip()}
    folded = [fold(v) for v in shown.values()]
    labels: list[str] = []
    for key, value in shown.items():
        ambiguous = (
            isinstance(attributes[key], bool)
            or any(ch.isdigit() for ch in value)
            or len(value) < 4
            or folded.count(fold(value)) > 1
        )
        labels.append(f"{key.replace('_', ' ')} {value}" if ambiguous else value)
    return labels


def infer_attribute_type(value: AttributeValue) -> str:
    """The attribute type a Python value is stored under."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, datetime):
        return "date"
    return "text"


PSEUDONYM_KINDS = ("PER", "LOC", "ORG")


@dataclass(frozen=True, slots=True)
class Pseudonym:
    """A name of the pseudonymisation map: ``key`` is the name folded, without title;
    ``keep`` false marks a reviewed false positive (the name is left as it is)."""

    key: str
    name: str
    kind: str
    replacement: str
    keep: bool = True
    count: int = 0
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AssistRun:
    """What produced one similarity or suggestion run: enough for a methods section."""

    id: int
    at: datetime
    coder: str
    command: str  # "similar", "suggest", "accept", "embed"
    method: str  # "vectors" (a spaCy model's word vectors) or "tfidf"
    model: str  # e.g. "fr_core_news_md 3.8.0", or "tfidf"
    parameters: dict[str, Any]
    seconds: float
    units: int
