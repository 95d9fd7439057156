"""Cases (an interviewee, a survey respondent) and their attributes, as both faces list and
set them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codage.domain import AttributeValue, Case
from codage.services import NotFound, StoreError

if TYPE_CHECKING:
    from codage.services import Project


class AttributeParseError(StoreError):
    """An attribute assignment that cannot be read (not KEY=VALUE)."""


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """A case with its attributes and the documents it holds whole."""

    name: str
    attributes: dict[str, AttributeValue]
    documents: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "attributes": self.attributes, "documents": self.documents}


def list_cases(project: Project) -> list[CaseRecord]:
    """Every case, by name, with its attributes and the documents linked to it whole."""
    held: dict[str, list[str]] = {}
    for doc in project.documents():
        if doc.case:
            held.setdefault(doc.case, []).append(doc.name)
    return [CaseRecord(c.name, dict(c.attributes), held.get(c.name, [])) for c in project.cases()]


def _typed(value: str) -> AttributeValue:
    # Numbers stay numbers, as the importers store them, so that crosstabs and sorts agree.
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        return value
    return number if number == number and abs(number) != float("inf") else value


def parse_attributes(items: Iterable[str]) -> dict[str, AttributeValue]:
    """``KEY=VALUE`` items as attributes (a number is stored as a number); a bad item is
    refused with a message naming it."""
    out: dict[str, AttributeValue] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise AttributeParseError(f"{item!r}: expected KEY=VALUE, e.g. type=Commune")
        out[key.strip()] = _typed(value.strip())
    if not out:
        raise AttributeParseError("give at least one KEY=VALUE")
    return out


def set_case_attributes(
    project: Project, name: str, attributes: dict[str, AttributeValue], *, create: bool = False
) -> Case:
    """Set attributes of a case (the others are kept). An unknown case is refused unless
    ``create``, so that a typo does not make a new case."""
    if not create:
        known = {c.name for c in project.cases()}
        if name not in known:
            raise NotFound(f"no case {name!r} in this project (add --create to make it)")
    return project.set_case(name, attributes)
