"""REFI-QDA XML (a ``.qde`` inside a ``.qdpx``, or a ``.qdc``) to the records of :mod:`.model`.

Elements are found by local name, so that files with or without the standard's
namespace read alike; GUIDs are normalised once (lower case, no braces).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from codage.codebook import CodebookSpec, CodeSpec
from codage.display import visible
from codage.domain import AttributeValue
from codage.ingest.errors import IngestError
from codage.ingest.refi.archive import QdpxArchive, parse_xml
from codage.ingest.refi.model import (
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
)
from codage.limits import MAX_CODE_DEPTH

_COLOUR = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
_LABELS = {"inclusion:": "inclusion", "exclusion:": "exclusion", "example:": "example"}
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def normalise_guid(value: str | None) -> str:
    """A GUID as codage keeps it: lower case, no braces, no spaces."""
    return (value or "").strip().strip("{}").strip().lower()


def _local(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    for child in element:
        if _local(child) == name:
            yield child


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return next(_children(element, name), None)


def _text_of(element: etree._Element | None) -> str:
    return "" if element is None else "".join(str(t) for t in element.itertext())


def _refs(element: etree._Element, name: str) -> list[str]:
    return [normalise_guid(r.get("targetGUID")) for r in _children(element, name)]


def _count(element: etree._Element, name: str) -> int:
    return sum(1 for e in element.iter() if _local(e) == name)


def split_definition(text: str) -> dict[str, str]:
    """A REFI ``Description`` back into codage's fields: the paragraphs that start
    with ``Inclusion:``, ``Exclusion:`` or ``Example:`` (after a blank line) go to
    those fields, the paragraphs before them to the description."""
    fields: dict[str, list[str]] = {
        "description": [],
        "inclusion": [],
        "exclusion": [],
        "example": [],
    }
    current = "description"
    for paragraph in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lowered = paragraph.lstrip().lower()
        for label, key in _LABELS.items():
            if lowered.startswith(label):
                current = key
                paragraph = paragraph.lstrip()[len(label) :].strip()
                break
        fields[current].append(paragraph)
    return {k: "\n\n".join(v).strip() for k, v in fields.items()}


def _colour(value: str | None) -> str | None:
    if not value or not _COLOUR.fullmatch(value.strip()):
        return None
    digits = value.strip()[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return f"#{digits.upper()}"


def _code_name(raw: str | None, taken: set[str], notes: list[str]) -> str:
    """A name codage accepts: no '/', no control characters, unique among siblings."""
    name = " ".join((raw or "").split())
    cleaned = visible(name).replace("/", "∕") or "(unnamed)"
    unique, n = cleaned, 2
    while unique in taken:
        unique = f"{cleaned} ({n})"
        n += 1
    if unique != name:
        notes.append(f"code {name!r} is named {unique!r} in codage")
    taken.add(unique)
    return unique


def _codes(
    parent: etree._Element, atlas: bool, project: RefiProject | None, path: Path, depth: int = 0
) -> list[RefiCode]:
    if depth >= MAX_CODE_DEPTH:
        raise IngestError(
            path,
            f"codes nested more than {MAX_CODE_DEPTH} levels deep (MAX_CODE_DEPTH); "
            "a codebook this deep is almost certainly a mistake",
        )
    notes = project.notes_for_report if project is not None else []
    codes: list[RefiCode] = []
    taken: set[str] = set()
    for element in _children(parent, "Code"):
        guid = normalise_guid(element.get("guid"))
        description = _text_of(_child(element, "Description")).strip()
        code = RefiCode(
            guid, _code_name(element.get("name"), taken, notes), _colour(element.get("color"))
        )
        if atlas and project is not None:
            # ATLAS.ti's comment on a code is a memo, not a definition.
            if description:
                project.code_memo_texts.setdefault(guid, []).append(description)
        else:
            fields = split_definition(description)
            code.description = fields["description"]
            code.inclusion = fields["inclusion"]
            code.exclusion = fields["exclusion"]
            code.example = fields["example"]
        if project is not None:
            refs = _refs(element, "NoteRef")
            if refs:
                project.code_memo_guids.setdefault(guid, []).extend(refs)
        code.children = _codes(element, atlas, project, path, depth + 1)
        codes.append(code)
    return codes


def decode_source(data: bytes) -> tuple[str, bool]:
    """A source text file's text and whether it started with a BOM (never counted)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), True
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        # The standard says UTF-8; older tools wrote the system's code page.
        return data.decode("cp1252", errors="replace"), False


