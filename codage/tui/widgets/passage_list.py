"""The passage list of the retrieval screen: one line per passage, drawn line by line.

It holds the ``PassageList`` widget and the helpers that fit a passage, its context and its
columns on one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from codage.display import visible
from codage.services.retrieval import Passage

# Passages are shown on one line; past this many characters the preview has the rest.
_PASSAGE_CHARS = 400

_WHITESPACE = re.compile(r"\s+")


def flat(text: str) -> str:
    """The text on one line, runs of white space as one space, controls shown."""
    return visible(_WHITESPACE.sub(" ", text))


Column = tuple[str, int]
"""A column of the passage list: its key and its width in cells."""


def fit(text: str, width: int) -> str:
    """``text`` cut (with an ellipsis) or padded to exactly ``width`` cells."""
    text = visible(text)
    if cell_len(text) > width:
        return set_cell_size(text, max(0, width - 1)) + "…" if width else ""
    return set_cell_size(text, width)


class PassageList(ScrollView, can_focus=True):
    """The passages as a table of one line each, drawn line by line.

    A ``DataTable`` measures every cell of every row when rows are added: for
    thousands of passages that is seconds of a frozen screen. Here only the
    lines on screen are ever built, so ten thousand passages scroll as fast as
    ten.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", show=False, id="retrieval.up"),
        Binding("down", "move(1)", show=False, id="retrieval.down"),
        Binding("pageup", "page(-1)", show=False, id="retrieval.page_up"),
        Binding("pagedown", "page(1)", show=False, id="retrieval.page_down"),
        Binding("home", "first", show=False, id="retrieval.first"),
        Binding("end", "last", show=False, id="retrieval.last"),
        Binding("enter", "open", show=False, id="retrieval.open"),
    ]

    COMPONENT_CLASSES = {"passage-list--cursor", "passage-list--context"}

    DEFAULT_CSS = """
    PassageList {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        & > .passage-list--cursor { background: $block-cursor-background; }
        & > .passage-list--context { color: $text-muted; }
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        """The cursor is on passage number ``index``."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class Wanted(Message):
        """Rows ``first`` to ``last`` (inclusive) are on screen but not read yet."""

        def __init__(self, first: int, last: int) -> None:
            super().__init__()
            self.first = first
            self.last = last

    class Chosen(Message):
        """Enter (or a click on the current row) on passage number ``index``."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # None for a passage not read yet (paged retrieval): a dim ellipsis is drawn
        # and the rows on screen are asked for (Wanted)
        self.passages: Sequence[Passage | None] = ()
        self.columns: list[Column] = []
        self.code_names: dict[int, str] = {}
        self._wanted = False

    @property
    def row_count(self) -> int:
        return len(self.passages)

    def show(
        self,
        passages: Sequence[Passage | None],
        columns: list[Column],
        code_names: dict[int, str],
    ) -> None:
        """Replace the passages shown; the cursor goes back to the first."""
        self.passages = passages
        self.columns = columns
        self.code_names = code_names
        self.virtual_size = Size(sum(w for _, w in columns) + len(columns), len(passages))
        self.scroll_to(0, 0, animate=False, force=True)
        self.cursor = 0
        self.refresh()

    def watch_cursor(self, value: int) -> None:
        if self.passages:
            self.post_message(self.Highlighted(value))

    def _cells(self, passage: Passage, width: int) -> list[Segment]:
        base = self.rich_style
        segments: list[Segment] = []
        for key, column_width in self.columns:
            if key == "passage":
                segments.extend(self._passage_segments(passage, column_width, base))
                continue
            if key == "code":
                name = self.code_names.get(passage.code_id, passage.code_path)
                style = base + Style(color=passage.colour)
                segments.append(Segment(fit(name, column_width) + " ", style))
                continue
            value = {
                "document": passage.document,
                "speaker": passage.speaker or "",
                "case": passage.case or "",
                "coder": passage.coder,
            }[key]
            segments.append(Segment(fit(value, column_width) + " ", base))
        return segments

    def _passage_segments(self, passage: Passage, width: int, base: Style) -> list[Segment]:
        """``…before passage after…``: the context dimmed, and the passage itself given the
        room first, so that it always shows from its beginning."""
        dim = base + self.get_component_rich_style("passage-list--context", partial=True)
        body = flat(passage.text[:_PASSAGE_CHARS])
        before = flat(passage.before)
        room = min(cell_len(before), max(0, width // 4 - 1), max(0, width - cell_len(body) - 1))
        if room < cell_len(before):
            before = "…" + before[len(before) - room + 1 :] if room > 1 else ""
        parts = [(before, dim), (body, base + Style(bold=True))]
        if passage.after:
            parts.append((flat(passage.after), dim))
        segments = [Segment(text, style) for text, style in parts]
        return list(Strip(segments).crop_extend(0, width, base))

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if not 0 <= index < len(self.passages):
            return Strip.blank(width, base)
        passage = self.passages[index]
        if passage is None:
            self._want(index)
            dim = base + self.get_component_rich_style("passage-list--context", partial=True)
            strip = Strip([Segment("…", dim)]).crop_extend(0, width, base)
        else:
            strip = Strip(self._cells(passage, width)).crop_extend(0, width, base)
        if index == self.cursor and self.has_focus_within:
            strip = strip.apply_style(self.get_component_rich_style("passage-list--cursor"))
        elif index == self.cursor:
            strip = strip.apply_style(Style(reverse=True, dim=True))
        return strip

    def _want(self, index: int) -> None:
        """Ask once per paint for the rows on screen that are not read yet."""
        if self._wanted:
            return
        self._wanted = True
        top = int(self.scroll_offset.y)
        last = min(len(self.passages), top + self.scrollable_content_region.height) - 1
        self.post_message(self.Wanted(min(index, top), max(index, last)))
        self.call_after_refresh(self._wanted_done)

    def _wanted_done(self) -> None:
        self._wanted = False

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def _place(self, index: int) -> None:
        if not self.passages:
            return
        index = max(0, min(len(self.passages) - 1, index))
        height = self.scrollable_content_region.height
        top = int(self.scroll_offset.y)
        if index < top:
            self.scroll_to(y=index, animate=False, force=True)
        elif height and index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, force=True)
        self.cursor = index
        self.refresh()

    def action_move(self, step: int) -> None:
        self._place(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self._place(self.cursor + direction * max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self._place(0)

    def action_last(self) -> None:
        self._place(len(self.passages) - 1)

    def action_open(self) -> None:
        if self.passages:
            self.post_message(self.Chosen(self.cursor))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if not 0 <= index < len(self.passages):
            return
        if index == self.cursor and event.chain >= 2:
            self.post_message(self.Chosen(index))
        self._place(index)
