"""The statistics screen: frequencies, crosstabs and co-occurrence, in tabs.

The numbers come from :func:`codage.analysis.stats.compute_stats`, computed in
a thread worker; the tables are filled from that one result, so choosing
another case attribute only redraws a table.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Select, Static, TabbedContent, TabPane

from codage.analysis.stats import Stats, compute_stats
from codage.display import plain, visible
from codage.domain import CodeLabel, code_label
from codage.i18n import register, t
from codage.services import Project
from codage.tui.bindings import localize
from codage.tui.widgets.steady_footer import SteadyFooter

register(
    {
        "tui.stats.title": {"en": "Statistics", "fr": "Statistiques"},
        "tui.stats.loading": {"en": "Counting…", "fr": "Calcul en cours…"},
        "tui.stats.summary": {
            "en": "{codings} codings of {codes} codes in {documents} documents",
            "fr": "{codings} codages de {codes} codes dans {documents} documents",
        },
        "tui.stats.none": {
            "en": "No coding yet: nothing to count.",
            "fr": "Aucun codage pour l'instant : rien à compter.",
        },
        "tui.stats.error": {
            "en": "Cannot compute the statistics: {error}",
            "fr": "Calcul des statistiques impossible : {error}",
        },
        "tui.stats.tab.frequencies": {"en": "Frequencies", "fr": "Fréquences"},
        "tui.stats.tab.documents": {"en": "Code × document", "fr": "Code × document"},
        "tui.stats.tab.attributes": {"en": "Code × attribute", "fr": "Code × attribut"},
        "tui.stats.tab.cooccurrence": {"en": "Co-occurrence", "fr": "Cooccurrences"},
        "tui.stats.attribute": {"en": "Attribute", "fr": "Attribut"},
        "tui.stats.no_attribute": {
            "en": "No case carries attributes.",
            "fr": "Aucun cas ne porte d'attribut.",
        },
        "tui.stats.measure.codings": {"en": "counting codings", "fr": "en codages"},
        "tui.stats.measure.cases": {"en": "counting cases", "fr": "en cas"},
        "tui.stats.col.code": {"en": "Code", "fr": "Code"},
        "tui.stats.col.codings": {"en": "Codings", "fr": "Codages"},
        "tui.stats.col.documents": {"en": "Documents", "fr": "Documents"},
        "tui.stats.col.cases": {"en": "Cases", "fr": "Cas"},
        "tui.stats.col.coders": {"en": "Coders", "fr": "Codeurs"},
        "tui.stats.col.characters": {"en": "Characters", "fr": "Caractères"},
        "tui.stats.col.share": {"en": "Share of text", "fr": "Part du texte"},
        "tui.stats.col.code_a": {"en": "Code A", "fr": "Code A"},
        "tui.stats.col.code_b": {"en": "Code B", "fr": "Code B"},
        "tui.stats.col.passage": {"en": "Same passage", "fr": "Même passage"},
        "tui.stats.col.unit": {"en": "Same unit", "fr": "Même unité"},
        "tui.stats.col.total": {"en": "Total", "fr": "Total"},
        "tui.key.stats.measure": {"en": "Codings/cases", "fr": "Codages/cas"},
        "tui.key.stats.reload": {"en": "Recount", "fr": "Recompter"},
        "tui.key.stats.close": {"en": "Close", "fr": "Fermer"},
        "tui.key.stats.tab_1": {"en": "Tables 1-4", "fr": "Tableaux 1-4"},
        "tui.key.stats.attribute": {"en": "Attribute", "fr": "Attribut"},
    }
)

TABS = ("frequencies", "documents", "attributes", "cooccurrence")


def code_cell(label: CodeLabel, colour: str, width: int) -> Text:
    """``■ Leaf (Parent)`` in at most ``width`` cells: cut at the end with an ellipsis,
    never a path cut in the middle."""
    cell = Text(label.indent, no_wrap=True, overflow="ellipsis")
    cell.append("■ ", style=colour)
    cell.append(visible(label.leaf))
    if label.parent:
        cell.append(f" ({visible(label.parent)})", style="dim")
    cell.truncate(width, overflow="ellipsis")
    return cell


def _number(value: int) -> Text:
    # right-aligned, so that columns of counts read as columns
    return Text(str(value), justify="right")


class StatsScreen(Screen[None]):
    """Frequencies per code, code × document, code × case attribute and co-occurrence."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_tab('frequencies')", "Tables 1-4", id="stats.tab_1"),
        Binding("2", "show_tab('documents')", show=False, id="stats.tab_2"),
        Binding("3", "show_tab('attributes')", show=False, id="stats.tab_3"),
        Binding("4", "show_tab('cooccurrence')", show=False, id="stats.tab_4"),
        Binding("a", "choose_attribute", "Attribute", id="stats.attribute"),
        Binding("m", "toggle_measure", "Codings/cases", id="stats.measure"),
        Binding("f5", "reload", "Recount", id="stats.reload"),
        Binding("escape", "close", "Close", id="stats.close"),
    ]

    DEFAULT_CSS = """
    StatsScreen {
        #stats-head { height: 1; padding: 0 1; background: $panel; }
        #stats-tabs { height: 1fr; }
        TabPane { height: 1fr; padding: 0; }
        #stats-status { height: 1; padding: 0 1; color: $text-muted; }
        #stats-status.error { color: $error; }
        #stats-attribute-row { height: 1; }
        #stats-attribute { width: 40; }
        #stats-measure { width: 1fr; padding: 0 1; color: $text-muted; }
        DataTable { height: 1fr; }
    }
    """

    class Computed(Message):
        """The statistics computed by the worker."""

        def __init__(self, stats: Stats) -> None:
            super().__init__()
            self.stats = stats

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self) -> None:
        super().__init__()
        localize(self)
        self.stats: Stats | None = None
        self.attribute: str | None = None
        self.measure = "codings"  # or "cases": distinct cases per cell

    @property
    def project(self) -> Project:
        return self.app.project  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        yield Static(Text(t("tui.stats.title"), style="bold"), id="stats-head")
        with TabbedContent(id="stats-tabs"):
            with TabPane(t("tui.stats.tab.frequencies"), id="frequencies"):
                yield DataTable(id="stats-frequencies", cursor_type="row", zebra_stripes=True)
            with TabPane(t("tui.stats.tab.documents"), id="documents"):
                yield DataTable(id="stats-documents", cursor_type="cell", zebra_stripes=True)
            with TabPane(t("tui.stats.tab.attributes"), id="attributes"):
                with Horizontal(id="stats-attribute-row"):
                    yield Select[str](
                        [], prompt=t("tui.stats.attribute"), id="stats-attribute", compact=True
                    )
                    yield Static("", id="stats-measure")
                yield DataTable(id="stats-attributes", cursor_type="cell", zebra_stripes=True)
            with TabPane(t("tui.stats.tab.cooccurrence"), id="cooccurrence"):
                yield DataTable(id="stats-cooccurrence", cursor_type="row", zebra_stripes=True)
        yield Static(t("tui.stats.loading"), id="stats-status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.action_reload()

    # ------------------------------------------------------------------ worker

    def action_reload(self) -> None:
        """Count again (codings may have changed since the screen opened)."""
        self._set_status(t("tui.stats.loading"))
        self._compute()

    @work(thread=True, exclusive=True, group="stats")
    def _compute(self) -> None:
        try:
            stats = compute_stats(self.project)
        except Exception as exc:  # one line on screen, never a traceback
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Computed(stats))

    def on_stats_screen_failed(self, message: Failed) -> None:
        self._set_status(t("tui.stats.error", error=message.error), error=True)

    def on_stats_screen_computed(self, message: Computed) -> None:
        stats = self.stats = message.stats
        total = sum(f.codings for f in stats.frequencies)
        if total:
            used = sum(1 for f in stats.frequencies if f.codings)
            self._set_status(
                t("tui.stats.summary", codings=total, codes=used, documents=len(stats.documents))
            )
        else:
            self._set_status(t("tui.stats.none"))
        self._fill_frequencies(stats)
        self._fill_documents(stats)
        self._fill_cooccurrence(stats)
        attributes = sorted(stats.by_attribute)
        select = self.query_one("#stats-attribute", Select)
        select.set_options((plain(a), a) for a in attributes)
        if attributes:
            if self.attribute not in attributes:
                self.attribute = attributes[0]
            select.value = self.attribute
        else:
            self.attribute = None
        self._fill_attributes()

    # ------------------------------------------------------------------ tables

    @staticmethod
    def _reset(
        table: DataTable[Any],
        headers: list[str],
        first_width: int | None = None,
        names: int = 1,
    ) -> None:
        """Empty ``table`` and give it ``headers``: the first ``names`` columns name codes
        (left-aligned), the others count (right-aligned)."""
        table.clear(columns=True)
        for i, header in enumerate(headers):
            table.add_column(
                Text(visible(header), justify="left" if i < names else "right"),
                key=str(i),
                # measured here: the table's own measure of styled names comes out too short
                width=max(first_width, len(header)) if i == 0 and first_width else None,
            )

    def _code_width(self, labels: list[CodeLabel]) -> int:
        """Room for code labels: all of them when the screen allows, else a third of it
        (the ``■ `` before each counts)."""
        longest = max((cell_len(label.plain) + 2 for label in labels), default=4)
        return max(4, min(longest, max(16, self.size.width // 3)))

    def _fill_frequencies(self, stats: Stats) -> None:
        table = self.query_one("#stats-frequencies", DataTable)
        keys = ("code", "codings", "documents", "cases", "coders", "characters", "share")
        colours = {c.id: c.colour for c in stats.codes}
        # the whole tree is listed: leaves indented by depth, as `codage stats` prints them
        labels = [code_label(f.path, indent=True) for f in stats.frequencies]
        width = self._code_width(labels)
        self._reset(table, [t(f"tui.stats.col.{k}") for k in keys], width)
        for f, label in zip(stats.frequencies, labels, strict=True):
            table.add_row(
                code_cell(label, colours.get(f.code_id, ""), width),
                _number(f.codings),
                _number(f.documents),
                _number(f.cases),
                _number(f.coders),
                _number(f.characters),
                Text(f"{f.share:.1%}", justify="right"),
                key=str(f.code_id),
            )

    def _fill_documents(self, stats: Stats) -> None:
        table = self.query_one("#stats-documents", DataTable)
        headers = [t("tui.stats.col.code"), *stats.documents, t("tui.stats.col.total")]
        used = stats.used_codes()
        labels = [code_label(c.path) for c in used]
        width = self._code_width(labels)
        self._reset(table, headers, width)
        for code, label in zip(used, labels, strict=True):
            per_doc = stats.by_document.get(code.id, {})
            counts = [per_doc.get(d, 0) for d in stats.documents]
            table.add_row(
                code_cell(label, code.colour, width),
                *(_number(n) for n in counts),
                _number(sum(counts)),
                key=str(code.id),
            )

    def _fill_attributes(self) -> None:
        table = self.query_one("#stats-attributes", DataTable)
        stats, attribute = self.stats, self.attribute
        self.query_one("#stats-measure", Static).update(t(f"tui.stats.measure.{self.measure}"))
        if stats is None or attribute is None:
            self._reset(table, [t("tui.stats.col.code")])
            if stats is not None:
                table.add_row(plain(t("tui.stats.no_attribute")))
            return
        values = stats.attribute_values(attribute)
        source = stats.by_attribute if self.measure == "codings" else stats.cases_by_attribute
        per_code = source.get(attribute, {})
        used = stats.used_codes()
        labels = [code_label(c.path) for c in used]
        width = self._code_width(labels)
        self._reset(table, [t("tui.stats.col.code"), *values], width)
        for code, label in zip(used, labels, strict=True):
            counts = per_code.get(code.id, {})
            table.add_row(
                code_cell(label, code.colour, width),
                *(_number(counts.get(v, 0)) for v in values),
            )

    def _fill_cooccurrence(self, stats: Stats) -> None:
        table = self.query_one("#stats-cooccurrence", DataTable)
        keys = ("code_a", "code_b", "passage", "unit")
        rows = stats.sheets()[-1][1][1:]
        colours = {c.path_str: c.colour for c in stats.codes}
        labels_a = [code_label(r[0]) for r in rows]
        labels_b = [code_label(r[1]) for r in rows]
        width_a, width_b = self._code_width(labels_a), self._code_width(labels_b)
        self._reset(table, [t(f"tui.stats.col.{k}") for k in keys], width_a, names=2)
        table.columns[table.ordered_columns[1].key].auto_width = False
        table.columns[table.ordered_columns[1].key].width = width_b
        for row, label_a, label_b in zip(rows, labels_a, labels_b, strict=True):
            code_a, code_b, passage, unit = row
            table.add_row(
                code_cell(label_a, colours.get(code_a, ""), width_a),
                code_cell(label_b, colours.get(code_b, ""), width_b),
                _number(passage),
                _number(unit),
            )

    def table_rows(self, tab: str) -> list[list[str]]:
        """The cells of a tab's table as text (tests and copy-paste read them)."""
        table = self.query_one(f"#stats-{tab}", DataTable)
        return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]

    # ------------------------------------------------------------------ actions

    @on(Select.Changed, "#stats-attribute")
    def _attribute_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.attribute:
            self.attribute = event.value
            self._fill_attributes()

    def action_toggle_measure(self) -> None:
        """Count codings or distinct cases in the attribute crosstab."""
        self.measure = "cases" if self.measure == "codings" else "codings"
        self._fill_attributes()

    def action_show_tab(self, tab: str) -> None:
        """Show one of the tables (1 to 4) and put the keyboard in it."""
        if tab in TABS:
            self.query_one(TabbedContent).active = tab
            self.query_one(f"#stats-{tab}", DataTable).focus()

    def action_choose_attribute(self) -> None:
        """Open the attribute chooser of the code × attribute table."""
        self.action_show_tab("attributes")
        select = self.query_one("#stats-attribute", Select)
        select.focus()
        select.expanded = True

    def action_close(self) -> None:
        self.app.pop_screen()

    def _set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#stats-status", Static)
        status.update(plain(text, multiline=True))
        status.set_class(error, "error")
