"""REFI-QDA export: a project as ``.qdpx`` (zip of ``project.qde`` and ``Sources/``), its
codebook as ``.qdc``.

The writers receive records (:mod:`codage.services.project_records`) and a path. The XML
is written incrementally with ``lxml.etree.xmlfile`` (one source at a time), so that a
large project is not held twice in memory. Files go through :func:`atomic_path`: a failed
export leaves nothing half-written. Zip entries carry a fixed date, so that exporting the
same project twice gives the same bytes.

Shared conventions with the reader (issue 14): every text source is ``Sources/<guid>.txt``
holding exactly the stored text (UTF-8, no BOM, ``\\n``), positions are code points over
it, end exclusive; one ``PlainTextSelection`` per coding holds one ``Coding``; memos are
``Note``\\ s reached by ``NoteRef``\\ s from their target; a unit that belongs to a case is
a ``PlainTextSelection`` without ``Coding``, named by the case's ``SelectionRef``.
"""

from __future__ import annotations

import itertools
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from codage.domain import Coding, Memo
from codage.exchange.atomic import atomic_path
from codage.exchange.refi_common import (
    CODEBOOK_NS,
    CODEBOOK_NSMAP,
    PROJECT_NS,
    PROJECT_NSMAP,
    Guids,
    XmlText,
    code_elements,
    origin,
    xml_datetime,
)
from codage.exchange.refi_variables import case_elements, variables_element
from codage.services.project_records import (
    CodebookRecords,
    DocumentRecord,
    ProjectRecords,
    UnitCaseRecord,
)

__all__ = ["EmptyCodebook", "RefiReport", "write_qdc", "write_qdpx"]

Progress = Callable[[int, int], None]
_P = f"{{{PROJECT_NS}}}"
# a fixed date for every zip entry: the same project gives the same bytes
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class EmptyCodebook(ValueError):
    """A codebook exchange needs at least one code (Codebook.xsd)."""


@dataclass(frozen=True, slots=True)
class RefiReport:
    """What an export wrote. ``removed_characters`` counts the control characters that
    XML 1.0 cannot hold, taken out of names, descriptions and memos (never out of the
    source texts, which are stored as files); ``unlinked_notes`` counts memos whose target
    no longer exists, written as notes that nothing refers to."""

    path: Path
    format: str
    users: int = 0
    codes: int = 0
    sources: int = 0
    codings: int = 0
    notes: int = 0
    cases: int = 0
    variables: int = 0
    unit_selections: int = 0
    removed_characters: int = 0
    unlinked_notes: int = 0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["path"] = str(self.path)
        return out


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


@dataclass
class _Note:
    guid: str
    name: str
    text: str
    author: str | None
    created: str | None


class _Notes:
    """Every memo as a ``Note``, and which target refers to which notes."""

    def __init__(self, records: ProjectRecords, guids: Guids) -> None:
        self.notes: list[_Note] = []
        self.refs: dict[tuple[str, int | None], list[str]] = defaultdict(list)
        documents = {d.id: d.name for d in records.documents}
        codes = {c.id: c.name for c in records.codes}
        codings = {c.id for c in records.codings}
        self.unlinked = 0
        for memo in records.memos:
            self._memo(memo, guids, documents, codes, codings)
        for coding in records.codings:
            if coding.memo:
                guid = guids("coding-memo", coding.id)
                self.notes.append(_Note(guid, "Memo", coding.memo, coding.coder, None))
                self.refs[("coding", coding.id)].append(guid)

    def _memo(
        self,
        memo: Memo,
        guids: Guids,
        documents: Mapping[int, str],
        codes: Mapping[int, str],
        codings: set[int],
    ) -> None:
        guid = guids("memo", memo.id)
        target = (memo.target, memo.target_id if memo.target != "project" else None)
        known = {
            "project": True,
            "document": memo.target_id in documents,
            "code": memo.target_id in codes,
            "coding": memo.target_id in codings,
        }.get(memo.target, False)
        name = {"document": documents, "code": codes}.get(memo.target, {}).get(
            memo.target_id or -1, "Memo"
        )
        self.notes.append(_Note(guid, name, memo.text, memo.author, xml_datetime(memo.created_at)))
        if known:
            self.refs[target].append(guid)
        else:
            self.unlinked += 1

    def refer(self, parent: etree._Element, kind: str, key: int | None) -> None:
        for guid in self.refs.get((kind, key), ()):
            etree.SubElement(parent, f"{_P}NoteRef", targetGUID=guid)


