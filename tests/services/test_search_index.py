"""The stored search index (issue 16): every mode finds with it exactly what it finds by
reading the documents themselves (``stored_index=False``, the reference), after each
path that changes a text: import, a corrected text and its undo and redo, rename,
delete, merge, copy, REFI-QDA import; and the store keeps the index current itself,
so that the first search of a process has nothing to rebuild."""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codage.analysis.merge import merge_projects
from codage.analysis.reanchor import replace_document_text
from codage.cli import app
from codage.demo import build_demo
from codage.ingest import import_files
from codage.ingest.nlp import query_lemmas
from codage.ingest.replacement import read_replacement
from codage.services import Project
from codage.services.documents import delete_document, rename_document
from codage.services.search import search_corpus
from codage.services.search.index import _CACHE, phrase_spans
from codage.services.team import copy_project
from codage.store.search_index import build_entry, pack_postings, unpack_postings
from tests.conftest import ROOT
from tests.old_schema import downgrade
from tests.services.search_corpus import INTERVIEW_A, INTERVIEW_B, build_project

QUERIES = {
    "exact": ["intranet", "sécurité", "la direction", "rançongiciel", "démarches"],
    "words": ["intranet agents", "sécurité priorité", "démarches dématérialisées"],
    "lemma": ["dématérialiser", "intranets", "agent", "les agents", "l'intranet", "outil"],
    "regex": [r"intran\w+", r"\b20\d\d\b"],
    "fuzzy": ["rançongicel", "dématérialisation"],
}


def assert_same_hits(project: Project) -> dict[str, int]:
    """Every query of every mode gives the same result with and without the stored
    index; returns the hits found per mode (so that a test can see they are not none)."""
    found: dict[str, int] = {}
    for mode, queries in QUERIES.items():
        for query in queries:
            _CACHE.clear()  # each time a fresh process would: read, not remembered
            stored = search_corpus(project, query, mode, lemmatize=query_lemmas)
            reference = search_corpus(
                project, query, mode, lemmatize=query_lemmas, stored_index=False
            )
            assert stored.to_json() == reference.to_json(), (mode, query)
            found[mode] = found.get(mode, 0) + stored.total
    strict = search_corpus(project, "securite", accent_blind=False)
    reference = search_corpus(project, "securite", accent_blind=False, stored_index=False)
    assert strict.to_json() == reference.to_json()
    return found


