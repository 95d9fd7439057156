"""REFI-QDA files (``.qdpx`` zips, ``.qdc``) written from small Python descriptions.

Each test describes sources, codes and the passages coded in them; the builder
computes the positions as the imitated tool counts them (code points, UTF-16
units, CRLF as one or two) and writes the project XML and the source files.
Nothing is copied from a real tool's file: every fixture is made here.
"""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

NS = "urn:QDA-XML:project:1.0"
_SEED = uuid.UUID("6f1d3c52-0b1e-4d4e-9a51-1a2b3c4d5e6f")


def guid(name: str) -> str:
    """A stable GUID for a fixture object."""
    return str(uuid.uuid5(_SEED, name))


# -- how a tool counts positions ------------------------------------------------


def code_points(text: str, index: int) -> int:
    """The standard: code points, CRLF as the two characters it is."""
    return index


def utf16(text: str, index: int) -> int:
    """NVivo: UTF-16 code units (an emoji counts two), CRLF as two."""
    return len(text[:index].encode("utf-16-le")) // 2


def crlf_as_one(text: str, index: int) -> int:
    """ATLAS.ti: a CRLF counts as one character."""
    return index - text[:index].count("\r\n")


Counter = Callable[[str, int], int]


@dataclass
class Passage:
    """A coded passage: the first occurrence of ``text`` (after ``after``) in the source."""

    text: str
    code: str
    user: str | None = "amelie"
    name: bool = True
    after: int = 0
    memo: str | None = None
    # explicit positions (as the file counts them) instead of the passage's
    span: tuple[int, int] | None = None
    key: str = ""


@dataclass
class Source:
    name: str
    text: str
    passages: list[Passage] = field(default_factory=list)
    # "plain" (a .txt in Sources/), "inline" (PlainTextContent), "docx" (richTextPath only)
    store: str = "plain"
    bom: bool = False
    memo: str | None = None
    description: str | None = None


@dataclass
class Code:
    name: str
    colour: str = "#336699"
    description: str = ""
    children: list[Code] = field(default_factory=list)
    memo: str | None = None


def passage_span(source: Source, passage: Passage, count: Counter) -> tuple[int, int]:
    if passage.span is not None:
        return passage.span
    index = source.text.index(passage.text, passage.after)
    return count(source.text, index), count(source.text, index + len(passage.text))


def _codes_xml(
    codes: list[Code], g: Callable[[str], str], note: Callable[[str, str], str] | None = None
) -> str:
    out = []
    for code in codes:
        inner = f"<Description>{escape(code.description)}</Description>" if code.description else ""
        if code.memo is not None and note is not None:
            inner += note("code-" + code.name, code.memo)
        inner += _codes_xml(code.children, g, note)
        out.append(
            f'<Code guid="{g("code-" + code.name)}" name={quoteattr(code.name)} '
            f'isCodable="true" color="{code.colour}">{inner}</Code>'
        )
    return "".join(out)