class _Writer:
    """The ``project.qde`` of one export, written element by element."""

    def __init__(self, records: ProjectRecords, guids: Guids, clean: XmlText) -> None:
        self.records = records
        self.guids = guids
        self.clean = clean
        self.users = {name: guids("user", name) for name in records.coders}
        self.notes = _Notes(records, guids)
        # a GUID is a SHA-1: computed once per code, not once per coding
        self.code_guids = {c.id: guids("code", c.id) for c in records.codes}

    def _user(self, attrib: dict[str, str], key: str, name: str | None) -> None:
        if name is not None and name in self.users:
            attrib[key] = self.users[name]

    def _stamp(self, attrib: dict[str, str], key: str, value: str | None) -> None:
        if value is not None:
            attrib[key] = value

    def users_element(self) -> etree._Element | None:
        if not self.users:
            return None
        users = etree.Element(f"{_P}Users", nsmap=PROJECT_NSMAP)
        for name, guid in self.users.items():
            clean = self.clean(name)
            etree.SubElement(users, f"{_P}User", guid=guid, name=clean, id=clean)
        return users

    def codebook_element(self) -> etree._Element | None:
        if not self.records.codes:
            return None
        book = etree.Element(f"{_P}CodeBook", nsmap=PROJECT_NSMAP)
        codes = etree.SubElement(book, f"{_P}Codes")
        refs = {
            key: guids for (kind, key), guids in self.notes.refs.items() if kind == "code" and key
        }
        codes.extend(code_elements(PROJECT_NS, self.records.codes, self.guids, self.clean, refs))
        return book

    def selection(self, coding: Coding, text: str) -> etree._Element:
        attrib = {
            "guid": self.guids("selection", coding.id),
            "name": self.clean(text[coding.start : coding.end]),
            "startPosition": str(coding.start),
            "endPosition": str(coding.end),
        }
        inner = {"guid": self.guids("coding", coding.id)}
        for held in (attrib, inner):
            self._user(held, "creatingUser", coding.coder)
            self._stamp(held, "creationDateTime", xml_datetime(coding.created_at))
        selection = etree.Element(f"{_P}PlainTextSelection", attrib)
        element = etree.SubElement(selection, f"{_P}Coding", inner)
        code = self.code_guids.get(coding.code_id) or self.guids("code", coding.code_id)
        etree.SubElement(element, f"{_P}CodeRef", targetGUID=code)
        self.notes.refer(element, "coding", coding.id)
        return selection

    def unit_selection(self, unit: UnitCaseRecord, text: str) -> etree._Element:
        return etree.Element(
            f"{_P}PlainTextSelection",
            guid=self.guids("unit", unit.unit_id),
            name=self.clean(text[unit.start : unit.end]),
            startPosition=str(unit.start),
            endPosition=str(unit.end),
        )

    def source(
        self, doc: DocumentRecord, codings: Iterable[Coding], units: Iterable[UnitCaseRecord]
    ) -> etree._Element:
        guid = self.guids("document", doc.id)
        attrib = {
            "guid": guid,
            "name": self.clean(doc.name),
            "plainTextPath": f"internal://{guid}.txt",
        }
        self._stamp(attrib, "creationDateTime", xml_datetime(doc.imported_at))
        source = etree.Element(f"{_P}TextSource", attrib, nsmap=PROJECT_NSMAP)
        selections = [((c.start, c.end, 0, c.id), self.selection(c, doc.text)) for c in codings]
        selections += [
            ((u.start, u.end, 1, u.unit_id), self.unit_selection(u, doc.text)) for u in units
        ]
        source.extend(element for _, element in sorted(selections, key=lambda pair: pair[0]))
        self.notes.refer(source, "document", doc.id)
        return source

    def note_element(self, note: _Note) -> etree._Element:
        attrib = {"guid": note.guid, "name": self.clean(note.name)}
        self._user(attrib, "creatingUser", note.author)
        self._stamp(attrib, "creationDateTime", note.created)
        element = etree.Element(f"{_P}Note", attrib, nsmap=PROJECT_NSMAP)
        etree.SubElement(element, f"{_P}PlainTextContent").text = self.clean(note.text)
        return element


