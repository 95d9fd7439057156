"""`copy_project`: a whole project between SQLite and PostgreSQL, every table and
every id as it was, in one transaction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, inspect, select
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project, StoreError
from codage.store.copy import copy_project, tables
from tests.conftest import sample_document


def _build(location: str) -> dict[str, int]:
    """A project that uses every table, with freed ids and undone changes."""
    with Project.open(location) as p:
        doc = p.add_document(sample_document())
        p.add_document(sample_document("entretien-bis", "Enquêtrice : Bonjour.\n\nA : Oui."))
        theme = p.create_code("Thème", coder="ana", description="un thème")
        early = p.create_code("Sous-thème", coder="ana", colour="#112233")
        later = p.create_code("Parent tardif", parent_id=theme.id, coder="bea")
        # an older code under a younger one: ids alone do not give parents first
        p.move_code(early.id, later.id, coder="ana")
        kept = p.add_coding(doc.id, early.id, 0, 10, coder="ana", memo="à revoir")
        p.add_coding(doc.id, theme.id, 12, 30, coder="bea")
        gone = p.add_coding(doc.id, theme.id, 40, 50, coder="ana")
        p.remove_coding(gone.id, coder="ana")
        p.add_memo("coding", kept.id, "Mémo sur un codage", coder="ana")
        p.add_memo("project", None, "Note de projet", coder="bea")
        p.set_case("DSI-02", {"taille": 300, "type_collectivite": "Commune"})
        p.link_case("DSI-02", document_id=doc.id, unit_id=p.units(doc.id)[1].id)
        p.set_aside(
            document_name="perdu", code_id=theme.id, coder="bea", start=1, end=4,
            text="abc", source="bea.db", reason="document absent",
        )  # fmt: skip
        p.set_name("Étude test")
        freed = p.add_coding(doc.id, later.id, 5, 9, coder="bea")
        p.undo(coder="bea")  # the last id is freed: the copy must not hand it out again
        return {"freed_coding": freed.id}


def _content(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                t.name: [
                    dict(r)
                    for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()
                ]
                for t in tables()
            }
    finally:
        engine.dispose()


def _sqlite(path: Path) -> str:
    return f"sqlite:///{path}"


def test_sqlite_to_postgresql_and_back_keeps_every_row(tmp_path: Path, pg_url: str) -> None:
    source = _sqlite(tmp_path / "source.db")
    facts = _build(source)
    seen: list[tuple[str, int, int]] = []
    report = copy_project(source, pg_url, progress=lambda *a: seen.append(a))
    original = _content(source)
    assert _content(pg_url) == original
    assert report.rows == {name: len(rows) for name, rows in original.items()}
    assert report.rows["codings"] == 2 and report.rows["journal"] > 5
    assert {name for name, _, _ in seen} == set(original)
    assert all(done <= total for _, done, total in seen)

    back = _sqlite(tmp_path / "back.db")
    copy_project(pg_url, back)
    assert _content(back) == original

    for location in (pg_url, back):
        with Project.open(location, create=False) as p:
            assert p.name == "Étude test"
            # undo still works on the copy: the journal's ids name the same rows
            assert p.redo(coder="bea") is not None
            [redone] = [c for c in p.codings() if c.id == facts["freed_coding"]]
            assert (redone.start, redone.end) == (5, 9)
            doc = p.document("entretien-test")
            fresh = p.add_coding(doc.id, p.codes()[0].id, 60, 70, coder="ana")
            assert fresh.id > facts["freed_coding"]


def test_sqlite_to_sqlite_keeps_every_row_and_the_freed_ids(tmp_path: Path) -> None:
    source = _sqlite(tmp_path / "a.db")
    facts = _build(source)
    copy_project(source, _sqlite(tmp_path / "b.db"))
    assert _content(_sqlite(tmp_path / "b.db")) == _content(source)
    with Project.open(str(tmp_path / "b.db"), create=False) as p:
        doc = p.document("entretien-test")
        fresh = p.add_coding(doc.id, p.codes()[0].id, 60, 70, coder="ana")
        assert fresh.id > facts["freed_coding"]


def test_a_destination_holding_a_project_is_refused_untouched(
    tmp_path: Path, backend_url: str
) -> None:
    source = _sqlite(tmp_path / "source.db")
    _build(source)
    with Project.open(backend_url) as p:
        p.create_code("Déjà là", coder="ana")
    before = _content(backend_url)
    with pytest.raises(StoreError, match="already"):
        copy_project(source, backend_url)
    assert _content(backend_url) == before
    result = CliRunner().invoke(app, ["copy", source, backend_url])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "already" in result.stderr


def _tables_of(url: str) -> set[str]:
    engine: Engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_copy_that_fails_midway_leaves_nothing(tmp_path: Path, backend_url: str) -> None:
    source = _sqlite(tmp_path / "source.db")
    _build(source)
    destination = backend_url.replace("project.db", "copy.db")

    def fail_at_codings(table: str, done: int, total: int) -> None:
        if table == "codings" and done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        copy_project(source, destination, progress=fail_at_codings)
    if destination.startswith("sqlite"):
        assert not (tmp_path / "copy.db").exists()
    else:
        assert _tables_of(destination) == set()
    copy_project(source, destination)
    assert _content(destination) == _content(source)


def test_copy_on_the_command_line_reports_counts(tmp_path: Path, pg_url: str) -> None:
    source = _sqlite(tmp_path / "source.db")
    _build(source)
    result = CliRunner().invoke(app, ["copy", str(tmp_path / "source.db"), pg_url, "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rows"]["codings"] == 2 and report["rows"]["documents"] == 2
    assert report["total"] == sum(report["rows"].values())
    assert "postgres@" in report["destination"]
