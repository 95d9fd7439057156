"""The transcript view driven with Pilot: cursor, selection, units, paging, codings, margin."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.color import Color
from textual.message import Message

from codage.domain import Code, Coding, Document, Span, Unit, text_sha256
from codage.tui.widgets.transcript_layout import format_timestamp
from codage.tui.widgets.transcript_view import TranscriptView
from tests.tui.sample import CODES, SENTENCES, coding, make_interview

pytestmark = pytest.mark.anyio

SIZES = [(80, 24), (160, 48)]


class ViewApp(App[None]):
    """Hosts one TranscriptView and records the messages it posts."""

    def __init__(
        self,
        document: Document,
        units: Sequence[Unit] = (),
        codings: Sequence[Coding] = (),
        codes: Sequence[Code] = CODES,
    ) -> None:
        super().__init__()
        self.document, self.units, self.codings, self.codes = document, units, codings, codes
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield TranscriptView()

    def on_mount(self) -> None:
        view = self.query_one(TranscriptView)
        view.load(self.document, self.units, self.codings, self.codes)
        view.focus()

    def on_transcript_view_cursor_moved(self, message: TranscriptView.CursorMoved) -> None:
        self.messages.append(message)

    def on_transcript_view_selection_changed(
        self, message: TranscriptView.SelectionChanged
    ) -> None:
        self.messages.append(message)

    def on_transcript_view_apply_code_requested(
        self, message: TranscriptView.ApplyCodeRequested
    ) -> None:
        self.messages.append(message)

    def on_transcript_view_remove_coding_requested(
        self, message: TranscriptView.RemoveCodingRequested
    ) -> None:
        self.messages.append(message)


def style_at(view: TranscriptView, offset: int) -> Style:
    """The style of the cell where ``offset`` is drawn (it must be on screen)."""
    cell = view.cell_of(offset)
    assert cell is not None, f"offset {offset} is not on screen"
    x, y = cell
    position = 0
    for segment in view.render_line(y):
        if position <= x < position + segment.cell_length:
            assert segment.style is not None
            return segment.style
        position += segment.cell_length
    raise AssertionError(f"no cell at {x}")


def row_text(view: TranscriptView, offset: int) -> str:
    """The text of the screen row where ``offset`` is drawn."""
    cell = view.cell_of(offset)
    assert cell is not None
    return view.render_line(cell[1]).text


def bg(style: Style) -> Color:
    assert style.bgcolor is not None
    return Color.from_rich_color(style.bgcolor)


@pytest.fixture
def interview() -> tuple[Document, list[Unit]]:
    return make_interview()


def units_of(units: list[Unit], kind: str) -> list[Unit]:
    return [u for u in units if u.kind == kind]


# ---------------------------------------------------------------- painting


@pytest.mark.parametrize("size", SIZES)
async def test_load_paints_text_gutter_and_turn_headers(interview, size) -> None:
    document, units = interview
    app = ViewApp(document, units)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        rows = [view.render_line(y).text for y in range(size[1])]
        assert all(len(row) == view.scrollable_content_region.width for row in rows)
        # turn 0 has a timestamp and no speaker in its text: a header line above it
        assert "[00:00:00] ENQ" in rows[0]
        assert rows[1].lstrip().startswith("1 Depuis la réforme")
        # turn 1 names its speaker in the text: no header, the name is styled in place
        turn_1 = units_of(units, "turn")[1]
        assert row_text(view, turn_1.start).lstrip().startswith("2 Mme Durand :")
        speaker_style = style_at(view, turn_1.start)
        assert speaker_style.bold
        assert not style_at(view, turn_1.start + len("Mme Durand : ")).bold


def test_format_timestamp() -> None:
    assert format_timestamp(0) == "[00:00:00]"
    assert format_timestamp(3725.9) == "[01:02:05]"


async def test_lines_wrap_at_words_within_the_width(interview) -> None:
    document, units = interview
    app = ViewApp(document, units)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        layout = view._layout
        assert layout is not None
        for y in range(layout.count):
            start, end = layout.starts[y], layout.ends[y]
            assert end - start <= layout.text_width
            if y + 1 < layout.count and layout.kinds[y + 1] == 0:  # soft break
                assert document.text[end - 1] == " "
        # every character of the text lies on exactly one visual line
        covered = sum(layout.ends[y] - layout.starts[y] for y in range(layout.count))
        assert covered == len(document.text) - document.text.count("\n")


async def test_wide_characters_take_two_cells() -> None:
    text = "Réunion 会议记录 avec l'équipe 👍 " * 6 + "\nFin."
    document = Document(1, "wide", "text", text, text_sha256(text))
    app = ViewApp(document)
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        rows = [view.render_line(y) for y in range(12)]
        width = view.scrollable_content_region.width
        assert all(row.cell_length == width for row in rows)
        # the cursor after a wide character sits two cells further
        wide = text.index("会")
        view.jump_to(wide)
        x_wide, _ = view.cell_of(wide)
        assert view.cell_of(wide + 1)[0] == x_wide + 2
        await pilot.press("right", "right")
        assert view.cursor == wide + 2
        # clicking on the second cell of a wide character lands on it
        assert view.offset_at(x_wide + 1, view.cell_of(wide)[1]) == wide


# ---------------------------------------------------------------- cursor and selection


@pytest.mark.parametrize("size", SIZES)
async def test_arrows_home_end_and_document_ends(interview, size) -> None:
    document, units = interview
    app = ViewApp(document, units)
    async with app.run_test(size=size) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.press("right", "right", "right")
        assert view.cursor == 3
        await pilot.press("left")
        assert view.cursor == 2
        x, y = view.cell_of(2)
        await pilot.press("down")  # next visual line, same column
        assert view.cell_of(view.cursor) == (x, y + 1)
        await pilot.press("up")
        assert view.cursor == 2
        await pilot.press("end")
        # the end of the first visual line: the paragraph's newline, or the space of a break
        assert view.cell_of(view.cursor)[1] == y
        assert document.text[view.cursor] in "\n "
        assert view.cell_of(view.cursor + 1)[1] == y + 1
        await pilot.press("home")
        assert view.cursor == 0
        await pilot.press("ctrl+end")
        assert view.cursor == len(document.text)
        assert view.cell_of(view.cursor) is not None  # scrolled into view
        await pilot.press("ctrl+home")
        assert view.cursor == 0
        assert view.scroll_offset.y == 0
        moved = [m.offset for m in app.messages if isinstance(m, TranscriptView.CursorMoved)]
        assert moved[:2] == [1, 2]


async def test_shift_arrows_select_and_escape_clears(interview) -> None:
    document, units = interview
    app = ViewApp(document, units)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.press("shift+right", "shift+right", "shift+right")
        assert view.selection == Span(0, 3)
        x, y = view.cell_of(3)
        await pilot.press("shift+down")
        below = view.offset_at(x, y + 1)
        assert view.selection == Span(0, below)
        await pilot.press("shift+left")
        assert view.selection == Span(0, below - 1)
        second = document.text.index("\n") + 1
        # the selection is drawn in the selection colour
        selected = style_at(view, 1)
        assert bg(selected) != bg(style_at(view, second + 10))
        await pilot.press("escape")
        assert view.selection is None
        assert view.cursor == below - 1
        changes = [m for m in app.messages if isinstance(m, TranscriptView.SelectionChanged)]
        assert changes[0].selection == Span(0, 1)
        assert changes[-1].selection is None


async def test_arrow_without_shift_collapses_selection(interview) -> None:
    document, units = interview
    app = ViewApp(document, units)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.press("right", "shift+right", "shift+right", "left")
        assert view.selection is None
        assert view.cursor == 1


async def test_extend_by_sentence_turn_and_paragraph(interview) -> None:
    document, units = interview
    app = ViewApp(document, units)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TranscriptView)
        turn = units_of(units, "turn")[3]  # four sentences
        sentences = [u for u in units_of(units, "sentence") if turn.span.contains(u.span)]
        assert len(sentences) == 4
        view.jump_to(sentences[1].start + 5)
        await pilot.press("s")
        assert view.selection == sentences[1].span
        await pilot.press("s")
        assert view.selection == Span(sentences[1].start, sentences[2].end)
        await pilot.press("S")  # backward: the sentence before joins
        assert view.selection == Span(sentences[0].start, sentences[2].end)
        await pilot.press("t")  # forward to the end of the turn
        assert view.selection == Span(sentences[0].start, turn.end)
        await pilot.press("t")  # and the next turn
        next_turn = units_of(units, "turn")[4]
        assert view.selection == Span(sentences[0].start, next_turn.end)
        await pilot.press("escape")
        view.jump_to(turn.start + 2)
        await pilot.press("p")
        assert view.selection == turn.span  # a paragraph is a turn here
        await pilot.press("P")
        assert view.selection == Span(units_of(units, "paragraph")[2].start, turn.end)


async def test_extend_falls_back_to_lines_without_units() -> None:
    text = "Premier paragraphe. Deux phrases.\n\nSecond paragraphe."
    document = Document(1, "plain", "text", text, text_sha256(text))
    app = ViewApp(document)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.press("s")  # no sentence units: the paragraph (a line of text)
        assert view.selection == Span(0, text.index("\n"))
        await pilot.press("p")
        assert view.selection == Span(0, len(text))


@pytest.mark.parametrize("size", SIZES)
async def test_page_down_and_up(size) -> None:
    document, units = make_interview(turns=200)
    app = ViewApp(document, units)
    async with app.run_test(size=size) as pilot:
        view = app.query_one(TranscriptView)
        height = view.scrollable_content_region.height
        await pilot.press("pagedown")
        assert view.scroll_offset.y == height
        assert view.cell_of(view.cursor) is not None
        first_page_cursor = view.cursor
        await pilot.press("pagedown")
        assert view.scroll_offset.y == 2 * height
        assert view.cursor > first_page_cursor
        await pilot.press("pageup", "pageup")
        assert view.scroll_offset.y == 0
        assert view.cursor < first_page_cursor
        await pilot.press("shift+down")
        assert view.selection is not None


@pytest.mark.parametrize("size", SIZES)
async def test_jump_to_makes_a_span_visible_and_selected(size) -> None:
    document, units = make_interview(turns=300)
    app = ViewApp(document, units)
    async with app.run_test(size=size) as pilot:
        view = app.query_one(TranscriptView)
        target = Span(len(document.text) // 2, len(document.text) // 2 + 30)
        view.jump_to(target)
        await pilot.pause()
        assert view.selection == target
        assert view.visible_span().contains_offset(target.start)
        assert view.cell_of(target.start) is not None
        view.jump_to(10)
        assert view.selection is None
        assert view.cursor == 10
        assert view.scroll_offset.y == 0


async def test_click_places_cursor_and_drag_selects(interview) -> None:
    document, units = interview
    app = ViewApp(document, units)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        x, y = view.cell_of(5)
        await pilot.click(TranscriptView, offset=(x, y))
        assert view.cursor == 5
        assert view.selection is None
        second = document.text.index("\n") + 1
        x2, y2 = view.cell_of(second + 4)
        await pilot.mouse_down(TranscriptView, offset=(x, y))
        await pilot.hover(TranscriptView, offset=(x2, y2))
        await pilot.mouse_up(TranscriptView, offset=(x2, y2))
        assert view.selection == Span(5, second + 4)


# ---------------------------------------------------------------- codings


@pytest.mark.parametrize("size", SIZES)
async def test_set_codings_repaints_in_the_code_colour(interview, size) -> None:
    document, units = interview
    app = ViewApp(document, units)
    async with app.run_test(size=size) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        start = document.text.index("réforme")
        plain = style_at(view, start)
        view.set_codings([coding(document, 1, 1, start, start + 20)])
        await pilot.pause()
        coded = style_at(view, start)
        assert bg(coded) != bg(plain)
        # the tint leans towards the code's green
        assert bg(coded).g > bg(plain).g
        assert style_at(view, start + 19) == coded
        assert bg(style_at(view, start + 20)) == bg(plain)  # end is exclusive
        assert "Intranet" in row_text(view, start)
        # removing it restores the line
        view.set_codings([])
        await pilot.pause()
        assert bg(style_at(view, start)) == bg(plain)
        assert "Intranet" not in row_text(view, start)


async def test_overlapping_codings_are_drawn_distinctly(interview) -> None:
    document, units = interview
    codings = [coding(document, 1, 1, 10, 40), coding(document, 2, 3, 30, 55)]
    app = ViewApp(document, units, codings)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        first, both, second = style_at(view, 20), style_at(view, 35), style_at(view, 50)
        assert len({bg(first), bg(both), bg(second)}) == 3
        assert both.underline and not first.underline and not second.underline
        row = row_text(view, 20)
        assert "Intranet" in row and "Télétravail" in row


async def test_codings_far_away_leave_cached_lines_alone(interview) -> None:
    document, units = interview
    app = ViewApp(document, units)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        cached = set(view._strips.keys())
        assert cached
        far = len(document.text) - 30
        view.set_codings([coding(document, 1, 2, far, far + 10)])
        assert set(view._strips.keys()) == cached  # nothing on screen was rebuilt
        near = coding(document, 2, 2, 0, 5)
        view.set_codings([coding(document, 1, 2, far, far + 10), near])
        assert 1 not in view._strips  # the first text line (0 is a header)


async def test_codings_at_and_remove_request(interview) -> None:
    document, units = interview
    codings = [coding(document, 1, 1, 0, 30), coding(document, 2, 2, 10, 20)]
    app = ViewApp(document, units, codings)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TranscriptView)
        view.jump_to(15)
        assert {c.id for c in view.codings_at(15)} == {1, 2}
        await pilot.press("x")
        request = app.messages[-1]
        assert isinstance(request, TranscriptView.RemoveCodingRequested)
        assert request.offset == 15
        assert {c.id for c in request.codings} == {1, 2}


async def test_apply_code_requests_the_selection_or_the_sentence(interview) -> None:
    document, units = interview
    app = ViewApp(document, units)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("shift+right", "shift+right", "c")
        request = app.messages[-1]
        assert isinstance(request, TranscriptView.ApplyCodeRequested)
        assert request.span == Span(0, 2)
        assert request.document_id == document.id
        await pilot.press("escape", "c")
        request = app.messages[-1]
        assert isinstance(request, TranscriptView.ApplyCodeRequested)
        assert request.span == Span(0, len(SENTENCES[0]))


async def test_a_selection_ending_inside_a_flag_codes_the_whole_flag() -> None:
    text = "Drapeau 🇫🇷 et pouce 👍🏽 levé."
    document = Document(1, "drapeaux", "text", text, text_sha256(text))
    app = ViewApp(document, [Unit("paragraph", 0, len(text))])
    async with app.run_test(size=(80, 24)) as pilot:
        # eight code points, then one more: into the middle of the flag's two
        await pilot.press(*["shift+right"] * 9, "c")
        request = app.messages[-1]
        assert isinstance(request, TranscriptView.ApplyCodeRequested)
        assert text[request.span.start : request.span.end] == "Drapeau 🇫🇷"
        thumb = text.index("👍")
        app.query_one(TranscriptView).jump_to(Span(thumb - 6, thumb + 1))
        await pilot.press("c")
        request = app.messages[-1]
        assert isinstance(request, TranscriptView.ApplyCodeRequested)
        assert text[request.span.start : request.span.end] == "pouce 👍🏽"


# ---------------------------------------------------------------- margin and sizes


@pytest.mark.parametrize(
    ("size", "shown"),
    [((50, 20), None), ((80, 24), "Intranet, …"), ((160, 48), "Intranet, Formation")],
)
async def test_margin_adapts_to_the_width(interview, size, shown) -> None:
    document, units = interview
    codings = [coding(document, 1, 1, 0, 30), coding(document, 2, 2, 10, 20)]
    app = ViewApp(document, units, codings)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        row = row_text(view, 0)
        if shown is None:
            assert "│" not in row and "Intranet" not in row
        else:
            assert shown in row


async def test_resize_rewraps_and_keeps_the_cursor_visible() -> None:
    document, units = make_interview(turns=200)
    app = ViewApp(document, units)
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.query_one(TranscriptView)
        view.jump_to(len(document.text) // 2)
        await pilot.pause()
        wide_lines = view.line_count
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert view.line_count > wide_lines
        assert view.cell_of(view.cursor) is not None


# ---------------------------------------------------------------- snapshot


def test_snapshot(snap_compare) -> None:
    document, units = make_interview(turns=8)
    codings = [
        coding(document, 1, 1, 10, 60),
        coding(document, 2, 2, 40, 130),
        coding(document, 3, 3, 200, 260),
    ]
    app = ViewApp(document, units, codings)

    async def select(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("down", "shift+right", "shift+right", "shift+right", "shift+right")

    assert snap_compare(app, terminal_size=(100, 24), run_before=select)


async def test_labels_written_in_the_text_are_styled_not_repeated() -> None:
    # as the importer stores them: the turn covers its timestamp and label
    lines = ["[00:12:34] Marie : Bonjour.", "E : Et donc ?", "Et donc rien.", "Marie - Oui."]
    text = "\n".join(lines)
    starts = [text.index(line) for line in lines]
    units = [
        Unit("turn", starts[0], starts[0] + len(lines[0]), speaker="Marie", timestamp=754.0),
        Unit("turn", starts[1], starts[2] + len(lines[2]), speaker="E"),
        Unit("turn", starts[3], starts[3] + len(lines[3]), speaker="Marie"),
    ]
    document = Document(1, "labels", "interview", text, text_sha256(text))
    app = ViewApp(document, units)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        assert view.line_count == 4  # no header lines: the text shows everything
        assert not style_at(view, 0).bold  # the timestamp is dimmed, not bold
        assert style_at(view, text.index("Marie")).bold
        assert style_at(view, text.index(" : ") + 1).bold  # the separator belongs to the label
        assert not style_at(view, text.index("Bonjour")).bold
        assert style_at(view, starts[1]).bold  # "E"
        assert not style_at(view, starts[2]).bold  # "Et donc" continues the turn
        assert style_at(view, starts[3] + len("Marie - ") - 1).bold
        assert style_at(view, starts[3]).color == style_at(view, text.index("Marie")).color


async def test_unreadable_code_colour_falls_back_to_grey(interview) -> None:
    document, units = interview
    codes = [Code(id=1, name="Cassé", path=("Cassé",), colour="not a colour")]
    app = ViewApp(document, units, [coding(document, 1, 1, 0, 10)], codes)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        assert bg(style_at(view, 2)) != bg(style_at(view, 20))
        assert "Cassé" in row_text(view, 2)
