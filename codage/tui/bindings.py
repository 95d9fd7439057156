"""Bindings in the researcher's language, and the list the help screen shows.

Bindings are declared in English with an id (so that ``[keys]`` in the settings file can remap
them through Textual's keymap); :func:`localize` swaps each description for the
``tui.key.<id>`` string of the current language when the widget is built.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from codage import i18n
from codage.tui import strings as _strings  # noqa: F401  (registers the tui.* strings)


def description(binding: Binding) -> str:
    """What a binding does, in the current language."""
    key = f"tui.key.{binding.id}"
    if binding.id and key in i18n.CATALOG:
        return i18n.t(key)
    return binding.description


def localize(node: DOMNode) -> None:
    """Give ``node``'s bindings their descriptions in the current language."""
    keys: dict[str, list[Binding]] = {}
    for key, bindings in node._bindings.key_to_bindings.items():
        keys[key] = [dataclasses.replace(b, description=description(b)) for b in bindings]
    node._bindings = BindingsMap.from_keys(keys)


def listed(bindings: Iterable[Binding], keymap: dict[str, str]) -> list[tuple[str, str, str]]:
    """(keys, description, id) of each binding, with the user's remapping applied."""
    seen: dict[str, tuple[list[str], str, str]] = {}
    for binding in bindings:
        ident = binding.id or binding.action
        keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
        entry = seen.setdefault(ident, ([], description(binding), binding.id or ""))
        for key in keys.split(","):
            shown = binding.key_display or _display(key.strip())
            if shown not in entry[0]:
                entry[0].append(shown)
    return [(" ".join(keys), text, ident) for keys, text, ident in seen.values()]


def _display(key: str) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "less_than_sign": "<",
        "greater_than_sign": ">",
        "number_sign": "#",
    }
    return names.get(key, key)
