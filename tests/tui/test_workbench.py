# Long because (over 600 lines): the verbs share the fixture project and the helpers below
# (settle, open_interview), and the snapshots are stored under this module's name:
# moved out, they would be recorded again rather than compared.
"""The workbench driven with Pilot on a real SQLite project, at 80×24 and 160×48: coding,
undo and redo across the journal, memos, search, survey filters, coder layers, codebook edits,
help, palette, remapped keys and the jump back from retrieval."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, TextArea

from codage import i18n
from codage.config import Settings
from codage.domain import Coding, Span, covered_length
from codage.services import Project
from codage.tui.app import CodageApp
from codage.tui.screens.dialogs import Choice, Confirm, MemoEditor, TextPrompt
from codage.tui.screens.help import HelpScreen
from codage.tui.screens.workbench import WorkbenchScreen
from codage.tui.screens.workbench_support import answer_note, covered_by, parse_filter
from codage.tui.widgets.code_picker import CodePicker
from codage.tui.widgets.codebook_tree import CodebookTree
from codage.tui.widgets.transcript_view import TranscriptView
from tests.tui.test_transcript_view import style_at
from tests.tui.workbench_project import ME, OTHER, build_project

pytestmark = pytest.mark.anyio

SIZES = [(80, 24), (160, 48)]


@pytest.fixture
def location(tmp_path: Path) -> str:
    return str(build_project(tmp_path / "etude.db"))


@pytest.fixture
def store(location: str) -> Iterator[Project]:
    """A second connection to the same file, to check what the app stored."""
    project = Project.open(location, create=False)
    yield project
    project.close()


async def settle(pilot: Pilot[None]) -> None:
    """Let workers finish and their messages be handled."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def workbench(app: CodageApp) -> WorkbenchScreen:
    return app.workbench


async def open_interview(pilot: Pilot[None], store: Project) -> TranscriptView:
    app = pilot.app
    assert isinstance(app, CodageApp)
    await settle(pilot)
    doc = next(d for d in store.documents() if d.kind == "interview")
    app.open_document(doc.id)
    await settle(pilot)
    view = workbench(app).view
    assert view.document is not None and view.document.id == doc.id
    return view


def mine(store: Project) -> list:
    return store.codings(coders=[ME])


# ---------------------------------------------------------------------- pure helpers


def test_parse_filter_folds_words_and_attributes() -> None:
    words, attributes = parse_filter('Entretien grade=C type_collectivite="Région"')
    assert words == ["entretien"]
    assert attributes == {"grade": "c", "type_collectivite": "region"}


def test_covered_by_counts_each_covered_point_once() -> None:
    spans = [(5, 9), (0, 3), (2, 4), (9, 12), (20, 21), (6, 8), (30, 30)]
    codings = [Coding(i, 1, 1, ME, s, e, "") for i, (s, e) in enumerate(spans)]
    assert covered_by(codings) == covered_length(c.span for c in codings) == 12
    assert covered_by([]) == 0


def test_units_and_bounds_splits_units_as_units_gives_them(store: Project) -> None:
    doc = next(d for d in store.documents() if d.kind == "interview")
    every = store.units(doc.id)
    units, bounds = store.units_and_bounds(doc.id)
    assert units == [u for u in every if u.kind != "sentence"]
    sentences = [u for u in every if u.kind == "sentence"]
    assert sentences
    assert bounds == {"sentence": ([u.start for u in sentences], [u.end for u in sentences])}


def test_answer_note_puts_preferred_attributes_first() -> None:
    from codage.domain import Case

    case = Case(1, "R9", {"zeta": "z", "grade": "B", "type_collectivite": "Commune"})
    assert answer_note(case) == "R9 · Commune · grade B · zeta z"


# ---------------------------------------------------------------------- opening


