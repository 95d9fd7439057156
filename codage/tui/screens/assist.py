"""Similar passages and code suggestions for the passage of the workbench (issue 18).

``w`` on the selection (or the sentence under the cursor) lists the most similar units
of the corpus: Enter opens one, ``c`` codes it. ``h`` (hints) lists the codes suggested for
the passage with their evidence: Enter or ``a`` accepts one, which codes the passage
as the coder's own coding, marked as accepted from a suggestion. The vectors, the
similarity and the suggestions run in thread workers through the assistance service
(the same as ``codage similar`` and ``codage suggest``); widgets only post messages.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from codage.display import plain, visible
from codage.domain import Span
from codage.i18n import register, t
from codage.services import Project
from codage.services.assist import (
    AssistIndex,
    PassageSuggestions,
    SimilarPassage,
    accept_suggestion,
    build_index,
    build_suggester,
    similar_passages,
    suggest_for_passage,
)
from codage.tui.bindings import localize
from codage.tui.screens.passage_list import PassageListScreen

SIMILAR, SUGGEST = "similar", "suggest"
SHOWN = 20

register(
    {
        "tui.assist.title.similar": {
            "en": "Passages like this one",
            "fr": "Passages semblables à celui-ci",
        },
        "tui.assist.title.suggest": {
            "en": "Codes suggested for this passage",
            "fr": "Codes suggérés pour ce passage",
        },
        "tui.assist.working": {
            "en": "Comparing with the corpus…",
            "fr": "Comparaison avec le corpus…",
        },
        "tui.assist.method": {
            "en": "{n} result(s) · {method}: {model}",
            "fr": "{n} résultat(s) · {method} : {model}",
        },
        "tui.assist.none": {
            "en": "Nothing to show: no similar unit, or no coded passage to learn from.",
            "fr": "Rien à montrer : aucune unité semblable, ou aucun passage codé dont apprendre.",
        },
        "tui.assist.this": {"en": "this passage", "fr": "ce passage"},
        "tui.assist.evidence": {"en": "like", "fr": "comme"},
        "tui.assist.accepted": {
            "en": 'Coded with "{code}" (accepted suggestion)',
            "fr": "Codé avec « {code} » (suggestion acceptée)",
        },
        "tui.assist.coded": {"en": 'Coded with "{code}"', "fr": "Codé avec « {code} »"},
        "tui.assist.error": {"en": "Could not: {error}", "fr": "Impossible : {error}"},
    }
)

# One index per project and state of its documents, kept for the session: building it
# reads every unit's vector; the documents' hashes tell when it is stale.
_indexes: dict[tuple[str, str, tuple[tuple[int, str], ...]], AssistIndex] = {}
_indexes_lock = threading.Lock()


def session_index(project: Project, method: str = "auto") -> AssistIndex:
    """The project's index for ``method``, built once per state of its documents."""
    key = (project.location, method, tuple((d.id, d.sha256) for d in project.documents()))
    with _indexes_lock:
        found = _indexes.get(key)
        if found is None:
            stale = [k for k in _indexes if k[:2] == key[:2]]
            for k in stale:
                del _indexes[k]
            found = _indexes[key] = build_index(project, method)
        return found


