"""A Rich table that lays out plain cells itself: the same bytes as ``rich.table.Table``,
without Rich's per-cell machinery.

Rich renders every cell of a table through a ``Padding``, ``render_lines``, its
segments cropped and padded, and measures every cell the same way first: about a
third of a millisecond a cell. ``codage segments`` on the demo (1,373 codings, five
columns) spent 2.4 s there, ``codage stats`` most of its time (issues 13 and 19).

:class:`QuickTable` is a ``Table`` (same constructor, same ``add_column``/``add_row``)
that takes two shortcuts, each only where it gives what Rich gives:

- A column is measured from its cells' ``Text`` (``Text.__rich_measure__``, the
  measure Rich uses) with the arithmetic of ``Measurement.get`` and
  ``Padding.__rich_measure__`` written out, not through a ``Padding`` per cell.
- A cell of plain text (a ``Text``, or a string as Rich makes it into one) is laid
  out with Rich's own ``Text.wrap`` (or, when it fits on one line, padded as that
  would pad it) and drawn as one unstyled segment per line. That is exact when the
  console writes no colours (a pipe, a file: every segment's text is written as it
  is) or when the cell has no style at all. Any other cell (styled text on a
  terminal, another renderable, a justification or overflow of its own) is rendered
  by Rich exactly as ``Table`` renders it.

Whatever the shortcuts do not cover (footers, row styles, lines between rows,
sections, no box, no edge, padding other than one space on each side) is drawn by
``Table`` itself. ``tests/cli/test_quick_table.py`` compares the bytes with
``Table``'s, at several widths, with and without colours, on accented, wide and
long text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from rich._wrap import divide_line
from rich.cells import cell_len, set_cell_size
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.table import Column, Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

__all__ = ["QuickTable"]

# What Text.wrap and Text.__rich_measure__ split lines on differently (splitlines
# knows more line breaks than "\n"), tabs, and the controls a terminal acts on: a cell
# holding any of them is left to Rich.
_AWKWARD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\t\r]")
_JUSTIFIED = ("left", "right", "center")


class QuickTable(Table):
    """``rich.table.Table`` with plain cells measured and laid out cheaply (same bytes)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (column index, markup) -> the column's cells as Text (header first), as
        # Measurement.get makes a string into one
        self._texts: dict[tuple[int, bool | None], list[Text | None]] = {}
        # column index -> its texts' own measures (Text.__rich_measure__)
        self._measures: dict[tuple[int, bool | None], list[Measurement]] = {}

    # -- measuring ---------------------------------------------------------------

    def _raw_cells(self, column: Column) -> list[Any]:
        cells: list[Any] = [column.header] if self.show_header else []
        cells.extend(column.cells)
        if self.show_footer:
            cells.append(column.footer)
        return cells

    def _column_texts(
        self, console: Console, options: ConsoleOptions, column: Column
    ) -> list[Text | None]:
        key = (column._index, options.markup)
        found = self._texts.get(key)
        if found is None:
            found = []
            for cell in self._raw_cells(column):
                if isinstance(cell, str):
                    found.append(console.render_str(cell, markup=options.markup, highlight=False))
                else:
                    found.append(cell if isinstance(cell, Text) else None)
            self._texts[key] = found
        return found

    def _measure_column(
        self, console: Console, options: ConsoleOptions, column: Column
    ) -> Measurement:
        """``Table._measure_column``, each cell measured as ``Measurement.get`` measures
        it inside its ``Padding``, without making the padding."""
        max_width = options.max_width
        if max_width < 1 or column.width is not None:
            return super()._measure_column(console, options, column)
        cells = self._get_cells(console, column._index, column)
        first = next(iter(cells), None)
        if first is None or not isinstance(first.renderable, Padding):
            return super()._measure_column(console, options, column)
        extra = first.renderable.left + first.renderable.right
        texts = self._column_texts(console, options, column)
        if any(text is None for text in texts):
            return super()._measure_column(console, options, column)
        raw = self._measures.get((column._index, options.markup))
        if raw is None:
            # a text's own measure does not depend on the width asked: Rich asks again
            # at each width it tries when a table is too wide
            raw = self._measures[column._index, options.markup] = [
                text.__rich_measure__(console, options) for text in texts if text is not None
            ]
        min_widths: list[int] = []
        max_widths: list[int] = []
        for measure in raw:
            low, high = _padded_measure(measure, extra, max_width)
            min_widths.append(low)
            max_widths.append(high)
        padding_width = self._get_padding_width(column._index)
        measurement = Measurement(
            max(min_widths) if min_widths else 1,
            max(max_widths) if max_widths else max_width,
        ).with_maximum(max_width)
        return measurement.clamp(
            None if column.min_width is None else column.min_width + padding_width,
            None if column.max_width is None else column.max_width + padding_width,
        )

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
        texts = [self._column_texts(console, options, column) for column in columns]
        row_count = len(self.rows) + (1 if self.show_header else 0)
        for index in range(row_count):
            header_row = self.show_header and index == 0
            first, last = index == 0, index == row_count - 1
            edges = (
                (box.head_left, box.head_right, box.head_vertical)
                if first
                else (box.foot_left, box.foot_right, box.foot_vertical)
                if last
                else (box.mid_left, box.mid_right, box.mid_vertical)
            )
            cells: list[list[Any]] = []
            styles: list[Style] = []
            for column, width, column_texts in zip(columns, widths, texts, strict=True):
                cell_style = (
                    header_style + get_style(column.header_style)
                    if header_row
                    else get_style(column.style or "")
                )
                text = column_texts[index]
                renderable = (
                    self._raw_cells(column)[index] if text is None else text  # rare: no text
                )
                quick = None
                if text is not None and (
                    plain_mode or (not column.highlight and _unstyled(text, cell_style))
                ):
                    quick = _lay_out(console, text, column, width - 2)
                if quick is None:
                    quick_lines: list[Any] = self._slow_cell(
                        console, options, renderable, column, width, cell_style
                    )
                else:
                    quick_lines = [f" {line} " for line in quick]
                cells.append(quick_lines)
                styles.append(cell_style)
            height = max(len(cell) for cell in cells)
            left, right, divider = edges
            if plain_border and self._all_quick(cells, header_row):
                # every cell is lines of plain text: the row's lines as one string each,
                # blank lines below a cell (above, in the header), as Rich aligns them
                for line_no in range(height):
                    parts = []
                    for cell, width in zip(cells, widths, strict=True):
                        at = line_no - (height - len(cell)) if header_row else line_no
                        parts.append(cell[at] if 0 <= at < len(cell) else " " * width)
                    yield Segment(f"{left}{divider.join(parts)}{right}")
                    yield new_line
            else:
                yield from self._row_segments(
                    cells, styles, widths, height, header_row, edges, border_style, texts, index
                )
            if first and self.show_header:
                yield Segment(box.get_row(widths, "head", edge=True), border_style)
                yield new_line
        yield Segment(box.get_bottom(widths), border_style)
        yield new_line

    def _all_quick(self, cells: list[list[Any]], header_row: bool) -> bool:
        """Whether every cell of a row was laid out here, to be aligned as Rich would
        align it: at the top (bottom in the header)."""
        if not all(cell and isinstance(cell[0], str) for cell in cells):
            return False
        return header_row or all(column.vertical == "top" for column in self.columns)

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
            shaped.append(Segment.set_shape(lines, width, height))
        left, right, divider = (Segment(edge, border_style) for edge in edges)
        for line_no in range(height):
            yield left
            for n, cell_lines in enumerate(shaped):
                yield from cell_lines[line_no]
                if n < len(shaped) - 1:
                    yield divider
            yield right
            yield Segment.line()


