"""The consoles the command line prints through: controls made visible, reports that
cannot fail a command whose work is already committed.

Values from users and files are passed to Rich as :func:`codage.display.plain` objects or
escaped with :func:`codage.display.markup_safe`; this console is the second line of
defence: every string it renders has its control characters made visible first, and a
print that fails (a markup error, an encoding a narrow terminal cannot take, such as
``PYTHONIOENCODING=ascii``) falls back to the same content printed plainly, with what
the terminal cannot encode replaced by ``?``.
"""

from __future__ import annotations

import io
import re
from typing import Any

from rich import errors
from rich.console import Console
from rich.text import Text

from codage.display import visible

# What printing can raise once the work is done; anything else is a bug and is not hidden.
PRINT_ERRORS: tuple[type[BaseException], ...] = (
    errors.ConsoleError,
    errors.StyleError,
    UnicodeEncodeError,
)


# What rich._emoji_replace can replace must match this: two colons with no space between.
_EMOJI_CODE = re.compile(r":\S*:")


class _Page(io.StringIO):
    """A page the fallback renders on, claiming the terminal's encoding so that Rich
    chooses boxes and ellipses the terminal can show."""

    def __init__(self, encoding: str) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


class SafeConsole(Console):
    """A Rich console whose strings never carry terminal controls and whose prints never
    raise for markup or encoding."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        # Every str printed, in a table cell, a title or a message, passes here.
        shown = visible(text, multiline=True)
        if kwargs.get("emoji") is None and (":" not in shown or not _EMOJI_CODE.search(shown)):
            # An emoji code is a name between two colons: a string without one holds
            # none, and Rich's lookup would load its table of emoji names (a few
            # milliseconds, every listing) to replace nothing.
            kwargs["emoji"] = False
        return super().render_str(shown, **kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        try:
            super().print(*objects, **kwargs)
        except PRINT_ERRORS:
            self._print_plainly(objects, kwargs)

    def _print_plainly(self, objects: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """The same objects without markup, colour or characters the stream refuses."""
        encoding = getattr(self.file, "encoding", None) or "utf-8"
        page = _Page(encoding)
        plain = Console(
            file=page,
            width=self.width,
            markup=False,
            highlight=False,
            emoji=False,
            color_system=None,
            force_terminal=False,
            soft_wrap=bool(kwargs.get("soft_wrap", False)),
        )
        kept = {k: v for k, v in kwargs.items() if k in ("sep", "end", "justify", "overflow")}
        plain.print(*(_unmarked(o) for o in objects), **kept)
        text = visible(page.getvalue(), multiline=True)
        self.file.write(text.encode(encoding, "replace").decode(encoding, "replace"))
        self.file.flush()


def _unmarked(value: Any) -> Any:
    # A string is shown as written: if its markup broke the print, its brackets are data.
    return Text(value) if isinstance(value, str) else value
