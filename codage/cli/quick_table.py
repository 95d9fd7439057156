"""A Rich table that lays out plain cells itself: the same bytes as ``rich.table.Table``,
without Rich's per-cell machinery.

Rich renders every cell of a table through a ``Padding``, ``render_lines``, its
segments cropped and padded, and measures every cell the same way first: about a
third of a millisecond a cell. ``codage segments`` on the demo (1,373 codings, five
columns) spent 2.4 s there, ``codage stats`` most of its time (issues 13 and 19).

:class:`QuickTable` is a ``Table`` (same constructor, same ``add_column``/``add_row``)
that takes shortcuts, each only where it gives what Rich gives:

- A column is measured once from its cells' ``Text`` (``Text.__rich_measure__``, the
  measure Rich uses) with the arithmetic of ``Measurement.get`` and
  ``Padding.__rich_measure__`` written out, not through a ``Padding`` per cell.
- A cell of plain text (a ``Text``, or a string as Rich makes it into one) is laid
  out as ``Text.wrap`` lays it out and drawn as plain lines. That is exact when the
  console writes no colours (a pipe, a file: every segment's text is written as it
  is) or when the cell has no style at all. Any other cell (styled text on a
  terminal, another renderable, a justification or overflow of its own) is rendered
  by Rich exactly as ``Table`` renders it.
- Text whose every character is one cell wide in every Unicode table Rich knows
  (Latin, accented French, Greek, Cyrillic, the typographer's dashes, quotes and
  ellipsis: see :data:`codage.cli.cell_lines.NARROW_RANGES`) is measured and wrapped
  with lengths (:mod:`codage.cli.cell_lines`): Rich's
  own algorithms (``Text.__rich_measure__``, ``divide_line``, ``chop_cells``,
  ``Lines.justify``) with ``len`` where they call ``cell_len``. Any other text (a
  wide, zero-width, combining or control character, a joiner, a tab, a line break)
  goes through Rich's measuring and wrapping.

Whatever the shortcuts do not cover (footers, row styles, lines between rows,
sections, no box, no edge, padding other than one space on each side) is drawn by
``Table`` itself. ``tests/cli/test_quick_table.py`` compares the bytes with
``Table``'s, at several widths, with and without colours, on accented, wide and
long text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.table import Column, Row, Table
from rich.text import Span, Text

from codage.cli.cell_lines import JUSTIFIED, NOT_NARROW, lay_out, narrow_lines
from codage.cli.output import PRINT_ERRORS
from codage.cli.table_lines import (
    RICH_COUNTED_RANGES,
    aligned,
    gathering,
    given,
    quickly_measured,
    whole,
)
from codage.display import plain

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

__all__ = [
    "RICH_COUNTED_RANGES",
    "QuickTable",
    "add_text_rows",
    "plain_cell",
    "print_table",
    "text_of",
]

# The characters codage.display.visible makes visible and Text strips: a value
# holding none of them is its own plain Text.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def print_table(console: Console, table: Table) -> None:
    """``console.print(table)``. Rich measures each line it prints, character by
    character for most text that is not ASCII, to crop it to the console; a
    :class:`QuickTable` whose lines are all within the console is printed without
    cropping (the same bytes: a line within the console is not cropped)."""
    if not isinstance(table, _Quick):
        console.print(table)
        return
    try:
        if not table.fits(console):
            console.print(table)
            return
        table._uncropped = True
        console.print(table, crop=False)
    finally:
        table._uncropped = False
        table._widths = None


def add_text_rows(table: Table, rows: Iterable[Sequence[Text | str]]) -> None:
    """``table.add_row(*row)`` for each row; into a :class:`QuickTable`, without its
    checks when a row has a cell for each column (a table of hundreds of rows spends
    milliseconds there): cells that are ``Text`` or strings, renderables both."""
    columns = table.columns
    quick = isinstance(table, _Quick)
    for row in rows:
        if not quick or len(row) != len(columns):
            table.add_row(*row)
            continue
        for column, cell in zip(columns, row, strict=True):
            column._cells.append(cell)
        table.rows.append(Row())


def plain_cell(value: str) -> Text:
    """``codage.display.plain(value)`` (a one-line name or passage as data), made
    without its two passes of ``str.translate`` when ``value`` holds no control
    character, the usual case: each costs tens of microseconds on accented text,
    and a listing makes thousands of cells."""
    if _CONTROL.search(value) is not None:
        return plain(value)
    return text_of(value)


def text_of(value: str, spans: list[Span] | None = None) -> Text:
    """``Text(value)`` with ``spans``, for a ``value`` that holds no control character
    (``Text`` would strip them): what ``Text.__init__`` sets, without its checks."""
    text: Text = _new_text(Text)
    text._text = [value]
    text.style = ""
    text.justify = text.overflow = text.no_wrap = text.tab_size = None
    text.end = "\n"
    text._spans = spans or []
    text._length = len(value)
    return text


_new_text = Text.__new__


class _Cells(NamedTuple):
    """A column's cells, header first, as the table measures and lays them out."""

    texts: list[Text | None]  # as Measurement.get makes each a Text; None: not text
    narrows: list[str | None]  # the text's characters when each is one cell wide
    widest_word: int  # the largest of the texts' own minimum widths
    widest: int  # the largest of their maximum widths


