"""The command palette's entries for the workbench (Ctrl+P): every action, every document.

Titles are the bindings' own descriptions in the current language, with their keys, so the
palette also teaches the keys.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.widget import Widget

from codage.display import visible
from codage.i18n import t
from codage.tui.bindings import description, shown_keys

# Actions worth offering: (node the action runs on, binding id). "screen" is the workbench,
# "view" its transcript, "app" the application.
PALETTE_ACTIONS: tuple[tuple[str, str], ...] = (
    ("view", "transcript.apply_code"),
    ("view", "transcript.remove_coding"),
    ("screen", "memo"),
    ("screen", "undo"),
    ("screen", "redo"),
    ("screen", "search"),
    ("screen", "layers"),
    ("screen", "filter_answers"),
    ("screen", "focus_documents"),
    ("screen", "toggle_documents"),
    ("screen", "toggle_codebook"),
    ("screen", "focus_codebook"),
    ("screen", "retrieval"),
    ("screen", "export"),
    ("screen", "stats"),
    ("screen", "compare"),
    ("screen", "choose_pair"),
    ("screen", "aside"),
    ("app", "help"),
    ("app", "quit"),
)


class WorkbenchCommands(Provider):
    """Actions of the workbench and the documents it can open."""

    def _entries(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        screen = self.screen
        # the nodes whose bindings the palette offers: each can run its own actions
        nodes: dict[str, App[Any] | Widget] = {"screen": screen, "app": self.app}
        # the palette may open from another screen, which has no transcript
        with contextlib.suppress(Exception):
            nodes["view"] = screen.query_one("#transcript")
        bindings: dict[str, tuple[App[Any] | Widget, Binding]] = {}
        for label, node in nodes.items():
            for key_bindings in node._bindings.key_to_bindings.values():
                for binding in key_bindings:
                    if binding.id:
                        bindings.setdefault(f"{label}:{binding.id}", (node, binding))
        keymap = self.app._keymap
        for label, ident in PALETTE_ACTIONS:
            found = bindings.get(f"{label}:{ident}")
            if found is None:
                continue
            node, binding = found
            keys = " ".join(shown_keys(binding, keymap))
            title = f"{description(binding)}  ({keys})"
            yield title, binding.action, partial(node.run_action, binding.action)
        for document in getattr(screen, "_documents", []):
            opener = getattr(screen, "open_document", None)
            if opener is not None:
                yield (
                    t("tui.cmd.open", name=document.name),
                    "open",
                    partial(opener, document.id),
                )

    async def discover(self) -> Hits:
        for title, help_text, command in self._entries():
            yield DiscoveryHit(_markup(title), command, text=visible(title), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in self._entries():
            shown = visible(title)
            score = matcher.match(shown)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(_markup(title)), command, text=shown, help=help_text
                )


def _markup(title: str) -> str:
    """A title as the palette reads it (Textual markup, even from the matcher): document
    names in it show literally. Every bracket is escaped, since Textual reads more as tags
    than its own ``escape`` covers; the name ends the title, so no tag follows a trailing
    backslash."""
    return visible(title).replace("[", "\\[")
