"""Drawing the transcript view: one visual line as a strip (gutter, styled text, margin of code
names), cached, with the cursor and selection painted over it at paint time; the runs of
coding coverage it tints the text by. Builds on
:class:`~codage.tui.widgets.transcript_index.TranscriptIndexing`."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.strip import Strip

from codage.display import visible
from codage.domain import Code, Coding, Span
from codage.tui.widgets.transcript_index import TranscriptIndexing
from codage.tui.widgets.transcript_layout import (
    DISPLAY,
    FAR,
    FIRST,
    GREY,
    HEADER,
    MAX_TARGETED_INVALIDATION,
    OVERLAP_TINT,
    TINT,
    Layout,
    RunKey,
    cell_width,
    coverage,
    ellipsis,
    format_timestamp,
    parse_colour,
)


class TranscriptRendering(TranscriptIndexing):
    """Drawing lines of a transcript view (see the module's docstring)."""

    # ------------------------------------------------------------------ coding runs

    def _index_codings(self, codings: Sequence[Coding]) -> None:
        self._codings = list(codings)
        self._coding_keys = {(c.id, c.code_id, c.start, c.end) for c in self._codings}
        self._coding_triples = [(c.start, c.end, c.code_id) for c in self._codings]
        self._run_bounds, self._run_keys = coverage(self._coding_triples, 0, FAR)

    def _splice_runs(
        self,
        low: int,
        high: int,
        near: Callable[[int, int], Sequence[tuple[int, int, int]]] | None = None,
    ) -> None:
        """Recompute coverage runs inside ``[low, high)`` only; outside it nothing changed.
        ``near`` gives the triples that may meet a span (all of them by default)."""
        bounds, keys = self._run_bounds, self._run_keys
        triples = self._coding_triples if near is None else near(low, high)
        middle_bounds, middle_keys = coverage(triples, low, high)
        before = bisect_left(bounds, low)
        after = bisect_right(bounds, high)
        key_at_high = keys[after - 1]  # coverage from ``high`` on is unchanged
        new_bounds = bounds[:before] + middle_bounds
        new_keys = keys[:before] + middle_keys
        if high < FAR:
            new_bounds.append(high)
            new_keys.append(key_at_high)
        new_bounds += bounds[after:]
        new_keys += keys[after:]
        # runs of equal coverage meeting at the seams become one
        for seam in (len(new_bounds) - len(bounds) + after, before + len(middle_bounds), before):
            if 0 < seam < len(new_bounds) and new_keys[seam] == new_keys[seam - 1]:
                del new_bounds[seam]
                del new_keys[seam]
        self._run_bounds, self._run_keys = new_bounds, new_keys

    def _invalidate_spans(self, spans: list[Span]) -> None:
        """Drop cached strips of the visual lines that intersect ``spans``."""
        layout = self._layout
        if layout is None:
            return
        if len(spans) > MAX_TARGETED_INVALIDATION:
            self._strips.clear()
            return
        span_starts = [s.start for s in spans]
        for y in list(self._strips.keys()):
            # a line covers its newline too: a coding may end there
            start, end = layout.starts[y], layout.ends[y] + 1
            index = bisect_left(span_starts, end) - 1
            if index >= 0 and spans[index].end > start:
                self._strips.discard(y)

    # ------------------------------------------------------------------ rendering

    def render_line(self, y: int) -> Strip:
        layout = self._layout
        width = self.scrollable_content_region.width
        line = int(self.scroll_offset.y) + y
        if layout is None or line >= layout.count or layout.width != width:
            return Strip.blank(width, self.rich_style)
        strip = self._strips.get(line)
        if strip is None:
            strip = self._build_strip(layout, line)
            self._strips.set(line, strip)
        return self._overlay(layout, line, strip)

    def _run_style(self, key: RunKey, base: Style) -> Style:
        style = self._run_styles.get(key)
        if style is None:
            code_ids, overlapping = key
            background = Color.from_rich_color(base.bgcolor) if base.bgcolor else Color(0, 0, 0)
            colours = [parse_colour(self._codes[i].colour) for i in code_ids if i in self._codes]
            if not colours:
                colours = [GREY]
            mixed = Color(
                sum(c.r for c in colours) // len(colours),
                sum(c.g for c in colours) // len(colours),
                sum(c.b for c in colours) // len(colours),
            )
            tint = background.blend(mixed, OVERLAP_TINT if overlapping else TINT)
            style = base + Style(bgcolor=tint.rich_color, underline=overlapping)
            self._run_styles[key] = style
        return style

    def _build_strip(self, layout: Layout, y: int) -> Strip:
        """Gutter, text with coding tints, and margin of visual line ``y``."""
        base = self.rich_style
        text = self._text
        start, end, kind = layout.starts[y], layout.ends[y], layout.kinds[y]
        gutter_style = self.get_component_rich_style("transcript-view--gutter")
        segments: list[Segment] = []
        number = self._number_of(layout.paras[y]) if kind == FIRST else 0
        label = f"{number} " if number else ""
        segments.append(Segment(label.rjust(layout.gutter), gutter_style))
        if kind == HEADER:
            stamp, speaker = self._headers.get(start, (None, None))
            if stamp is not None:
                stamp_style = self.get_component_rich_style("transcript-view--timestamp")
                segments.append(Segment(format_timestamp(stamp) + " ", stamp_style))
            note = self._notes.get(start)
            if speaker:
                shown = visible(speaker) + " " if note else visible(speaker)
                segments.append(Segment(shown, self._speaker_style(speaker, base)))
            if note:
                note_style = self.get_component_rich_style("transcript-view--note")
                segments.append(Segment(visible(note), note_style))
        else:
            position = start
            for label_start, label_end, speaker in self._labels.get(start, ()):
                if kind != FIRST or label_start < position or label_start >= end:
                    break
                segments.extend(self._text_segments(position, label_start, base))
                position = min(end, label_end)
                if speaker is None:
                    style = self.get_component_rich_style("transcript-view--timestamp")
                else:
                    style = self._speaker_style(speaker, base)
                segments.append(Segment(text[label_start:position].translate(DISPLAY), style))
            segments.extend(self._text_segments(position, end, base))
        # pads short lines. A header longer than the text column runs on over the margin
        # (a header has no text of its own to name codes for), and one longer than the
        # view is cut with an ellipsis.
        room = layout.gutter + layout.text_width + 1
        strip = Strip(segments)
        margin = layout.margin
        if kind == HEADER and strip.cell_length > room:
            room, margin = layout.width, 0
            if strip.cell_length > room:
                strip = ellipsis(strip, room, segments[-1].style)
        strip = strip.adjust_cell_length(room, base)
        if margin:
            strip = Strip.join([strip, Strip(self._margin_segments(layout, start, end, base))])
        strip = strip.adjust_cell_length(layout.width, base)
        if self._dimmed and self._is_dimmed(start):
            strip = strip.apply_style(Style(dim=True))
        return strip

    def _text_segments(self, position: int, end: int, base: Style) -> list[Segment]:
        """``text[position:end]`` cut at coverage runs, each piece tinted by its codes."""
        text, bounds, keys = self._text, self._run_bounds, self._run_keys
        segments: list[Segment] = []
        index = bisect_right(bounds, position) - 1
        last = len(bounds) - 1
        while position < end:
            piece_end = min(end, bounds[index + 1]) if index < last else end
            key = keys[index]
            style = base if key is None else self._run_style(key, base)
            segments.append(Segment(text[position:piece_end].translate(DISPLAY), style))
            position = piece_end
            index += 1
        return segments

    def _speaker_style(self, speaker: str, base: Style) -> Style:
        style = base + self.get_component_rich_style("transcript-view--speaker", partial=True)
        colour = self._speaker_colours.get(speaker)
        return style + Style(color=colour) if colour else style

    def _margin_segments(self, layout: Layout, start: int, end: int, base: Style) -> list[Segment]:
        """``│ name, name…`` naming the codes present on the line, in their colours."""
        margin_style = self.get_component_rich_style("transcript-view--margin")
        room = layout.margin - 2
        segments = [Segment("│ ", margin_style)]
        codes: list[int] = []
        bounds, keys = self._run_bounds, self._run_keys
        index = bisect_right(bounds, start) - 1
        while index < len(bounds) and bounds[index] < max(end, start + 1):
            key = keys[index]
            if key is not None:
                codes.extend(i for i in key[0] if i not in codes)
            index += 1
        for i, code_id in enumerate(codes):
            code = self._codes.get(code_id)
            if code is None or room <= 0:
                continue
            name = (", " if i else "") + visible(code.name)
            if cell_len(name) > room:
                name = name[: max(0, room - 1)] + "…"
            segments.append(Segment(name, base + self._name_style(code)))
            room -= cell_len(name)
        return segments

    def _name_style(self, code: Code) -> Style:
        """A code's name in its colour, pulled a little towards the text colour so that a
        dark green stays legible on a dark theme and a pale yellow on a light one."""
        base = self.rich_style
        foreground = Color.from_rich_color(base.color) if base.color else Color(255, 255, 255)
        return Style(color=parse_colour(code.colour).blend(foreground, 0.3).rich_color)

    def _overlay(self, layout: Layout, y: int, strip: Strip) -> Strip:
        """Draw the selection and the cursor over a cached strip."""
        if layout.kinds[y] == HEADER:
            return strip
        start, end = layout.starts[y], layout.ends[y]
        last = self._last_offset(y)
        x0 = layout.gutter
        marks: list[tuple[int, int, Style]] = []
        selection = self.selection
        if selection is not None and selection.start <= last and selection.end > start:
            a = max(selection.start, start)
            b = min(selection.end, end)
            left = x0 + self._column_of(y, a)
            right = x0 + self._column_of(y, b)
            if selection.end > end and last == end:
                right += 1  # the selected newline shows as one cell
            if right > left:
                style = self.get_component_rich_style("transcript-view--selection", partial=True)
                marks.append((left, right, style))
        if start <= self._cursor <= last and self._line_of(self._cursor) == y:
            column = x0 + self._column_of(y, self._cursor)
            size = 1
            if self._cursor < end and self._is_complex(y):
                size = max(1, cell_width(self._text[self._cursor]))
            style = self.get_component_rich_style("transcript-view--cursor", partial=True)
            marks.append((column, column + size, style))
        for left, right, style in marks:
            right = min(right, layout.gutter + layout.text_width + 1)
            if right <= left:
                continue
            before, middle, after = strip.divide([left, right, strip.cell_length])
            middle = Strip(list(Segment.apply_style(middle, post_style=style)), middle.cell_length)
            strip = Strip.join([before, middle, after])
        return strip
