"""Comparison mode: several coders' codings side by side, their disagreements, a consensus.

Each coder's codings of one document are shown in a transcript view of their
own, scrolled together, with a last view for the consensus layer (the codings
of the coder ``consensus``) as it is built. Below, the disagreements: for each
code, a maximal stretch of text that at least one coder coded and where the
coders did not all code the same characters. For the highlighted one, a key
takes one coder's version, the union or the intersection into the consensus
layer; each decision is one journal entry of ``consensus``, so ctrl+z takes
back the last.
"""

from __future__ import annotations

import threading
from collections import Counter
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from codage.analysis.disagreements import (
    INTERSECTION,
    UNION,
    Disagreement,
    consensus_change,
    find_disagreements,
)
from codage.display import plain, visible
from codage.domain import (
    Code,
    Coding,
    Document,
    Span,
    Unit,
    intersect_spans,
    normalise_spans,
)
from codage.i18n import register, t
from codage.journal_text import describe_change
from codage.services import Project
from codage.tui.bindings import localize
from codage.tui.widgets.transcript_view import TranscriptView

CONSENSUS = "consensus"
"""The coder whose codings are the consensus layer."""


register(
    {
        "tui.compare.title": {"en": "Compare", "fr": "Comparaison"},
        "tui.compare.loading": {"en": "Reading codings…", "fr": "Lecture des codages…"},
        "tui.compare.count": {
            "en": "{count} disagreements, {decided} decided",
            "fr": "{count} désaccords, {decided} tranchés",
        },
        "tui.compare.none": {
            "en": "The coders agree everywhere in this document.",
            "fr": "Les codeurs sont d'accord partout dans ce document.",
        },
        "tui.compare.error": {
            "en": "Cannot compare: {error}",
            "fr": "Comparaison impossible : {error}",
        },
        "tui.compare.need_two": {
            "en": "Choose at least two coders to compare.",
            "fr": "Choisissez au moins deux codeurs à comparer.",
        },
        "tui.compare.consensus": {"en": "consensus", "fr": "consensus"},
        "tui.compare.col.code": {"en": "Code", "fr": "Code"},
        "tui.compare.col.coded_by": {"en": "Coded by", "fr": "Codé par"},
        "tui.compare.col.decision": {"en": "Consensus", "fr": "Consensus"},
        "tui.compare.col.text": {"en": "Text", "fr": "Texte"},
        "tui.compare.union": {"en": "union", "fr": "union"},
        "tui.compare.intersection": {"en": "intersection", "fr": "intersection"},
        "tui.compare.other": {"en": "edited", "fr": "modifié"},
        "tui.compare.decided": {"en": "Consensus: {choice}", "fr": "Consensus : {choice}"},
        "tui.compare.unchanged": {
            "en": "The consensus already reads so here.",
            "fr": "Le consensus est déjà ainsi ici.",
        },
        "tui.compare.undone": {"en": "Undone: {summary}", "fr": "Annulé : {summary}"},
        "tui.compare.nothing_to_undo": {
            "en": "No consensus decision to undo.",
            "fr": "Aucune décision de consensus à annuler.",
        },
        "tui.compare.no_coder": {"en": "No coder {n} here.", "fr": "Pas de codeur {n} ici."},
        "tui.compare.summary": {
            "en": "consensus on {code} « {passage} »: {choice}",
            "fr": "consensus sur {code} « {passage} » : {choice}",
        },
        **{
            f"tui.key.compare.accept_{n}": {"en": "Take coder 1-9", "fr": "Prendre codeur 1-9"}
            for n in range(1, 10)
        },
        "tui.key.compare.union": {"en": "Union", "fr": "Union"},
        "tui.key.compare.intersection": {"en": "Intersection", "fr": "Intersection"},
        "tui.key.compare.next": {"en": "Next", "fr": "Suivant"},
        "tui.key.compare.coders": {"en": "Coders…", "fr": "Codeurs…"},
        "tui.compare.taken": {
            "en": "{taken}'s version taken, {left}'s left",
            "fr": "version de {taken} retenue, celle de {left} laissée",
        },
        "tui.compare.combined": {"en": "{choice} of {coders}", "fr": "{choice} de {coders}"},
        "tui.key.compare.undo": {"en": "Undo", "fr": "Annuler"},
        "tui.key.compare.close": {"en": "Close", "fr": "Fermer"},
    }
)