class AssistScreen(PassageListScreen):
    """Similar passages (``mode`` similar) or code suggestions (``mode`` suggest) for
    [span) of a document."""

    STATUS = "assist-status"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "code", "Code it", id="assist.code"),
        Binding("a", "accept", "Accept", id="assist.accept"),
        Binding("escape", "close", "Close", id="assist.close"),
    ]

    DEFAULT_CSS = """
    AssistScreen {
        layout: vertical;
        #assist-head { height: 1; padding: 0 1; background: $panel; }
        #assist-passage { height: auto; max-height: 4; padding: 0 1; color: $text-muted; }
        #assist-rows { height: 1fr; }
        #assist-status { height: 1; padding: 0 1; color: $text-muted; }
        #assist-status.error { color: $error; }
    }
    """

    class Found(Message):
        """What the service found for the passage."""

        def __init__(
            self, rows: list[SimilarPassage] | PassageSuggestions, method: str, model: str
        ) -> None:
            super().__init__()
            self.rows = rows
            self.method = method
            self.model = model

    class Done(Message):
        """A coding was made; ``note`` says which."""

        def __init__(self, note: str) -> None:
            super().__init__()
            self.note = note

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, mode: str, document_id: int, span: Span, *, method: str = "auto") -> None:
        super().__init__()
        localize(self)
        self.mode = mode
        self.document_id = document_id
        self.span = span
        self.method = method
        self.similar: list[SimilarPassage] = []
        self.suggestions: PassageSuggestions | None = None

    def compose(self) -> ComposeResult:
        yield Static(t(f"tui.assist.title.{self.mode}"), id="assist-head")
        yield Static("", id="assist-passage")
        yield OptionList(id="assist-rows")
        yield Static(t("tui.assist.working"), id="assist-status")
        yield Footer()

    def on_mount(self) -> None:
        self._find()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "code":
            return self.mode == SIMILAR
        if action == "accept":
            return self.mode == SUGGEST
        return True

    # ------------------------------------------------------------------ finding

    @work(thread=True, exclusive=True, group="assist")
    def _find(self) -> None:
        try:
            index = session_index(self.project, self.method)
            start, end = self.span.start, self.span.end
            rows: list[SimilarPassage] | PassageSuggestions
            if self.mode == SIMILAR:
                rows = similar_passages(
                    self.project,
                    index,
                    coder=self.coder,
                    document_id=self.document_id,
                    start=start,
                    end=end,
                    top=SHOWN,
                )
            else:
                suggester = build_suggester(self.project, index)
                rows = suggest_for_passage(
                    self.project,
                    suggester,
                    self.document_id,
                    start,
                    end,
                    coder=self.coder,
                    top=5,
                )
        except Exception as exc:  # one line on screen, not a crash
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Found(rows, index.method.name, index.method.model))

    def on_assist_screen_found(self, message: Found) -> None:
        options = self.query_one("#assist-rows", OptionList)
        options.clear_options()
        if isinstance(message.rows, PassageSuggestions):
            self.suggestions = message.rows
            passage = message.rows.text
            options.add_options(
                Option(self._suggestion_prompt(i)) for i in range(len(message.rows.suggestions))
            )
            count = len(message.rows.suggestions)
        else:
            self.similar = message.rows
            passage = ""
            options.add_options(Option(self._similar_prompt(p)) for p in message.rows)
            count = len(message.rows)
        if passage or self.similar:
            shown = passage or next(
                (p.text for p in self.similar if self._is_self(p)), self.similar[0].text
            )
            flat = " ".join(shown.split())
            self.query_one("#assist-passage", Static).update(
                plain("« " + (flat if len(flat) < 300 else flat[:299] + "…") + " »")
            )
        if not count:
            self._set_status(t("tui.assist.none"))
            return
        options.highlighted = 0
        options.focus()
        self._set_status(
            t("tui.assist.method", n=count, method=message.method, model=message.model)
        )

    def on_assist_screen_failed(self, message: Failed) -> None:
        self._set_status(t("tui.assist.error", error=message.error), error=True)

    def _is_self(self, p: SimilarPassage) -> bool:
        return (p.document_id, p.start, p.end) == (self.document_id, self.span.start, self.span.end)

    def _similar_prompt(self, p: SimilarPassage) -> Text:
        where = [f"{p.score:.2f}", p.document]
        where += [x for x in (p.speaker, p.case) if x]
        if self._is_self(p):
            where.append(f"({t('tui.assist.this')})")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(visible(" · ".join(where)), style="italic")
        if p.codes:
            text.append(
                "  " + visible(", ".join(c.rsplit("/", 1)[-1] for c in p.codes)), style="bold"
            )
        text.append("\n")
        flat = " ".join(p.text.split())
        text.append(visible(flat if len(flat) <= 90 else flat[:89] + "…"))
        return text

    def _suggestion_prompt(self, i: int) -> Text:
        assert self.suggestions is not None
        s = self.suggestions.suggestions[i]
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{s.score:.2f}  ", style="italic")
        text.append(visible(s.code), style="bold")
        for e in s.evidence[:2]:
            flat = " ".join(e.text.split())
            text.append(f"\n  {t('tui.assist.evidence')} « ", style="dim")
            text.append(visible(flat if len(flat) <= 70 else flat[:69] + "…"))
            text.append(f" » {visible(e.document)}, {visible(e.coder)}", style="dim")
        return text

    def rows(self) -> list[SimilarPassage] | PassageSuggestions | None:
        """What is listed (for tests)."""
        return self.suggestions if self.mode == SUGGEST else self.similar

    # ------------------------------------------------------------------ acting

    def _highlighted(self) -> int | None:
        index = self.query_one("#assist-rows", OptionList).highlighted
        return index

    @on(OptionList.OptionSelected, "#assist-rows")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.mode == SUGGEST:
            self.action_accept()
            return
        if 0 <= event.option_index < len(self.similar):
            p = self.similar[event.option_index]
            self.open_passage(p.document_id, p.start, p.end)

    def action_accept(self) -> None:
        """Code the passage with the highlighted suggestion, marked as accepted."""
        i = self._highlighted()
        if self.suggestions is None or i is None or i >= len(self.suggestions.suggestions):
            return
        self._accept(self.suggestions.suggestions[i].code_id, self.suggestions.suggestions[i].code)

    @work(thread=True, exclusive=True, group="assist-write")
    def _accept(self, code_id: int, path: str) -> None:
        try:
            accept_suggestion(
                self.project,
                self.document_id,
                code_id,
                self.span.start,
                self.span.end,
                coder=self.coder,
            )
        except Exception as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Done(t("tui.assist.accepted", code=path)))

    def action_code(self) -> None:
        """Choose a code for the highlighted similar passage, and code it."""
        i = self._highlighted()
        if i is None or i >= len(self.similar):
            return
        passage = self.similar[i]
        self.choose_code(lambda code: self._code(passage, code.id, code.path_str))

    @work(thread=True, exclusive=True, group="assist-write")
    def _code(self, passage: SimilarPassage, code_id: int, path: str) -> None:
        try:
            self.project.add_coding(
                passage.document_id, code_id, passage.start, passage.end, coder=self.coder
            )
        except Exception as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Done(t("tui.assist.coded", code=path)))

    def on_assist_screen_done(self, message: Done) -> None:
        self.changed(message.note)