def assert_index_current(project: Project) -> None:
    """The store itself brought the index up to date (checked before any search could
    rebuild a stale entry)."""
    assert project.search_index_state() == {d.id: d.sha256 for d in project.documents()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(tmp_path_factory.mktemp("index"))


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Iterator[Project]:
    copy = tmp_path / "project.db"
    copy.write_bytes(built.read_bytes())
    with Project.open(str(copy)) as proj:
        yield proj


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    location = tmp_path_factory.mktemp("demo") / "demo.db"
    with Project.open(str(location)) as proj:
        build_demo(proj, sources=ROOT)
    return location


def test_the_demo_gives_the_same_hits_with_the_stored_index(demo: Path) -> None:
    with Project.open(str(demo), create=False) as project:
        assert len(project.documents()) >= 9
        assert_index_current(project)
        found = assert_same_hits(project)
    assert all(found[mode] > 0 for mode in QUERIES), found


def _corrected(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "entretien-a.txt"
    path.write_text(
        INTERVIEW_A.replace("les intranets", "les portails internes").replace(
            "La securite", "La cybersécurité de l'intranet"
        ),
        encoding="utf-8",
    )
    return path


def test_a_corrected_text_its_undo_and_redo_keep_the_index_exact(
    project: Project, tmp_path: Path
) -> None:
    doc = project.document("entretien-a")
    replace_document_text(project, doc.id, read_replacement(_corrected(tmp_path)), coder="alice")
    assert_index_current(project)
    assert_same_hits(project)
    _CACHE.clear()
    assert search_corpus(project, "portails internes").total == 1
    assert search_corpus(project, "cybersécurité", "lemma", lemmatize=query_lemmas).total == 1
    assert search_corpus(project, "intranets").total == 0

    assert project.undo(coder="alice") is not None
    assert_index_current(project)
    assert_same_hits(project)
    _CACHE.clear()
    assert search_corpus(project, "portails internes").total == 0
    assert search_corpus(project, "intranets").total == 1

    assert project.redo(coder="alice") is not None
    assert_index_current(project)
    assert_same_hits(project)
    _CACHE.clear()
    assert search_corpus(project, "portails internes").total == 1


def test_rename_and_delete(project: Project) -> None:
    rename_document(project, "entretien-b", "entretien-roux")
    assert_index_current(project)
    assert {h.document for h in search_corpus(project, "intranet").hits} == {
        "entretien-a",
        "entretien-roux",
    }
    assert_same_hits(project)
    gone = project.document("entretien-roux").id
    delete_document(project, "entretien-roux")
    assert gone not in project.search_texts()
    assert project.lemma_postings(["intranet"]).keys() == {project.document("entretien-a").id}
    assert_index_current(project)
    assert_same_hits(project)


def test_merge_and_copy_carry_an_exact_index(built: Path, tmp_path: Path) -> None:
    target = tmp_path / "merged.db"
    with Project.open(str(target)) as merged, Project.open(str(built), create=False) as source:
        merge_projects(merged, [source], coder="alice")
        assert len(merged.documents()) == 2
        assert_index_current(merged)
        assert_same_hits(merged)
    copied = tmp_path / "copied.db"
    copy_project(str(target), str(copied))
    with Project.open(str(copied), create=False) as copy:
        assert_index_current(copy)
        assert_same_hits(copy)


def test_a_refi_qda_import_is_indexed(built: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "exchange.qdpx"
    result = runner.invoke(app, ["export", "qdpx", str(out), "-p", str(built)])
    assert result.exit_code == 0, result.output
    again = tmp_path / "again.db"
    result = runner.invoke(app, ["import", str(out), "-p", str(again), "--coder", "alice"])
    assert result.exit_code == 0, result.output
    with Project.open(str(again), create=False) as project:
        assert len(project.documents()) == 2
        assert_index_current(project)
        assert_same_hits(project)


def test_missing_or_stale_entries_are_rebuilt_once_and_kept(project: Project) -> None:
    # as a project upgraded from before the index, or indexed by an older format
    path = Path(str(project.engine.url.database))
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM search_lemmas")
        conn.execute("DELETE FROM search_forms")
        conn.execute("DELETE FROM search_texts WHERE document_id = 1")
        conn.execute("UPDATE search_texts SET version = 0")
    assert project.search_index_state() == {}
    _CACHE.clear()
    assert search_corpus(project, "intranets", "lemma").total == 4
    assert_index_current(project)
    assert_same_hits(project)


def test_a_read_only_project_is_searched_without_storing(project: Project) -> None:
    path = Path(str(project.engine.url.database))
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM search_texts")
    project.close()
    with Project.open(str(path), create=False) as again:
        again.store.read_only = True
        _CACHE.clear()
        assert search_corpus(again, "intranet").total == 4
        assert again.search_index_state() == {}


def test_known_words_are_lemmatised_without_the_model(project: Project) -> None:
    asked: list[str] = []

    def lemmatize(query: str) -> list[str]:
        asked.append(query)
        return query_lemmas(query)

    _CACHE.clear()
    result = search_corpus(project, "dématérialisons", "lemma", lemmatize=lemmatize)
    assert {h.text for h in result.hits} >= {"dématérialiser", "dématérialisons"}
    # a lemma the corpus holds, though never as this form: itself
    found = search_corpus(project, "démarche", "lemma", lemmatize=lemmatize)
    assert {h.text for h in found.hits} == {"démarches"}
    assert asked == []
    # a word the corpus lacks, or a form spaCy splits, goes to the model
    search_corpus(project, "xylophones", "lemma", lemmatize=lemmatize)
    search_corpus(project, "l'intranet", "lemma", lemmatize=lemmatize)
    assert asked == ["xylophones", "l'intranet"]


def test_phrases_do_not_run_across_sentences() -> None:
    text = "Former les agents. Agents formés."
    sentences = [
        (0, 18, "0,6,former 7,10,le 11,17,agent 17,18,."),
        (19, 33, "19,25,agent 26,32,former 32,33,."),
    ]
    entry = build_entry(text, sentences)
    assert phrase_spans(entry.lemmas, ["le", "agent"]) == [(7, 17)]
    assert phrase_spans(entry.lemmas, ["agent", "former"]) == [(19, 32)]
    # "agents." ends a sentence: "." then "agent" of the next one do not follow
    assert phrase_spans(entry.lemmas, [".", "agent"]) == []
    assert phrase_spans(entry.lemmas, ["former", "absent"]) == []
    assert ("formes", "former") in entry.forms


def _import(location: str, folder: Path) -> None:
    (folder / "entretien-a.txt").write_text(INTERVIEW_A, encoding="utf-8")
    (folder / "entretien-b.txt").write_text(INTERVIEW_B, encoding="utf-8")
    with Project.open(location) as proj:
        report = import_files(proj, [folder / "entretien-a.txt", folder / "entretien-b.txt"])
        assert all(f.status == "imported" for f in report.files), report


def test_both_back_ends_keep_the_index(backend_url: str, tmp_path: Path) -> None:
    _import(backend_url, tmp_path)
    with Project.open(backend_url) as project:
        assert_index_current(project)
        assert_same_hits(project)
        doc = project.document("entretien-a")
        new = read_replacement(_corrected(tmp_path / "corrected"))
        replace_document_text(project, doc.id, new, coder="alice")
        assert_index_current(project)
        assert_same_hits(project)
        project.undo(coder="alice")
        assert_index_current(project)
        assert_same_hits(project)


def test_a_project_from_before_the_index(project: Project, tmp_path: Path) -> None:
    expected = search_corpus(project, "intranets", "lemma").to_json()
    path = Path(str(project.engine.url.database))
    project.close()
    downgrade(path, "0006")
    # read as it is (a command that only reads does not upgrade): the documents serve
    with Project.open(str(path), create=False) as old:
        assert not old.has_search_index
        _CACHE.clear()
        assert search_corpus(old, "intranets", "lemma", lemmatize=query_lemmas).to_json() == (
            expected
        )
    # upgraded (0008 makes the tables empty): the first search indexes and keeps it
    with Project.open(str(path)) as upgraded:
        assert upgraded.search_index_state() == {}
        _CACHE.clear()
        assert search_corpus(upgraded, "intranets", "lemma").to_json() == expected
        assert_index_current(upgraded)


def test_postings_are_stored_compactly_and_read_back_exactly() -> None:
    many = array("i")
    for i in range(2000):
        many.extend((3 * i, 40 * i, 40 * i + 7))
    for postings in (array("i"), array("i", [0, 5, 9]), array("i", [0, 5, 9, 4, 30, 38]), many):
        packed = pack_postings(postings)
        assert unpack_postings(packed) == postings
    assert len(pack_postings(many)) < len(many.tobytes()) / 4
