"""One number for one place: the dossier's label, the table's column, the transcript
view's gutter and the coded transcript's Word numbering agree on every passage."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from docx import Document as read_docx
from docx.oxml.ns import qn
from textual.app import App, ComposeResult

from codage.domain import NewDocument, Unit
from codage.exchange.docx_report import export_dossier
from codage.exchange.tables import export_codings
from codage.exchange.transcript_docx import export_transcript
from codage.services.selection import select_codings, select_for_dossier, select_transcript
from codage.tui.widgets.transcript_view import TranscriptView

from .corpus import Corpus

pytestmark = pytest.mark.anyio

# An interview whose first paragraph has no speaker and whose second answer runs
# over two lines: numbering lines would call "Suite de la réponse" 4, not turn 3.
MIXED = (
    "Introduction de l'entretien.\n\n"
    "ENQ : Première question ?\n\n"
    "M. Roux : Réponse un.\nSuite de la réponse.\n\n"
    "ENQ : Autre question ?"
)


def _mixed() -> NewDocument:
    units = [Unit("paragraph", 0, MIXED.index("\n\n"))]
    for turn in ("ENQ : Première", "M. Roux", "ENQ : Autre"):
        start = MIXED.index(turn)
        end = MIXED.find("\n\n", start)
        speaker = turn.split(" : ")[0]
        units.append(Unit("turn", start, end if end >= 0 else len(MIXED), speaker=speaker))
    return NewDocument("entretien-mixte", "interview", MIXED, units)


# (document, passage, code path, expected label and number), worked out by hand
PASSAGES = [
    ("entretien-a", "Nous avons subi une attaque en 2024.", "Sécurité", "turn 4"),
    ("entretien-a", "Au début, personne ne le lisait.", "Outils/Intranet", "turn 2"),
    ("entretien-b", "La messagerie est saturée.", "Outils/Messagerie", "para. 1"),
    ("enquete", "L'intranet est lent.", "Outils/Intranet", "answer 2"),
    ("enquete", "Le télétravail me convient.", "Organisation/Télétravail", "answer 1"),
    ("entretien-mixte", "Suite de la réponse.", "Organisation", "turn 3"),
    ("entretien-mixte", "Introduction", "Organisation", "para. 1"),
    ("entretien-mixte", "Autre question ?", "Sécurité", "turn 4"),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def placed(corpus: Corpus) -> Corpus:
    info = corpus.project.add_document(_mixed())
    corpus.docs["entretien-mixte"] = info.id
    corpus.texts["entretien-mixte"] = MIXED
    corpus.code("entretien-mixte", "Organisation", "Suite de la réponse.", "alice")
    corpus.code("entretien-mixte", "Organisation", "Introduction", "alice")
    corpus.code("entretien-mixte", "Sécurité", "Autre question ?", "alice")
    return corpus


def _word_numbers(path: Path) -> list[tuple[int | None, str]]:
    """Each body paragraph with the number Word draws for it (List Number paragraphs
    count 1, 2, 3...; those that switch numbering off with numId 0 draw none)."""
    doc = read_docx(str(path))
    out: list[tuple[int | None, str]] = []
    count = 0
    for p in doc.paragraphs:
        if p.style is None or p.style.name != "List Number":
            continue
        num_id = p._p.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}")
        if num_id is not None and num_id.get(qn("w:val")) == "0":
            out.append((None, p.text))
        else:
            count += 1
            out.append((count, p.text))
    return out


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield TranscriptView()


async def test_dossier_table_interface_and_transcript_agree(placed: Corpus, tmp_path: Path) -> None:
    project = placed.project
    dossier = tmp_path / "dossier.docx"
    export_dossier(select_for_dossier(project), dossier, language="en")
    attributions = [
        p.text for p in read_docx(str(dossier)).paragraphs if p.style.name == "Extract Attribution"
    ]
    quotes = [p.text for p in read_docx(str(dossier)).paragraphs if p.style.name == "Quote"]
    table = tmp_path / "codings.csv"
    export_codings(select_codings(project), table)
    with table.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))

    checked_continuation = False
    app = _Host()
    async with app.run_test(size=(120, 60)) as pilot:
        view = app.query_one(TranscriptView)
        for name, passage, path, expected in PASSAGES:
            number = expected.rsplit(" ", 1)[1]
            doc_id = placed.docs[name]
            text = placed.texts[name]
            start = text.index(passage)

            # the dossier: the attribution under the quote names the place
            line = attributions[quotes.index(passage)]
            assert f"· {expected} ·" in line, line
            assert line.startswith(f"— {name} ·")

            # the table: the same number in its column
            found = {
                r["paragraph"]
                for r in rows
                if r["document"] == name and r["text"] == passage and r["code"] == path
            }
            assert found == {number}

            # the interface: the gutter shows the number on the line where the unit starts
            document = project.document(doc_id)
            view.load(document, project.units(doc_id))
            await pilot.pause()
            place = view.place_at(start)
            assert place is not None and str(place.number) == number
            view.jump_to(place.start)
            await pilot.pause()
            x, y = view.cell_of(place.start) or (None, None)
            assert y is not None
            gutter = view.render_line(y).text[: x or 0]
            assert gutter.split() == [number], gutter
            cell = view.cell_of(start)
            assert cell is not None
            if cell[1] != y:  # a later line of the same unit: no number of its own
                assert view.render_line(cell[1]).text[: cell[0]].strip() == ""
                checked_continuation = True

            # the coded transcript: Word numbers the unit's first line with the same N
            out = tmp_path / f"{doc_id}.docx"
            export_transcript(select_transcript(project, doc_id), out, language="en")
            numbered = _word_numbers(out)
            holder = next(i for i, (_, t) in enumerate(numbered) if passage in t)
            shown = next(n for n, _ in reversed(numbered[: holder + 1]) if n is not None)
            assert str(shown) == number, (name, numbered)
    assert checked_continuation


async def test_continuation_lines_carry_no_number(placed: Corpus, tmp_path: Path) -> None:
    project = placed.project
    doc_id = placed.docs["entretien-mixte"]
    out = tmp_path / "mixed.docx"
    export_transcript(select_transcript(project, doc_id), out)
    assert _word_numbers(out) == [
        (1, "Introduction de l'entretien."),
        (2, "ENQ : Première question ?"),
        (3, "M. Roux : Réponse un."),
        (None, "Suite de la réponse."),
        (4, "ENQ : Autre question ?"),
    ]
