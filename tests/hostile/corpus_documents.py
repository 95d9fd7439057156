"""Bad transcripts: plain text, Word, OpenDocument, PDF, RTF and subtitles."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from tests.hostile.corpus import (
    LAUGHS_DTD,
    TEXT,
    XXE_DTD,
    Call,
    case,
    files,
    imported,
    imported_new,
    rezip,
    tolerated_files,
    truncated,
    valid_docx,
    with_doctype,
    without,
)
from tests.ingest.office_files import p, r, write_docx, write_odt
from tests.ingest.pdf_writer import write_pdf

# -- plain text ------------------------------------------------------------------


@case
def text_zip_renamed(d: Path) -> Call:
    path = d / "archive.txt"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", TEXT)
    path.write_bytes(buffer.getvalue())
    return imported(path)


# -- Word ------------------------------------------------------------------------


@case
def docx_truncated(d: Path) -> Call:
    return imported(truncated(valid_docx(d / "entier.docx"), d / "tronque.docx"))


@case
def docx_truncated_new_project(d: Path) -> Call:
    return imported_new(truncated(valid_docx(d / "entier.docx"), d / "tronque.docx", -30))


@case
def docx_zip_bomb(d: Path) -> Call:
    path = d / "bombe.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as entry:
            block = b"\0" * (1024 * 1024)
            for _ in range(24):
                entry.write(block)
    return imported(path)


@case
def docx_many_entries(d: Path) -> Call:
    path = valid_docx(d / "nombreux.docx")
    with zipfile.ZipFile(path, "a") as archive:
        for i in range(10_050):
            archive.writestr(f"customXml/x{i}.xml", "")
    return imported(path)


@case
def docx_path_traversal(d: Path) -> Call:
    path = valid_docx(d / "chemins.docx")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("../../evil.xml", "<x/>")
    return imported(path)


@case
def docx_billion_laughs(d: Path) -> Call:
    path = write_docx(d / "rires.docx", p(r("&lol9;")))
    return imported(_docx_doctype(path, d / "rires-dtd.docx", LAUGHS_DTD))


@case
def docx_external_entity(d: Path) -> Call:
    path = write_docx(d / "xxe.docx", p(r("&xxe;")))
    return imported(_docx_doctype(path, d / "xxe-dtd.docx", XXE_DTD))


@case
def docx_missing_document_part(d: Path) -> Call:
    source = valid_docx(d / "entier.docx")
    return imported(without(source, d / "sans-corps.docx", "word/document.xml"))


@case
def docx_missing_content_types(d: Path) -> Call:
    source = valid_docx(d / "entier.docx")
    return imported(without(source, d / "sans-types.docx", "[Content_Types].xml"))


@case
def docx_wrong_content_type(d: Path) -> Call:
    # the main part declared as a spreadsheet's: not a Word document
    source = valid_docx(d / "entier.docx")
    path = rezip(
        source,
        d / "mauvais-type.docx",
        lambda n, b: (
            b.replace(b"wordprocessingml.document.main+xml", b"spreadsheetml.sheet.main+xml")
            if n == "[Content_Types].xml"
            else b
        ),
    )
    return imported(path)


@case
def docx_malformed_xml(d: Path) -> Call:
    source = valid_docx(d / "entier.docx")
    path = rezip(
        source,
        d / "xml-casse.docx",
        lambda n, b: b[: len(b) // 2] if n == "word/document.xml" else b,
    )
    return imported(path)


@case
def docx_no_text(d: Path) -> Call:
    return imported(write_docx(d / "sans-texte.docx", p() + p()))


@case
def docx_tracked_changes_only_deleted(d: Path) -> Call:
    # every word is a deletion inside an insertion inside a deletion: no text remains
    body = p(
        '<w:del w:id="1" w:author="a"><w:ins w:id="2" w:author="b"><w:del w:id="3" '
        'w:author="c"><w:r><w:delText>effacé</w:delText></w:r></w:del></w:ins></w:del>'
    )
    return imported(write_docx(d / "revisions.docx", body))


@case
def docx_deep_nesting(d: Path) -> Call:
    depth = 100_000
    body = "<w:sdt><w:sdtContent>" * depth + p(r("profond")) + "</w:sdtContent></w:sdt>" * depth
    return imported(write_docx(d / "profond.docx", body))


@case
def docx_zip_encrypted_flag(d: Path) -> Call:
    source = valid_docx(d / "entier.docx")
    data = bytearray(source.read_bytes())
    # set the "encrypted" bit of every central directory entry
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 8] |= 0x1
        at = data.find(b"PK\x01\x02", at + 4)
    path = d / "chiffre.docx"
    path.write_bytes(bytes(data))
    return imported(path)


def _docx_doctype(source: Path, target: Path, doctype: str) -> Path:
    return with_doctype(source, target, "word/document.xml", b"<w:document", doctype)


# -- OpenDocument ----------------------------------------------------------------


def _valid_odt(path: Path) -> Path:
    return write_odt(path, "<text:p>Bonjour, voici le texte de l'entretien.</text:p>")


@case
def odt_truncated(d: Path) -> Call:
    return imported(truncated(_valid_odt(d / "entier.odt"), d / "tronque.odt"))


@case
def odt_missing_content(d: Path) -> Call:
    source = _valid_odt(d / "entier.odt")
    return imported(without(source, d / "sans.odt", "content.xml"))


@case
def odt_malformed_xml(d: Path) -> Call:
    source = _valid_odt(d / "entier.odt")
    path = rezip(source, d / "casse.odt", lambda n, b: b"<office" if n == "content.xml" else b)
    return imported(path)


@case
def odt_billion_laughs(d: Path) -> Call:
    source = write_odt(d / "entier.odt", "<text:p>&lol9;</text:p>")
    root = b"<office:document-content"
    return imported(with_doctype(source, d / "rires.odt", "content.xml", root, LAUGHS_DTD))


@case
def odt_no_text(d: Path) -> Call:
    return imported(write_odt(d / "vide.odt", "<text:p/><text:h/>"))


@case
def odt_spreadsheet_renamed(d: Path) -> Call:
    # an OpenDocument spreadsheet (.ods) given the name of a text document
    source = _valid_odt(d / "entier.odt")
    path = rezip(
        source,
        d / "tableur.odt",
        lambda n, b: (
            b"application/vnd.oasis.opendocument.spreadsheet"
            if n == "mimetype"
            else b.replace(b"office:text>", b"office:spreadsheet>")
            .replace(b"<text:p>", b"<table:table><table:table-row><table:table-cell><text:p>")
            .replace(b"</text:p>", b"</text:p></table:table-cell></table:table-row></table:table>")
            if n == "content.xml"
            else b
        ),
    )
    return imported(path)


# -- PDF -------------------------------------------------------------------------


def _valid_pdf(path: Path) -> Path:
    return write_pdf(path, [[(72, 700, "Bonjour, voici le texte de l'entretien.")]])


@case
def pdf_truncated(d: Path) -> Call:
    return imported(truncated(_valid_pdf(d / "entier.pdf"), d / "tronque.pdf", 40))


@case
def pdf_no_text(d: Path) -> Call:
    return imported(write_pdf(d / "scan.pdf", [[]]))


@case
def pdf_encrypted(d: Path) -> Call:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(_valid_pdf(d / "entier.pdf"))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    path = d / "protege.pdf"
    with path.open("wb") as out:
        writer.write(out)
    return imported(path)


# -- subtitles -------------------------------------------------------------------


files(
    imported,
    [
        ("text_nul_bytes", "binaire.txt", bytes(range(256)) * 64),
        ("text_empty", "vide.txt", b""),
        ("text_only_blanks", "blancs.txt", b" \n\r\n\t \xc2\xa0\n"),
        (
            "text_only_controls",
            "controles.txt",
            b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12" * 40,
        ),
        (
            "text_utf8_bom_then_latin1",
            "bom-faux.txt",
            b"\xef\xbb\xbf" + TEXT.encode("utf-8") + "déjà".encode("latin-1"),
        ),
        # a lone high surrogate, then an odd byte: no UTF-16 decoder reads this
        (
            "text_utf16_bom_odd_bytes",
            "utf16-coupe.txt",
            b"\xff\xfe" + "Bonjour".encode("utf-16-le") + b"\x00\xd8A",
        ),
        ("text_utf32_bom_garbage", "utf32.txt", b"\xff\xfe\x00\x00" + b"\xff\xff\xff\xff" * 8),
        ("text_pdf_renamed", "rapport.txt", b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\n"),
        # bytes that read as neither UTF-8 nor plausible French in any legacy code page
        ("text_undecodable", "illisible.txt", bytes(range(0x80, 0x100)) * 40),
        ("text_markdown_binary", "notes.md", b"\x89PNG\r\n\x1a\n" + bytes(range(32)) * 50),
        ("unknown_extension", "entretien.xyz", TEXT),
        (
            "old_word_extension",
            "entretien.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
        ),
        ("docx_not_a_zip", "faux.docx", TEXT),
        ("docx_empty", "vide.docx", b""),
        (
            "docx_encrypted_ole",
            "protege.docx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096,
        ),
        ("odt_not_a_zip", "faux.odt", b"<office:document/>"),
        ("pdf_garbage_body", "bruit.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20),
        ("pdf_empty", "vide.pdf", b""),
        ("pdf_not_a_pdf", "texte.pdf", TEXT),
        ("rtf_not_rtf", "faux.rtf", bytes(range(256)) * 8),
        ("rtf_no_text", "vide.rtf", r"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\pard\par}"),
        ("srt_empty", "vide.srt", b""),
        ("srt_binary", "binaire.srt", b"\x00\xff" * 500),
        ("vtt_header_only", "entete.vtt", "WEBVTT\n\nNOTE rien d'autre\n"),
    ],
)


files(
    imported_new,
    [
        ("text_nul_bytes_new_project", "binaire.txt", b"\x00\x01\x02\x03" * 1000),
    ],
)


tolerated_files(
    imported,
    [
        (
            "srt_broken_timings",
            "casse.srt",
            "1\n00:00:99,000 --> 00:00:01,000\nBonjour\n\n2\nxx:yy --> ??\nAu revoir\n",
            ("Bonjour", "Au revoir"),
        ),
        (
            "vtt_missing_header",
            "sans-entete.vtt",
            "00:00:01.000 --> 00:00:02.000\nBonjour\n",
            ("Bonjour",),
        ),
        (
            "vtt_broken_timings",
            "casse.vtt",
            "WEBVTT\n\n00:00:0a.000 --> 00:00:02.000\nBonjour\n\n--> --> -->\nAu revoir\n",
            ("Bonjour", "Au revoir"),
        ),
    ],
)
