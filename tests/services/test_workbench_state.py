"""What the workbench reads of a project (codage.services.workbench_state), on a real
project once per back end (an SQLite file; a PostgreSQL database when
``CODAGE_TEST_POSTGRES`` names a server): the scale benchmark's smallest project (three
coders, 998 codings) with a transcript longer than the first part added, its turns partly
linked to respondents, memos by two coders and codings across its whole length.

Every record is held to a recount from every coding and every unit, read the plain way:
counts by code, coders, the coder's latest codes, the coded share of each document (a
mark per covered code point), and a document's first part with its rest put end to end
against its whole units."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks import scale
from codage.domain import Coding, DocumentInfo, NewDocument, Span, Unit
from codage.services import NotYours, Project
from codage.services.workbench_state import (
    HEAD_CHARACTERS,
    RECENT_CODES,
    Coverage,
    ProjectState,
    complete_state,
    document_codings_again,
    document_rest,
    document_unit_bounds,
    first_state,
    marked_first_state,
    one_step_further,
    project_state,
    read_document_first_part,
)
from codage.store.copy import copy_project

CODERS = ("ana", "bruno", "chloe")
LONG = "entretien-long"
# every this many turns of the long transcript, one linked to a respondent
LINKED_EVERY = 40


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scale benchmark's smallest project: three transcripts, 998 codings."""
    return scale.build("20k", tmp_path_factory.mktemp("scale"))


def _long_transcript(project: Project) -> NewDocument:
    """The three transcripts end to end (some 160,000 code points, over twice the first
    part), with their turns, paragraphs and sentences; some turns linked to respondents."""
    texts, units = [], []
    offset = 0
    for info in project.documents():
        text = project.document(info.id).text
        for u in project.units(info.id):
            units.append(Unit(u.kind, u.start + offset, u.end + offset, u.speaker))
        texts.append(text)
        offset += len(text) + 1
    turns = [i for i, u in enumerate(units) if u.kind == "turn"]
    linked = {i: f"R{n:03}" for n, i in enumerate(turns[::LINKED_EVERY])}
    return NewDocument(
        name=LONG,
        kind="interview",
        text="\n".join(texts),
        units=units,
        unit_cases=linked,
        cases={name: {"grade": "A" if n % 2 else "B"} for n, name in enumerate(linked.values())},
    )


def _enrich(location: str) -> None:
    """The long transcript, with codings by the three coders over its whole length (some
    overlapping, one across the first part's end) and memos by two of them."""
    with Project.open(location, create=False) as project:
        long = project.add_document(_long_transcript(project))
        codes = [c.id for c in project.codes()]
        length = long.length
        for n in range(60):
            start = (n * 2_711) % (length - 900)
            coder = CODERS[n % 3]
            project.add_coding(long.id, codes[n % len(codes)], start, start + 300 + n, coder=coder)
        project.add_coding(
            long.id, codes[0], HEAD_CHARACTERS - 50, HEAD_CHARACTERS + 5_000, coder="ana"
        )
        project.add_memo("document", long.id, "Mémo de bruno", coder="bruno")
        project.add_memo("document", long.id, "Mémo d'ana", coder="ana")


