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
    imported,
    imported_new,
    rezip,
    tolerated,
    valid_docx,
)
from tests.ingest.office_files import p, r, write_docx, write_odt
from tests.ingest.pdf_writer import write_pdf

# -- plain text ------------------------------------------------------------------


@case
def text_nul_bytes(d: Path) -> Call:
    path = d / "binaire.txt"
    path.write_bytes(bytes(range(256)) * 64)
    return imported(path)


@case
def text_empty(d: Path) -> Call:
    path = d / "vide.txt"
    path.write_bytes(b"")
    return imported(path)


@case
def text_only_blanks(d: Path) -> Call:
    path = d / "blancs.txt"
    path.write_bytes(b" \n\r\n\t \xc2\xa0\n")
    return imported(path)


@case
def text_only_controls(d: Path) -> Call:
    path = d / "controles.txt"
    path.write_bytes(b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12" * 40)
    return imported(path)


@case
def text_utf8_bom_then_latin1(d: Path) -> Call:
    path = d / "bom-faux.txt"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8") + "déjà".encode("latin-1"))
    return imported(path)


@case
def text_utf16_bom_odd_bytes(d: Path) -> Call:
    path = d / "utf16-coupe.txt"
    # a lone high surrogate, then an odd byte: no UTF-16 decoder reads this
    path.write_bytes(b"\xff\xfe" + "Bonjour".encode("utf-16-le") + b"\x00\xd8A")
    return imported(path)


@case
def text_utf32_bom_garbage(d: Path) -> Call:
    path = d / "utf32.txt"
    path.write_bytes(b"\xff\xfe\x00\x00" + b"\xff\xff\xff\xff" * 8)
    return imported(path)


@case
def text_pdf_renamed(d: Path) -> Call:
    path = d / "rapport.txt"
    path.write_bytes(b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\n")
    return imported(path)


@case
def text_zip_renamed(d: Path) -> Call:
    path = d / "archive.txt"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", TEXT)
    path.write_bytes(buffer.getvalue())
    return imported(path)


@case
def text_undecodable(d: Path) -> Call:
    path = d / "illisible.txt"
    # bytes that read as neither UTF-8 nor plausible French in any legacy code page
    path.write_bytes(bytes(range(0x80, 0x100)) * 40)
    return imported(path)


@case
def text_nul_bytes_new_project(d: Path) -> Call:
    path = d / "binaire.txt"
    path.write_bytes(b"\x00\x01\x02\x03" * 1000)
    return imported_new(path)


@case
def text_markdown_binary(d: Path) -> Call:
    path = d / "notes.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(32)) * 50)
    return imported(path)


@case
def unknown_extension(d: Path) -> Call:
    path = d / "entretien.xyz"
    path.write_text(TEXT, encoding="utf-8")
    return imported(path)


@case
def old_word_extension(d: Path) -> Call:
    path = d / "entretien.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    return imported(path)


# -- Word ------------------------------------------------------------------------


@case
def docx_truncated(d: Path) -> Call:
    whole = valid_docx(d / "entier.docx").read_bytes()
    path = d / "tronque.docx"
    path.write_bytes(whole[: len(whole) // 2])
    return imported(path)


@case
def docx_truncated_new_project(d: Path) -> Call:
    whole = valid_docx(d / "entier.docx").read_bytes()
    path = d / "tronque.docx"
    path.write_bytes(whole[: len(whole) - 30])
    return imported_new(path)


@case
def docx_not_a_zip(d: Path) -> Call:
    path = d / "faux.docx"
    path.write_text(TEXT, encoding="utf-8")
    return imported(path)


@case
def docx_empty(d: Path) -> Call:
    path = d / "vide.docx"
    path.write_bytes(b"")
    return imported(path)


@case
def docx_encrypted_ole(d: Path) -> Call:
    path = d / "protege.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    return imported(path)


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
    rezip(
        path,
        d / "rires-dtd.docx",
        lambda name, data: (
            data.replace(b"<w:document", LAUGHS_DTD.encode() + b"<w:document", 1)
            if name == "word/document.xml"
            else data
        ),
    )
    return imported(d / "rires-dtd.docx")


@case
def docx_external_entity(d: Path) -> Call:
    path = write_docx(d / "xxe.docx", p(r("&xxe;")))
    rezip(
        path,
        d / "xxe-dtd.docx",
        lambda name, data: (
            data.replace(b"<w:document", XXE_DTD.encode() + b"<w:document", 1)
            if name == "word/document.xml"
            else data
        ),
    )
    return imported(d / "xxe-dtd.docx")


@case
def docx_missing_document_part(d: Path) -> Call:
    source = valid_docx(d / "entier.docx")
    path = rezip(
        source, d / "sans-corps.docx", lambda n, b: None if n == "word/document.xml" else b
    )
    return imported(path)


@case
def docx_missing_content_types(d: Path) -> Call:
    source = valid_docx(d / "entier.docx")
    path = rezip(
        source, d / "sans-types.docx", lambda n, b: None if n == "[Content_Types].xml" else b
    )
    return imported(path)


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


# -- OpenDocument ----------------------------------------------------------------


def _valid_odt(path: Path) -> Path:
    return write_odt(path, "<text:p>Bonjour, voici le texte de l'entretien.</text:p>")


@case
def odt_truncated(d: Path) -> Call:
    whole = _valid_odt(d / "entier.odt").read_bytes()
    path = d / "tronque.odt"
    path.write_bytes(whole[: len(whole) // 2])
    return imported(path)


@case
def odt_missing_content(d: Path) -> Call:
    source = _valid_odt(d / "entier.odt")
    return imported(rezip(source, d / "sans.odt", lambda n, b: None if n == "content.xml" else b))


@case
def odt_malformed_xml(d: Path) -> Call:
    source = _valid_odt(d / "entier.odt")
    path = rezip(source, d / "casse.odt", lambda n, b: b"<office" if n == "content.xml" else b)
    return imported(path)


@case
def odt_billion_laughs(d: Path) -> Call:
    source = write_odt(d / "entier.odt", "<text:p>&lol9;</text:p>")
    path = rezip(
        source,
        d / "rires.odt",
        lambda n, b: (
            b.replace(
                b"<office:document-content", LAUGHS_DTD.encode() + b"<office:document-content", 1
            )
            if n == "content.xml"
            else b
        ),
    )
    return imported(path)


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


@case
def odt_not_a_zip(d: Path) -> Call:
    path = d / "faux.odt"
    path.write_bytes(b"<office:document/>")
    return imported(path)


# -- PDF -------------------------------------------------------------------------


def _valid_pdf(path: Path) -> Path:
    return write_pdf(path, [[(72, 700, "Bonjour, voici le texte de l'entretien.")]])


@case
def pdf_truncated(d: Path) -> Call:
    whole = _valid_pdf(d / "entier.pdf").read_bytes()
    path = d / "tronque.pdf"
    path.write_bytes(whole[:40])
    return imported(path)


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


@case
def pdf_garbage_body(d: Path) -> Call:
    path = d / "bruit.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    return imported(path)


@case
def pdf_empty(d: Path) -> Call:
    path = d / "vide.pdf"
    path.write_bytes(b"")
    return imported(path)


@case
def pdf_not_a_pdf(d: Path) -> Call:
    path = d / "texte.pdf"
    path.write_text(TEXT, encoding="utf-8")
    return imported(path)


# -- RTF -------------------------------------------------------------------------


@case
def rtf_not_rtf(d: Path) -> Call:
    path = d / "faux.rtf"
    path.write_bytes(bytes(range(256)) * 8)
    return imported(path)


@case
def rtf_no_text(d: Path) -> Call:
    path = d / "vide.rtf"
    path.write_text(r"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\pard\par}", encoding="ascii")
    return imported(path)


# -- subtitles -------------------------------------------------------------------


@tolerated("Bonjour", "Au revoir")
def srt_broken_timings(d: Path) -> Call:
    path = d / "casse.srt"
    path.write_text(
        "1\n00:00:99,000 --> 00:00:01,000\nBonjour\n\n2\nxx:yy --> ??\nAu revoir\n",
        encoding="utf-8",
    )
    return imported(path)


@case
def srt_empty(d: Path) -> Call:
    path = d / "vide.srt"
    path.write_bytes(b"")
    return imported(path)


@case
def srt_binary(d: Path) -> Call:
    path = d / "binaire.srt"
    path.write_bytes(b"\x00\xff" * 500)
    return imported(path)


@tolerated("Bonjour")
def vtt_missing_header(d: Path) -> Call:
    path = d / "sans-entete.vtt"
    path.write_text("00:00:01.000 --> 00:00:02.000\nBonjour\n", encoding="utf-8")
    return imported(path)


@tolerated("Bonjour", "Au revoir")
def vtt_broken_timings(d: Path) -> Call:
    path = d / "casse.vtt"
    path.write_text(
        "WEBVTT\n\n00:00:0a.000 --> 00:00:02.000\nBonjour\n\n--> --> -->\nAu revoir\n",
        encoding="utf-8",
    )
    return imported(path)


@case
def vtt_header_only(d: Path) -> Call:
    path = d / "entete.vtt"
    path.write_text("WEBVTT\n\nNOTE rien d'autre\n", encoding="utf-8")
    return imported(path)
