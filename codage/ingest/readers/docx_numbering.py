"""Automatic list numbers of a Word document, computed from ``numbering.xml``.

Word does not store the "1.", "a)" or "iv." a reader sees: it stores, per list
level, a start value, a number format and a text pattern (``%1.%2)``), and counts
as it lays the document out. A researcher who writes "see point 3 b)" means that
number, so it is computed here the way Word does and put in front of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PLACEHOLDER = re.compile(r"%([1-9])")
_ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)
# Bullets drawn from symbol fonts sit in the private use area; show a plain bullet.
_BULLETS = {"o": "◦", "§": "▪", "Ø": "➢", "ü": "✓"}


def w(name: str) -> str:
    """The qualified name of a WordprocessingML element or attribute."""
    return f"{{{W}}}{name}"


def _val(element: etree._Element | None, child: str, default: str | None = None) -> str | None:
    if element is None:
        return default
    found = element.find(w(child))
    if found is None:
        return default
    return found.get(w("val"), default)


@dataclass(frozen=True, slots=True)
class Level:
    """One level of a list: where it starts, how its number is written."""

    start: int = 1
    fmt: str = "decimal"
    pattern: str = "%1."
    suffix: str = "tab"
    legal: bool = False


def _level(element: etree._Element, base: Level | None = None) -> Level:
    base = base or Level()
    start = _val(element, "start")
    legal = element.find(w("isLgl"))
    return Level(
        start=int(start) if start and start.lstrip("-").isdigit() else base.start,
        fmt=_val(element, "numFmt", base.fmt) or base.fmt,
        pattern=_val(element, "lvlText", base.pattern) or "",
        suffix=_val(element, "suff", base.suffix) or base.suffix,
        legal=legal is not None and legal.get(w("val"), "1") not in ("0", "false", "off"),
    )


def format_number(value: int, fmt: str) -> str:
    """``value`` written in a Word number format (``lowerRoman``, ``upperLetter``...)."""
    if fmt in ("lowerLetter", "upperLetter"):
        if value < 1:
            return str(value)
        # Word goes a..z, then aa, bb..zz, then aaa: the letter repeats.
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        if not 0 < value < 4000:
            return str(value)
        out = []
        rest = value
        for amount, digits in _ROMAN:
            while rest >= amount:
                out.append(digits)
                rest -= amount
        roman = "".join(out)
        return roman.upper() if fmt == "upperRoman" else roman
    if fmt == "decimalZero":
        return f"{value:02d}"
    if fmt == "none":
        return ""
    # decimal, ordinal, cardinalText and the East Asian formats: plain digits.
    return str(value)


def bullet(pattern: str) -> str:
    """The character a bullet level shows, readable outside its symbol font."""
    char = pattern.strip()
    if not char:
        return "•"
    if all(0xF000 <= ord(c) <= 0xF0FF for c in char):
        return "•"
    return _BULLETS.get(char, char)


class Numbering:
    """The list definitions of one document and the counters of its lists.

    Counters belong to the abstract list, as in Word: two list instances of the
    same definition continue each other unless one of them restarts a level
    (``lvlOverride/startOverride``).
    """

    def __init__(
        self, root: etree._Element | None, style_lists: dict[str, str] | None = None
    ) -> None:
        """``style_lists`` maps numbering styles to their ``numId`` (from styles.xml)."""
        self._abstract: dict[str, dict[int, Level]] = {}
        # Definitions that only point at a numbering style (``numStyleLink``).
        self._links: dict[str, str] = {}
        self._style_lists = style_lists or {}
        self._instances: dict[str, tuple[str, dict[int, Level], dict[int, int]]] = {}
        self._counters: dict[str, dict[int, int]] = {}
        self._restarted: set[str] = set()
        if root is None:
            return
        for abstract in root.iter(w("abstractNum")):
            levels: dict[int, Level] = {}
            for lvl in abstract.findall(w("lvl")):
                index = lvl.get(w("ilvl"), "0")
                if index.isdigit():
                    levels[int(index)] = _level(lvl)
            abstract_id = abstract.get(w("abstractNumId"), "")
            self._abstract[abstract_id] = levels
            link = _val(abstract, "numStyleLink")
            if link:
                self._links[abstract_id] = link
        for num in root.iter(w("num")):
            abstract_id = _val(num, "abstractNumId", "") or ""
            base = self._abstract.get(abstract_id, {})
            levels = {}
            starts: dict[int, int] = {}
            for override in num.findall(w("lvlOverride")):
                index = override.get(w("ilvl"), "0")
                if not index.isdigit():
                    continue
                overridden = override.find(w("lvl"))
                if overridden is not None:
                    levels[int(index)] = _level(overridden, base.get(int(index)))
                start = _val(override, "startOverride")
                if start and start.lstrip("-").isdigit():
                    starts[int(index)] = int(start)
            self._instances[num.get(w("numId"), "")] = (abstract_id, levels, starts)

    def _resolve(self, abstract_id: str) -> str:
        """The definition that holds the levels, following numbering style links."""
        for _ in range(8):
            style = self._links.get(abstract_id)
            if style is None or self._abstract.get(abstract_id):
                break
            instance = self._instances.get(self._style_lists.get(style, ""))
            if instance is None:
                break
            abstract_id = instance[0]
        return abstract_id

    def label(self, num_id: str, ilvl: int) -> tuple[str, str, bool] | None:
        """Advance the list ``num_id`` at level ``ilvl``; its label, suffix and bulletness.

        ``None`` when the paragraph is not numbered after all (``numId`` 0 or unknown).
        """
        instance = self._instances.get(num_id)
        if instance is None:
            return None
        abstract_id, overrides, starts = instance
        abstract_id = self._resolve(abstract_id)
        levels = {**self._abstract.get(abstract_id, {}), **overrides}
        level = levels.get(ilvl)
        if level is None:
            return None
        counters = self._counters.setdefault(abstract_id, {})
        if num_id not in self._restarted:
            self._restarted.add(num_id)
            for index, start in starts.items():
                # The next number at that level is the override's start.
                counters[index] = start - 1
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        # A higher level advancing restarts every level below it.
        for deeper in [i for i in counters if i > ilvl]:
            del counters[deeper]
        if level.fmt == "bullet":
            return bullet(level.pattern), level.suffix, True

        def number(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            other = levels.get(index, Level())
            value = counters.get(index, other.start)
            return format_number(value, "decimal" if level.legal else other.fmt)

        return _PLACEHOLDER.sub(number, level.pattern), level.suffix, False
