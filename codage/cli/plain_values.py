"""Plain option values pass through without Pydantic.

Typer (0.2x) coerces every parameter's value through a Pydantic ``TypeAdapter`` built
on first use, even the value ``None`` of an option left out or a default ``20``: every
command that has a ``--project`` option imported Pydantic, a third of a light command's
start-up (issue 19). Here a parameter's coercion is deferred: a value whose coercion
is plain (``None``; a ``str`` or a ``bool`` for such a parameter; an ``int``, or ASCII
digits, within the bounds of an ``int`` one) gets at once what Typer would give; any
other value, and any parameter with a parser, a path, choices or a list, goes to
Typer's coercion, built as Typer builds it, with its checks and its messages.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from typing import Any

from typer import core
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param

__all__ = ["install"]


_PLAIN = (str, int, bool)
# A count typed on the command line (-n 20): ASCII digits, short enough to be exact.
_DIGITS = re.compile(r"[0-9]{1,18}")


def _plain(annotation: Any) -> type | None:
    """``str``, ``int`` or ``bool`` for those and their optional forms, else None."""
    if annotation in _PLAIN:
        return typing.cast(type, annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(kinds) == 1 and kinds[0] in _PLAIN:
            return typing.cast(type, kinds[0])
    return None


@dataclass(frozen=True)
class DeferredRuntimeParam(RuntimeParam):
    """Typer's coercion of one parameter, built only for a value that needs it."""

    descriptor: TypeDescriptor

    def _plain_value(self, value: Any) -> tuple[bool, Any]:
        """(True, the value Typer's coercion would give) when it is plain; else (False, _)."""
        info = self.parameter_info
        if info.parser is not None:
            return False, None
        kind = _plain(self.annotation)
        if kind in (str, bool):
            return type(value) is kind, value
        if kind is int:
            if type(value) is str and _DIGITS.fullmatch(value):
                value = int(value)  # what Typer's coercion makes of "20"
            if type(value) is int:
                low, high = info.min, info.max
                return (low is None or value >= low) and (high is None or value <= high), value
        return False, None

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        plain, coerced = self._plain_value(value)
        if plain:
            return coerced
        return build_runtime_param(self.descriptor).coerce(value, param=param, ctx=ctx)


def _deferred(self: Any) -> RuntimeParam:
    if self._runtime_param is None:
        descriptor = self.type_descriptor
        if _plain(descriptor.annotation) is None or descriptor.file_annotation is not None:
            self._runtime_param = build_runtime_param(descriptor)
        else:
            self._runtime_param = DeferredRuntimeParam(
                parameter_info=descriptor.parameter_info,
                annotation=descriptor.annotation,
                descriptor=descriptor,
            )
    return typing.cast(RuntimeParam, self._runtime_param)


def install() -> None:
    """Defer Typer's coercion of plain values; a Typer without it is left as it is."""
    parameter = getattr(core, "_TyperParameter", None)
    if parameter is not None and hasattr(parameter, "get_runtime_param"):
        parameter.get_runtime_param = _deferred
