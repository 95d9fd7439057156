"""The corpus search screen: a query and a mode, the hits in context (document, speaker,
case), Enter opens a hit in the workbench, and every hit or every hit's unit coded with a
chosen code, after a preview, as one journal step.

The search, the plan and the coding run in thread workers through the search service
(the same as ``codage search`` and ``codage autocode``); widgets only post messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from codage.display import visible
from codage.i18n import register, t
from codage.journal_text import describe_change
from codage.services.search import (
    MODES,
    UNIT_SCOPE,
    AutocodePlan,
    SearchHit,
    SearchResult,
    apply_autocode,
    plan_autocode,
    search_corpus,
)
from codage.tui.bindings import localize
from codage.tui.screens.dialogs import Confirm
from codage.tui.screens.passage_list import PassageListScreen

register(
    {
        "tui.search_screen.title": {"en": "Search the corpus", "fr": "Chercher dans le corpus"},
        "tui.search_screen.placeholder": {
            "en": "Words to find, then Enter",
            "fr": "Mots à chercher, puis Entrée",
        },
        "tui.search_screen.mode.exact": {"en": "exact", "fr": "exact"},
        "tui.search_screen.mode.words": {"en": "all words", "fr": "tous les mots"},
        "tui.search_screen.mode.lemma": {"en": "lemma", "fr": "lemme"},
        "tui.search_screen.mode.regex": {"en": "regex", "fr": "regex"},
        "tui.search_screen.mode.fuzzy": {"en": "fuzzy", "fr": "approché"},
        "tui.search_screen.searching": {"en": "Searching…", "fr": "Recherche…"},
        "tui.search_screen.count": {
            "en": "{total} hit(s) for {query}",
            "fr": "{total} résultat(s) pour {query}",
        },
        "tui.search_screen.shown": {
            "en": "{total} hit(s) for {query}, the first {shown} shown",
            "fr": "{total} résultat(s) pour {query}, les {shown} premiers affichés",
        },
        "tui.search_screen.none": {"en": "No hit.", "fr": "Aucun résultat."},
        "tui.search_screen.error": {
            "en": "Cannot search: {error}",
            "fr": "Recherche impossible : {error}",
        },
        "tui.search_screen.no_hits": {
            "en": "Search first: there is nothing to code.",
            "fr": "Cherchez d'abord : il n'y a rien à coder.",
        },
        "tui.search_screen.preview": {
            "en": 'Code {n} passage(s) with "{code}" ({scope}), marked automatic?'
            "{skipped}\n{first}",
            "fr": "Coder {n} passage(s) avec « {code} » ({scope}), marqués automatiques ?"
            "{skipped}\n{first}",
        },
        "tui.search_screen.skipped": {
            "en": " {already} already coded so, {outside} outside any unit: left as they are.",
            "fr": " {already} déjà codé(s) ainsi, {outside} hors de toute unité : "
            "laissés tels quels.",
        },
        "tui.search_screen.nothing_new": {
            "en": 'Every passage is already coded with "{code}".',
            "fr": "Tous les passages sont déjà codés avec « {code} ».",
        },
        "tui.search_screen.coded": {
            "en": "{n} passage(s) coded; Ctrl+Z takes them all back",
            "fr": "{n} passage(s) codé(s) ; Ctrl+Z les retire tous",
        },
        "tui.search_screen.scope.match": {"en": "every hit", "fr": "chaque résultat"},
        "tui.search_screen.scope.unit": {"en": "every unit", "fr": "chaque unité"},
        "tui.search_screen.undone": {"en": "Undone: {summary}", "fr": "Annulé : {summary}"},
        "tui.search_screen.nothing_to_undo": {
            "en": "Nothing to undo.",
            "fr": "Rien à annuler.",
        },
        "tui.key.search_screen.jump": {"en": "Open", "fr": "Ouvrir"},
        "tui.key.search_screen.code_hits": {"en": "Code hits", "fr": "Coder les résultats"},
        "tui.key.search_screen.code_units": {"en": "Code units", "fr": "Coder les unités"},
        "tui.key.search_screen.query": {"en": "Query", "fr": "Requête"},
        "tui.key.search_screen.undo": {"en": "Undo", "fr": "Annuler"},
        "tui.key.search_screen.close": {"en": "Close", "fr": "Fermer"},
    }
)

# Hits listed at once; the count says how many there are, auto-coding takes them all.
SHOWN = 500


@dataclass
class _Request:
    query: str
    mode: str


class SearchScreen(PassageListScreen):
    """Search every document; Enter opens a hit, ``a``/``u`` code every hit or unit."""

    STATUS = "search-status"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+a", "code('match')", "Code hits", id="search_screen.code_hits"),
        Binding("ctrl+u", "code('unit')", "Code units", id="search_screen.code_units"),
        Binding("ctrl+l", "focus_query", "Query", id="search_screen.query"),
        Binding("ctrl+z", "undo", "Undo", id="search_screen.undo"),
        Binding("escape", "close", "Close", id="search_screen.close"),
    ]

    DEFAULT_CSS = """
    SearchScreen {
        layout: vertical;
        #search-head { height: 1; padding: 0 1; background: $panel; }
        #search-bar { height: 3; }
        #search-query { width: 1fr; }
        #search-mode { width: 22; }
        #search-hits { height: 1fr; }
        #search-status { height: 1; padding: 0 1; color: $text-muted; }
        #search-status.error { color: $error; }
    }
    """

    class Searched(Message):
        """The hits of a search (every one: auto-coding takes them all)."""

        def __init__(self, token: int, result: SearchResult) -> None:
            super().__init__()
            self.token = token
            self.result = result

    class Planned(Message):
        """What auto-coding the hits would do, to show before applying it."""

        def __init__(self, plan: AutocodePlan) -> None:
            super().__init__()
            self.plan = plan

    class Done(Message):
        """A change was made (auto-coding, undo): ``note`` says which."""

        def __init__(self, note: str) -> None:
            super().__init__()
            self.note = note

    class Failed(Message):
        """A search or a change could not be made; ``error`` says why in one line."""

        def __init__(self, token: int | None, error: str) -> None:
            super().__init__()
            self.token = token
            self.error = error

    def __init__(self, query: str = "", mode: str = "exact") -> None:
        super().__init__()
        localize(self)
        self._initial = _Request(query, mode)
        self.result: SearchResult | None = None
        self._token = 0
        self._request = self._initial

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(t("tui.search_screen.title"), id="search-head")
        with Horizontal(id="search-bar"):
            yield Input(
                self._initial.query,
                placeholder=t("tui.search_screen.placeholder"),
                id="search-query",
            )
            yield Select[str](
                [(t(f"tui.search_screen.mode.{m}"), m) for m in MODES],
                value=self._initial.mode,
                allow_blank=False,
                id="search-mode",
            )
        yield OptionList(id="search-hits")
        yield Static("", id="search-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search-query", Input).focus()
        if self._initial.query.strip():
            self.run_search()

    # ------------------------------------------------------------------ search

    @on(Input.Submitted, "#search-query")
    def _submitted(self) -> None:
        self.run_search()

    @on(Select.Changed, "#search-mode")
    def _mode_changed(self) -> None:
        if self.query_one("#search-query", Input).value.strip():
            self.run_search()

    def run_search(self) -> None:
        """Search for what the query field holds, in the chosen mode, in a worker."""
        query = self.query_one("#search-query", Input).value
        mode = str(self.query_one("#search-mode", Select).value)
        if not query.strip():
            return
        self._token += 1
        self._request = _Request(query, mode)
        self._set_status(t("tui.search_screen.searching"))
        self._search(self._token, query, mode)

    @work(thread=True, exclusive=True, group="corpus-search")
    def _search(self, token: int, query: str, mode: str) -> None:
        lemmatize = None
        if mode == "lemma":
            from codage.ingest.nlp import query_lemmas

            lemmatize = query_lemmas
        try:
            result = search_corpus(self.project, query, mode, lemmatize=lemmatize)
        except Exception as exc:  # a bad query is one line on screen, not a crash
            self.post_message(self.Failed(token, str(exc)))
            return
        self.post_message(self.Searched(token, result))

    def on_search_screen_searched(self, message: Searched) -> None:
        if message.token != self._token:
            return
        self.result = message.result
        hits = self.query_one("#search-hits", OptionList)
        hits.clear_options()
        hits.add_options(Option(self._prompt(h)) for h in message.result.hits[:SHOWN])
        total = message.result.total
        if not total:
            self._set_status(t("tui.search_screen.none"))
            return
        hits.highlighted = 0
        hits.focus()
        key = "tui.search_screen.shown" if total > SHOWN else "tui.search_screen.count"
        self._set_status(t(key, total=total, shown=SHOWN, query=repr(message.result.query)))

    def on_search_screen_failed(self, message: Failed) -> None:
        if message.token is not None and message.token != self._token:
            return
        self._set_status(t("tui.search_screen.error", error=message.error), error=True)

    def _prompt(self, hit: SearchHit) -> Text:
        where = [hit.document]
        if hit.speaker:
            where.append(hit.speaker)
        if hit.case is not None:
            where.append(hit.case.name)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(visible(" · ".join(where)), style="italic")
        text.append("\n")
        # a line of context each: long option prompts wrap, and a list of hits reads best
        # one line of place and one of words per hit
        if hit.before:
            text.append("…" + visible(hit.before[-30:]), style="dim")
        shown = " ".join(hit.text.split())
        text.append(visible(shown if len(shown) <= 60 else shown[:59] + "…"), style="bold reverse")
        if hit.after:
            text.append(visible(hit.after[:40]) + "…", style="dim")
        return text

    def hit_rows(self) -> list[SearchHit]:
        """The hits listed, in order (for tests and the palette)."""
        return [] if self.result is None else self.result.hits[:SHOWN]

    # ------------------------------------------------------------------ jump

    @on(OptionList.OptionSelected, "#search-hits")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        rows = self.hit_rows()
        if 0 <= event.option_index < len(rows):
            hit = rows[event.option_index]
            self.open_passage(hit.document_id, hit.start, hit.end)

    # ------------------------------------------------------------------ auto-coding

    def action_code(self, scope: str) -> None:
        """Choose a code, then see how many passages every hit (or unit) would code."""
        if self.result is None or not self.result.total:
            self.notify(t("tui.search_screen.no_hits"))
            return
        self.choose_code(lambda code: self._plan(code.path_str, scope))

    @work(thread=True, exclusive=True, group="corpus-search-plan")
    def _plan(self, code_path: str, scope: str) -> None:
        result = self.result
        if result is None:
            return
        try:
            plan = plan_autocode(self.project, result, code_path, coder=self.coder, scope=scope)
        except Exception as exc:
            self.post_message(self.Failed(None, str(exc)))
            return
        self.post_message(self.Planned(plan))

    def on_search_screen_planned(self, message: Planned) -> None:
        plan = message.plan
        code = plan.code.path_str
        if not plan.new:
            self.notify(t("tui.search_screen.nothing_new", code=code))
            return
        first = "\n".join(
            f"• {p.document}: « {' '.join(p.text.split())[:70]} »" for p in plan.new[:3]
        )
        skipped = ""
        if plan.already or plan.without_unit:
            skipped = t(
                "tui.search_screen.skipped",
                already=len(plan.already),
                outside=len(plan.without_unit),
            )
        question = t(
            "tui.search_screen.preview",
            n=len(plan.new),
            code=code,
            scope=t(f"tui.search_screen.scope.{'unit' if plan.scope == UNIT_SCOPE else 'match'}"),
            skipped=skipped,
            first=first,
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._apply(plan, self._request)

        self.app.push_screen(Confirm(question), answered)

    @work(thread=True, exclusive=True, group="corpus-search-apply")
    def _apply(self, plan: AutocodePlan, request: _Request) -> None:
        try:
            apply_autocode(self.project, plan, query=request.query, mode=request.mode)
        except Exception as exc:
            self.post_message(self.Failed(None, str(exc)))
            return
        self.post_message(self.Done(t("tui.search_screen.coded", n=plan.added)))

    def action_undo(self) -> None:
        """Undo the coder's last change (an auto-coding: all of it)."""
        self._undo()

    @work(thread=True, exclusive=True, group="corpus-search-apply")
    def _undo(self) -> None:
        try:
            entry = self.project.undo(coder=self.coder)
        except Exception as exc:
            self.post_message(self.Failed(None, str(exc)))
            return
        if entry is None:
            self.post_message(self.Done(t("tui.search_screen.nothing_to_undo")))
            return
        self.post_message(self.Done(t("tui.search_screen.undone", summary=describe_change(entry))))

    def on_search_screen_done(self, message: Done) -> None:
        self.changed(message.note)

    # ------------------------------------------------------------------ the rest

    def action_focus_query(self) -> None:
        self.query_one("#search-query", Input).focus()
