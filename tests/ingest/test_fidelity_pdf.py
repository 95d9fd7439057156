"""PDF read as a person reads it: words, paragraphs and sentences kept, page furniture out."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from codage.ingest.reader import read_file
from tests.ingest.conftest import units_of
from tests.ingest.pdf_writer import Run, write_pdf

PARAGRAPHS = [
    "Enquêtrice : Pouvez-vous présenter votre rôle dans la collectivité et "
    "l'organisation de votre direction ?",
    "M. Garnier : Je suis directeur des systèmes d'information à la communauté "
    "d'agglomération depuis six ans. Nous sommes quatorze agents, répartis entre "
    "l'infrastructure, les applications métier et l'assistance aux utilisateurs. "
    "La dématérialisation des procédures a profondément transformé notre travail "
    "quotidien, surtout depuis la généralisation du télétravail.",
    "Enquêtrice : Qu'est-ce qui a le plus changé pour les agents ?",
    "M. Garnier : D'abord la messagerie, qui déborde. Ensuite les outils collaboratifs, "
    "que personne n'avait demandés et que chacun utilise différemment. Les agents "
    "administratifs ont dû apprendre en quelques semaines ce que nous avions prévu "
    "d'accompagner sur deux années entières, avec des formations qui sont arrivées "
    "après le déploiement et non avant.",
    "Enquêtrice : Et les élus, comment ont-ils vécu cette transformation ?",
    "M. Garnier : Avec enthousiasme au début, puis avec impatience. Ils voudraient "
    "que tout soit instantané, alors que la réorganisation des services demande du "
    "temps, de la concertation et beaucoup d'explications. Certains responsables "
    "hiérarchiques ont exprimé leur inquiétude devant l'accumulation des "
    "notifications et des sollicitations permanentes.",
    "Enquêtrice : Merci beaucoup pour cet échange très éclairant.",
]
HEADER = "Entretien n°3 — Mairie de Villeneuve (confidentiel)"
MAX_LINE = 62
LINES_PER_PAGE = 9


def _wrap(paragraph: str) -> list[str]:
    """Greedy lines of at most MAX_LINE characters; a long lower-case word is hyphenated."""
    lines: list[str] = []
    line = ""
    for word in paragraph.split():
        candidate = f"{line} {word}".strip()
        if len(candidate) <= MAX_LINE:
            line = candidate
            continue
        half = len(word) // 2
        if (
            len(word) >= 9
            and word.isalpha()
            and word.islower()
            and len(line) + half + 2 <= MAX_LINE
        ):
            lines.append(f"{line} {word[:half]}-")
            line = word[half:]
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def _drawn(line: str, number: int) -> str | list[Run]:
    """Some lines with tabs, some with word gaps drawn as TJ spacing (no space characters)."""
    if number % 4 == 1:
        return line.replace(" ", "\t", 2)
    if number % 4 == 3:
        runs: list[Run] = []
        for word in line.split(" "):
            runs += [word, -1800]
        return runs[:-1]
    return line


def lay_out(
    paragraphs: list[str], *, numbering: str, indent_paragraphs: bool, continuous: bool = False
) -> tuple[list[list[tuple[float, float, str | list[Run]]]], int]:
    """Pages with a running head, a page-number footer and margin line numbers.

    Returns the pages and how many line numbers were drawn.
    """
    placed: list[tuple[str, bool]] = []  # (line, starts a paragraph)
    for paragraph in paragraphs:
        placed += [(line, i == 0) for i, line in enumerate(_wrap(paragraph))]
    chunks = [placed[i : i + LINES_PER_PAGE] for i in range(0, len(placed), LINES_PER_PAGE)]
    pages = []
    numbers = 0
    counted = 0
    for p, chunk in enumerate(chunks, start=1):
        page: list[tuple[float, float, str | list[Run]]] = [(150, 760, HEADER)]
        y = 720.0
        for i, (line, first) in enumerate(chunk, start=1):
            counted += 1
            if first and i > 1 and not indent_paragraphs:
                y -= 12  # a paragraph gap
            x = 90 if first and indent_paragraphs else 72
            page.append((x, y, _drawn(line, counted)))
            shown = counted if continuous else i
            if numbering == "every" or (numbering == "fifth" and shown % 5 == 0):
                page.append((40, y, str(shown)))
                numbers += 1
            y -= 14
        page.append((280, 40, f"Page {p} / {len(chunks)}"))
        pages.append(page)
    return pages, numbers


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text))


@pytest.mark.parametrize(
    ("numbering", "indent_paragraphs", "continuous"),
    [
        ("every", False, False),
        ("fifth", False, True),
        ("every", True, True),
        ("none", True, False),
    ],
)
def test_pdf_text_is_what_a_reader_sees(
    tmp_path: Path, numbering: str, indent_paragraphs: bool, continuous: bool
) -> None:
    pages, numbers = lay_out(
        PARAGRAPHS, numbering=numbering, indent_paragraphs=indent_paragraphs, continuous=continuous
    )
    assert len(pages) >= 3
    path = write_pdf(tmp_path / "entretien.pdf", pages)
    (doc,) = read_file(path)
    source = "\n\n".join(PARAGRAPHS)
    # Every word, and nothing else: no line number, no running head, no page number.
    assert _words(doc.text) == _words(source)
    # Lines joined, hyphenated words rejoined, pages crossed mid-sentence.
    assert doc.text.split("\n\n") == PARAGRAPHS
    assert [u.speaker for u in units_of(doc, "turn")] == ["Enquêtrice", "M. Garnier"] * 3 + [
        "Enquêtrice"
    ]
    (warning,) = doc.warnings
    assert warning.startswith(
        f"removed {2 * len(pages)} page header/footer line(s) repeated across "
        f"pages (e.g. '{HEADER}'; 'Page 1 / {len(pages)}'"
    )
    if numbers:
        assert f"and {numbers} margin line number(s)" in warning
    else:
        assert "margin" not in warning


def test_hyphen_joins_only_before_a_lower_case_letter(tmp_path: Path) -> None:
    lines = [
        "La réorgani-",
        "sation du service a pris deux ans avec le",
        "Grand-",
        "Est et la Haute-",
        "Savoie comme modèles de référence.",
    ]
    path = write_pdf(
        tmp_path / "tirets.pdf", [[(72, 700 - 14 * i, t) for i, t in enumerate(lines)]]
    )
    (doc,) = read_file(path)
    assert doc.text == (
        "La réorganisation du service a pris deux ans avec le Grand- Est et la Haute- "
        "Savoie comme modèles de référence."
    )
    assert doc.warnings == []


def test_numbered_list_is_not_taken_for_line_numbers(tmp_path: Path) -> None:
    lines = ["Les priorités :", "1. la messagerie ;", "2. le parapheur ;", "3. les visios."]
    path = write_pdf(tmp_path / "liste.pdf", [[(72, 700 - 14 * i, t) for i, t in enumerate(lines)]])
    (doc,) = read_file(path)
    for item in ("1. la messagerie", "2. le parapheur", "3. les visios."):
        assert item in doc.text
    assert doc.warnings == []


def test_single_page_lines_that_start_with_numbers_are_kept(tmp_path: Path) -> None:
    lines = ["2020 a été l'année du télétravail.", "14 agents sur 20 ont un portable."]
    path = write_pdf(
        tmp_path / "chiffres.pdf", [[(72, 700 - 20 * i, t) for i, t in enumerate(lines)]]
    )
    (doc,) = read_file(path)
    assert "2020 a été l'année du télétravail." in doc.text
    assert doc.text.endswith("14 agents sur 20 ont un portable.")
    assert doc.warnings == []


def test_lines_that_differ_by_a_number_not_counting_pages_are_kept(tmp_path: Path) -> None:
    pages = [
        [(72, 700, f"Réunion {n * 7} : le point sur les outils."), (72, 686, f"Fin {n}.")]
        for n in (3, 1, 4)
    ]
    path = write_pdf(tmp_path / "reunions.pdf", pages)
    (doc,) = read_file(path)
    assert "Réunion 21 : le point sur les outils." in doc.text
    assert "Réunion 7 : le point" in doc.text and "Réunion 28 : le point" in doc.text
    assert doc.warnings == []


def test_turns_without_final_punctuation_still_start_on_their_line(tmp_path: Path) -> None:
    lines = [
        "Enquêtrice : Vous utilisez le parapheur",
        "M. Haddad : Tous les jours euh",
        "Enquêtrice : D'accord",
        "M. Haddad : Et la messagerie aussi",
    ]
    path = write_pdf(tmp_path / "brut.pdf", [[(72, 700 - 14 * i, t) for i, t in enumerate(lines)]])
    (doc,) = read_file(path)
    assert doc.text == "\n".join(lines)
    assert [u.speaker for u in units_of(doc, "turn")] == ["Enquêtrice", "M. Haddad"] * 2


def test_a_turn_at_the_top_of_a_page_stays_a_turn(tmp_path: Path) -> None:
    pages = [
        [(72, 700, "Enquêtrice : Et pour les élus"), (72, 686, "M. Haddad : Ils veulent tout")],
        [(72, 700, "tout de suite, vous voyez."), (72, 686, "Enquêtrice : Oui euh")],
        [(72, 700, "M. Haddad : Voilà.")],
    ]
    (doc,) = read_file(write_pdf(tmp_path / "pages.pdf", pages))
    assert doc.text == (
        "Enquêtrice : Et pour les élus\nM. Haddad : Ils veulent tout tout de suite, vous voyez."
        "\n\nEnquêtrice : Oui euh\nM. Haddad : Voilà."
    )
    assert [u.speaker for u in units_of(doc, "turn")] == ["Enquêtrice", "M. Haddad"] * 2


def test_running_heads_that_change_by_chapter_but_count_pages(tmp_path: Path) -> None:
    heads = ["iii", "1", "Chapitre 1 : Contexte 2", "3", "Chapitre 2 : Les outils 4", "5"]
    # Chapter 5 begins on page 5, its heading under the page number.
    said_first = "5 Conclusions"
    topics = ["la messagerie", "le parapheur", "les visios", "l'intranet", "les élus", "la DSI"]
    said = [f"On parle de {t}, longuement." for t in topics]
    ends = [f"Et {t} revient en fin de page." for t in reversed(topics)]
    pages = [
        [(150, 760, head), (72, 700, text), (72, 686, end)]
        for head, text, end in zip(heads, said, ends, strict=True)
    ]
    pages[-1].insert(1, (72, 730, said_first))
    (doc,) = read_file(write_pdf(tmp_path / "chapitres.pdf", pages))
    assert "Chapitre" not in doc.text
    assert "5 Conclusions" in doc.text
    assert _words(doc.text) == _words(" ".join(["iii", *said, *ends, said_first]))
    assert doc.warnings[0].startswith("removed 5 page header/footer line(s)")


def test_a_colon_at_the_foot_of_a_page_announces_the_next(tmp_path: Path) -> None:
    pages = [
        [(72, 700, "Premier point."), (72, 686, "Le directeur nous a dit :")],
        [(72, 700, "« on change tout lundi. »"), (72, 686, "Fin de la note.")],
    ]
    (doc,) = read_file(write_pdf(tmp_path / "citation.pdf", pages))
    assert "Le directeur nous a dit : « on change tout lundi. »" in doc.text
