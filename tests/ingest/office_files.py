"""Word and OpenDocument files written XML by XML, and an independent reading of them.

The readers are checked against what a plain XPath over the same XML finds, so
that a construct the reader forgets shows up as a missing word.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WORD_NS = (
    f'xmlns:w="{W}" xmlns:r="{_REL}" xmlns:mc="{MC}" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"'
)
_WORD_PARTS = {
    # part name: (root element, relationship type, content type)
    "styles": ("styles", "styles", "styles"),
    "numbering": ("numbering", "numbering", "numbering"),
    "footnotes": ("footnotes", "footnotes", "footnotes"),
    "endnotes": ("endnotes", "endnotes", "endnotes"),
    "comments": ("comments", "comments", "comments"),
    "header1": ("hdr", "header", "header"),
    "chart1": ("chartSpace", "chart", "chart"),
}
WORD = re.compile(r"\w+")


def write_docx(path: Path, body: str, **parts: str) -> Path:
    """A ``.docx`` whose body is ``body`` and whose other parts hold the given XML children."""
    types = [
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        '<Default Extension="xml" ContentType="application/xml"/>',
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>',
    ]
    rels = []
    files = {
        "word/document.xml": f"<w:document {_WORD_NS}><w:body>{body}</w:body></w:document>",
    }
    for number, (name, inner) in enumerate(parts.items(), start=1):
        root, rel_type, content_type = _WORD_PARTS[name]
        files[f"word/{name}.xml"] = f"<w:{root} {_WORD_NS}>{inner}</w:{root}>"
        rels.append(
            f'<Relationship Id="rId{number}" Type="{_REL}/{rel_type}" Target="{name}.xml"/>'
        )
        types.append(
            f'<Override PartName="/word/{name}.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.wordprocessingml.{content_type}+xml"/>'
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            + "".join(types)
            + "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" '
            'Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/_rels/document.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(rels)
            + "</Relationships>",
        )
        for name, xml in files.items():
            archive.writestr(name, xml)
    return path


def p(*runs: str, props: str = "") -> str:
    """A Word paragraph of raw run XML."""
    return f"<w:p>{f'<w:pPr>{props}</w:pPr>' if props else ''}{''.join(runs)}</w:p>"


def r(text: str, bold: bool = False) -> str:
    """A Word run of text."""
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{text}</w:t></w:r>'


def num(num_id: int, level: int = 0) -> str:
    """Paragraph properties that put it in list ``num_id`` at ``level``."""
    return f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'


def field(instruction: str, shown: str) -> str:
    """A complex field: its instruction, then the result it shows."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"{r(shown)}"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def docx_source_words(path: Path) -> Counter[str]:
    """Words of every ``w:t`` of the body and notes, deleted and fallback copies removed.

    Text is grouped by its nearest paragraph before splitting into words, so that a
    word split across runs counts once.
    """
    words: Counter[str] = Counter()
    ns = {"w": W, "mc": MC}
    with zipfile.ZipFile(path) as archive:
        for name in ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml"):
            if name not in archive.namelist():
                continue
            root = etree.fromstring(archive.read(name))
            for gone in root.xpath("//w:del | //w:moveFrom | //mc:Fallback", namespaces=ns):
                _remove_keeping_tail(gone)
            paragraphs: dict[etree._Element, list[str]] = {}
            for t in root.xpath("//w:t", namespaces=ns):
                owner = t.xpath("ancestor::w:p[1]", namespaces=ns)[0]
                paragraphs.setdefault(owner, []).append(t.text or "")
            for pieces in paragraphs.values():
                words.update(WORD.findall("".join(pieces)))
    return words


ODF_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
}


def write_odt(path: Path, body: str, styles: str = "", automatic: str = "") -> Path:
    """An ``.odt`` whose ``office:text`` holds ``body``.

    ``styles`` goes in the master styles of ``styles.xml``, ``automatic`` in the
    automatic styles of ``content.xml`` (where LibreOffice writes list styles).
    """
    declarations = " ".join(f'xmlns:{k}="{v}"' for k, v in ODF_NS.items())
    content = (
        f'<office:document-content {declarations} office:version="1.3">'
        f"<office:automatic-styles>{automatic}</office:automatic-styles>"
        f"<office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        if styles:
            archive.writestr(
                "styles.xml",
                f'<office:document-styles {declarations} office:version="1.3">'
                f"<office:master-styles>{styles}</office:master-styles>"
                "</office:document-styles>",
                zipfile.ZIP_DEFLATED,
            )
    return path


def odt_source_words(path: Path) -> Counter[str]:
    """Words of every paragraph and heading of the body, the change log and notes' citations
    and annotations removed; ``text:s``, ``text:tab`` and line breaks count as spaces."""
    words: Counter[str] = Counter()
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("content.xml"))
    body = root.find("office:body/office:text", ODF_NS)
    gone = body.xpath(
        ".//text:tracked-changes | .//office:annotation | .//text:note-citation",
        namespaces=ODF_NS,
    )
    for element in gone:
        _remove_keeping_tail(element)
    paragraphs = {f"{{{ODF_NS['text']}}}p", f"{{{ODF_NS['text']}}}h"}
    spaces = {f"{{{ODF_NS['text']}}}{name}" for name in ("s", "tab", "line-break")}

    def own_text(element: etree._Element) -> str:
        # A paragraph's own text: paragraphs nested in frames or notes count on their own.
        out = [element.text or ""]
        for child in element:
            if child.tag in paragraphs or child.tag in spaces:
                out.append(" ")
            else:
                out.append(own_text(child))
            out.append(child.tail or "")
        return "".join(out)

    for paragraph in body.xpath(".//text:p | .//text:h", namespaces=ODF_NS):
        words.update(WORD.findall(own_text(paragraph)))
    return words


def _remove_keeping_tail(element: etree._Element) -> None:
    """Remove an element but not the text that follows it (lxml keeps it in ``tail``)."""
    parent = element.getparent()
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def stored_words(text: str) -> Counter[str]:
    """Words of a document's stored text."""
    return Counter(WORD.findall(text))


def missing_or_doubled(source: Counter[str], stored: Counter[str]) -> dict[str, tuple[int, int]]:
    """Source words whose count in the stored text differs: ``word -> (source, stored)``."""
    return {word: (n, stored[word]) for word, n in source.items() if stored[word] != n}