class QuickTable(Table):
    """``rich.table.Table`` with plain cells measured and laid out cheaply (same bytes)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (column index, markup) -> the column's cells, measured
        self._cells: dict[tuple[int, bool | None], _Cells] = {}
        # printed by print_table without cropping: no line is measured again
        self._uncropped = False
        # (console, options, widths) print_table measured the table with
        self._widths: tuple[Console, ConsoleOptions, list[int]] | None = None

    # -- measuring ---------------------------------------------------------------

    def _raw_cells(self, column: Column) -> list[Any]:
        cells: list[Any] = [column.header] if self.show_header else []
        cells.extend(column.cells)
        if self.show_footer:
            cells.append(column.footer)
        return cells

    def _column_cells(self, console: Console, options: ConsoleOptions, column: Column) -> _Cells:
        """The column's cells as Text, measured once: a text's own measure does not
        depend on the width asked, and Rich asks again at each width it tries when a
        table is too wide."""
        key = (column._index, options.markup)
        found = self._cells.get(key)
        if found is not None:
            return found
        texts: list[Text | None] = []
        for cell in self._raw_cells(column):
            if isinstance(cell, str):
                texts.append(console.render_str(cell, markup=options.markup, highlight=False))
            else:
                texts.append(cell if isinstance(cell, Text) else None)
        values = [text.plain for text in texts if text is not None]
        joined = " ".join(values)
        if len(values) == len(texts) and NOT_NARROW.search(joined) is None:
            # Text.__rich_measure__ with lengths, the whole column at once: a text's
            # maximum is its length (one line), its minimum its longest word, or its
            # length when it has no word; no word runs across the joining spaces
            found = _Cells(
                texts,
                list(values),
                max(
                    max(map(len, joined.split()), default=0),
                    max((len(value) for value in values if value.isspace()), default=0),
                ),
                max(map(len, values), default=0),
            )
        else:
            found = self._measured_cells(console, options, texts)
        self._cells[key] = found
        return found

    @staticmethod
    def _measured_cells(
        console: Console, options: ConsoleOptions, texts: list[Text | None]
    ) -> _Cells:
        """A column's cells measured one by one: with lengths where every character of
        a text is one cell wide, by Rich otherwise."""
        narrows: list[str | None] = []
        widest_word = widest = 0
        for text in texts:
            if text is None:
                narrows.append(None)
                continue
            value = text.plain
            if NOT_NARROW.search(value) is None:
                narrows.append(value)
                high = len(value)
                low = max(map(len, value.split()), default=high)
            else:
                narrows.append(None)
                measure = text.__rich_measure__(console, options)
                low, high = _normal(measure.minimum, measure.maximum)
            widest_word = max(widest_word, low)
            widest = max(widest, high)
        return _Cells(texts, narrows, widest_word, widest)

    def _measure_column(
        self, console: Console, options: ConsoleOptions, column: Column
    ) -> Measurement:
        """``Table._measure_column``, each cell measured as ``Measurement.get`` measures
        it inside its ``Padding``, without making the padding.

        Each step of that measure (normalising, capping at the width, adding the
        padding) keeps the order of widths, so the widest padded cell is the padded
        widest cell: the column's measure is that of its widest word and widest line."""
        max_width = options.max_width
        if max_width < 1 or column.width is not None:
            return super()._measure_column(console, options, column)
        extra = self._cell_padding(console, column)
        if extra is None:
            return super()._measure_column(console, options, column)
        found = self._column_cells(console, options, column)
        if any(text is None for text in found.texts):
            return super()._measure_column(console, options, column)
        padding_width = self._get_padding_width(column._index)
        if found.texts:
            low, high = _padded_measure(found.widest_word, found.widest, extra, max_width)
            measurement = Measurement(low, high).with_maximum(max_width)
        else:
            measurement = Measurement(1, max_width).with_maximum(max_width)
        return measurement.clamp(
            None if column.min_width is None else column.min_width + padding_width,
            None if column.max_width is None else column.max_width + padding_width,
        )

    def _cell_padding(self, console: Console, column: Column) -> int | None:
        """The left and right padding of the column's cells (each a ``Padding``), or
        None when its cells are not padded alike or it has none."""
        if not self._raw_cells(column):
            return None
        _, right, _, left = self.padding
        if not self.collapse_padding and self.pad_edge:
            # _get_cells pads every cell with the table's padding
            return right + left if any(self.padding) else None
        first = next(iter(self._get_cells(console, column._index, column)))
        if not isinstance(first.renderable, Padding):
            return None
        return int(first.renderable.left + first.renderable.right)

    def _calculate_column_widths(self, console: Console, options: ConsoleOptions) -> list[int]:
        # print_table has just measured the table with these options to know it fits
        known = self._widths
        if known is not None and known[0] is console and known[1] == options:
            return list(known[2])
        return super()._calculate_column_widths(console, options)

    def fits(self, console: Console) -> bool:
        """Whether every line ``console.print(self)`` prints is within the console's
        width: each line of a table is as wide as the table (a title is wrapped to
        it), so cropping the lines to the console would change nothing."""
        if not self.columns:
            return True
        # the options console.print renders with
        options = console.options.update(
            justify=None, overflow=None, height=None, no_wrap=None, markup=None, highlight=None
        )
        max_width = options.max_width if self.width is None else self.width
        extra = self._extra_width
        measured = options.update_width(max_width - extra)
        try:
            widths = self._calculate_column_widths(console, measured)
        except PRINT_ERRORS:
            return False  # console.print meets it again, and says what it is
        self._widths = (console, measured, widths)
        return 2 <= sum(widths) + extra <= console.width

    # -- drawing -----------------------------------------------------------------

    def _quick(self) -> bool:
        """Whether this table's shape is one :meth:`_render` draws itself."""
        return bool(
            self.box
            and self.show_edge
            and not self.show_footer
            and not self.show_lines
            and not self.leading
            and not self.row_styles
            and not self.collapse_padding
            and self.pad_edge
            and tuple(self.padding) == (0, 1, 0, 1)
            and all(row.style is None and not row.end_section for row in self.rows)
        )

    def _render(self, console: Console, options: ConsoleOptions, widths: list[int]) -> RenderResult:
        # highlighting styles what it finds in a cell, which only Rich knows
        highlighted = self.highlight or any(column.highlight for column in self.columns)
        if not self._quick() or (highlighted and console.color_system is not None):
            yield from super()._render(console, options, widths)
            return
        plain_mode = console.color_system is None
        table_style = console.get_style(self.style or "")
        border_style = table_style + console.get_style(self.border_style or "")
        assert self.box is not None
        box = self.box.substitute(options, safe=_pick(self.safe_box, console.safe_box))
        box = box if self.show_header else box.get_plain_headed_box()
        plain_border = plain_mode or not border_style
        new_line = Segment.line()
        yield Segment(box.get_top(widths), border_style)
        yield new_line
        get_style = console.get_style
        header_style = get_style(self.header_style or "")
        columns = self.columns
        # each column's cells laid out once, then drawn row by row
        styles: list[tuple[Style, Style]] = []
        laid: list[list[list[str] | None]] = []
        for column, width in zip(columns, widths, strict=True):
            column_styles = (
                header_style + get_style(column.header_style),
                get_style(column.style or ""),
            )
            styles.append(column_styles)
            found = self._column_cells(console, options, column)
            laid.append(
                self._lay_out_column(console, column, width, found, column_styles, plain_mode)
            )
        texts = [self._column_cells(console, options, column).texts for column in columns]
        all_top = all(column.vertical == "top" for column in columns)
        # console.print measures every line it is given to crop it to the console; a
        # line within the console is not cropped, and is given in pieces Rich
        # measures quickly
        # uncropped, plain lines are written as they are: they are gathered and
        # given as one segment up to the next one Rich draws
        gathered: list[str] = []
        segments = (
            gathering(gathered)
            if self._uncropped
            else quickly_measured
            if sum(widths) + len(widths) + 1 <= console.width
            else whole
        )
        row_count = len(self.rows) + (1 if self.show_header else 0)
        for index in range(row_count):
            header_row = self.show_header and index == 0
            first, last = index == 0, index == row_count - 1
            left, right, divider = (
                (box.head_left, box.head_right, box.head_vertical)
                if first
                else (box.foot_left, box.foot_right, box.foot_vertical)
                if last
                else (box.mid_left, box.mid_right, box.mid_vertical)
            )
            row = [column_lines[index] for column_lines in laid]
            quick_row = plain_border and all(cell is not None for cell in row)
            height = max(len(cell) if cell is not None else 1 for cell in row)
            if quick_row and height == 1:
                # the common row: one line of plain text in every cell
                yield from segments(left + divider.join([cell[0] for cell in row if cell]) + right)
            elif quick_row and (header_row or all_top):
                # lines of plain text: blank lines below a cell (above, in the
                # header), as Rich aligns them
                shaped = [
                    aligned(cell, height, width, header_row)
                    for cell, width in zip(row, widths, strict=True)
                    if cell is not None
                ]
                for parts in zip(*shaped, strict=True):
                    yield from segments(left + divider.join(parts) + right)
            else:
                yield from given(gathered)
                yield from self._drawn_row(console, options, row, widths, styles, texts, index, box)
            if first and self.show_header:
                yield from given(gathered)
                yield Segment(box.get_row(widths, "head", edge=True), border_style)
                yield new_line
        yield from given(gathered)
        yield Segment(box.get_bottom(widths), border_style)
        yield new_line

    def _lay_out_column(
        self,
        console: Console,
        column: Column,
        width: int,
        found: _Cells,
        column_styles: tuple[Style, Style],
        plain_mode: bool,
    ) -> list[list[str] | None]:
        """Each cell of a column as its lines of plain text, padding included, or None
        for a cell Rich must draw."""
        inner = width - 2
        justify, overflow, no_wrap = column.justify, column.overflow, column.no_wrap
        # a shape Text.wrap follows with lengths when every character is one cell wide
        narrow_column = inner >= 1 and justify in JUSTIFIED and overflow != "ignore"
        quick_left = narrow_column and justify == "left"
        quick_right = narrow_column and justify == "right"
        header_style, body_style = column_styles
        styled_ok = plain_mode or not column.highlight
        laid: list[list[str] | None] = []
        append = laid.append
        folded: dict[str, list[str]] = {}
        for index, (text, narrow) in enumerate(zip(found.texts, found.narrows, strict=True)):
            cell_style = header_style if index == 0 and self.show_header else body_style
            if text is None or not (plain_mode or (styled_ok and _unstyled(text, cell_style))):
                append(None)
                continue
            own = (
                text.justify is None
                and text.overflow is None
                and text.no_wrap is None
                and text.end == "\n"
            )
            if narrow is not None and own and narrow_column:
                size = len(narrow)
                # one line; a right-justified one has no trailing space to strip
                right = quick_right and not narrow[-1:].isspace()
                if size <= inner and (quick_left or right):
                    gap = " " * (inner - size)
                    append([f" {narrow}{gap} " if quick_left else f" {gap}{narrow} "])
                else:
                    # a label met again in the column (a code in many pairs) is laid
                    # out once; the lines are only read
                    wrapped = folded.get(narrow)
                    if wrapped is None:
                        lines = narrow_lines(narrow, inner, justify, overflow, no_wrap)
                        wrapped = folded[narrow] = [f" {line} " for line in lines]
                    append(wrapped)
                continue
            general = lay_out(console, text, column, inner)
            append(None if general is None else [f" {line} " for line in general])
        return laid

    def _drawn_row(
        self,
        console: Console,
        options: ConsoleOptions,
        row: list[list[str] | None],
        widths: list[int],
        styles: list[tuple[Style, Style]],
        texts: list[list[Text | None]],
        index: int,
        box: Any,
    ) -> Iterable[Segment]:
        """A row of several lines or with cells Rich draws, aligned as Rich aligns it."""
        header_row = self.show_header and index == 0
        first, last = index == 0, index == len(self.rows) + (1 if self.show_header else 0) - 1
        edges = (
            (box.head_left, box.head_right, box.head_vertical)
            if first
            else (box.foot_left, box.foot_right, box.foot_vertical)
            if last
            else (box.mid_left, box.mid_right, box.mid_vertical)
        )
        cells: list[list[Any]] = []
        cell_styles: list[Style] = []
        for column, width, laid, (header_style, body_style), column_texts in zip(
            self.columns, widths, row, styles, texts, strict=True
        ):
            cell_style = header_style if header_row else body_style
            if laid is None:
                text = column_texts[index]
                renderable = self._raw_cells(column)[index] if text is None else text
                cells.append(
                    self._slow_cell(console, options, renderable, column, width, cell_style)
                )
            else:
                cells.append(laid)
            cell_styles.append(cell_style)
        height = max(len(cell) for cell in cells)
        border_style = console.get_style(self.style or "") + console.get_style(
            self.border_style or ""
        )
        yield from self._row_segments(
            cells, cell_styles, widths, height, header_row, edges, border_style, texts, index
        )

    def _slow_cell(
        self,
        console: Console,
        options: ConsoleOptions,
        renderable: Any,
        column: Column,
        width: int,
        cell_style: Style,
    ) -> list[list[Segment]]:
        """One cell rendered as ``Table._render`` renders it."""
        render_options = options.update(
            width=width,
            justify=column.justify,
            no_wrap=column.no_wrap,
            overflow=column.overflow,
            height=None,
            highlight=column.highlight,
        )
        return console.render_lines(
            Padding(renderable, (0, 1, 0, 1)), render_options, style=cell_style
        )

    def _row_segments(
        self,
        cells: list[list[Any]],
        styles: list[Style],
        widths: list[int],
        height: int,
        header_row: bool,
        edges: tuple[str, str, str],
        border_style: Style,
        texts: list[list[Text | None]],
        index: int,
    ) -> Iterable[Segment]:
        """A row of several lines (or with styled cells), aligned and shaped as
        ``Table._render`` aligns and shapes it."""
        shaped = []
        for cell, style, width, column, column_texts in zip(
            cells, styles, widths, self.columns, texts, strict=True
        ):
            lines = [[Segment(line)] if isinstance(line, str) else line for line in cell]
            renderable = column_texts[index] or self._raw_cells(column)[index]
            vertical = (
                "bottom"
                if header_row
                else (getattr(renderable, "vertical", None) or column.vertical)
            )
            if vertical == "top":
                lines = Segment.align_top(lines, width, height, style)
            elif vertical == "middle":
                lines = Segment.align_middle(lines, width, height, style)
            else:
                lines = Segment.align_bottom(lines, width, height, style)
            # a row is a line high even when no cell gives a line (a column too
            # narrow for its padding): Table shapes to at least one line, unstyled
            shaped.append(Segment.set_shape(lines, width, max(1, height)))
        left, right, divider = (Segment(edge, border_style) for edge in edges)
        for line_no in range(max(1, height)):
            yield left
            for n, cell_lines in enumerate(shaped):
                yield from cell_lines[line_no]
                if n < len(shaped) - 1:
                    yield divider
            yield right
            yield Segment.line()


# the class print_table knows, whatever a test puts in QuickTable's place
_Quick = QuickTable


def _pick(*values: bool | None) -> bool:
    return next((v for v in values if v is not None), False)


def _unstyled(text: Text, cell_style: Style) -> bool:
    return not text.spans and not text.style and not cell_style


def _normal(low: int, high: int) -> tuple[int, int]:
    """``Measurement.normalize``."""
    low = min(max(0, low), high)
    return max(0, low), max(0, max(low, high))


def _padded_measure(minimum: int, maximum: int, extra: int, max_width: int) -> tuple[int, int]:
    """``Measurement.get`` of ``Padding(text)`` whose text measures ``(minimum,
    maximum)``, in plain integers (the same steps, without making a Measurement at
    each)."""
    if max_width - extra < 1:
        low = high = max_width
    else:
        low, high = _normal(minimum, maximum)
        low, high = min(low, max_width), min(high, max_width)
        low, high = (0, 0) if high < 1 else _normal(low, high)
        low, high = min(low + extra, max_width), min(high + extra, max_width)
    low, high = _normal(low, high)
    low, high = min(low, max_width), min(high, max_width)
    if high < 1:
        return 0, 0
    return _normal(low, high)
