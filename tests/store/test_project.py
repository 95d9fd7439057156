"""The Project API on a real SQLite file: documents, codes, codings, cases, memos."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from codage.domain import NewDocument, Unit, text_sha256
from codage.services import Conflict, NotFound, Project, StoreError
from codage.store.engine import current_revision, head_revision
from tests.conftest import SAMPLE_TEXT, sample_document


def test_new_project_is_a_sqlite_file_in_wal_mode_at_the_head_schema(project_path: Path) -> None:
    with Project.open(str(project_path)) as project:
        assert project_path.exists()
        assert current_revision(project.engine) == head_revision()
        with sqlite3.connect(project_path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        with project.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_a_new_project_on_postgresql_is_at_the_head_schema(pg_url: str) -> None:
    with Project.open(pg_url) as project:
        assert not project.is_sqlite
        assert current_revision(project.engine) == head_revision()
    with Project.open(pg_url, create=False) as project:
        assert project.documents() == []


def test_reopening_keeps_everything(project_path: Path) -> None:
    with Project.open(str(project_path)) as p:
        doc = p.add_document(sample_document())
        code = p.create_code("Intranet", coder="alice")
        p.add_coding(doc.id, code.id, 0, 10, coder="alice")
    with Project.open(str(project_path), create=False) as p:
        assert [d.name for d in p.documents()] == ["entretien-test"]
        assert len(p.codings()) == 1


def test_opening_a_missing_project_without_create_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such project"):
        Project.open(str(tmp_path / "absent.db"), create=False)


def test_a_foreign_database_is_not_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StoreError, match="not a codage project"):
        Project.open(str(path))
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"invoices"}


def test_a_project_from_a_newer_codage_is_refused(project_path: Path) -> None:
    Project.open(str(project_path)).close()
    with sqlite3.connect(project_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff_future'")
    with pytest.raises(StoreError, match="newer codage"):
        Project.open(str(project_path))


def test_an_older_project_is_upgraded_when_opened(project_path: Path) -> None:
    """A project stamped at the first revision is brought to the head on opening."""
    from alembic import command
    from sqlalchemy import create_engine

    from codage.store.engine import _alembic_config

    engine = create_engine(f"sqlite:///{project_path}")
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    with Project.open(str(project_path)) as p:
        assert current_revision(p.engine) == head_revision()
        p.add_document(sample_document())


def test_migrations_build_exactly_the_schema_of_the_models(project: Project) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from codage.store.schema import Base

    with project.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_document_text_hash_units_and_case(project: Project) -> None:
    info = project.add_document(sample_document())
    assert info.sha256 == text_sha256(SAMPLE_TEXT)
    assert info.length == len(SAMPLE_TEXT)
    assert info.case == "DSI-01"
    doc = project.document("entretien-test")
    assert doc.text == SAMPLE_TEXT
    units = project.units(doc.id)
    assert [u.speaker for u in units] == ["Enquêtrice", "M. Garnier", "Enquêtrice", "M. Garnier"]
    assert project.speakers()[doc.id] == ["Enquêtrice", "M. Garnier"]
    assert project.unit_counts()[doc.id] == {"turn": 4}
    assert project.document_case(doc.id).attributes == {
        "type_collectivite": "Région",
        "taille": 1200,
    }
    assert project.document_by_sha(info.sha256).id == doc.id


def test_document_names_are_unique_and_a_failed_add_leaves_nothing(project: Project) -> None:
    project.add_document(sample_document())
    with pytest.raises(Conflict, match="already in the project"):
        project.add_document(sample_document())
    bad = NewDocument("broken", "text", "court", units=[Unit("paragraph", 0, 99)])
    with pytest.raises(Conflict, match="outside the text"):
        project.add_document(bad)
    assert [d.name for d in project.documents()] == ["entretien-test"]


def test_batch_is_all_or_nothing(project: Project) -> None:
    with pytest.raises(Conflict), project.batch():
        project.add_document(sample_document("a"))
        project.add_document(sample_document("b"))
        project.add_document(sample_document("a"))
    assert project.documents() == []


def test_answers_linked_to_respondents(project: Project) -> None:
    text = "Trop de mails.\n\nL'intranet est vieux."
    doc = NewDocument(
        "enquete — q12",
        "survey",
        text,
        units=[Unit("answer", 0, 14), Unit("answer", 16, len(text))],
        unit_cases={0: "R0001", 1: "R0002"},
        cases={"R0001": {"grade": "C"}, "R0002": {"grade": "A", "age": 41.5}},
    )
    info = project.add_document(doc)
    by_unit = project.unit_cases(info.id)
    units = project.units(info.id)
    assert [by_unit[u.id].name for u in units] == ["R0001", "R0002"]
    assert by_unit[units[1].id].attributes == {"grade": "A", "age": 41.5}


def test_codings_keep_their_anchor_and_refuse_duplicates_and_bad_spans(project: Project) -> None:
    doc = project.add_document(sample_document())
    code = project.create_code("Sécurité", coder="alice")
    start = SAMPLE_TEXT.index("attaque")
    coding = project.add_coding(doc.id, code.id, start, start + 7, coder="alice", memo="clé")
    assert coding.text == "attaque"
    assert coding.memo == "clé"
    with pytest.raises(Conflict, match="already coded"):
        project.add_coding(doc.id, code.id, start, start + 7, coder="alice")
    # another coder may hold the same span
    project.add_coding(doc.id, code.id, start, start + 7, coder="bruno")
    with pytest.raises(Conflict, match="outside the text"):
        project.add_coding(doc.id, code.id, 5, 5000, coder="alice")
    with pytest.raises(NotFound):
        project.add_coding(doc.id, 999, 0, 4, coder="alice")
    assert {c.coder for c in project.codings()} == {"alice", "bruno"}
    assert len(project.codings(coders=["bruno"])) == 1


def test_code_tree_paths_and_sibling_names(project: Project) -> None:
    part = project.create_code("Partie 1", coder="a")
    intranet = project.create_code("Intranet", parent_id=part.id, coder="a")
    project.create_code("Usages", parent_id=intranet.id, coder="a")
    project.create_code("Partie 2", coder="a")
    assert [c.path_str for c in project.codes()] == [
        "Partie 1",
        "Partie 1/Intranet",
        "Partie 1/Intranet/Usages",
        "Partie 2",
    ]
    with pytest.raises(Conflict):
        project.create_code("Intranet", parent_id=part.id, coder="a")
    with pytest.raises(Conflict, match="under itself"):
        project.move_code(part.id, intranet.id, coder="a")
    colours = [c.colour for c in project.codes()]
    assert len(set(colours)) == len(colours)


def test_move_merge_and_delete_codes(project: Project) -> None:
    doc = project.add_document(sample_document())
    a = project.create_code("A", coder="x")
    b = project.create_code("B", coder="x")
    child = project.create_code("Enfant", parent_id=a.id, coder="x")
    project.add_coding(doc.id, a.id, 0, 5, coder="x")
    project.add_coding(doc.id, b.id, 0, 5, coder="x")  # same span: dropped on merge
    project.add_coding(doc.id, a.id, 10, 20, coder="x")
    moved = project.merge_codes(a.id, b.id, coder="x")
    assert moved == 1
    assert [c.path_str for c in project.codes()] == ["B", "B/Enfant"]
    assert sorted((c.start, c.code_id) for c in project.codings()) == [(0, b.id), (10, b.id)]
    project.move_code(child.id, None, coder="x", position=0)
    assert [c.path_str for c in project.codes()] == ["Enfant", "B"]
    assert project.code_usage(b.id) == {"subcodes": 0, "codings": 2}
    assert project.delete_code(b.id, coder="x") == {"subcodes": 0, "codings": 2}
    assert project.codings() == []


def test_memos_on_every_target(project: Project) -> None:
    doc = project.add_document(sample_document())
    code = project.create_code("A", coder="x")
    project.add_memo("project", None, "Journal de terrain", coder="x")
    project.add_memo("document", doc.id, "Entretien tendu", coder="x")
    memo = project.add_memo("code", code.id, "À affiner", coder="y")
    assert memo.author == "y"
    project.update_memo(memo.id, "À scinder", coder="y")
    assert [m.text for m in project.memos("code", code.id)] == ["À scinder"]
    assert len(project.memos()) == 3
    with pytest.raises(Conflict):
        project.add_memo("planet", 1, "x", coder="x")


def test_passwords_in_database_urls_are_never_shown() -> None:
    from codage.services import display_location

    shown = display_location("postgresql+psycopg://ana:s3cret@db.example/qual")
    assert "s3cret" not in shown
    assert "ana:***@db.example" in shown
    assert display_location("/data/projet.db") == "/data/projet.db"
    with pytest.raises(StoreError) as info:
        Project.open("postgresql+psycopg://ana:s3cret@127.0.0.1:1/qual")
    assert "s3cret" not in str(info.value)