@pytest.mark.parametrize("size", SIZES)
async def test_opens_on_the_project_with_documents_and_codebook(
    location: str, store: Project, size: tuple[int, int]
) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert "Étude test" in app.title
        assert app.sub_title == ME
        options = app.screen.query_one("#documents", OptionList)
        names = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("entretien-durand" in n for n in names)
        assert any("enquete-q12" in n for n in names)
        tree = app.screen.query_one(CodebookTree)
        assert [c.name for c in tree.codes][:2] == ["Outils", "Intranet"]
        view = await open_interview(pilot, store)
        # at 80 columns the list gives way to the transcript once a document is open
        assert app.screen.query_one("#documents-pane").display == (size[0] >= 120)
        assert view.size.width >= 40


# ---------------------------------------------------------------------- coding


@pytest.mark.parametrize("size", SIZES)
async def test_select_apply_paint_undo_redo_remove(
    location: str, store: Project, size: tuple[int, int]
) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=size) as pilot:
        view = await open_interview(pilot, store)
        text = view.document.text  # type: ignore[union-attr]
        start = text.index("Le télétravail a tout")
        view.jump_to(start)
        plain = style_at(view, start)
        await pilot.press("s")  # the sentence under the cursor
        selection = view.selection
        assert selection is not None and selection.start == start
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CodePicker)
        await pilot.press(*"telet")
        await pilot.press("enter")
        await settle(pilot)
        stored = [c for c in mine(store) if c.start == start]
        assert len(stored) == 1 and store.code(stored[0].code_id).name == "Télétravail"
        view.jump_to(start)  # drop the selection so the tint shows as it is
        await pilot.pause()
        painted = style_at(view, start + 2)
        assert painted.bgcolor is not None and painted.bgcolor != plain.bgcolor
        tree = app.screen.query_one(CodebookTree)
        code_id = stored[0].code_id
        assert tree._document_counts[code_id] == 1
        assert app.recent_codes[0] == code_id

        await pilot.press("ctrl+z")
        await settle(pilot)
        assert not [c for c in mine(store) if c.start == start]
        assert not view.codings_at(start + 2)
        assert style_at(view, start + 2).bgcolor == plain.bgcolor

        await pilot.press("ctrl+y")
        await settle(pilot)
        assert [c for c in mine(store) if c.start == start]
        assert view.codings_at(start + 2)

        view.jump_to(start + 2)
        await pilot.press("x")
        await settle(pilot)
        assert not [c for c in mine(store) if c.start == start]
        assert not view.codings_at(start + 2)


async def test_undo_works_across_restarts(location: str, store: Project) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        view = await open_interview(pilot, store)
        start = view.document.text.index("Les réunions")  # type: ignore[union-attr]
        view.jump_to(start)
        await pilot.press("s", "c", *"messag", "enter")
        await settle(pilot)
    assert [c for c in mine(store) if c.start == start]
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_interview(pilot, store)
        await pilot.press("ctrl+z")
        await settle(pilot)
    assert not [c for c in mine(store) if c.start == start]


async def test_picker_creates_a_missing_code_under_the_highlighted_one(
    location: str, store: Project
) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_interview(pilot, store)
        start = view.document.text.index("C'est peu")  # type: ignore[union-attr]
        view.jump_to(start)
        await pilot.press("s", "c")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, CodePicker)
        await pilot.press(*"outils")
        assert picker.highlighted is not None and picker.highlighted.name == "Outils"
        picker.query_one(Input).value = "Apprentissage"
        await pilot.pause()
        # nothing matches well: the highlight falls on the best guess, or nothing
        await pilot.press("ctrl+n")
        await settle(pilot)
        created = next(c for c in store.codes() if c.name == "Apprentissage")
        assert [c for c in mine(store) if c.code_id == created.id and c.start == start]
        tree = app.screen.query_one(CodebookTree)
        assert created.id in {c.id for c in tree.codes}
        # one undo takes back both the code and the coding
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert not any(c.name == "Apprentissage" for c in store.codes())
        assert not view.codings_at(start)


async def test_remove_asks_which_coding_when_several(location: str, store: Project) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        view = await open_interview(pilot, store)
        start = view.document.text.index("Au début")  # type: ignore[union-attr]
        view.jump_to(start)
        await pilot.press("s", "c", *"formation", "enter")
        await settle(pilot)
        view.jump_to(start + 1)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, Choice)
        await pilot.press("down", "enter")
        await settle(pilot)
        left = [store.code(c.code_id).name for c in mine(store) if c.start == start]
        assert len(left) == 1