# ---------------------------------------------------------------------------
# The screen
# ---------------------------------------------------------------------------


class CoderView(TranscriptView):
    """A transcript view of one coder's layer: read-only, scrolled with the others."""

    def scroll_to_offset(self, offset: int) -> None:
        """Put the line holding ``offset`` at the top of the view."""
        if self.line_count:
            self.scroll_to(y=self._line_of(offset), animate=False, force=True)

    def action_apply_code(self) -> None:
        """Comparison never codes a coder's layer: decisions go to the consensus."""

    def action_remove_coding(self) -> None:
        """See :meth:`action_apply_code`."""


class CompareScreen(Screen[None]):
    """Two or more coders' codings of a document side by side, and their consensus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                str(n),
                f"accept({n - 1})",
                "Take coder 1-9",
                show=n == 1,
                id=f"compare.accept_{n}",
            )
            for n in range(1, 10)
        ),
        Binding("u", "decide('union')", "Union", id="compare.union"),
        Binding("i", "decide('intersection')", "Intersection", id="compare.intersection"),
        Binding("n", "next", "Next", id="compare.next"),
        Binding("c", "choose_coders", "Coders…", id="compare.coders"),
        Binding("ctrl+z", "undo", "Undo", id="compare.undo"),
        Binding("escape", "close", "Close", id="compare.close"),
    ]

    DEFAULT_CSS = """
    CompareScreen {
        #compare-head { height: 1; padding: 0 1; background: $panel; }
        #compare-views { height: 1fr; }
        .compare-layer { width: 1fr; }
        .compare-label { height: 1; padding: 0 1; background: $boost; text-style: bold; }
        .compare-layer CoderView { height: 1fr; }
        #compare-list { height: 9; border-top: solid $panel-lighten-2; }
        #compare-status { height: 1; padding: 0 1; color: $text-muted; }
        #compare-status.error { color: $error; }
    }
    """

    class Loaded(Message):
        """The document, its units, the codebook and the codings of every layer."""

        def __init__(
            self,
            document: Document,
            units: list[Unit],
            codes: list[Code],
            codings: list[Coding],
            counts: dict[str, int],
        ) -> None:
            super().__init__()
            self.counts = counts
            self.document = document
            self.units = units
            self.codes = codes
            self.codings = codings

    class ConsensusChanged(Message):
        """The consensus codings after a decision or an undo, with what to say."""

        def __init__(
            self,
            codings: list[Coding],
            note: str,
            decided: tuple[int, str] | None,
            undone: bool = False,
        ) -> None:
            super().__init__()
            self.codings = codings
            self.note = note
            self.decided = decided
            self.undone = undone

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, document_id: int, coders: list[str]) -> None:
        super().__init__()
        localize(self)
        self.document_id = document_id
        self.coders = [c for c in dict.fromkeys(coders) if c != CONSENSUS]
        self.document: Document | None = None
        self.codes: dict[int, Code] = {}
        self.codings: dict[str, list[Coding]] = {}
        # codings per coder in the document, every coder: the coder picker lists them
        self.counts: dict[str, int] = {}
        self.disagreements: list[Disagreement] = []
        # what was decided on each disagreement, by index: a coder, union, intersection
        self.decisions: dict[int, str] = {}
        # the disagreements decided in this screen, last on top, for ctrl+z
        self._undo_stack: list[int] = []
        self._syncing = False
        # decisions are written one at a time, in the order they were asked
        self._write_lock = threading.Lock()

    @property
    def project(self) -> Project:
        return self.app.project  # type: ignore[attr-defined,no-any-return]

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(Text(t("tui.compare.title"), style="bold"), id="compare-head")
        with Horizontal(id="compare-views"):
            for n, name in enumerate([*self.coders, CONSENSUS], 1):
                with Vertical(classes="compare-layer"):
                    label = f"{n} {name}" if name != CONSENSUS else t("tui.compare.consensus")
                    yield Static(plain(label), classes="compare-label")
                    yield CoderView(id=f"layer-{n - 1}")
        yield DataTable(id="compare-list", cursor_type="row", zebra_stripes=True)
        yield Static(t("tui.compare.loading"), id="compare-status")
        yield Footer()

    def views(self) -> list[CoderView]:
        """One view per coder, in order, then the consensus view."""
        return [self.query_one(f"#layer-{i}", CoderView) for i in range(len(self.coders) + 1)]

    def on_mount(self) -> None:
        for view in self.views():
            self.watch(view, "scroll_y", partial(self._follow, view), init=False)
        self.query_one(DataTable).focus()
        if len(self.coders) < 2:
            self._set_status(t("tui.compare.need_two"), error=True)
            return
        self._load()

    # ------------------------------------------------------------------ reading

    @work(thread=True, exclusive=True, group="compare-load")
    def _load(self) -> None:
        project = self.project
        try:
            document = project.document(self.document_id)
            units = project.units(self.document_id)
            codes = project.codes()
            every = project.codings(document_id=self.document_id)
        except Exception as exc:  # one line on screen, never a traceback
            self.post_message(self.Failed(str(exc)))
            return
        wanted = {*self.coders, CONSENSUS}
        codings = [c for c in every if c.coder in wanted]
        counts = dict(Counter(c.coder for c in every))
        self.post_message(self.Loaded(document, units, codes, codings, counts))

    def on_compare_screen_failed(self, message: Failed) -> None:
        self._set_status(t("tui.compare.error", error=message.error), error=True)

    def on_compare_screen_loaded(self, message: Loaded) -> None:
        self.counts = message.counts
        self.document = message.document
        self.codes = {c.id: c for c in message.codes}
        layers: dict[str, list[Coding]] = {name: [] for name in [*self.coders, CONSENSUS]}
        for coding in message.codings:
            layers.setdefault(coding.coder, []).append(coding)
        self.codings = layers
        for view, name in zip(self.views(), [*self.coders, CONSENSUS], strict=True):
            view.load(message.document, message.units, layers[name], message.codes)
        self.disagreements = find_disagreements(
            message.codings, self.coders, [c.id for c in message.codes]
        )
        self.decisions = {}
        for i, d in enumerate(self.disagreements):
            # a consensus built earlier (or by the command line) shows as what it matches
            inside = self._consensus_inside(d)
            if inside:
                choices = d.matching(inside)
                self.decisions[i] = choices[0] if choices else "other"
        self._fill_list()
        if self.disagreements:
            self._show(0)
        self._count()

    # ------------------------------------------------------------------ list

    def _consensus_inside(self, d: Disagreement) -> list[Span]:
        return intersect_spans(
            [c.span for c in self.codings.get(CONSENSUS, []) if c.code_id == d.code_id], [d.span]
        )

    def _decision_label(self, index: int) -> Text:
        choice = self.decisions.get(index)
        if choice is None:
            return Text("")
        if choice in self.coders:
            return plain(f"{self.coders.index(choice) + 1} {choice}", "bold")
        key = choice if choice in (UNION, INTERSECTION) else "other"
        return Text(t(f"tui.compare.{key}"), style="bold")

    def _fill_list(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        width = max(60, self.size.width)
        code_width = 24 if width >= 120 else 14
        coded_width = 24 if width >= 120 else 14
        decision_width = 14 if width >= 120 else 10
        text_width = max(16, width - code_width - coded_width - decision_width - 12)
        table.add_column(t("tui.compare.col.code"), width=code_width, key="code")
        table.add_column(t("tui.compare.col.coded_by"), width=coded_width, key="coded_by")
        table.add_column(t("tui.compare.col.decision"), width=decision_width, key="decision")
        table.add_column(t("tui.compare.col.text"), width=text_width, key="text")
        text = self.document.text if self.document else ""
        for i, d in enumerate(self.disagreements):
            code = self.codes.get(d.code_id)
            name = Text("■ ", style=code.colour if code else "")
            name.append(visible(code.name) if code else str(d.code_id))
            who = plain(", ".join(f"{self.coders.index(n) + 1} {n}" for n in d.coded_by))
            excerpt = plain(" ".join(text[d.span.start : d.span.end].split()))
            table.add_row(name, who, self._decision_label(i), excerpt, key=str(i))

    def _count(self) -> None:
        if not self.disagreements:
            self._set_status(t("tui.compare.none"))
            return
        self._set_status(
            t("tui.compare.count", count=len(self.disagreements), decided=len(self.decisions))
        )

    def current(self) -> int | None:
        """Index of the highlighted disagreement."""
        table = self.query_one(DataTable)
        if not self.disagreements or table.row_count == 0:
            return None
        return max(0, min(table.cursor_row, len(self.disagreements) - 1))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.disagreements):
            self._show(event.cursor_row)

    def _show(self, index: int) -> None:
        """Select the disagreement's stretch in every view (they scroll there together)."""
        span = self.disagreements[index].span
        self._syncing = True
        try:
            for view in self.views():
                view.jump_to(span)
        finally:
            self._syncing = False

    def _follow(self, source: CoderView, _old: float, _new: float) -> None:
        """Scroll the other views to the text the scrolled one shows."""
        if self._syncing or not source.line_count:
            return
        self._syncing = True
        try:
            top = source.visible_span().start
            for view in self.views():
                if view is not source:
                    view.scroll_to_offset(top)
        finally:
            self._syncing = False

    # ------------------------------------------------------------------ decisions

    def action_accept(self, index: int) -> None:
        """Take coder number ``index + 1``'s version of the highlighted disagreement."""
        if index >= len(self.coders):
            self.notify(t("tui.compare.no_coder", n=index + 1), severity="warning")
            return
        self.action_decide(self.coders[index])

    def action_decide(self, choice: str) -> None:
        """Write a choice (coder, union, intersection) into the consensus layer."""
        current = self.current()
        if current is None:
            return
        d = self.disagreements[current]
        code = self.codes.get(d.code_id)
        # the journal names whose coding was taken and whose left
        if choice in self.coders:
            left = ", ".join(n for n in self.coders if n != choice)
            label = t("tui.compare.taken", taken=choice, left=left)
        else:
            combined = t(f"tui.compare.{choice}")
            label = t("tui.compare.combined", choice=combined, coders=", ".join(self.coders))
        words = (self.document.text[d.span.start : d.span.end] if self.document else "").split()
        passage = " ".join(words[:8]) + ("…" if len(words) > 8 else "")
        summary = t(
            "tui.compare.summary",
            code=code.path_str if code else d.code_id,
            passage=passage,
            choice=label,
        )
        self._write(current, choice, d.option(choice), summary)
        # on to the next, as a reviewer goes through the list
        self.action_next()

    @work(thread=True, group="consensus-write")
    def _write(self, index: int, choice: str, target: list[Span], summary: str) -> None:
        d = self.disagreements[index]
        project = self.project
        try:
            with self._write_lock:
                existing = [
                    c
                    for c in project.codings(
                        document_id=self.document_id, code_ids=[d.code_id], coders=[CONSENSUS]
                    )
                ]
                remove, add = consensus_change(existing, d.span, target)
                if remove or add:
                    # The decision is the user's change (their ctrl+z or `codage undo`
                    # takes it back); the codings it writes are the consensus layer's.
                    with project.batch(
                        coder=self._me(), action="consensus_decision", summary=summary
                    ):
                        for coding_id in remove:
                            project.remove_coding(coding_id, coder=CONSENSUS)
                        for span in add:
                            project.add_coding(
                                self.document_id, d.code_id, span.start, span.end, coder=CONSENSUS
                            )
                codings = project.codings(document_id=self.document_id, coders=[CONSENSUS])
        except Exception as exc:  # one line on screen, never a traceback
            self.post_message(self.Failed(str(exc)))
            return
        changed = bool(remove or add)
        note = summary if changed else t("tui.compare.unchanged")
        self.post_message(
            self.ConsensusChanged(codings, note, (index, choice) if changed else None)
        )

    def action_next(self) -> None:
        """Leave the highlighted disagreement as it is and go to the next."""
        current = self.current()
        if current is not None and current + 1 < len(self.disagreements):
            self.query_one(DataTable).move_cursor(row=current + 1)

    def action_choose_coders(self) -> None:
        """Pick the two coders to compare; the choice is remembered for the project."""
        from codage.tui.screens.coder_pair import CoderPairPicker

        def chosen(pair: list[str] | None) -> None:
            if not pair:
                return
            remember = getattr(self.app, "remember_pair", None)
            if remember is not None:
                remember(pair)
            self.app.switch_screen(CompareScreen(self.document_id, pair))

        counts = {n: k for n, k in self.counts.items() if n != CONSENSUS}
        self.app.push_screen(CoderPairPicker(counts, self.coders), chosen)

    def _me(self) -> str:
        """The person deciding: the app's coder (the consensus layer's name in a bare host)."""
        return str(getattr(self.app, "coder", CONSENSUS))

    def action_undo(self) -> None:
        """Take back the user's last consensus decision (never another change of theirs)."""
        self._undo()

    @work(thread=True, group="consensus-write")
    def _undo(self) -> None:
        project = self.project
        try:
            with self._write_lock:
                me = self._me()
                last = next((e for e in project.history(coder=me, limit=50) if not e.undone), None)
                entry = None
                if last is not None and last.action == "consensus_decision":
                    entry = project.undo(coder=me)
                codings = project.codings(document_id=self.document_id, coders=[CONSENSUS])
        except Exception as exc:
            self.post_message(self.Failed(str(exc)))
            return
        if entry is None:
            self.post_message(
                self.ConsensusChanged(codings, t("tui.compare.nothing_to_undo"), None)
            )
            return
        note = t("tui.compare.undone", summary=describe_change(entry))
        self.post_message(self.ConsensusChanged(codings, note, None, undone=True))

    def on_compare_screen_consensus_changed(self, message: ConsensusChanged) -> None:
        self.codings[CONSENSUS] = message.codings
        self.views()[-1].set_codings(message.codings)
        if message.decided is not None:
            index, choice = message.decided
            self.decisions[index] = choice
            self._undo_stack.append(index)
            self._relabel(index)
        elif message.undone and self._undo_stack:
            index = self._undo_stack.pop()
            inside = self._consensus_inside(self.disagreements[index])
            choices = self.disagreements[index].matching(inside) if inside else []
            if inside:
                self.decisions[index] = choices[0] if choices else "other"
            else:
                self.decisions.pop(index, None)
            self._relabel(index)
        self._count()
        self.notify(message.note, timeout=3)

    def _relabel(self, index: int) -> None:
        self.query_one(DataTable).update_cell(str(index), "decision", self._decision_label(index))

    def consensus_spans(self, code_id: int) -> list[Span]:
        """The consensus layer of a code in this document, normalised (tests read it)."""
        return normalise_spans(
            c.span for c in self.codings.get(CONSENSUS, []) if c.code_id == code_id
        )

    def action_close(self) -> None:
        self.app.pop_screen()

    def _set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#compare-status", Static)
        status.update(plain(text, multiline=True))
        status.set_class(error, "error")
