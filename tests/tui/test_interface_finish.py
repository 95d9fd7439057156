"""The interface finished (issue 12), driven with Pilot on a real SQLite project, in French
and English: opening a document from the filter, code labels in the statistics, survey
answer headers, panes and margin that grow, whole footer keys, help and remapped keys, the
codebook's count legend and the export dialog's coders."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.markup import render as render_markup
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, OptionList, SelectionList, Static
from textual.widgets._footer import FooterKey

from codage import i18n
from codage.cli.common import code_label as cli_code_label
from codage.config import Settings
from codage.domain import NewDocument, Unit, attribute_labels, code_label
from codage.services import Project
from codage.tui.app import CodageApp
from codage.tui.commands import WorkbenchCommands
from codage.tui.screens.export_dialog import ExportDialog
from codage.tui.screens.help import HelpScreen
from codage.tui.screens.stats import TABS, StatsScreen
from codage.tui.widgets.codebook_tree import CodebookTree
from codage.tui.widgets.steady_footer import SteadyFooter, fitting, key_width
from codage.tui.widgets.transcript_view import TranscriptView

pytestmark = pytest.mark.anyio

ME, OTHER, IDLE = "amelie", "bastien", "carole"
LANGUAGES = ["en", "fr"]

PART = "Partie 2 : Administration électronique et services publics en ligne"
THEME = "Administration électronique et enrôlement des agents"
LEAF = "Interopérabilité et échanges de données"
SECOND = "Résistances et contournements"

ANSWERS = (
    ("R0001", "Département", "B", "Finances", "5-14 ans", "50-59 ans", "Le parapheur change."),
    ("R0002", "Région", "C", "Lycées", "moins de 5 ans", "30-39 ans", "On perd du temps."),
    ("R0003", "Commune", "A", "Ressources humaines", "15 ans et plus", "40-49 ans", "Formés."),
    ("R0004", "Région", "C", "Finances", "5-14 ans", "moins de 30 ans", "Tout est lent."),
)


def survey() -> NewDocument:
    parts, units, unit_cases, cases, position = [], [], {}, {}, 0
    for name, kind, grade, direction, seniority, age, answer in ANSWERS:
        unit_cases[len(units)] = name
        units.append(Unit("answer", position, position + len(answer)))
        cases[name] = {
            "type_collectivite": kind,
            "grade": grade,
            "direction": direction,
            "anciennete": seniority,
            "tranche_age": age,
        }
        parts.append(answer)
        position += len(answer) + 2
    return NewDocument(
        name="commentaires-agents",
        kind="survey",
        text="\n\n".join(parts),
        units=units,
        unit_cases=unit_cases,
        cases=cases,
    )


def interview() -> NewDocument:
    text = (
        "M. Garnier : On a dématérialisé les bulletins de paie il y a trois ans.\n"
        "Enquêtrice : Et les agents ?\n"
        "M. Garnier : Des centaines ne savaient pas se connecter."
    )
    return NewDocument(name="entretien-01-region", kind="interview", text=text)


def build(path: Path) -> str:
    project = Project.open(str(path))
    try:
        project.set_name("Étude finale")
        answers = project.add_document(survey())
        talk = project.add_document(interview())
        project.add_document(
            NewDocument(name="entretien-02-departement", kind="interview", text="Bonjour.")
        )
        part = project.create_code(PART, coder=ME, colour="#1565C0")
        theme = project.create_code(THEME, parent_id=part.id, coder=ME, colour="#2E7D32")
        leaf = project.create_code(LEAF, parent_id=theme.id, coder=ME, colour="#EF6C00")
        second = project.create_code(SECOND, parent_id=theme.id, coder=ME, colour="#6A1B9A")
        text = project.document(talk.id).text
        start = text.index("On a dématérialisé")
        project.add_coding(talk.id, leaf.id, start, start + 40, coder=ME)
        project.add_coding(talk.id, second.id, start, start + 20, coder=OTHER)
        project.add_coding(answers.id, leaf.id, 0, 10, coder=OTHER)
        # a coder the project knows (an edit of the codebook) who has coded nothing
        project.create_code("Brouillon", coder=IDLE)
    finally:
        project.close()
    return str(path)


@pytest.fixture
def location(tmp_path: Path) -> str:
    return build(tmp_path / "finale.db")


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    yield str(request.param)
    i18n.set_language(None)


def make_app(location: str, language: str, keys: dict[str, str] | None = None) -> CodageApp:
    return CodageApp(location, ME, language=language, settings=Settings(keys=keys or {}))


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def open_named(pilot: Pilot[None], name: str) -> TranscriptView:
    app = pilot.app
    assert isinstance(app, CodageApp)
    await settle(pilot)
    document = next(d for d in app.workbench._documents if d.name == name)
    app.open_document(document.id)
    await settle(pilot)
    return app.workbench.view


def line_text(view: TranscriptView, y: int) -> str:
    return "".join(segment.text for segment in view.render_line(y))


def plain(widget: Static) -> str:
    return str(widget.render())


# ---------------------------------------------------------------------- opening a document


async def test_filter_arrows_and_one_enter_open_a_document(location: str, language: str) -> None:
    app = make_app(location, language)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.workbench
        await pilot.press("escape", "o", *"entretien")
        field = screen.query_one("#document-filter", Input)
        options = screen.query_one("#documents", OptionList)
        assert app.focused is field
        names = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert len(names) == 2 and all("entretien" in n for n in names)
        first = options.highlighted
        await pilot.press("down")
        assert app.focused is field  # typing may go on
        assert options.highlighted == (first or 0) + 1
        await pilot.press("up", "down")
        assert options.highlighted == (first or 0) + 1
        await pilot.press("down")  # already the last: stays
        assert options.highlighted == (first or 0) + 1
        wanted = options.get_option_at_index(options.highlighted).id
        await pilot.press("enter")
        await settle(pilot)
        view = screen.view
        assert view.document is not None and str(view.document.id) == wanted
        assert view.document.name == "entretien-02-departement"
        assert app.focused is view


# ---------------------------------------------------------------------- code labels


def test_code_label_rule_is_shared_with_the_command_line() -> None:
    path = f"{PART}/{THEME}/{LEAF}"
    assert code_label(path).plain == f"{LEAF} ({THEME})"
    assert code_label(path, indent=True).plain == f"    {LEAF}"
    assert code_label("Formation").plain == "Formation"
    for indent in (False, True):
        printed = render_markup(cli_code_label(path, indent=indent)).plain
        assert printed == code_label(path, indent=indent).plain
    # a name with brackets stays a name on both faces
    assert render_markup(cli_code_label("Outils/[draft]")).plain == "[draft] (Outils)"


@pytest.mark.parametrize("size", [(80, 24), (160, 40)])
async def test_statistics_name_codes_by_leaf_in_every_tab(
    location: str, language: str, size: tuple[int, int]
) -> None:
    app = make_app(location, language)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("escape", "i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        seen = 0
        for number, tab in enumerate(TABS, 1):
            await pilot.press(str(number))
            await pilot.pause()
            table = screen.query_one(f"#stats-{tab}", DataTable)
            code_columns = [0, 1] if tab == "cooccurrence" else [0]
            for row in screen.table_rows(tab):
                for column in code_columns:
                    cell = row[column]
                    if "■" not in cell:
                        continue  # "no attribute" and similar notes
                    seen += 1
                    # never a path, whole or cut in the middle
                    assert "/" not in cell and PART not in cell
                    width = table.ordered_columns[column].width
                    assert len(cell) <= width
                    name = cell.strip().removeprefix("■ ")
                    whole = {LEAF, SECOND, THEME, PART, "Brouillon"}
                    whole |= {f"{LEAF} ({THEME})", f"{SECOND} ({THEME})", f"{THEME} ({PART})"}
                    assert name in whole or name.endswith("…"), name
                    if name.endswith("…"):
                        assert any(w.startswith(name[:-1]) for w in whole)
            if tab != "frequencies":
                continue
            # the whole tree, indented by depth as `codage stats` prints it
            firsts = [r[0] for r in screen.table_rows(tab)]
            assert any(cell.startswith(f"    ■ {LEAF[:10]}") for cell in firsts), firsts
            assert any(cell.startswith(f"  ■ {THEME[:10]}") for cell in firsts), firsts
        assert seen >= 10
        if size[0] >= 160:
            rows = screen.table_rows("documents")
            assert any(r[0].strip().startswith(f"■ {LEAF} (Admin") for r in rows)


# ---------------------------------------------------------------------- answer headers


def test_attribute_labels_name_ambiguous_values() -> None:
    attributes: dict[str, Any] = {
        "type_collectivite": "Département",
        "grade": "B",
        "direction": "Finances",
        "anciennete": "5-14 ans",
        "tranche_age": "50-59 ans",
        "teletravail": True,
        "note": None,
        "site": "Nord",
        "service": "Nord",
    }
    labels = attribute_labels(attributes, ("type_collectivite", "grade", "direction"))
    assert labels == [
        "Département",
        "grade B",
        "Finances",
        "anciennete 5-14 ans",
        "service Nord",
        "site Nord",
        "teletravail true",
        "tranche age 50-59 ans",
    ]


async def test_answer_headers_name_attributes_within_the_width(
    location: str, language: str
) -> None:
    app = make_app(location, language)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_named(pilot, "commentaires-agents")
        width = view.scrollable_content_region.width
        header = line_text(view, 0)
        assert len(header) == width
        assert header.strip().startswith("R0001 · Département · grade B · Finances")
        assert header.rstrip().endswith("…")
        full = "R0001 · Département · grade B · Finances · anciennete 5-14 ans"
        assert full.startswith(header.strip()[:-1])
        await pilot.resize_terminal(200, 24)  # room for the whole header, without panes
        await settle(pilot)
        screen = app.workbench
        screen._show_documents = screen._show_codebook = False
        screen._apply_panes()
        await settle(pilot)
        header = line_text(view, 0)
        assert f"{full} · tranche age 50-59 ans  " in header
        assert "…" not in header


# ---------------------------------------------------------------------- growing panes


async def test_wide_terminal_names_codes_whole(location: str, language: str) -> None:
    app = make_app(location, language)
    async with app.run_test(size=(250, 50)) as pilot:
        view = await open_named(pilot, "entretien-01-region")
        screen = app.workbench
        tree = screen.query_one(CodebookTree)
        assert screen.query_one("#codebook-pane").size.width > 40
        assert screen.query_one("#documents-pane").size.width > 30
        tree.select_code(next(c.id for c in screen._codes if c.name == LEAF))
        await pilot.pause()
        await pilot.pause()
        tree_lines = ["".join(s.text for s in tree.render_line(y)) for y in range(tree.size.height)]
        assert any(LEAF in line for line in tree_lines), tree_lines
        assert not any("…" in line for line in tree_lines)
        layout = view._layout
        assert layout is not None and layout.margin > 30
        first = line_text(view, 0)
        assert f"│ {LEAF}  " in first
        assert "…" not in first


async def test_narrow_terminal_cuts_with_ellipsis(location: str, language: str) -> None:
    app = make_app(location, language)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_named(pilot, "entretien-01-region")
        screen = app.workbench
        tree = screen.query_one(CodebookTree)
        lines = ["".join(s.text for s in tree.render_line(y)) for y in range(tree.size.height)]
        cut = [line.rstrip() for line in lines if PART[:10] in line or THEME[:10] in line]
        assert cut and all(line.endswith("…") for line in cut), cut
        title = screen.query_one("#document-title", Static)
        assert title.styles.text_overflow == "ellipsis"


async def test_footer_at_80_columns_shows_whole_keys(location: str, language: str) -> None:
    app = make_app(location, language)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_named(pilot, "entretien-01-region")
        footer = app.workbench.query_one(SteadyFooter)
        keys = list(footer.query(FooterKey))
        shown = [k for k in keys if not k.has_class("-command-palette")]
        assert shown and any(k.action == "help" for k in keys)
        last = max(k.region.right for k in keys)
        assert last <= 80
        for key in keys:
            rendered = str(key.render()).strip()
            assert key.region.width >= len(rendered)
            assert rendered.endswith(key.description.strip() or key.key_display)
        # a wide terminal shows more keys than a narrow one, all whole too
        await pilot.resize_terminal(160, 24)
        await settle(pilot)
        wider = list(app.workbench.query_one(SteadyFooter).query(FooterKey))
        assert len(wider) > len(keys)


# ---------------------------------------------------------------------- help and keys


async def test_help_shows_keys_table_literally_and_remapped_keys(
    location: str, language: str
) -> None:
    keys = {"memo": "f4", "help": "f1"}
    app = make_app(location, language, keys)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_named(pilot, "entretien-01-region")
        bar = app.workbench.query_one(SteadyFooter)
        footer = [(k.key_display, k.action) for k in bar.query(FooterKey)]
        assert ("f4", "memo") in footer and ("f1", "help") in footer
        assert not any(display in ("m", "?") for display, _ in footer)
        await pilot.press("question_mark")  # no longer the help key
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        hint = str(help_screen.query(Label).last().render())
        assert "[keys]" in hint
        rows = {}
        for table in help_screen.query(DataTable):
            for i in range(table.row_count):
                key, _text, ident = (str(c) for c in table.get_row_at(i))
                rows[ident] = key
        assert rows["memo"] == "f4" and rows["help"] == "f1"
        assert rows["search"] == "/"
        await pilot.press("escape")
        await pilot.pause()
        titles = [title for title, _, _ in WorkbenchCommands(app.workbench)._entries()]
        memo = next(title for title in titles if title.startswith(i18n.t("tui.key.memo") + " "))
        assert memo.endswith("(f4)")
        helping = next(t for t in titles if t.startswith(i18n.t("tui.key.help") + " "))
        assert helping.endswith("(f1)")


async def test_codebook_counts_are_explained(location: str, language: str) -> None:
    app = make_app(location, language)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_named(pilot, "entretien-01-region")
        screen = app.workbench
        title = plain(screen.query_one("#codebook-pane").query_one(".pane-title", Static))
        assert re.search(r"\((here/all|ici/total)\)", title)
        tree = screen.query_one(CodebookTree)
        assert "3/12" in str(tree.tooltip)
        tree.select_code(next(c.id for c in screen._codes if c.name == LEAF))
        await pilot.pause()
        await pilot.pause()
        lines = ["".join(s.text for s in tree.render_line(y)) for y in range(tree.size.height)]
        # one coding here (amelie), two in all (bastien's answer)
        assert any(f"1/2 {LEAF[:10]}" in line for line in lines), lines


# ---------------------------------------------------------------------- export dialog


async def test_export_dialog_lists_only_coders_with_codings(location: str, language: str) -> None:
    app = make_app(location, language)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert IDLE in [c.name for c in app.project.coders()]
        await pilot.press("escape", "e")
        await settle(pilot)
        assert isinstance(app.screen, ExportDialog)
        coders = app.screen.query_one("#export-coders", SelectionList)
        listed = [str(coders.get_option_at_index(i).prompt) for i in range(coders.option_count)]
        assert listed == [ME, OTHER]


# ---------------------------------------------------------------------- snapshots


def test_snapshot_wide_survey(snap_compare: Any, location: str, language: str) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_named(pilot, "entretien-01-region")
        await open_named(pilot, "commentaires-agents")

    app = make_app(location, language)
    assert snap_compare(app, terminal_size=(250, 30), run_before=run_before)


def test_snapshot_narrow_interview(snap_compare: Any, location: str, language: str) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_named(pilot, "commentaires-agents")

    app = make_app(location, language)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_snapshot_help_remapped(snap_compare: Any, location: str, language: str) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_named(pilot, "entretien-01-region")
        await pilot.press("f1")
        await pilot.pause()
        pilot.app.screen.query_one(VerticalScroll).scroll_end(animate=False)
        await pilot.pause()

    app = make_app(location, language, {"memo": "f4", "help": "f1"})
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_snapshot_statistics_by_document(snap_compare: Any, location: str, language: str) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("escape", "i")
        await settle(pilot)
        await pilot.press("2")
        await pilot.pause()

    app = make_app(location, language)
    assert snap_compare(app, terminal_size=(100, 24), run_before=run_before)


async def test_statistics_footer_at_80_columns_shows_whole_keys(
    location: str, language: str
) -> None:
    app = make_app(location, language)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "i")
        await settle(pilot)
        assert isinstance(app.screen, StatsScreen)
        keys = list(app.screen.query_one(SteadyFooter).query(FooterKey))
        assert keys and max(k.region.right for k in keys) <= 80
        assert any(k.action == "help" for k in keys)
        for key in keys:
            rendered = str(key.render()).strip()
            assert key.region.width >= len(rendered)
            assert rendered.endswith(key.description.strip() or key.key_display)


def test_footer_leaves_out_whole_keys_from_the_last_and_help_to_the_end() -> None:
    def key(display: str, text: str, action: str, classes: str = "") -> FooterKey:
        return FooterKey(display, display, text, action, classes=classes)

    keys = [
        key("s", "Sentence", "extend"),
        key("m", "Memo", "memo"),
        key("r", "Retrieve", "retrieval"),
        key("?", "Help", "help"),
        key("^p", "palette", "command_palette", "-command-palette"),
    ]
    everything = fitting(list(keys), 200)
    assert everything == keys
    # 12 cells for the palette; "s Sentence " 11, "? Help " 7, "m Memo " 7
    kept = fitting(list(keys), 12 + 11 + 7 + 7)
    assert [k.action for k in kept] == ["extend", "memo", "help", "command_palette"]
    kept = fitting(list(keys), 12 + 7)
    assert [k.action for k in kept] == ["help", "command_palette"]
    assert all(
        key_width(k, compact=True) == len(f"{k.key_display} {k.description}") + 1 for k in keys
    )
