"""The workbench's reload after a change reads only what changed (issue 13): shares of
the documents the change touched, the rest kept; any other reload reads everything."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from codage.domain import DocumentInfo, Span
from codage.services import Project
from codage.services.workbench_state import Coverage, project_state
from codage.tui.app import CodageApp
from codage.tui.screens.workbench_support import coded_shares
from tests.tui.workbench_project import ME, OTHER, build_project

pytestmark = pytest.mark.anyio


@pytest.fixture
def location(tmp_path: Path) -> str:
    return str(build_project(tmp_path / "etude.db"))


@pytest.fixture
def store(location: str) -> Iterator[Project]:
    project = Project.open(location, create=False)
    yield project
    project.close()


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def fresh_shares(store: Project) -> dict[int, float]:
    """Shares computed the way the workbench did before issue 13, from every coding."""
    return coded_shares(store.documents(), store.codings())


def by_kind(store: Project, kind: str) -> DocumentInfo:
    return next(d for d in store.documents() if d.kind == kind)


def test_project_state_gives_what_every_coding_gave(store: Project) -> None:
    state = project_state(store, ME, Coverage())
    assert state.shares == fresh_shares(store)
    assert state.coders == sorted({ME, OTHER})
    assert state.project_counts == store.coding_counts()
    assert set(state.recent) == {c.code_id for c in store.codings(coders=[ME])}
    assert project_state(store, "new coder", Coverage()).coders == sorted({ME, OTHER, "new coder"})


class CountingProject(Project):
    """The real project, noting which documents' coverage is asked of the database."""

    asked: list[list[int] | None]

    def covered_lengths(self, document_ids: Iterable[int] | None = None) -> dict[int, int]:
        self.asked.append(None if document_ids is None else sorted(document_ids))
        return super().covered_lengths(document_ids)


def test_coverage_reads_again_only_what_changed(location: str, store: Project) -> None:
    with CountingProject.open(location, create=False) as counting:
        counting.asked = []
        coverage = Coverage()
        interview, survey = by_kind(store, "interview"), by_kind(store, "survey")
        assert project_state(counting, ME, coverage).shares == fresh_shares(store)
        assert counting.asked == [None]  # the first reading: every document at once
        assert project_state(counting, ME, coverage).shares == fresh_shares(store)
        assert counting.asked == [None]  # nothing changed: nothing read
        code = store.codes()[0].id
        # A change made elsewhere (another connection) is seen by its signature...
        store.add_coding(survey.id, code, 0, 10, coder=OTHER)
        assert project_state(counting, ME, coverage).shares == fresh_shares(store)
        assert counting.asked == [None, [survey.id]]
        # ...and a document forgotten by a worker is read again.
        coverage.forget([interview.id])
        assert project_state(counting, ME, coverage).shares == fresh_shares(store)
        assert counting.asked == [None, [survey.id], [interview.id]]
        coverage.forget(None)
        project_state(counting, ME, coverage)
        assert counting.asked[-1] is None


async def test_undo_and_outside_changes_reach_the_document_list(
    location: str, store: Project
) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = app.workbench
        interview, survey = by_kind(store, "interview"), by_kind(store, "survey")
        code = store.codes()[-1].id
        screen.store_coding(survey.id, code, Span(0, 25))
        await settle(pilot)
        assert store.codings(document_id=survey.id, coders=[ME])
        # Another coder's coding on the interview, from another connection; then an
        # undo of mine (the survey's coding): both documents' shares are right.
        store.add_coding(interview.id, code, 0, 200, coder=OTHER)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert not store.codings(document_id=survey.id, coders=[ME])
        assert screen._shares == fresh_shares(store)
        assert screen._shares[interview.id] > 0
