"""The records a REFI-QDA file is read into, before anything is written."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from codage.domain import AttributeValue


@dataclass(slots=True)
class RefiCode:
    """A code of the codebook, with its children in order."""

    guid: str
    name: str
    colour: str | None = None
    description: str = ""
    inclusion: str = ""
    exclusion: str = ""
    example: str = ""
    children: list[RefiCode] = field(default_factory=list)


@dataclass(slots=True)
class RefiCoding:
    """One code applied to one selection (or to a whole source)."""

    guid: str
    code_guid: str
    user_guid: str | None
    memo_guids: list[str] = field(default_factory=list)
    # memos written inline (ATLAS.ti's Description of a selection)
    memo_texts: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RefiSelection:
    """A ``PlainTextSelection``: positions as the file counts them."""

    guid: str
    name: str
    start: int
    end: int
    user_guid: str | None
    codings: list[RefiCoding] = field(default_factory=list)


@dataclass(slots=True)
class RefiSource:
    """A text source (or a PDF's text representation) and its selections."""

    guid: str
    name: str
    # the raw text as the file holds it (BOM removed), before normalisation
    text: str
    had_bom: bool = False
    # "plain", "inline", "docx" or "pdf": where the text came from
    origin: str = "plain"
    selections: list[RefiSelection] = field(default_factory=list)
    # codings of the whole source (a Coding directly under the source)
    whole: list[RefiCoding] = field(default_factory=list)
    memo_guids: list[str] = field(default_factory=list)
    memo_texts: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RefiNote:
    """A ``Note``: a memo's text and author."""

    guid: str
    name: str
    text: str
    user_guid: str | None


@dataclass(slots=True)
class RefiCase:
    """A case, its typed attributes and its members."""

    guid: str
    name: str
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    source_guids: list[str] = field(default_factory=list)
    selection_guids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RefiProject:
    """Everything codage takes from a ``.qdpx``, plus what it had to leave out."""

    name: str
    origin: str = ""
    creating_user: str | None = None
    # user GUID -> name
    users: dict[str, str] = field(default_factory=dict)
    codes: list[RefiCode] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    notes: dict[str, RefiNote] = field(default_factory=dict)
    cases: list[RefiCase] = field(default_factory=list)
    project_memo_guids: list[str] = field(default_factory=list)
    project_memo_texts: list[str] = field(default_factory=list)
    # memos on codes given inline (ATLAS.ti): code GUID -> texts
    code_memo_texts: dict[str, list[str]] = field(default_factory=dict)
    code_memo_guids: dict[str, list[str]] = field(default_factory=dict)
    # what codage does not hold, counted by kind ("picture sources", "sets"...)
    skipped: Counter[str] = field(default_factory=Counter)
    # one line each: what was changed on the way in (a renamed code, a renamed source)
    notes_for_report: list[str] = field(default_factory=list)

    @property
    def atlas(self) -> bool:
        """ATLAS.ti writes memos as ``Description`` elements."""
        return "atlas" in self.origin.lower()
