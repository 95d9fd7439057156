"""A read-only project in the interface: it opens, shows a banner, and refuses changes whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage.services import Project
from codage.tui.app import CodageApp
from codage.tui.widgets.code_picker import CodePicker
from tests.old_schema import downgrade
from tests.store.test_engine import immutable
from tests.tui.test_workbench import open_interview, settle
from tests.tui.workbench_project import ME, build_project

pytestmark = pytest.mark.anyio


async def test_a_read_only_project_opens_with_a_banner_and_refuses_coding(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    location = str(build_project(folder / "etude.db"))
    before = (folder / "etude.db").read_bytes()
    with immutable(folder / "etude.db", folder):
        store = Project.open(location, create=False)
        codings = store.codings()
        app = CodageApp(location, ME)
        async with app.run_test(size=(120, 36)) as pilot:
            view = await open_interview(pilot, store)
            assert "READ-ONLY" in app.sub_title
            notes = [n.message for n in app._notifications]
            assert any("read-only" in note for note in notes)
            text = view.document.text  # type: ignore[union-attr]
            view.jump_to(text.index("Le télétravail a tout"))
            await pilot.press("s", "c")
            await pilot.pause()
            assert isinstance(app.screen, CodePicker)
            await pilot.press(*"telet")
            await pilot.press("enter")
            await settle(pilot)
            notes = [n.message for n in app._notifications]
            assert any("this project is read-only" in note for note in notes)
        assert store.codings() == codings
        store.close()
    assert (folder / "etude.db").read_bytes() == before


async def test_an_older_project_is_upgraded_by_the_first_coding_and_says_so(
    tmp_path: Path,
) -> None:
    path = build_project(tmp_path / "etude.db")
    downgrade(path, "0001")  # as an older codage left it
    store = Project.open(str(path), create=False)
    app = CodageApp(str(path), ME)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_interview(pilot, store)
        assert list(tmp_path.glob("etude.db.backups/*.db")) == []  # reading changed nothing
        text = view.document.text  # type: ignore[union-attr]
        view.jump_to(text.index("Le télétravail a tout"))
        await pilot.press("s", "c")
        await pilot.pause()
        await pilot.press(*"telet")
        await pilot.press("enter")
        await settle(pilot)
        (backup,) = tmp_path.glob("etude.db.backups/*.db")
        notes = [n.message for n in app._notifications]
        assert any("upgraded the project" in n and backup.name in n for n in notes), notes
    assert any(c.start == text.index("Le télétravail a tout") for c in store.codings())
    store.close()
