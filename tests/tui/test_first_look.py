"""The interface's first screen read without the full store (issue 20): the first look
through ``sqlite3`` gives the same records as the full store, the app shows the same
screen through it as through the full store, and nothing of SQLAlchemy is loaded before
the document list shows. Projects it cannot read go to the full store, as before."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import asdict
from pathlib import Path

import pytest

from benchmarks import scale
from codage.services import Project
from codage.services.reading import open_first_look
from codage.services.workbench_state import first_state
from tests.tui.workbench_project import ME
from tests.tui.workbench_project import build_project as build_workbench_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scale benchmark's smallest project: 1,000 codings by three coders."""
    return scale.build("20k", tmp_path_factory.mktemp("scale"))


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An interview and a survey whose answers belong to cases with attributes."""
    return build_workbench_project(tmp_path_factory.mktemp("workbench") / "etude.db")


@pytest.mark.parametrize("which", ["generated", "workbench"])
def test_the_first_look_reads_what_the_full_store_reads(
    which: str, request: pytest.FixtureRequest
) -> None:
    location = str(request.getfixturevalue(which))
    look = open_first_look(location)
    assert look is not None
    with look, Project.open(location, create=False) as project:
        assert look.name == project.name
        assert look.read_only is project.read_only is False
        assert look.documents() == project.documents()
        assert look.cases() == project.cases()
        assert look.codes() == project.codes()
        assert look.coding_counts() == project.coding_counts()
        assert look.coders_with_codings() == project.coders_with_codings()
        assert look.journal_mark() == project.journal_mark()
        coders = [*project.coders_with_codings(), "nobody yet"]
        for coder in coders:
            assert asdict(first_state(look, coder)) == asdict(first_state(project, coder))
        if which == "workbench":
            # the survey's respondents carry attributes
            assert any(case.attributes for case in look.cases())


def test_the_first_look_follows_changes(workbench: Path, tmp_path: Path) -> None:
    location = str(tmp_path / "copy.db")
    with sqlite3.connect(workbench) as source, sqlite3.connect(location) as copy:
        source.backup(copy)
    with Project.open(location, create=False) as project:
        project.set_name("Étude renommée")
        code = project.codes()[0]
        document = project.documents()[0]
        project.add_coding(document.id, code.id, 0, 5, coder="carol")
        look = open_first_look(location)
        assert look is not None
        with look:
            assert look.name == project.name == "Étude renommée"
            assert look.coders_with_codings() == project.coders_with_codings()
            assert "carol" in look.coders_with_codings()
            assert look.journal_mark() == project.journal_mark()
            assert look.coding_counts() == project.coding_counts()


@pytest.mark.parametrize(
    ("version", "undo"),
    [
        ("0012", ["DROP INDEX ix_units_document_places"]),
        ("0009", ["DROP INDEX ix_units_document_places", "DROP TABLE journal_codings"]),
    ],
)
def test_a_project_some_schemas_behind_is_read_as_the_full_store_reads_it(
    generated: Path, tmp_path: Path, version: str, undo: list[str]
) -> None:
    """0012 only added a table the first look does not read, 0013 an index: a 0012
    project (most projects in use) and a 0009 one (the scale benchmark's cache) show
    their first screen without the full store too."""
    older = tmp_path / f"{version}.db"
    with sqlite3.connect(generated) as source, sqlite3.connect(older) as copy:
        source.backup(copy)
        for statement in undo:
            copy.execute(statement)
        copy.execute(f"UPDATE alembic_version SET version_num = '{version}'")
    look = open_first_look(str(older))
    assert look is not None
    with look, Project.open(str(older), create=False) as project:
        assert asdict(first_state(look, "bruno")) == asdict(first_state(project, "bruno"))
        assert look.journal_mark() == project.journal_mark()


def test_projects_the_first_look_cannot_read_go_to_the_full_store(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older = tmp_path / "older.db"
    with sqlite3.connect(generated) as source, sqlite3.connect(older) as copy:
        source.backup(copy)
        copy.execute("UPDATE alembic_version SET version_num = '0006'")
    assert open_first_look(str(older)) is None
    newer = tmp_path / "newer.db"
    with sqlite3.connect(generated) as source, sqlite3.connect(newer) as copy:
        source.backup(copy)
        copy.execute("UPDATE alembic_version SET version_num = '9999'")
    assert open_first_look(str(newer)) is None
    not_ours = tmp_path / "other.db"
    with sqlite3.connect(not_ours) as other:
        other.execute("CREATE TABLE t (x)")
    assert open_first_look(str(not_ours)) is None
    assert open_first_look(str(tmp_path / "absent.db")) is None
    assert open_first_look("postgresql+psycopg://nobody@127.0.0.1:1/none") is None
    monkeypatch.setenv("CODAGE_FULL_STORE", "1")
    assert open_first_look(str(generated)) is None


# What a child process shows of a project: the app opened as a person opens it, the
# modules loaded when the list first shows, then the whole screen once complete.
_SHOW = textwrap.dedent(
    """
    import asyncio, json, sys
    from textual.widgets import OptionList
    from codage.tui.app import CodageApp
    from codage.tui.screens.workbench import WorkbenchScreen

    # what is loaded when the list has been drawn: the workbench hears it after the
    # refresh that painted the list, before it asks for the full store
    loaded = []
    drawn = WorkbenchScreen.first_state_drawn

    def noted(screen):
        if not loaded:
            heavy = ("sqlalchemy", "alembic", "numpy")
            loaded.append(sorted(m for m in heavy if m in sys.modules))
            options = screen.query_one("#documents", OptionList)
            assert options.option_count, "the list is drawn with its documents"
        drawn(screen)

    WorkbenchScreen.first_state_drawn = noted

    async def main(location, coder):
        app = CodageApp(location, coder, language="en")
        async with app.run_test(size=(160, 50)) as pilot:
            while not (loaded and app.screen._shares_known):
                await asyncio.sleep(0.01)
            loaded_at_list = loaded[0]
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.workbench
            options = screen.query_one("#documents", OptionList)
            tree = screen.tree
            print(json.dumps({
                "loaded_at_list": loaded_at_list,
                "title": app.title,
                "sub_title": app.sub_title,
                "documents": [
                    str(options.get_option_at_index(i).prompt)
                    for i in range(options.option_count)
                ],
                "tree": [str(node.label) for node in _walk(tree.root)],
                "shares": {str(k): v for k, v in screen._shares.items()},
                "counts": {str(k): v for k, v in screen._project_counts.items()},
                "coders": screen._coders,
                "layer": screen._layer,
                "recent": app.recent_codes,
                "mark": list(screen._journal_mark),
            }))

    def _walk(node):
        yield node
        for child in node.children:
            yield from _walk(child)

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


def _show(location: str, coder: str, *, full_store: bool) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CODAGE_LANG": "en"}
    env.pop("CODAGE_FULL_STORE", None)
    if full_store:
        env["CODAGE_FULL_STORE"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _SHOW, location, coder],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    shown: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return shown


def test_the_app_shows_the_same_screen_without_loading_the_store_first(workbench: Path) -> None:
    light = _show(str(workbench), ME, full_store=False)
    full = _show(str(workbench), ME, full_store=True)
    # the first look drew the list; the full store was loaded only after
    assert light.pop("loaded_at_list") == []
    assert "sqlalchemy" in full.pop("loaded_at_list")  # type: ignore[operator]
    assert light == full
    assert light["documents"] and light["counts"] and light["shares"]