class _Reader:
    """Reads one ``.qde`` element tree with its archive into a :class:`RefiProject`."""

    def __init__(self, archive: QdpxArchive, root: etree._Element) -> None:
        self.archive = archive
        self.path = archive.path
        self.root = root
        self.project = RefiProject(
            name=root.get("name") or self.path.stem,
            origin=root.get("origin") or "",
            creating_user=normalise_guid(root.get("creatingUserGUID")) or None,
        )

    def read(self) -> RefiProject:
        if _local(self.root) != "Project":
            raise IngestError(
                self.path,
                f"{self.archive.qde_name} is not a REFI-QDA project (root element "
                f"{_local(self.root)!r})",
            )
        project = self.project
        for element in self.root:
            kind = _local(element)
            if kind == "Users":
                for user in _children(element, "User"):
                    guid = normalise_guid(user.get("guid"))
                    project.users[guid] = (user.get("name") or user.get("id") or guid).strip()
            elif kind == "CodeBook":
                codes = _child(element, "Codes")
                if codes is not None:
                    project.codes = _codes(codes, project.atlas, project, self.path)
            elif kind == "Sources":
                for source in element:
                    self._source(source)
            elif kind == "Notes":
                for note in _children(element, "Note"):
                    self._note(note)
            elif kind in ("Sets", "Graphs", "Links"):
                single = kind[:-1]
                project.skipped[kind.lower()] += sum(1 for _ in _children(element, single))
            elif kind == "Description":
                text = _text_of(element).strip()
                if text:
                    project.project_memo_texts.append(text)
            elif kind == "NoteRef":
                project.project_memo_guids.append(normalise_guid(element.get("targetGUID")))
        cases = _child(self.root, "Cases")
        if cases is not None:
            types = self._variables()
            for case in _children(cases, "Case"):
                project.cases.append(self._case(case, types))
        return project

    # -- sources ------------------------------------------------------------

    def _source(self, element: etree._Element) -> None:
        kind = _local(element)
        skipped = self.project.skipped
        if kind == "TextSource":
            self._text_source(element, element, "plain")
        elif kind == "PDFSource":
            regions = sum(1 for _ in _children(element, "PDFSelection"))
            if regions:
                skipped["PDF regions"] += regions
                skipped["codings on PDF regions"] += sum(
                    _count(s, "Coding") for s in _children(element, "PDFSelection")
                )
            representation = _child(element, "Representation")
            if representation is None:
                skipped["PDF sources without a text representation"] += 1
                skipped["codings on PDF sources"] += _count(element, "Coding")
                return
            self._text_source(representation, element, "pdf")
        elif kind in ("PictureSource", "AudioSource", "VideoSource"):
            what = {"PictureSource": "pictures", "AudioSource": "audio", "VideoSource": "video"}
            skipped[f"{what[kind]} sources"] += 1
            transcripts = sum(1 for _ in _children(element, "Transcript"))
            if transcripts:
                skipped["transcripts"] += transcripts
            codings = _count(element, "Coding")
            if codings:
                skipped[f"codings on {what[kind]}"] += codings
        elif kind:
            skipped[f"{kind} elements"] += 1

    def _text_source(self, element: etree._Element, owner: etree._Element, origin: str) -> None:
        guid = normalise_guid(owner.get("guid") or element.get("guid"))
        name = (owner.get("name") or element.get("name") or guid).strip()
        found = self._source_text(element, name)
        if found is None:
            self.project.skipped["text sources without text"] += 1
            codings = _count(element, "Coding")
            if codings:
                self.project.skipped["codings on sources without text"] += codings
            self.project.notes_for_report.append(f"source {name!r} has no readable text")
            return
        text, had_bom, how = found
        source = RefiSource(guid, name, text, had_bom, how if origin == "plain" else origin)
        for part in (element, owner) if owner is not element else (element,):
            description = _text_of(_child(part, "Description")).strip()
            if description:
                source.memo_texts.append(description)
            source.memo_guids.extend(_refs(part, "NoteRef"))
            source.whole.extend(self._coding(c) for c in _children(part, "Coding"))
            if _child(part, "VariableValue") is not None:
                self.project.skipped["attributes of sources"] += sum(
                    1 for _ in _children(part, "VariableValue")
                )
        for selection in _children(element, "PlainTextSelection"):
            source.selections.append(self._selection(selection))
        self.project.sources.append(source)

    def _source_text(self, element: etree._Element, name: str) -> tuple[str, bool, str] | None:
        inline = _child(element, "PlainTextContent")
        if inline is not None:
            text = _text_of(inline)
            if text.startswith("\ufeff"):
                return text[1:], True, "inline"
            return text, False, "inline"
        plain = element.get("plainTextPath")
        if plain:
            entry = self.archive.entry_for(plain)
            if entry is not None:
                text, had_bom = decode_source(self.archive.read(entry))
                return text, had_bom, "plain"
        rich = element.get("richTextPath")
        if rich:
            entry = self.archive.entry_for(rich)
            if entry is not None and entry.lower().endswith(".docx"):
                return self._docx_text(entry, name), False, "docx"
        return None

    def _docx_text(self, entry: str, name: str) -> str:
        from codage.ingest.readers.word import read_docx

        with tempfile.TemporaryDirectory(prefix="codage-qdpx-") as folder:
            target = Path(folder) / "source.docx"
            target.write_bytes(self.archive.read(entry))
            try:
                documents = read_docx(target)
            except IngestError as exc:
                raise IngestError(self.path, f"source {name!r} ({entry}): {exc.cause}") from None
        return documents[0].text

    def _selection(self, element: etree._Element) -> RefiSelection:
        start = _position(element.get("startPosition"))
        end = _position(element.get("endPosition"))
        selection = RefiSelection(
            normalise_guid(element.get("guid")),
            element.get("name") or "",
            start,
            end,
            normalise_guid(element.get("creatingUser")) or None,
        )
        inline = _text_of(_child(element, "Description")).strip()
        refs = _refs(element, "NoteRef")
        for coding in _children(element, "Coding"):
            record = self._coding(coding)
            # A memo on the selection is a memo on what was coded there.
            record.memo_texts[:0] = [inline] if inline else []
            record.memo_guids[:0] = refs
            selection.codings.append(record)
        return selection

    def _coding(self, element: etree._Element) -> RefiCoding:
        code_ref = _child(element, "CodeRef")
        return RefiCoding(
            normalise_guid(element.get("guid")),
            normalise_guid(code_ref.get("targetGUID")) if code_ref is not None else "",
            normalise_guid(element.get("creatingUser")) or None,
            _refs(element, "NoteRef"),
        )

    def _note(self, element: etree._Element) -> None:
        guid = normalise_guid(element.get("guid"))
        name = element.get("name") or ""
        found = self._source_text(element, name or guid)
        text = found[0] if found is not None else ""
        self.project.notes[guid] = RefiNote(
            guid, name, text.strip(), normalise_guid(element.get("creatingUser")) or None
        )

    # -- cases ----------------------------------------------------------------

    def _variables(self) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        variables = _child(self.root, "Variables")
        if variables is None:
            return out
        for variable in _children(variables, "Variable"):
            out[normalise_guid(variable.get("guid"))] = (
                (variable.get("name") or "").strip(),
                variable.get("typeOfVariable") or "Text",
            )
        return out

    def _case(self, element: etree._Element, types: dict[str, tuple[str, str]]) -> RefiCase:
        guid = normalise_guid(element.get("guid"))
        case = RefiCase(guid, visible((element.get("name") or guid).strip()))
        for value in _children(element, "VariableValue"):
            ref = _child(value, "VariableRef")
            known = types.get(normalise_guid(ref.get("targetGUID"))) if ref is not None else None
            if known is None or not known[0]:
                self.project.skipped["attribute values of unknown variables"] += 1
                continue
            case.attributes[known[0]] = _value(value)
        case.source_guids = _refs(element, "SourceRef")
        case.selection_guids = _refs(element, "SelectionRef")
        if _child(element, "CodeRef") is not None:
            self.project.skipped["codes of cases"] += sum(1 for _ in _children(element, "CodeRef"))
        return case