@pytest.mark.parametrize("size", SIZES)
async def test_memo_on_coding_and_on_document(
    location: str, store: Project, size: tuple[int, int]
) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=size) as pilot:
        view = await open_interview(pilot, store)
        start = view.document.text.index("Au début")  # type: ignore[union-attr]
        view.jump_to(start + 1)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MemoEditor)
        app.screen.query_one(TextArea).insert("Moment clé")
        await pilot.press("ctrl+s")
        await settle(pilot)
        coding = next(c for c in mine(store) if c.start == start)
        assert coding.memo == "Moment clé"
        panel = str(app.screen.query_one("#cursor-panel").render())
        assert "Moment clé" in panel
        # away from codings, the memo goes on the document
        view.jump_to(0)
        await pilot.press("m")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("Entretien riche")
        await pilot.press("ctrl+s")
        await settle(pilot)
        doc_id = view.document.id  # type: ignore[union-attr]
        assert [m.text for m in store.memos("document", doc_id)] == ["Entretien riche"]


async def test_search_and_next_hits(location: str, store: Project) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_interview(pilot, store)
        text = view.document.text  # type: ignore[union-attr]
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"FORMATION", "enter")
        await pilot.pause()
        first = text.lower().index("formation")
        assert view.selection == Span(first, first + 9)
        await pilot.press("n")
        second = text.lower().index("formation", first + 1)
        assert view.selection == Span(second, second + 9)
        await pilot.press("N")
        assert view.selection == Span(first, first + 9)


# ---------------------------------------------------------------------- surveys


@pytest.mark.parametrize("size", SIZES)
async def test_survey_answers_with_respondents_and_attribute_filter(
    location: str, store: Project, size: tuple[int, int]
) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        survey = next(d for d in store.documents() if d.kind == "survey")
        app.open_document(survey.id)
        await settle(pilot)
        view = workbench(app).view
        text = view.document.text  # type: ignore[union-attr]
        rows = ["".join(s.text for s in view.render_line(y)) for y in range(6)]
        assert any("R001 · Région · grade C" in row for row in rows)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*"grade=C type_collectivite=region", "enter")
        await pilot.pause()
        title = str(app.screen.query_one("#document-title").render())
        assert "2" in title and "5" in title
        first = text.index("L'intranet est lent")
        third = text.index("La messagerie sature")
        assert view.selection is not None and view.selection.start == first
        await pilot.press("right_square_bracket")
        assert view.selection is not None and view.selection.start == third
        # answers outside the filter are dimmed, matching ones are not
        view.jump_to(text.index("On ne nous"))
        await pilot.pause()
        assert style_at(view, text.index("On ne nous")).dim
        assert not style_at(view, first).dim
        await pilot.press("left_square_bracket")
        assert view.selection is not None and view.selection.start == first
        # code the selected answer straight away
        await pilot.press("c", *"intranet", "enter")
        await settle(pilot)
        assert [c for c in mine(store) if c.document_id == survey.id and c.start == first]


async def test_document_list_filters_by_name_and_case_attribute(
    location: str, store: Project
) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        options = app.screen.query_one("#documents", OptionList)
        box = app.screen.query_one("#document-filter", Input)
        box.value = "durand"
        await pilot.pause()
        assert options.option_count == 1
        box.value = "type_collectivite=commune"
        await pilot.pause()
        # the interview's case is a Région: only the survey (filtered by answers) stays
        names = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert names and all("enquete" in n for n in names)
        box.value = "role=dsi"
        await pilot.pause()
        assert options.option_count == 2


# ---------------------------------------------------------------------- coder layers


async def test_layers_mine_all_and_side_by_side(location: str, store: Project) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        view = await open_interview(pilot, store)
        assert {c.coder for c in view.codings} == {ME}
        await pilot.press("l")
        assert {c.coder for c in view.codings} == {ME, OTHER}
        await pilot.press("l")
        await pilot.pause()
        other = app.screen.query_one("#transcript-other", TranscriptView)
        assert other.display
        assert {c.coder for c in view.codings} == {ME}
        assert {c.coder for c in other.codings} == {OTHER}
        await pilot.press("l")
        assert not other.display


