"""Typer's help renderer, loaded without the Rich modules it never uses for codage.

``typer.rich_utils`` imports ``rich.markdown`` (markdown-it and its regexes) and
``rich.traceback`` (Pygments) at its top, for help written in Markdown and for
developers' tracebacks. codage's help is Rich markup (``rich_markup_mode="rich"``), so
neither is used to print it, and the two imports were a third of ``codage --help``
(issues 13 and 19). :func:`load_help_renderer` imports ``typer.rich_utils`` with
stand-ins in their place: each stand-in class imports the real class the moment it
is called or asked for an attribute, and hands that on, so that nothing changes if
Typer ever uses them. The stand-ins leave ``sys.modules`` as soon as the import is
done: any later ``import rich.markdown`` (the interface's) gets the real module.
``tests/cli/test_start_up.py`` checks that help is printed byte for byte as without.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

# module -> the names typer.rich_utils takes from it
_DEFERRED = {"rich.markdown": ("Markdown",), "rich.traceback": ("Traceback",)}


class _Deferred(type):
    """The class of a stand-in: calls, attributes and isinstance go to the real class."""

    _module: str
    _name: str

    def _real(cls) -> Any:
        stand_in = sys.modules.get(cls._module)
        if getattr(stand_in, "__codage_stand_in__", False):
            del sys.modules[cls._module]
        return getattr(importlib.import_module(cls._module), cls._name)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._real()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls._real(), name)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, cls._real())


def load_help_renderer() -> None:
    """Import ``typer.rich_utils`` (once) without loading Markdown and Pygments."""
    if "typer.rich_utils" in sys.modules:
        return
    placed: dict[str, types.ModuleType] = {}
    for module, names in _DEFERRED.items():
        if module in sys.modules:
            continue
        stand_in = types.ModuleType(module)
        stand_in.__codage_stand_in__ = True  # type: ignore[attr-defined]
        for name in names:
            setattr(stand_in, name, _Deferred(name, (), {"_module": module, "_name": name}))
        placed[module] = stand_in
    sys.modules.update(placed)
    try:
        importlib.import_module("typer.rich_utils")
    finally:
        for module, stand_in in placed.items():
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]
