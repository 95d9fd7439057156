"""What the REFI-QDA writers share: namespaces, deterministic GUIDs, XML-safe text with a
count of what was removed, the code descriptions and the codebook's ``Code`` elements.

GUIDs are uuid5 of a per-project namespace and the object's kind and id, written lower
case without braces: exporting the same project twice gives the same GUIDs, so that a
peer tool sees the same objects again.
"""

from __future__ import annotations

import importlib.metadata
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from codage.domain import Code
from codage.exchange.tables import xml_safe

__all__ = [
    "CODEBOOK_NS",
    "CODEBOOK_NSMAP",
    "PROJECT_NS",
    "PROJECT_NSMAP",
    "Guids",
    "XmlText",
    "code_description",
    "code_elements",
    "origin",
    "xml_datetime",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
# the default namespace (no prefix); lxml's stubs type prefixes as str only
PROJECT_NSMAP: dict[Any, str] = {None: PROJECT_NS}
CODEBOOK_NSMAP: dict[Any, str] = {None: CODEBOOK_NS}

# Lone surrogates cannot be encoded in an XML document; ``xml_safe`` covers the C0
# controls and the two non-characters.
_SURROGATES = re.compile("[\ud800-\udfff]")


def origin() -> str:
    """``codage <version>``, the ``origin`` of every file codage writes."""
    try:
        return f"codage {importlib.metadata.version('codage')}"
    except importlib.metadata.PackageNotFoundError:
        return "codage"


class Guids:
    """Deterministic GUIDs of one project's objects."""

    def __init__(self, project_name: str) -> None:
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"codage-project:{project_name}")

    def __call__(self, kind: str, key: object) -> str:
        return str(uuid.uuid5(self.namespace, f"{kind}:{key}"))


class XmlText:
    """Text from users made fit for XML 1.0, counting the characters that had to go."""

    def __init__(self) -> None:
        self.removed = 0

    def __call__(self, text: str) -> str:
        safe = _SURROGATES.sub("", xml_safe(text))
        self.removed += len(text) - len(safe)
        return safe


def xml_datetime(moment: datetime | None) -> str | None:
    """``xsd:dateTime`` in UTC (naive times are the store's UTC), or None."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def code_description(code: Code) -> str:
    """The description, then ``Inclusion: ...``, ``Exclusion: ...``, ``Example: ...``
    paragraphs (only those present), separated by blank lines: REFI-QDA has one
    description, and the reader splits these labels back into codage's fields."""
    parts = [code.description.strip()] if code.description.strip() else []
    for label, value in (
        ("Inclusion", code.inclusion),
        ("Exclusion", code.exclusion),
        ("Example", code.example),
    ):
        if value.strip():
            parts.append(f"{label}: {value.strip()}")
    return "\n\n".join(parts)


def _colour(code: Code) -> str | None:
    # the stored spelling is kept, so that a round trip gives the same colour back
    colour = code.colour.strip()
    if re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        return colour
    if re.fullmatch(r"#[0-9a-fA-F]{3}", colour):
        return "#" + "".join(ch * 2 for ch in colour[1:])
    return None


def code_elements(
    ns: str,
    codes: Sequence[Code],
    guids: Guids,
    clean: XmlText,
    note_refs: dict[int, list[str]] | None = None,
) -> list[etree._Element]:
    """The top-level ``Code`` elements of the tree (children nested), in codebook order.

    ``note_refs`` (code id -> note GUIDs) adds ``NoteRef`` elements, which only the
    project schema allows.
    """
    made: dict[int, etree._Element] = {}
    roots: list[etree._Element] = []
    for code in codes:
        attrib = {"guid": guids("code", code.id), "name": clean(code.name), "isCodable": "true"}
        colour = _colour(code)
        if colour is not None:
            attrib["color"] = colour
        element = etree.Element(f"{{{ns}}}Code", attrib)
        description = code_description(code)
        if description:
            etree.SubElement(element, f"{{{ns}}}Description").text = clean(description)
        for note in (note_refs or {}).get(code.id, ()):
            etree.SubElement(element, f"{{{ns}}}NoteRef", targetGUID=note)
        made[code.id] = element
        parent = made.get(code.parent_id) if code.parent_id is not None else None
        # tree order puts a parent before its children
        (roots.append(element) if parent is None else parent.append(element))
    return roots