def _container(xf: Any, tag: str, elements: Iterable[etree._Element]) -> None:
    """``<tag>`` holding ``elements``, written one by one; nothing when there are none
    (the schema wants at least one child)."""
    iterator = iter(elements)
    first = next(iterator, None)
    if first is None:
        return
    with xf.element(f"{_P}{tag}"):
        xf.write("\n")
        for element in itertools.chain([first], iterator):
            xf.write(element, pretty_print=True)
    xf.write("\n")


def write_qdpx(
    records: ProjectRecords, out: str | Path, *, progress: Progress | None = None
) -> RefiReport:
    """Write ``records`` as a REFI-QDA project (``.qdpx``) at ``out``, whole or not at all.

    ``progress(done, total)`` is called after each source.
    """
    guids = Guids(records.project)
    clean = XmlText()
    writer = _Writer(records, guids, clean)
    by_document: dict[int, list[Coding]] = defaultdict(list)
    for coding in records.codings:
        by_document[coding.document_id].append(coding)
    units: dict[int, list[UnitCaseRecord]] = defaultdict(list)
    for unit in records.unit_cases:
        units[unit.document_id].append(unit)
    target = Path(out)
    variables = variables_element(records.cases, guids, clean)

    def sources() -> Iterator[etree._Element]:
        for done, doc in enumerate(records.documents, start=1):
            yield writer.source(doc, by_document.get(doc.id, []), units.get(doc.id, []))
            if progress is not None:
                progress(done, len(records.documents))

    with atomic_path(target) as part, zipfile.ZipFile(part, "w") as archive:
        with (
            archive.open(_entry("project.qde"), "w") as raw,
            etree.xmlfile(raw, encoding="utf-8") as xf,
        ):
            xf.write_declaration(standalone=True)
            attrib = {"name": clean(records.project), "origin": origin()}
            if records.coders:
                attrib["creatingUserGUID"] = writer.users[records.coders[0]]
            with xf.element(f"{_P}Project", attrib, nsmap=PROJECT_NSMAP):
                xf.write("\n")  # whitespace between elements, for people who read the file
                for element in (writer.users_element(), writer.codebook_element(), variables):
                    if element is not None:
                        xf.write(element, pretty_print=True)
                _container(xf, "Cases", case_elements(records, guids, clean))
                _container(xf, "Sources", sources())
                _container(xf, "Notes", map(writer.note_element, writer.notes.notes))
                for guid in writer.notes.refs.get(("project", None), ()):
                    element = etree.Element(f"{_P}NoteRef", targetGUID=guid, nsmap=PROJECT_NSMAP)
                    xf.write(element, pretty_print=True)
        for doc in records.documents:
            name = f"Sources/{guids('document', doc.id)}.txt"
            archive.writestr(_entry(name), doc.text.encode("utf-8"))
    return RefiReport(
        path=target,
        format="qdpx",
        users=len(writer.users),
        codes=len(records.codes),
        sources=len(records.documents),
        codings=sum(len(c) for c in by_document.values()),
        notes=len(writer.notes.notes),
        cases=len(records.cases),
        variables=0 if variables is None else len(variables),
        unit_selections=len(records.unit_cases),
        removed_characters=clean.removed,
        unlinked_notes=writer.notes.unlinked,
    )


def write_qdc(records: CodebookRecords, out: str | Path) -> RefiReport:
    """Write the codebook of ``records`` as a REFI-QDA codebook (``.qdc``) at ``out``."""
    target = Path(out)
    if not records.codes:
        raise EmptyCodebook(f"{target}: the codebook has no codes, there is nothing to write")
    guids = Guids(records.project)
    clean = XmlText()
    ns = f"{{{CODEBOOK_NS}}}"
    book = etree.Element(f"{ns}CodeBook", origin=origin(), nsmap=CODEBOOK_NSMAP)
    codes = etree.SubElement(book, f"{ns}Codes")
    codes.extend(code_elements(CODEBOOK_NS, records.codes, guids, clean))
    data = etree.tostring(
        book, xml_declaration=True, encoding="utf-8", standalone=True, pretty_print=True
    )
    with atomic_path(target) as part:
        part.write_bytes(data)
    return RefiReport(
        path=target, format="qdc", codes=len(records.codes), removed_characters=clean.removed
    )