def write_qdpx(
    path: Path,
    sources: list[Source],
    codes: list[Code],
    *,
    users: tuple[str, ...] = ("amelie", "bastien"),
    count: Counter = code_points,
    origin: str = "codage tests",
    qde_name: str = "project.qde",
    folder: str = "Sources",
    guid_style: Callable[[str], str] = lambda g: g,
    extra_xml: str = "",
    cases_xml: str = "",
    notes: dict[str, str] | None = None,
    project_memo: str | None = None,
    memo_as_description: bool = False,
    creating_user: str | None = "amelie",
    entries: dict[str, bytes] | None = None,
    qde: bytes | None = None,
) -> Path:
    """Write a ``.qdpx``; ``qde`` replaces the generated project XML (hostile tests)."""

    def g(name: str) -> str:
        return guid_style(guid(name))

    files: dict[str, bytes] = {}
    notes_xml: list[str] = []

    def note(key: str, text: str, user: str | None = "amelie") -> str:
        user_attr = f' creatingUser="{g("user-" + user)}"' if user else ""
        notes_xml.append(
            f'<Note guid="{g("note-" + key)}" name="Memo"{user_attr}>'
            f"<PlainTextContent>{escape(text)}</PlainTextContent></Note>"
        )
        return f'<NoteRef targetGUID="{g("note-" + key)}"/>'

    sources_xml = []
    for source in sources:
        sg = g("source-" + source.name)
        inner = ""
        attrs = f'guid="{sg}" name={quoteattr(source.name)}'
        if source.description:
            inner += f"<Description>{escape(source.description)}</Description>"
        if source.store == "inline":
            inner += (
                f"<PlainTextContent>{escape(source.text, {chr(13): '&#13;'})}</PlainTextContent>"
            )
        elif source.store == "docx":
            attrs += f' richTextPath="internal://{sg}.docx"'
            files[f"{folder}/{sg}.docx"] = _docx_bytes(source.text, path.parent)
        else:
            attrs += f' plainTextPath="internal://{sg}.txt"'
            data = source.text.encode("utf-8")
            files[f"{folder}/{sg}.txt"] = (b"\xef\xbb\xbf" if source.bom else b"") + data
        for i, passage in enumerate(source.passages):
            start, end = passage_span(source, passage, count)
            key = passage.key or f"{source.name}-{i}"
            user = f' creatingUser="{g("user-" + passage.user)}"' if passage.user else ""
            name = f" name={quoteattr(passage.text)}" if passage.name else ""
            coding_inner = f'<CodeRef targetGUID="{g("code-" + passage.code)}"/>'
            selection_inner = ""
            if passage.memo is not None:
                if memo_as_description:
                    selection_inner += f"<Description>{escape(passage.memo)}</Description>"
                else:
                    coding_inner += note("coding-" + key, passage.memo, passage.user)
            selection_inner += (
                f'<Coding guid="{g("coding-" + key)}"{user}>{coding_inner}</Coding>'
                if passage.code
                else ""
            )
            inner += (
                f'<PlainTextSelection guid="{g("selection-" + key)}"{name} '
                f'startPosition="{start}" endPosition="{end}"{user}>{selection_inner}'
                "</PlainTextSelection>"
            )
        if source.memo is not None:
            inner += note("source-" + source.name, source.memo)
        sources_xml.append(f"<TextSource {attrs}>{inner}</TextSource>")
    project_inner = ""
    users_xml = "".join(f'<User guid="{g("user-" + u)}" name="{u}" id="{u}"/>' for u in users)
    if users_xml:
        project_inner += f"<Users>{users_xml}</Users>"
    if codes:
        project_inner += f"<CodeBook><Codes>{_codes_xml(codes, g, note)}</Codes></CodeBook>"
    project_inner += cases_xml
    project_inner += f"<Sources>{''.join(sources_xml)}{extra_xml}</Sources>"
    for key, text in (notes or {}).items():
        note(key, text)
    project_refs = note("project", project_memo) if project_memo else ""
    if notes_xml:
        project_inner += f"<Notes>{''.join(notes_xml)}</Notes>"
    project_inner += project_refs
    creator = f' creatingUserGUID="{g("user-" + creating_user)}"' if creating_user else ""
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Project xmlns="{NS}" name="Étude test" origin={quoteattr(origin)}{creator}>'
        f"{project_inner}</Project>"
    )
    files[qde_name] = qde if qde is not None else xml.encode("utf-8")
    files.update(entries or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def _docx_bytes(text: str, folder: Path) -> bytes:
    """A real Word file made with python-docx: one paragraph per line of ``text``."""
    import docx

    document = docx.Document()
    for paragraph in text.split("\n\n"):
        document.add_paragraph(paragraph)
    target = folder / f"docx-{uuid.uuid4().hex}.docx"
    document.save(str(target))
    data = target.read_bytes()
    target.unlink()
    return data


def write_qdc(path: Path, codes: list[Code], origin: str = "codage tests") -> Path:
    """A ``.qdc`` codebook."""
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin={quoteattr(origin)}>'
        f"<Codes>{_codes_xml(codes, lambda g: g)}</Codes></CodeBook>"
    )
    path.write_text(xml, encoding="utf-8")
    return path
