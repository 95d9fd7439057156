"""Text from users and files shown as data: never markup, never terminal control.

Names, passages, memos, definitions, headers and file names come from people and from
files. Printed by Rich or drawn by Textual they must show literally:

* **markup** (``[bold]``, ``[/oops]``, ``[@click=app.quit]``, ``[link=...]``) is not
  interpreted: the faces pass :func:`plain` objects (a ``rich.text.Text`` holds no markup)
  or, where a Rich markup string is being built, :func:`markup_safe` pieces. The
  interface builds no markup strings around data at all: Textual reads more as tags
  than Rich (``[$accent]``, ``[B]``, ``[ bold]``, which its own ``escape`` lets
  through) and a name ending in a backslash would escape the tag after it, so it
  passes ``Text`` or ``Content`` objects;
* **control characters** never reach the terminal: :func:`visible` turns them into
  characters that show what they were:

  - C0 controls (U+0000–U+001F) become their Unicode *control pictures* U+2400–U+241F,
    so ESC shows as ``␛``, BEL as ``␇``, a newline in a name as ``␊``. Tab and newline
    are kept as they are in ``multiline`` text, where they mean something;
  - DEL (U+007F) becomes ``␡`` (U+2421);
  - C1 controls (U+0080–U+009F) and the bidirectional overrides and isolates
    (U+202A–U+202E, U+2066–U+2069, which reorder what a terminal shows) become a
    ``\\u0085``-style escape, six plain characters.

JSON output is not passed through here: ``json.dumps`` escapes control characters itself.

On input, :func:`control_characters` lists what a new name would carry, so that a command
can refuse it with one clear line (see :func:`check_plain_name`).
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text

_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]

_NAME_TABLE: dict[int, str] = {i: chr(0x2400 + i) for i in range(32)}
_NAME_TABLE[0x7F] = "\u2421"
_NAME_TABLE.update({i: f"\\u{i:04x}" for i in [*range(0x80, 0xA0), *_BIDI]})

_MULTILINE_TABLE = {k: v for k, v in _NAME_TABLE.items() if k not in (0x09, 0x0A)}


def visible(text: str, *, multiline: bool = False) -> str:
    """``text`` with every control character made visible (see the module's table).

    ``multiline`` keeps tab and newline, for passages, memos and definitions shown over
    several lines; names are single lines and show those too.
    """
    return str(text).translate(_MULTILINE_TABLE if multiline else _NAME_TABLE)


def markup_safe(text: str, *, multiline: bool = False) -> str:
    """``text`` as a piece of a Rich markup string: visible and escaped."""
    return escape(visible(text, multiline=multiline))


def plain(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """``text`` as a ``rich.text.Text``: no markup is read in it, controls are visible.

    Rich tables and Textual widgets (Static, Label, Option, Tree labels, DataTable
    cells) take it as it is.
    """
    return Text(visible(text, multiline=multiline), style=style)


def control_characters(text: str) -> list[str]:
    """The control characters in ``text``, each as ``U+001B``, in order of first sight."""
    found: list[str] = []
    for char in str(text):
        if ord(char) in _NAME_TABLE:
            label = f"U+{ord(char):04X}"
            if label not in found:
                found.append(label)
    return found


def check_plain_name(name: str, what: str) -> str | None:
    """Why ``name`` cannot be the name of a new ``what`` (a code, a coder...), or None.

    A name is one line of visible text: control characters in it would reach the
    terminals of everyone who lists it.
    """
    found = control_characters(name)
    if not found:
        return None
    return (
        f"{what} name {visible(name)!r} contains control character(s) {', '.join(found)}; "
        "use visible characters only"
    )
