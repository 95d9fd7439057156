"""import_files on a real SQLite project: transactions, duplicates, cases, reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx

from codage.ingest.service import import_files
from codage.services import Project

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS = ROOT / "transcripts"

INTERVIEW = (
    "Enquêtrice : Comment l'intranet a-t-il changé votre travail ?\n\n"
    "M. Garnier : Au début, personne ne le lisait. Puis la crise est arrivée.\n\n"
    "Enquêtrice : Et la sécurité ?\n\n"
    "M. Garnier : Nous avons subi une attaque en 2024."
)


def _snapshot(project: Project) -> tuple:
    docs = project.documents()
    return (
        [(d.name, d.sha256) for d in docs],
        [len(project.units(d.id)) for d in docs],
        [(c.name, c.attributes) for c in project.cases()],
    )


def test_import_interview_and_read_back(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "entretien-01.txt"
    path.write_bytes(INTERVIEW.replace("\n", "\r\n").encode("cp1252"))
    calls: list[tuple[int, int, str]] = []
    report = import_files(project, [path], progress=lambda *a: calls.append(a))
    (file,) = report.files
    assert report.ok
    assert (file.status, file.kind, file.documents) == ("imported", "interview", ["entretien-01"])
    assert file.units["turn"] == 4 and file.units["sentence"] >= 5
    assert file.unit_count == 4
    assert file.speakers == ["Enquêtrice", "M. Garnier"]
    assert file.words == len(INTERVIEW.split())
    assert calls == [(0, 1, "entretien-01.txt"), (1, 1, "")]
    info = project.document_info("entretien-01")
    assert info.kind == "interview"
    assert info.metadata["interviewers"] == ["Enquêtrice"]
    assert project.document("entretien-01").text == INTERVIEW
    turns = project.units(info.id, kinds=["turn"])
    assert [t.speaker for t in turns] == ["Enquêtrice", "M. Garnier", "Enquêtrice", "M. Garnier"]
    sentences = project.units(info.id, kinds=["sentence"], with_lemmas=True)
    assert all(s.lemmas for s in sentences)


def test_duplicates_are_skipped_unless_forced(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "entretien.txt"
    path.write_text(INTERVIEW, encoding="utf-8")
    copy = tmp_path / "copie.md"
    copy.write_text(INTERVIEW, encoding="utf-8")
    first = import_files(project, [path, copy])
    assert [f.status for f in first.files] == ["imported", "skipped"]
    assert "already in the project" in first.files[1].message
    again = import_files(project, [path])
    assert again.files[0].status == "skipped"
    assert again.ok
    forced = import_files(project, [path], force=True)
    assert forced.files[0].documents == ["entretien (2)"]
    assert [d.name for d in project.documents()] == ["entretien", "entretien (2)"]


def test_a_failing_file_leaves_nothing_and_the_others_go_on(
    tmp_path: Path, project: Project
) -> None:
    good = tmp_path / "a-bon.txt"
    good.write_text(INTERVIEW, encoding="utf-8")
    bad = tmp_path / "b-binaire.txt"
    bad.write_bytes(bytes(range(256)) * 10)
    unknown = tmp_path / "c.xyz"
    unknown.write_text("x")
    report = import_files(project, [tmp_path, unknown])
    assert [(f.file, f.status) for f in report.files] == [
        ("a-bon.txt", "imported"),
        ("b-binaire.txt", "failed"),
        ("c.xyz", "failed"),
    ]
    assert report.failed[0].message.startswith("b-binaire.txt: contains binary data")
    assert not report.ok
    assert [d.name for d in project.documents()] == ["a-bon"]


def test_a_store_error_rolls_back_the_whole_file(tmp_path: Path, project: Project) -> None:
    table = tmp_path / "enquete.csv"
    table.write_text(
        "id;commentaire libre;avis\n"
        "1;Le télétravail a changé beaucoup de choses.;Plutôt positif dans l'ensemble.\n"
        "2;Trop de courriels chaque jour dans ma boîte.;Les outils ne se parlent pas.\n",
        encoding="utf-8",
    )
    before = _snapshot(project)

    original = project.add_document
    calls = {"n": 0}

    def failing_second(document, units=None):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(document, units)

    project.add_document = failing_second  # type: ignore[method-assign]
    try:
        report = import_files(project, [table])
    finally:
        del project.add_document
    assert report.files[0].status == "failed"
    assert report.files[0].message == "enquete.csv: disk full"
    assert _snapshot(project) == before


def test_survey_table_links_answers_to_respondent_cases(tmp_path: Path, project: Project) -> None:
    table = tmp_path / "agents.csv"
    table.write_text(
        "id_repondant;type_collectivite;age;q12_commentaire\n"
        "R1;Commune;41;Le télétravail a changé l'ambiance du service, on ne se voit plus.\n"
        "R2;Région;;La messagerie déborde, impossible de suivre les demandes des élus.\n"
        "R3;Commune;29;\n",
        encoding="utf-8",
    )
    report = import_files(project, [table])
    (file,) = report.files
    assert (file.kind, file.documents, file.units["answer"]) == (
        "survey",
        ["agents — q12_commentaire"],
        2,
    )
    info = project.document_info("agents — q12_commentaire")
    linked = project.unit_cases(info.id)
    assert sorted(c.name for c in linked.values()) == ["R1", "R2"]
    assert project.case("R1").attributes == {"type_collectivite": "Commune", "age": 41}
    assert project.case("R2").attributes == {"type_collectivite": "Région"}


def test_forced_columns_reach_the_reader(tmp_path: Path, project: Project) -> None:
    table = tmp_path / "t.csv"
    table.write_text("n;court\n1;oui\n2;non\n", encoding="utf-8")
    report = import_files(project, [table], id_column="n", text_columns=["court"])
    assert report.files[0].documents == ["t — court"]
    assert report.files[0].units == {"answer": 2, "sentence": 2}


def test_case_attributes_link_documents_and_existing_duplicates(
    tmp_path: Path, project: Project
) -> None:
    path = tmp_path / "entretien-01-region.txt"
    path.write_text(INTERVIEW, encoding="utf-8")
    import_files(project, [path])
    assert project.document_info("entretien-01-region").case is None
    cases = tmp_path / "cas.csv"
    cases.write_text(
        "document,cas,type_collectivite,taille\nentretien-01-region,DSI-01,Région,4800\n"
        "entretien-03-ville,DSI-03,Ville,2100\n",
        encoding="utf-8",
    )
    word = docx.Document()
    word.add_paragraph("Enquêteur : Bonjour.")
    word.add_paragraph("Mme Kessler : Bonjour, entrez.")
    word.save(tmp_path / "entretien-03-ville.docx")
    report = import_files(
        project, [path, tmp_path / "entretien-03-ville.docx"], case_attributes=cases
    )
    assert [f.status for f in report.files] == ["skipped", "imported"]
    assert project.document_info("entretien-01-region").case == "DSI-01"
    assert project.document_info("entretien-03-ville").case == "DSI-03"
    assert project.case("DSI-03").attributes == {"type_collectivite": "Ville", "taille": 2100}


def test_demo_corpus(tmp_path: Path, project: Project) -> None:
    # the corpus is part of the repository: without it the checkout is broken
    assert TRANSCRIPTS.is_dir(), f"the bundled corpus is missing: {TRANSCRIPTS}"
    corpus = tmp_path / "corpus"
    shutil.copytree(TRANSCRIPTS, corpus, ignore=shutil.ignore_patterns("README.md", "cas-*"))
    report = import_files(project, [corpus], case_attributes=TRANSCRIPTS / "cas-entretiens.csv")
    assert report.ok, [f.message for f in report.failed]
    by_file = {f.file: f for f in report.files}
    assert by_file["entretien-02-departement.txt"].speakers == ["E", "R"]
    assert by_file["entretien-04-commune.txt"].speakers == ["Q", "R", "M. Ollier"]
    assert by_file["entretien-05-intercommunalite.vtt"].kind == "subtitles"
    assert by_file["entretien-07-syndicat.txt"].speakers == ["Intervieweur", "Mme Roussel"]
    assert by_file["commentaires-agents.csv"].kind == "survey"
    assert project.document_info("entretien-03-ville").case == "DSI-03"
    docs = {d.name: d for d in project.documents()}
    assert "Ã" not in project.document(docs["entretien-04-commune"].id).text


def test_large_imports_use_several_processes_only_where_cores_allow(tmp_path) -> None:
    from codage.ingest import service

    small = tmp_path / "a.txt"
    small.write_text("Bonjour.\n", encoding="utf-8")
    assert service.auto_processes([small]) == 1
    big = service.AUTO_PROCESS_BYTES
    gib = 1024**3
    # small imports and two-core machines: one process (two were slower and heavier)
    assert service.worker_count(big - 1, 16, 64 * gib) == 1
    assert service.worker_count(big, 2, 64 * gib) == 1
    assert service.worker_count(big, 1, None) == 1
    # one worker per two cores, at most four
    assert service.worker_count(big, 4, 64 * gib) == 2
    assert service.worker_count(big, 8, None) == 4
    assert service.worker_count(big, 64, 64 * gib) == 4
    # no more workers than free memory holds, never fewer than one
    assert service.worker_count(big, 8, service.WORKER_BYTES * 3) == 3
    assert service.worker_count(big, 8, 0) == 1