@pytest.fixture(scope="module")
def enriched(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated project with the long transcript, its codings and memos."""
    path = tmp_path_factory.mktemp("enriched") / "project.db"
    with sqlite3.connect(generated) as source, sqlite3.connect(path) as target:
        source.backup(target)
    _enrich(str(path))
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, enriched: Path, tmp_path: Path) -> str:
    """The enriched project, a copy of its own for the test, on one back end."""
    if request.param == "postgresql":
        where: str = request.getfixturevalue("fresh_postgres_database")
        copy_project(str(enriched), where)
        return where
    copy = tmp_path / "project.db"
    with sqlite3.connect(enriched) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return str(copy)


@pytest.fixture
def project(location: str) -> Iterator[Project]:
    with Project.open(location, create=False) as opened:
        yield opened


# ---------------------------------------------------------------------- recounts


def covered(codings: list[Coding], length: int) -> int:
    """Code points covered by at least one coding, one mark per code point."""
    marks = bytearray(length)
    for c in codings:
        marks[c.start : c.end] = b"\x01" * (c.end - c.start)
    return sum(marks)


def recount_shares(documents: list[DocumentInfo], codings: list[Coding]) -> dict[int, float]:
    by_document: dict[int, list[Coding]] = {}
    for c in codings:
        by_document.setdefault(c.document_id, []).append(c)
    return {
        d.id: covered(by_document.get(d.id, []), d.length) / d.length if d.length else 0.0
        for d in documents
    }


def recount_recent(codings: list[Coding], coder: str) -> list[int]:
    """The coder's codes by their latest coding (created or edited), the one earlier in
    the text first at equal times."""
    mine = sorted(
        (c for c in codings if c.coder == coder),
        key=lambda c: (c.document_id, c.start, c.end, c.id),
    )
    mine.sort(key=lambda c: c.updated_at or c.created_at, reverse=True)  # type: ignore[arg-type,return-value]
    recent: list[int] = []
    for c in mine:
        if c.code_id not in recent:
            recent.append(c.code_id)
    return recent[:RECENT_CODES]


def long_document(project: Project) -> DocumentInfo:
    return next(d for d in project.documents() if d.name == LONG)


# ---------------------------------------------------------------------- the project


def test_the_states_are_what_every_coding_recounts(project: Project) -> None:
    codings = project.codings()
    documents = project.documents()
    holders = {c.coder for c in codings}
    assert holders == set(CODERS) and len(codings) > 1_000
    for coder in [*CODERS, "new coder"]:
        check_states(project, coder, codings, documents)


def check_states(
    project: Project, coder: str, codings: list[Coding], documents: list[DocumentInfo]
) -> None:
    holders = {c.coder for c in codings}
    first = first_state(project, coder)
    assert isinstance(first, ProjectState)
    assert first.partial and first.shares == {} and first.recent == []
    assert first.name == project.name
    assert first.documents == documents and len(documents) == 4
    assert first.cases == {c.name: c for c in project.cases()} and first.cases
    assert first.codes == project.codes()
    assert first.project_counts == dict(Counter(c.code_id for c in codings))
    assert first.coders == sorted(holders | {coder})
    assert first.has_own is (coder in holders)

    complete = complete_state(project, first, coder, Coverage())
    assert not complete.partial
    assert complete.shares == recount_shares(documents, codings)
    assert all(0 < share < 1 for share in complete.shares.values())
    assert complete.recent == recount_recent(codings, coder)
    assert bool(complete.recent) is (coder in holders)
    for same in ("name", "documents", "cases", "codes", "project_counts", "coders", "has_own"):
        assert getattr(complete, same) == getattr(first, same), same
    assert project_state(project, coder, Coverage()) == complete
    assert project_state(project, coder, Coverage(), with_recent=False) == replace(
        complete, recent=[]
    )


def test_the_mark_is_read_before_the_first_state(project: Project) -> None:
    mark, first = marked_first_state(project, "ana")
    assert mark == project.journal_mark()
    assert first == first_state(project, "ana")
    long = long_document(project)
    project.add_coding(long.id, project.codes()[0].id, 10, 20, coder="ana")
    moved = project.journal_mark()
    # one step of one's own, no one else's in between: the window takes the new mark
    assert one_step_further(mark, moved)
    assert not one_step_further(mark, mark)
    project.add_coding(long.id, project.codes()[0].id, 30, 40, coder="bruno")
    assert not one_step_further(mark, project.journal_mark())
    assert one_step_further(moved, project.journal_mark())


def test_the_coverage_follows_changes_here_and_elsewhere(location: str, project: Project) -> None:
    coverage = Coverage()
    documents = project.documents()
    long = long_document(project)
    assert complete_state(project, first_state(project, "ana"), "ana", coverage).shares == (
        recount_shares(documents, project.codings())
    )
    code = project.codes()[1].id
    # a coding of this window's, its document forgotten as the workers forget it
    project.add_coding(long.id, code, 70_000, 71_000, coder="ana")
    coverage.forget([long.id])
    shares = project_state(project, "ana", coverage).shares
    assert shares == recount_shares(documents, project.codings())
    # another process's, that no one forgot here: the document's signature tells
    with Project.open(location, create=False) as elsewhere:
        other = documents[0]
        elsewhere.add_coding(other.id, code, 0, other.length, coder="bruno")
    shares = project_state(project, "ana", coverage).shares
    assert shares[other.id] == 1.0
    assert shares == recount_shares(documents, project.codings())
    # a removal elsewhere, as well
    with Project.open(location, create=False) as elsewhere:
        whole = next(c for c in elsewhere.codings(document_id=other.id) if c.end == other.length)
        elsewhere.remove_coding(whole.id, coder="bruno")
    assert project_state(project, "ana", coverage).shares == recount_shares(
        documents, project.codings()
    )
    coverage.forget(None)
    assert project_state(project, "ana", coverage).shares == recount_shares(
        documents, project.codings()
    )


# ---------------------------------------------------------------------- a document


def _whole_units(project: Project, document_id: int) -> list[Unit]:
    """Every unit of a document the transcript draws (all but sentences), in order."""
    return [u for u in project.units(document_id) if u.kind != "sentence"]


def test_a_document_s_first_part_and_its_rest_are_its_whole_units(project: Project) -> None:
    for jump_at in (None, 80_000, 150_000):
        check_first_part(project, jump_at)


def check_first_part(project: Project, jump_at: int | None) -> None:
    long = long_document(project)
    jump = Span(jump_at, jump_at + 40) if jump_at is not None else None
    first = read_document_first_part(project, long.id, "chloe", jump)
    text = first.document.text
    assert first.document == project.document(long.id)
    whole = _whole_units(project, long.id)
    reach = HEAD_CHARACTERS + (jump.end if jump is not None else 0)
    if reach >= len(text):
        # opening on a passage near the end: the document is read whole
        assert first.head_end == 0
        assert first.units == whole
        assert document_rest(project, first) == []
    else:
        # the first part ends where a paragraph starts, past the reach
        assert reach < first.head_end < len(text) and text[first.head_end - 1] == "\n"
        assert first.units and all(u.start < first.head_end for u in first.units)
        rest = document_rest(project, first)
        assert rest and all(u.start >= first.head_end for u in rest)
        assert first.units + rest == whole
    # the sentences, as bounds
    sentences = project.units(long.id, kinds=["sentence"])
    assert document_unit_bounds(project, long.id) == {
        "sentence": ([u.start for u in sentences], [u.end for u in sentences])
    }
    # every coding of the document, plain
    assert sorted((c.id, c.code_id, c.coder, c.start, c.end, c.text) for c in first.codings) == (
        sorted(
            (c.id, c.code_id, c.coder, c.start, c.end, c.text)
            for c in project.codings(document_id=long.id)
        )
    )
    assert len(first.codings) == 61
    # the respondents of the linked turns, by unit id
    turns = [u for u in whole if u.kind == "turn"]
    expected = {u.id: f"R{n:03}" for n, u in enumerate(turns[::LINKED_EVERY])}
    assert {unit_id: case.name for unit_id, case in first.unit_cases.items()} == expected
    assert {c.name: c.attributes for c in first.unit_cases.values()}["R001"] == {"grade": "A"}


def test_a_document_shows_the_coder_s_own_memo_first(project: Project) -> None:
    long = long_document(project)
    memos = project.memos("document", long.id)
    assert [m.author for m in memos] == ["bruno", "ana"]
    for coder, shown in (
        ("ana", "Mémo d'ana"),
        ("bruno", "Mémo de bruno"),
        ("chloe", "Mémo de bruno"),
    ):
        memo = read_document_first_part(project, long.id, coder).memo
        assert memo is not None and memo.text == shown, coder
    short = project.documents()[0]
    assert read_document_first_part(project, short.id, "ana").memo is None


def test_a_document_s_codings_read_again(project: Project) -> None:
    long = long_document(project)
    shown = project.document(long.id)
    before = document_codings_again(project, long.id, shown)
    assert before == project.codings(document_id=long.id)
    added = project.add_coding(long.id, project.codes()[2].id, 5, 50, coder="chloe")
    again = document_codings_again(project, long.id, shown)
    assert again is not None and added in again and len(again) == len(before) + 1  # type: ignore[arg-type]
    # another document on screen: its text is not asked about
    other = project.document(project.documents()[0].id)
    assert document_codings_again(project, long.id, other) == again
    assert document_codings_again(project, long.id, None) == again
    # the text on screen is not the stored one (an undone correction): open it again
    assert document_codings_again(project, long.id, replace(shown, sha256="0" * 64)) is None


# ---------------------------------------------------------------------- whose coding


def test_another_coder_s_coding_is_refused_naming_its_owner(project: Project) -> None:
    long = long_document(project)
    theirs = next(c for c in project.codings(document_id=long.id) if c.coder == "bruno")
    before = project.codings(document_id=long.id)
    with pytest.raises(NotYours) as refused:
        project.remove_coding(theirs.id, coder="ana")
    assert refused.value.owner == "bruno"
    with pytest.raises(NotYours) as refused:
        project.set_coding_memo(theirs.id, "pas à moi", coder="chloe")
    assert refused.value.owner == "bruno"
    assert project.codings(document_id=long.id) == before
    # one's own goes
    project.remove_coding(theirs.id, coder="bruno")
    assert theirs.id not in {c.id for c in project.codings(document_id=long.id)}
