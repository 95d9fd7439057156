"""Correcting a coded document's text (issue 17): real SQLite files, the real French
spaCy model, the corrected text read like an import of its file.

Every coding whose passage survives lies on exactly that passage afterwards; the
others are kept aside with their old text; undo puts the old text, units, case
links and codings back byte for byte, redo does it again.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codage.analysis.reanchor import replace_document_text
from codage.ingest.errors import IngestError
from codage.ingest.replacement import read_replacement
from codage.ingest.service import import_files
from codage.services import Project

TURNS = [
    "Q : Merci de me recevoir. Pouvez-vous vous présenter ?",
    "R : Je suis secrétaire de mairie depuis onze ans. Avant, j'étais à l'accueil "
    "d'une agence bancaire. La commune compte six cent quarante habitants.",
    "Q : Comment votre travail a-t-il changé ?",
    "R : Tout est passé sur internet. J'ai vingt-sept identifiants différents pour "
    "mon travail. Au début, j'avais tout noté dans un carnet rangé dans le tiroir.",
    "M. Ollier : Je lui ai installé un gestionnaire de mots de passe. Le carnet dans "
    "le tiroir de l'accueil, ce n'était pas prudent.",
    "Q : Et la formation ?",
    "R : Personne ne nous forme vraiment. On apprend seule, le soir, sur les forums.",
]
ORIGINAL = "\n\n".join(TURNS) + "\n"

# Words changed, a sentence removed, a sentence added, a whole turn deleted.
CORRECTED = (
    ORIGINAL.replace("depuis onze ans", "depuis douze ans")
    .replace(" Avant, j'étais à l'accueil d'une agence bancaire.", "")
    .replace("Tout est passé sur internet.", "Tout est passé sur internet. Tout, vraiment.")
    .replace("\n\n" + TURNS[4], "")
    .replace("forums", "forums en ligne")
)

# passage, code, coder
CODINGS: list[tuple[str, str, str]] = [
    ("Merci de me recevoir.", "Accueil", "alice"),
    ("secrétaire de mairie depuis onze ans", "Parcours", "alice"),
    ("Avant, j'étais à l'accueil d'une agence bancaire.", "Parcours", "bob"),
    ("La commune compte six cent quarante habitants.", "Commune", "bob"),
    ("J'ai vingt-sept identifiants différents", "Mots de passe", "alice"),
    ("Je lui ai installé un gestionnaire de mots de passe.", "Mots de passe", "bob"),
    ("Personne ne nous forme vraiment.", "Formation", "carol"),
]
# passage before -> passage after, for the codings whose text survives
SURVIVING = {
    "Merci de me recevoir.": "Merci de me recevoir.",
    "secrétaire de mairie depuis onze ans": "secrétaire de mairie depuis douze ans",
    "La commune compte six cent quarante habitants.": (
        "La commune compte six cent quarante habitants."
    ),
    "J'ai vingt-sept identifiants différents": "J'ai vingt-sept identifiants différents",
    "Personne ne nous forme vraiment.": "Personne ne nous forme vraiment.",
}
GONE = {
    "Avant, j'étais à l'accueil d'une agence bancaire.",
    "Je lui ai installé un gestionnaire de mots de passe.",
}

SURVEY = (
    "id_repondant;grade;q12_outils\n"
    "R01;A;Le télétravail a changé l'ambiance du service.\n"
    "R02;B;Les logiciels métiers changent trop souvent, on perd du temps à réapprendre.\n"
    "R03;C;Je n'ai pas de poste à moi, je partage l'ordinateur de l'accueil.\n"
    "R04;B;La messagerie déborde : cent courriels par jour, dont dix utiles.\n"
)


def _tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of what a correction changes, read straight from the file."""
    with sqlite3.connect(path) as db:
        return {
            table: db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            for table in ("documents", "units", "codings", "codings_aside", "case_links", "memos")
        }