def _pick(*values: bool | None) -> bool:
    return next((v for v in values if v is not None), False)


def _unstyled(text: Text, cell_style: Style) -> bool:
    return not text.spans and not text.style and not cell_style


def _normal(low: int, high: int) -> tuple[int, int]:
    """``Measurement.normalize``."""
    low = min(max(0, low), high)
    return max(0, low), max(0, max(low, high))


def _padded_measure(raw: Measurement, extra: int, max_width: int) -> tuple[int, int]:
    """``Measurement.get`` of ``Padding(text)`` whose text measures ``raw``, in plain
    integers (the same steps, without making a Measurement at each)."""
    if max_width - extra < 1:
        low = high = max_width
    else:
        low, high = _normal(raw.minimum, raw.maximum)
        low, high = min(low, max_width), min(high, max_width)
        low, high = (0, 0) if high < 1 else _normal(low, high)
        low, high = min(low + extra, max_width), min(high + extra, max_width)
    low, high = _normal(low, high)
    low, high = min(low, max_width), min(high, max_width)
    if high < 1:
        return 0, 0
    return _normal(low, high)


_TRAILING_SPACE = re.compile(r"\s+$")


def _wrap_left(plain: str, width: int, overflow: str) -> list[str]:
    """``Text(plain).wrap(console, width, justify="left", overflow=overflow)`` for one
    line of plain text (no line break, no tab): Rich's own line breaking
    (``divide_line``), then each piece as ``rstrip_end`` and ``truncate`` leave it."""
    offsets = divide_line(plain, width, fold=overflow == "fold")
    bounds = [0, *offsets, len(plain)]
    lines = []
    for start, end in pairwise(bounds):
        line = plain[start:end]
        excess = len(line) - width
        if excess > 0:
            trailing = _TRAILING_SPACE.search(line)
            if trailing is not None:
                line = line[: len(line) - min(len(trailing.group(0)), excess)]
        size = cell_len(line)
        if size > width:
            line = (
                set_cell_size(line, width - 1) + "…"
                if overflow == "ellipsis"
                else set_cell_size(line, width)
            )
        elif size < width:
            line += " " * (width - size)
        lines.append(line)
    return lines


def _lay_out(console: Console, text: Text, column: Column, width: int) -> list[str] | None:
    """The lines ``text`` takes in a cell ``width`` wide (padding left out), as Rich
    lays them out; None when Rich must draw it."""
    plain = text.plain
    justify = column.justify
    if (
        width < 1
        or text.justify is not None
        or text.overflow is not None
        or text.no_wrap is not None
        or text.end != "\n"
        or justify not in _JUSTIFIED
        or column.overflow == "ignore"
        or _AWKWARD.search(plain)
    ):
        return None
    if "\n" not in plain and not column.no_wrap:
        size = cell_len(plain)
        if size <= width:
            if justify == "left":
                return [plain + " " * (width - size)]
            kept = plain.rstrip()
            size = cell_len(kept)
            if justify == "right":
                return [" " * (width - size) + kept]
            before = (width - size) // 2
            return [" " * before + kept + " " * (width - size - before)]
    if "\n" not in plain and justify == "left" and not column.no_wrap:
        return [set_cell_size(line, width) for line in _wrap_left(plain, width, column.overflow)]
    lines = Text(plain).wrap(
        console, width, justify=justify, overflow=column.overflow, no_wrap=column.no_wrap
    )
    if not lines:
        return None
    # render_lines then crops or pads each line to the width
    return [set_cell_size(line.plain, width) for line in lines]
