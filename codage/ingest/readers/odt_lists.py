"""List numbers of an OpenDocument text, computed from its list styles.

Like Word, LibreOffice stores how a list level is numbered (format, prefix,
suffix, start, how many levels to show), not the numbers themselves, so "1.",
"b)" or "ii." are counted here as the text is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from codage.ingest.readers.docx_numbering import bullet, format_number

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_FORMATS = {
    "1": "decimal",
    "a": "lowerLetter",
    "A": "upperLetter",
    "i": "lowerRoman",
    "I": "upperRoman",
    "": "none",
}


def _t(name: str) -> str:
    return f"{{{_TEXT}}}{name}"


def _s(name: str) -> str:
    return f"{{{_STYLE}}}{name}"


@dataclass(frozen=True, slots=True)
class LevelStyle:
    """How one level of a list style writes its label."""

    fmt: str = "decimal"
    prefix: str = ""
    suffix: str = ""
    start: int = 1
    shown: int = 1
    bullet: str | None = None


def _level_style(element: Element) -> LevelStyle:
    if element.tag == _t("list-level-style-bullet"):
        return LevelStyle(fmt="bullet", bullet=bullet(element.get(_t("bullet-char"), "")))
    if element.tag != _t("list-level-style-number"):
        return LevelStyle(fmt="none")
    start = element.get(_t("start-value"), "1")
    shown = element.get(_t("display-levels"), "1")
    return LevelStyle(
        fmt=_FORMATS.get(element.get(_s("num-format"), "1"), "decimal"),
        prefix=element.get(_s("num-prefix"), ""),
        suffix=element.get(_s("num-suffix"), ""),
        start=int(start) if start.isdigit() else 1,
        shown=int(shown) if shown.isdigit() else 1,
    )


@dataclass(slots=True)
class _List:
    style: str
    depth: int
    counters: dict[int, int]


@dataclass(slots=True)
class ListNumbering:
    """The list styles of a document and the counters of the lists being read."""

    styles: dict[str, dict[int, LevelStyle]] = field(default_factory=dict)
    stack: list[_List] = field(default_factory=list)
    last: dict[str, dict[int, int]] = field(default_factory=dict)
    by_id: dict[str, dict[int, int]] = field(default_factory=dict)

    def add_styles(self, root: Element) -> None:
        """Learn the list styles defined in a ``content.xml`` or ``styles.xml``."""
        for style in root.iter(_t("list-style")):
            levels: dict[int, LevelStyle] = {}
            for level in style:
                number = level.get(_t("level"), "")
                if number.isdigit():
                    levels[int(number)] = _level_style(level)
            self.styles[style.get(_s("name"), "")] = levels

    def enter(self, element: Element) -> None:
        """A ``text:list`` begins: a new list, or a level deeper in the current one."""
        if self.stack:
            outer = self.stack[-1]
            style = element.get(_t("style-name")) or outer.style
            self.stack.append(_List(style, outer.depth + 1, outer.counters))
            return
        style = element.get(_t("style-name"), "")
        counters: dict[int, int] = {}
        continued = element.get(_t("continue-list"))
        if continued and continued in self.by_id:
            counters = self.by_id[continued]
        elif element.get(_t("continue-numbering")) == "true" and style in self.last:
            counters = self.last[style]
        self.last[style] = counters
        identifier = element.get("{http://www.w3.org/XML/1998/namespace}id")
        if identifier:
            self.by_id[identifier] = counters
        self.stack.append(_List(style, 1, counters))

    def leave(self) -> None:
        """The ``text:list`` entered last ends."""
        if self.stack:
            self.stack.pop()

    def item(self, element: Element) -> tuple[str, bool] | None:
        """Count a list item; its label and whether it is a bullet.

        An item holding only a deeper list is not counted: it only carries that
        list to its level.
        """
        if not self.stack or element.tag != _t("list-item"):
            return None
        if not any(child.tag in (_t("p"), _t("h")) for child in element):
            return None
        current = self.stack[-1]
        levels = self.styles.get(current.style)
        if not levels:
            return None
        depth = current.depth
        level = levels.get(depth, LevelStyle(fmt="none"))
        counters = current.counters
        override = element.get(_t("start-value"))
        if override and override.isdigit():
            counters[depth] = int(override) - 1
        counters[depth] = counters.get(depth, level.start - 1) + 1
        for deeper in [d for d in counters if d > depth]:
            del counters[deeper]
        if level.fmt == "bullet":
            return level.bullet or "•", True
        if level.fmt == "none":
            return None
        numbers = []
        for shown in range(max(1, depth - level.shown + 1), depth + 1):
            style = levels.get(shown, LevelStyle())
            value = counters.get(shown, style.start)
            numbers.append(format_number(value, style.fmt if style.fmt != "bullet" else "decimal"))
        return f"{level.prefix}{'.'.join(numbers)}{level.suffix}", False