# ---------------------------------------------------------------------- codebook


@pytest.mark.parametrize("size", SIZES)
async def test_codebook_create_rename_recolour_move_merge_delete(
    location: str, store: Project, size: tuple[int, int]
) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=size) as pilot:
        view = await open_interview(pilot, store)
        tree = app.screen.query_one(CodebookTree)
        await pilot.press("g")
        assert app.screen.focused is tree

        def select(name: str) -> None:
            code = next(c for c in tree.codes if c.name == name)
            tree.select_code(code.id)

        select("Formation")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"Tutoriels", "enter")
        await settle(pilot)
        tutoriels = store.code("Formation/Tutoriels")
        assert tree.highlighted_code is not None and tree.highlighted_code.id == tutoriels.id

        await pilot.press("R")
        await pilot.pause()
        app.screen.query_one(Input).value = "Tutoriels vidéo"
        await pilot.press("enter")
        await settle(pilot)
        assert store.code(tutoriels.id).name == "Tutoriels vidéo"

        await pilot.press("C")
        await pilot.pause()
        app.screen.query_one(Input).value = "#00838F"
        await pilot.press("enter")
        await settle(pilot)
        assert store.code(tutoriels.id).colour == "#00838F"

        # outdent: just after its old parent; then down, up, and back in under Formation
        await pilot.press("less_than_sign")
        await settle(pilot)
        assert store.code(tutoriels.id).parent_id is None

        def top() -> list[str]:
            return [c.name for c in store.codes() if c.parent_id is None]

        assert top() == ["Outils", "Formation", "Tutoriels vidéo", "Télétravail"]
        await pilot.press("J")
        await settle(pilot)
        assert top() == ["Outils", "Formation", "Télétravail", "Tutoriels vidéo"]
        await pilot.press("K")
        await settle(pilot)
        assert top() == ["Outils", "Formation", "Tutoriels vidéo", "Télétravail"]
        await pilot.press("greater_than_sign")  # under the code above it: Formation
        await settle(pilot)
        assert store.code(tutoriels.id).path == ("Formation", "Tutoriels vidéo")

        # merge Intranet into Messagerie: its coding follows
        intranet = store.code("Outils/Intranet")
        messagerie = store.code("Outils/Messagerie")
        before = len(store.codings(code_ids=[intranet.id]))
        select("Intranet")
        await pilot.pause()
        await pilot.press("M")
        select("Messagerie")
        await pilot.pause()
        await pilot.press("G")
        await settle(pilot)  # the question counts others' codings first, in a worker
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert not any(c.id == intranet.id for c in store.codes())
        assert len(store.codings(code_ids=[messagerie.id])) == before
        assert {c.code_id for c in view.codings} == {messagerie.id}

        # delete Messagerie: the confirmation says how many codings go with it
        select("Messagerie")
        await pilot.pause()
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        question = str(app.screen.query_one(".dialog-question").render())
        assert f"{before} codings" in question
        await pilot.press("y")
        await settle(pilot)
        assert not any(c.id == messagerie.id for c in store.codes())
        assert not view.codings
        # and undo brings it back with its codings
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert len(store.codings(code_ids=[messagerie.id])) == before
        assert {c.code_id for c in view.codings} == {messagerie.id}


async def test_tree_applies_the_highlighted_code_to_the_selection(
    location: str, store: Project
) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        view = await open_interview(pilot, store)
        start = view.document.text.index("Et la formation")  # type: ignore[union-attr]
        view.jump_to(Span(start, start + 15))
        tree = app.screen.query_one(CodebookTree)
        tree.focus()
        tree.select_code(store.code("Formation").id)
        await pilot.pause()
        await pilot.press("c")
        await settle(pilot)
        assert [c for c in mine(store) if c.start == start and c.end == start + 15]


