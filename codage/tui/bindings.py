"""Bindings in the researcher's language, and the list the help screen shows.

Bindings are declared in English with an id (so that ``[keys]`` in the settings file can remap
them through Textual's keymap); :func:`localize` swaps each description for the
``tui.key.<id>`` string of the current language when the widget is built.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

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


def shown_keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    """The keys of a binding as the help, footer and palette show them: the user's
    ``[keys]`` remapping when there is one (then the declared key and its display are
    gone), else the declared keys."""
    remapped = keymap.get(binding.id) if binding.id else None
    keys = remapped if remapped else binding.key
    shown: list[str] = []
    for key in keys.split(","):
        label = _display(key.strip()) if remapped else binding.key_display or _display(key)
        if label and label not in shown:
            shown.append(label)
    return shown


def listed(bindings: Iterable[Binding], keymap: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(keys, description, id) of each binding, with the user's remapping applied."""
    seen: dict[str, tuple[list[str], str, str]] = {}
    for binding in bindings:
        ident = binding.id or binding.action
        entry = seen.setdefault(ident, ([], description(binding), binding.id or ""))
        for shown in shown_keys(binding, keymap):
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
        "full_stop": ".",
        "comma": ",",
    }
    return names.get(key, key)