def _position(raw: str | None) -> int:
    try:
        return int((raw or "").strip())
    except ValueError:
        # Not a number: placed nowhere, and said so in the report.
        return -1


def _value(element: etree._Element) -> AttributeValue:
    for child in element:
        kind = _local(child)
        text = _text_of(child).strip()
        if kind == "TextValue":
            return text
        if kind == "BooleanValue":
            return text.lower() in ("true", "1")
        if kind == "IntegerValue":
            try:
                return int(text)
            except ValueError:
                return text
        if kind == "FloatValue":
            try:
                return float(text)
            except ValueError:
                return text
        if kind in ("DateValue", "DateTimeValue"):
            return text
    return None


def read_qdpx(path: str | Path) -> RefiProject:
    """Read a ``.qdpx`` into records; raises :class:`IngestError` for a bad file."""
    path = Path(path)
    with QdpxArchive(path) as archive:
        root = archive.project_xml()
        return _Reader(archive, root).read()


def read_qdc(path: str | Path) -> CodebookSpec:
    """Read a ``.qdc`` codebook into the spec that ``import_codebook`` merges."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise IngestError(path, "the file is empty; nothing to import")
    root = parse_xml(data, path, path.name)
    if _local(root) != "CodeBook":
        raise IngestError(
            path, f"not a REFI-QDA codebook (root element {_local(root)!r}, not 'CodeBook')"
        )
    codes = _child(root, "Codes")
    atlas = "atlas" in (root.get("origin") or "").lower()
    refi = _codes(codes, atlas, None, path) if codes is not None else []
    return CodebookSpec(name=path.stem, codes=[_spec(c) for c in refi])


def _spec(code: RefiCode) -> CodeSpec:
    return CodeSpec(
        name=code.name,
        colour=code.colour,
        definition=code.description,
        include=code.inclusion,
        exclude=code.exclusion,
        example=code.example,
        children=[_spec(c) for c in code.children],
    )