# ---------------------------------------------------------------------- help, palette, keys


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_help_lists_every_binding_in_the_language(location: str, language: str) -> None:
    app = CodageApp(location, ME, language=language)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = []
        for table in app.screen.query(DataTable):
            rows += [table.get_row_at(i) for i in range(table.row_count)]
        ids = {row[2] for row in rows}
        assert {"undo", "redo", "memo", "search", "transcript.apply_code", "codebook.merge"} <= ids
        undo = next(row for row in rows if row[2] == "undo")
        assert undo[1] == ("Annuler" if language == "fr" else "Undo")
        await pilot.press("escape")
        assert isinstance(app.screen, WorkbenchScreen)
    i18n.set_language(None)


async def test_keys_remapped_from_the_settings(location: str, store: Project) -> None:
    settings = Settings(keys={"search": "ctrl+f", "transcript.apply_code": "k"})
    app = CodageApp(location, ME, settings=settings)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_interview(pilot, store)
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("escape")
        await pilot.press("s", "k")
        await pilot.pause()
        assert isinstance(app.screen, CodePicker)


async def test_command_palette_runs_workbench_actions(location: str, store: Project) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_interview(pilot, store)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Search")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, TextPrompt)


# ---------------------------------------------------------------------- retrieval


@pytest.mark.parametrize("size", SIZES)
async def test_retrieval_opens_on_the_code_and_jumps_back(
    location: str, store: Project, size: tuple[int, int]
) -> None:
    from codage.tui.screens.retrieval import RetrievalScreen

    app = CodageApp(location, ME)
    async with app.run_test(size=size) as pilot:
        view = await open_interview(pilot, store)
        start = view.document.text.index("Au début")  # type: ignore[union-attr]
        view.jump_to(start + 1)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RetrievalScreen)
        survey = next(d for d in store.documents() if d.kind == "survey")
        app.open_document(survey.id, (0, 10))
        await settle(pilot)
        assert isinstance(app.screen, WorkbenchScreen)
        assert view.document is not None and view.document.id == survey.id
        assert view.selection == Span(0, 10)


# ---------------------------------------------------------------------- snapshots


def _snapshot_app(location: str, language: str) -> CodageApp:
    return CodageApp(location, ME, language=language)


async def _open_first(pilot: Pilot[None], kind: str = "interview") -> None:
    app = pilot.app
    assert isinstance(app, CodageApp)
    await settle(pilot)
    store = app.project
    doc = next(d for d in store.documents() if d.kind == kind)
    app.open_document(doc.id)
    await settle(pilot)
    view = app.workbench.view
    view.jump_to(view.document.text.index("Au début") if kind == "interview" else 0)  # type: ignore[union-attr]
    await pilot.pause()


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("size", SIZES)
def test_snapshot_workbench(
    snap_compare, location: str, language: str, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    app = _snapshot_app(location, language)
    try:
        assert snap_compare(app, terminal_size=size, run_before=_open_first)
    finally:
        i18n.set_language(None)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_snapshot_survey_filtered(snap_compare, location: str, language: str) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[None]) -> None:
        await _open_first(pilot, "survey")
        await pilot.press("f", *"grade=C", "enter")
        await pilot.pause()

    app = _snapshot_app(location, language)
    try:
        assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)
    finally:
        i18n.set_language(None)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_snapshot_code_picker(snap_compare, location: str, language: str) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[None]) -> None:
        await _open_first(pilot)
        await pilot.press("s", "c", *"form")
        await pilot.pause()

    app = _snapshot_app(location, language)
    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    finally:
        i18n.set_language(None)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_snapshot_help(snap_compare, location: str, language: str) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[None]) -> None:
        await _open_first(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    app = _snapshot_app(location, language)
    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    finally:
        i18n.set_language(None)


@pytest.mark.parametrize(
    ("key", "module", "name"),
    [
        ("e", "export_dialog", "ExportDialog"),
        ("i", "stats", "StatsScreen"),
        ("v", "compare", "CompareScreen"),
    ],
)
async def test_keys_open_the_other_screens(
    location: str, store: Project, key: str, module: str, name: str
) -> None:
    # a screen that does not import must fail here, not be skipped
    loaded = importlib.import_module(f"codage.tui.screens.{module}")
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_interview(pilot, store)
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, getattr(loaded, name))