@pytest.fixture(scope="module")
def coded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A transcript imported with the real model and coded by three coders, once."""
    folder = tmp_path_factory.mktemp("coded")
    source = folder / "entretien-breval.txt"
    source.write_text(ORIGINAL, encoding="utf-8")
    path = folder / "template.db"
    with Project.open(str(path)) as project:
        report = import_files(project, [source], n_process=1)
        assert report.ok
        doc = project.document("entretien-breval")
        codes = {}
        for passage, code, coder in CODINGS:
            if code not in codes:
                codes[code] = project.create_code(code, coder="alice").id
            start = doc.text.index(passage)
            project.add_coding(doc.id, codes[code], start, start + len(passage), coder=coder)
        coding_id = project.codings(document_id=doc.id)[2].id
        project.add_memo("coding", coding_id, "à revoir", coder="bob")
    return path


@pytest.fixture
def coded(coded_template: Path, tmp_path: Path) -> Iterator[tuple[Project, Path]]:
    path = tmp_path / "project.db"
    shutil.copy(coded_template, path)
    with Project.open(str(path)) as project:
        yield project, path


@pytest.fixture(scope="module")
def corrected_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corrected") / "entretien-breval.txt"
    path.write_text(CORRECTED, encoding="utf-8")
    return path


def test_corrected_transcript_keeps_every_surviving_coding_on_its_text(
    coded: tuple[Project, Path], corrected_file: Path
) -> None:
    project, path = coded
    doc = project.document("entretien-breval")
    before = _tables(path)
    new = read_replacement(corrected_file)
    assert new.text == CORRECTED

    report = replace_document_text(project, doc.id, new, coder="dana")

    text = project.document(doc.id).text
    assert text == CORRECTED
    codings = project.codings(document_id=doc.id)
    # every coding whose passage survives, on exactly that passage
    assert sorted(text[c.start : c.end] for c in codings) == sorted(SURVIVING.values())
    for c in codings:
        assert c.text == text[c.start : c.end]
    # the others kept aside with their old text and owner, never dropped
    aside = project.codings_aside(document_id=doc.id)
    assert {a.text for a in aside} == GONE
    assert {(a.text, a.coder) for a in aside} == {
        ("Avant, j'étais à l'accueil d'une agence bancaire.", "bob"),
        ("Je lui ai installé un gestionnaire de mots de passe.", "bob"),
    }
    # the memo of a coding kept aside travels with it
    banque = next(a for a in aside if a.text.startswith("Avant"))
    assert banque.memo == "à revoir"
    assert len(codings) + len(aside) == len(CODINGS)
    # the report says the same
    assert {c.old_text for c in report.aside} == GONE
    assert {c.old_text: c.new_text for c in report.changed} == {
        "secrétaire de mairie depuis onze ans": "secrétaire de mairie depuis douze ans"
    }
    assert {c.old_text for c in report.identical} == {"Merci de me recevoir."}
    assert {c.old_text for c in report.moved} == {
        "La commune compte six cent quarante habitants.",
        "J'ai vingt-sept identifiants différents",
        "Personne ne nous forme vraiment.",
    }
    assert report.coders == ["alice", "bob", "carol"]
    # units recomputed on the new text, as at import
    units = project.units(doc.id)
    assert sum(u.kind == "turn" for u in units) == len(TURNS) - 1
    sentences = [text[u.start : u.end] for u in units if u.kind == "sentence"]
    assert "Tout, vraiment." in sentences
    assert not any("gestionnaire" in s or "bancaire" in s for s in sentences)
    # one entry of the corrector's history, naming the coders whose codings moved
    entry = project.history(limit=1)[0]
    assert (entry.action, entry.coder) == ("replace_text", "dana")
    assert set(entry.coders) == {"alice", "bob", "carol"}
    after = _tables(path)

    assert project.undo(coder="dana") is not None
    assert _tables(path) == before
    assert project.redo(coder="dana") is not None
    assert _tables(path) == after
    assert project.undo(coder="dana") is not None
    assert _tables(path) == before


def test_a_dry_run_reports_and_writes_nothing(
    coded: tuple[Project, Path], corrected_file: Path
) -> None:
    project, path = coded
    before = _tables(path)
    history = project.history()
    report = replace_document_text(
        project, "entretien-breval", read_replacement(corrected_file), coder="dana", dry_run=True
    )
    assert report.dry_run
    assert {c.old_text for c in report.aside} == GONE
    assert report.codings == len(CODINGS)
    assert _tables(path) == before
    assert project.history() == history


def test_neighbouring_codings_of_one_code_shift_without_colliding(tmp_path: Path) -> None:
    """Two like passages side by side coded alike: after an insertion before them, the
    first takes the very span the second leaves, and undo and redo replay that in order."""
    source = tmp_path / "court.txt"
    source.write_text("Oui, bien sûr. Oui, bien sûr. Non, jamais.\n", encoding="utf-8")
    path = tmp_path / "p.db"
    with Project.open(str(path)) as project:
        assert import_files(project, [source], n_process=1).ok
        doc = project.document("court")
        code = project.create_code("Accord", coder="alice").id
        for start in (0, 15):
            project.add_coding(doc.id, code, start, start + 14, coder="alice")
        before = _tables(path)
        corrected = tmp_path / "corrige.txt"
        # 15 characters before them: the first coding's new span is the second's old one
        corrected.write_text(
            "Non, bien sûr. Oui, bien sûr. Oui, bien sûr. Non, jamais.\n", encoding="utf-8"
        )
        replace_document_text(project, doc.id, read_replacement(corrected), coder="alice")
        codings = project.codings(document_id=doc.id)
        assert [(c.start, c.end, c.text) for c in codings] == [
            (15, 29, "Oui, bien sûr."),
            (30, 44, "Oui, bien sûr."),
        ]
        after = _tables(path)
        assert project.undo(coder="alice") is not None
        assert _tables(path) == before
        assert project.redo(coder="alice") is not None
        assert _tables(path) == after


def test_unit_case_links_follow_their_answers(tmp_path: Path) -> None:
    table = tmp_path / "enquete.csv"
    table.write_text(SURVEY, encoding="utf-8")
    path = tmp_path / "p.db"
    with Project.open(str(path)) as project:
        assert import_files(project, [table], n_process=1).ok
        (info,) = project.documents()
        doc = project.document(info.id)
        links = {
            doc.text[u.start : u.end]: case.name
            for u in project.units(doc.id)
            for unit_id, case in project.unit_cases(doc.id).items()
            if u.id == unit_id
        }
        assert len(links) == 4
        code = project.create_code("Outils", coder="alice").id
        for passage in ("Les logiciels métiers changent trop souvent", "cent courriels par jour"):
            start = doc.text.index(passage)
            project.add_coding(doc.id, code, start, start + len(passage), coder="alice")
        gone = "Je n'ai pas de poste à moi, je partage l'ordinateur de l'accueil."
        edited = doc.text.replace("trop souvent", "bien trop souvent").replace(gone, "")
        edited = edited.replace("\n\n\n\n", "\n\n")
        corrected = tmp_path / "corrige.txt"
        corrected.write_text(edited, encoding="utf-8")
        before = _tables(path)

        report = replace_document_text(project, doc.id, read_replacement(corrected), coder="alice")

        text = project.document(doc.id).text
        now = {
            text[u.start : u.end]: case.name
            for u in project.units(doc.id)
            for unit_id, case in project.unit_cases(doc.id).items()
            if u.id == unit_id
        }
        expected = {
            (k.replace("trop souvent", "bien trop souvent")): v
            for k, v in links.items()
            if k != gone
        }
        assert now == expected
        # read back from a plain text file, the answers stay answers
        assert {u.kind for u in project.units(doc.id)} == {"answer", "sentence"}
        assert [(link.case, link.text) for link in report.links_lost] == [(links[gone], gone)]
        assert report.links_kept == 3
        assert sorted(text[c.start : c.end] for c in project.codings(document_id=doc.id)) == [
            "Les logiciels métiers changent bien trop souvent",
            "cent courriels par jour",
        ]
        assert project.undo(coder="alice") is not None
        assert _tables(path) == before


def test_a_file_of_several_documents_is_refused_in_one_line() -> None:
    # the bundled survey: two question columns, two documents
    table = Path(__file__).resolve().parents[2] / "transcripts" / "commentaires-agents.csv"
    with pytest.raises(IngestError) as caught:
        read_replacement(table)
    assert "holds 2 documents" in str(caught.value)
    assert "\n" not in str(caught.value)
