"""The demo's dossier as a reader sees it: laid out by LibreOffice into PDF pages.

python-docx reads back what was written; only a real layout shows whether a
column is too narrow for a word, a bar too long for its cell or the contents
empty. The dossier is converted once (LibreOffice headless, a profile of its
own so that parallel runs do not collide), then read with poppler's pdftotext
and drawn with pdftoppm. Without LibreOffice or poppler the tests skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from typer.testing import CliRunner

from codage.cli import app
from codage.exchange.docx_report import export_dossier
from codage.services.selection import select_for_dossier
from tests.conftest import ROOT

from .corpus import Corpus

TOOLS = ("soffice", "pdftotext", "pdftoppm", "pdfinfo")
MISSING = [tool for tool in TOOLS if shutil.which(tool) is None]
BAR = "\u2588"


@dataclass
class Dossier:
    docx: Path
    pdf: Path
    doc: DocxDocument


def _words(text: str) -> list[str]:
    """Words as a reader sees them: ligatures unfolded, spacing and hyphens gone.

    A compound may break at its own hyphen at the end of a line, and pdftotext
    then joins "ville-" and "centre" as "villecentre": hyphens are not compared.
    """
    return unicodedata.normalize("NFKC", text).replace("-", "").split()


def _contains(haystack: list[str], needle: list[str]) -> bool:
    """Whether ``needle`` occurs in ``haystack`` as consecutive whole words."""
    first = needle[0]
    return any(
        haystack[i : i + len(needle)] == needle for i, word in enumerate(haystack) if word == first
    )


def _pdftotext(pdf: Path, *args: str) -> str:
    done = subprocess.run(
        ["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(scope="module")
def dossier(tmp_path_factory: pytest.TempPathFactory) -> Dossier:
    if MISSING:
        pytest.skip(
            f"{', '.join(MISSING)} not installed (apt-get install libreoffice-writer-nogui "
            "poppler-utils): the dossier cannot be laid out into pages here"
        )
    folder = tmp_path_factory.mktemp("pages")
    db = folder / "demo.db"
    runner = CliRunner()
    built = runner.invoke(app, ["demo", "--no-tui", "-p", str(db), "--sources", str(ROOT)])
    assert built.exit_code == 0, built.output
    out = folder / "dossier.docx"
    exported = runner.invoke(
        app, ["export", "docx", str(out), "--context", "1", "--lang", "fr", "-p", str(db)]
    )
    assert exported.exit_code == 0, exported.output
    profile = folder / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(out),
        ],
        capture_output=True,
        check=True,
        timeout=600,
    )
    pdf = out.with_suffix(".pdf")
    assert pdf.exists(), "LibreOffice wrote no PDF"
    return Dossier(out, pdf, docx.Document(str(out)))


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def _page_texts(pdf: Path) -> list[str]:
    return _pdftotext(pdf).split("\f")


def test_the_pdf_has_pages_that_draw(dossier: Dossier, tmp_path: Path) -> None:
    quotes = [p for p in dossier.doc.paragraphs if p.style.name == "Quote"]
    pages = _pages(dossier.pdf)
    # title, contents, summary and chart, then the extracts: a few to a page at most
    assert pages >= 4 + len(quotes) // 12
    subprocess.run(
        ["pdftoppm", "-r", "50", "-gray", "-f", "1", "-l", "4", str(dossier.pdf), tmp_path / "p"],
        check=True,
    )
    images = sorted(tmp_path.glob("p-*.pgm"))
    assert len(images) == 4
    for image in images:
        header, _, pixels = image.read_bytes().partition(b"255\n")
        assert header.startswith(b"P5")
        # ink on every page: the text was drawn, not lost to a missing font
        assert sum(1 for value in pixels if value < 128) > 20, image.name
    first = _words(_page_texts(dossier.pdf)[0])
    assert _contains(first, _words("Dossier de citations"))
    assert _contains(first, _words("Collectivités numériques (démo)"))


def _summary_names(doc: DocxDocument) -> list[str]:
    table = doc.tables[0]
    assert table.rows[0].cells[0].text == "Code"
    return [row.cells[0].text.strip("\u2003 ") for row in table.rows[1:]]


def _section(pdf: Path, begin: str, end: str) -> str:
    text = _pdftotext(pdf)
    start = text.index(begin)
    return text[start : text.index(end, start)]


def _first_column(dossier: Dossier, table: int, begin: str, end: str) -> list[str]:
    """The words printed in a table's first column, on the pages from ``begin`` to ``end``.

    Read from that strip of the page alone: the whole page's text interleaves a
    wrapped name with the numbers beside it, which would read as a broken name.
    """
    pages = _page_texts(dossier.pdf)
    first = next(i for i, text in enumerate(pages) if begin in text)
    last = next(i for i in range(first, len(pages)) if end in pages[i])
    section = dossier.doc.sections[0]
    margin = section.left_margin.pt
    width = dossier.doc.tables[table].columns[0].width.pt
    words: list[str] = []
    for page in range(first + 1, last + 2):
        strip = _pdftotext(
            dossier.pdf,
            *("-f", str(page), "-l", str(page), "-r", "72"),
            *("-x", str(int(margin - 9)), "-y", "0"),
            *("-W", str(int(width + 9)), "-H", str(int(section.page_height.pt))),
        )
        words += _words(strip)
    return words


def test_every_code_name_of_the_summary_is_whole(dossier: Dossier) -> None:
    names = _summary_names(dossier.doc)
    assert len(names) >= 40  # the demo codes its whole tree of 49 codes, bar a few
    column = _first_column(dossier, 0, "Synthèse", "Extraits par code")
    broken = [name for name in names if not _contains(column, _words(name))]
    assert broken == []
    words = _words(_section(dossier.pdf, "Synthèse", "Extraits par code"))
    # the column heads too ("Documents" once broke into "Document" / "s"); pdftotext
    # reads a table column by column, so each is looked for on its own
    heads = [cell.text for cell in dossier.doc.tables[0].rows[0].cells]
    assert heads == ["Code", "Extraits", "Codages", "Documents", "Cas", "Codeurs"]
    assert [head for head in heads if head not in words] == []


def test_the_chart_shows_every_label_and_value_with_bars_on_one_line(dossier: Dossier) -> None:
    chart = dossier.doc.tables[1]
    rows = [(row.cells[0].text, row.cells[2].text) for row in chart.rows]
    assert len(rows) >= 30
    column = _first_column(dossier, 1, "Extraits par code", "Codes portant eux-mêmes")
    missing = [label for label, _ in rows if not _contains(column, _words(label))]
    assert missing == []
    layout = _pdftotext(dossier.pdf, "-layout")
    layout = layout[layout.index("Extraits par code") : layout.index("Codes portant eux-mêmes")]
    bar_lines = [line for line in layout.splitlines() if BAR in line]
    # a bar too long for its cell wraps: a line of blocks with no number after it
    shown = [re.search(rf"{BAR}+\s+(\d+)\s*$", line) for line in bar_lines]
    assert all(shown), [line for line, m in zip(bar_lines, shown, strict=True) if not m]
    assert [m.group(1) for m in shown] == [value for _, value in rows]
    lengths = [line.count(BAR) for line in bar_lines]
    assert lengths == sorted(lengths, reverse=True)
    assert lengths[0] > 3 * lengths[-1]


def test_every_extract_is_on_the_pages(dossier: Dossier) -> None:
    quotes = [p.text for p in dossier.doc.paragraphs if p.style.name == "Quote"]
    assert len(quotes) > 500
    text = " ".join(_words(_pdftotext(dossier.pdf)))
    missing = [q for q in quotes if " ".join(_words(q)) not in text]
    assert missing == []


def test_the_contents_lists_the_headings_without_being_updated(dossier: Dossier) -> None:
    headings = [
        p.text.removeprefix("■ ")
        for p in dossier.doc.paragraphs
        if p.style.name in ("Heading 1", "Heading 2", "Heading 3")
    ]
    contents = _words(_section(dossier.pdf, "Sommaire", "Synthèse"))
    assert "Clic droit" not in " ".join(contents)
    assert [h for h in headings if not _contains(contents, _words(h))] == []


def test_bars_stay_dark_enough_for_a_grey_print(dossier: Dossier) -> None:
    for row in dossier.doc.tables[1].rows:
        rgb = row.cells[1].paragraphs[0].runs[0].font.color.rgb
        assert 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] <= 150.5


def test_the_contents_is_written_filled_and_linked(corpus: Corpus, tmp_path: Path) -> None:
    """Without LibreOffice too: each heading is bookmarked and its contents entry links to it."""
    out = tmp_path / "d.docx"
    export_dossier(select_for_dossier(corpus.project), out)
    doc = docx.Document(str(out))
    body = doc.element.body
    headings = {
        start.get(qn("w:name")): (p.style.name, p.text.removeprefix("■ "))
        for p in doc.paragraphs
        if p.style.name.startswith("Heading")
        for start in p._p.iter(qn("w:bookmarkStart"))
    }
    entries = [
        (p.style.name, link.get(qn("w:anchor")), "".join(t.text for t in link.iter(qn("w:t"))))
        for p in doc.paragraphs
        if p.style.name.startswith("toc ")
        for link in p._p.iter(qn("w:hyperlink"))
    ]
    assert [text for _, _, text in entries] == [
        "Outils",
        "Intranet",
        "Messagerie",
        "Organisation",
        "Télétravail",
        "Sécurité",
    ]
    for style, anchor, text in entries:
        level = style.removeprefix("toc ")
        assert headings[anchor] == (f"Heading {level}", text)
    # one field from the first entry to the last, the placeholder gone
    kinds = [el.get(qn("w:fldCharType")) for el in body.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]
    assert "Update Field" not in " ".join(p.text for p in doc.paragraphs)
