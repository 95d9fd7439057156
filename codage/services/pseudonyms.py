"""Pseudonymisation: the replacement map of a project and the :class:`Pseudonymiser` that
applies it to whatever leaves the machine.

A name is known by its key: the name without title (``M.``, ``Mme``...), spaces folded,
case and accents folded, so that ``Mme Durand``, ``DURAND`` and ``Durand`` are one name.
Matching is whole-word, case- and accent-insensitive, longest name first; a title just
before a name is replaced with it (``Mme Durand`` -> ``[Agent 1]``).

The map is reviewed as YAML (name -> replacement, kind, count, keep) and stored in the
project as one journaled, undoable change (:func:`apply_map`). The stored texts are never
changed by it: exports pass their records through the map (see
:mod:`codage.services.pseudonymised`).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codage.domain import PSEUDONYM_KINDS, Pseudonym, fold
from codage.store.lite import ProjectReader

if TYPE_CHECKING:
    from codage.store.project import Project

__all__ = [
    "NoPseudonymMap",
    "OffsetMap",
    "PseudonymMapError",
    "Pseudonymiser",
    "apply_map",
    "is_title",
    "load_pseudonymiser",
    "name_key",
    "number_pseudonyms",
    "read_map",
    "read_name_list",
    "write_map",
]

# Titles kept out of a name's key (folded, without their final dot).
TITLES = (
    "monsieur",
    "madame",
    "mademoiselle",
    "docteur",
    "maitre",
    "professeur",
    "mme",
    "mlle",
    "mr",
    "dr",
    "pr",
    "m",
)
_TITLE_RE = re.compile(
    r"^(?:(?:" + "|".join(TITLES) + r")\.?\s+)+", re.IGNORECASE
)  # applied to folded text
_EDGE_PUNCT = " \t\n\"'«»“”‘’()[]{}.,;:!?-–—"
_KIND_LABELS = {"PER": "Agent", "LOC": "Commune", "ORG": "Organisation"}


class PseudonymMapError(ValueError):
    """A map file or a name list that cannot be read: the message names file and place."""


class NoPseudonymMap(ValueError):
    """A pseudonymised export asked of a project that has no map."""

    def __init__(self) -> None:
        super().__init__(
            "this project has no pseudonymisation map: run `codage pseudonymise propose "
            "--out map.yaml`, review it, then `codage pseudonymise apply map.yaml`"
        )


def name_key(name: str) -> str | None:
    """The key of a name: folded, spaces collapsed, title and edge punctuation removed;
    None when nothing of a name is left."""
    folded = " ".join(fold(unicodedata.normalize("NFC", name)).split()).strip(_EDGE_PUNCT)
    folded = _TITLE_RE.sub("", folded).strip(_EDGE_PUNCT)
    if len(folded) < 2 or folded in TITLES or not any(ch.isalpha() for ch in folded):
        return None
    return folded


def is_title(word: str) -> bool:
    """Whether ``word`` is a title such as M., Mme or Monsieur."""
    return fold(word).rstrip(".") in TITLES


def _letters(n: int) -> str:
    """A, B, ... Z, AA, AB, ...: the places' numbering."""
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def _replacement(kind: str, n: int) -> str:
    label = _KIND_LABELS.get(kind, "Nom")
    return f"[{label} {_letters(n) if kind == 'LOC' else n}]"


def number_pseudonyms(
    found: Iterable[tuple[str, str, str, int]],
    existing: Iterable[Pseudonym] = (),
    dropped: frozenset[str] = frozenset(),
) -> list[Pseudonym]:
    """Pseudonyms for ``(key, name, kind, count)`` found, numbered per kind by count; keys
    in ``dropped`` are proposed with ``keep`` false and numbered after the others.

    A key already in ``existing`` (the stored map) keeps its reviewed replacement and
    keep flag; new names take the next free numbers of their kind.
    """
    known = {p.key: p for p in existing}
    used: dict[str, set[str]] = {}
    for p in known.values():
        used.setdefault(p.kind, set()).add(p.replacement)
    out: list[Pseudonym] = []
    counters: dict[str, int] = {}
    for key, name, kind, count in sorted(
        found, key=lambda f: (f[0] in dropped and f[0] not in known, f[2], -f[3], f[0])
    ):
        old = known.get(key)
        if old is not None:
            out.append(Pseudonym(key, old.name, old.kind, old.replacement, old.keep, count))
            continue
        taken = used.setdefault(kind, set())
        n = counters.get(kind, 0) + 1
        while _replacement(kind, n) in taken:
            n += 1
        counters[kind] = n
        taken.add(_replacement(kind, n))
        out.append(Pseudonym(key, name, kind, _replacement(kind, n), key not in dropped, count))
    return sorted(out, key=lambda p: (p.kind, not p.keep, -p.count, p.key))


# ---------------------------------------------------------------------------
# Applying a map to text
# ---------------------------------------------------------------------------


def _folded_with_index(text: str) -> tuple[str, list[int]]:
    """``text`` folded, and for each folded character the index of its source character."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    pieces: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = fold(ch)
        pieces.append(folded)
        index.extend([i] * len(folded))
    return "".join(pieces), index


@dataclass(frozen=True)
class OffsetMap:
    """Where offsets of a text fall in its pseudonymised text.

    ``spans`` are the replaced (start, end) of the original text with their (start, end)
    in the new one. An offset inside a replaced name moves to its replacement's start
    (as a start) or end (as an end), so that a passage that covered part of a name now
    covers the whole replacement.
    """

    spans: tuple[tuple[int, int, int, int], ...]

    def start(self, offset: int) -> int:
        """The new offset of a passage's start."""
        i = bisect.bisect_right([s[0] for s in self.spans], offset) - 1
        if i < 0:
            return offset
        _old_start, old_end, new_start, new_end = self.spans[i]
        if offset < old_end:
            return new_start
        return new_end + (offset - old_end)

    def end(self, offset: int) -> int:
        """The new offset of a passage's (exclusive) end."""
        i = bisect.bisect_left([s[1] for s in self.spans], offset)
        # the first replaced span ending at or after the offset
        if i < len(self.spans) and self.spans[i][0] < offset:
            return self.spans[i][3]
        if i == 0:
            return offset
        _, old_end, _, new_end = self.spans[i - 1]
        return new_end + (offset - old_end)


class Pseudonymiser:
    """Replaces the names of a map (those kept) in any text."""

    def __init__(self, pseudonyms: Iterable[Pseudonym]) -> None:
        kept = [p for p in pseudonyms if p.keep]
        self.pseudonyms = kept
        self._by_key = {p.key: p for p in kept}
        self._pattern: re.Pattern[str] | None = None
        if kept:
            # longest first: "Jean Durand" before "Durand"
            names = sorted(self._by_key, key=lambda k: (-len(k), k))
            alternatives = "|".join(
                r"\s+".join(re.escape(word) for word in key.split()) for key in names
            )
            titles = "|".join(TITLES)
            self._pattern = re.compile(
                rf"(?<!\w)(?:(?:{titles})\.?\s+)*(?P<name>{alternatives})(?!\w)"
            )

    def __bool__(self) -> bool:
        return self._pattern is not None

    def matches(self, text: str) -> list[tuple[int, int, Pseudonym]]:
        """The (start, end, pseudonym) of every name of the map in ``text``, in order."""
        if self._pattern is None or not text:
            return []
        folded, index = _folded_with_index(text)
        out = []
        for match in self._pattern.finditer(folded):
            key = " ".join(match.group("name").split())
            start, end = index[match.start()], index[match.end() - 1] + 1
            out.append((start, end, self._by_key[key]))
        return out

    def replace_with_offsets(self, text: str) -> tuple[str, OffsetMap]:
        """``text`` with every name replaced, and where its offsets went."""
        pieces: list[str] = []
        spans: list[tuple[int, int, int, int]] = []
        cursor = length = 0
        for start, end, pseudonym in self.matches(text):
            pieces.append(text[cursor:start])
            length += start - cursor
            pieces.append(pseudonym.replacement)
            spans.append((start, end, length, length + len(pseudonym.replacement)))
            length += len(pseudonym.replacement)
            cursor = end
        pieces.append(text[cursor:])
        return "".join(pieces), OffsetMap(tuple(spans))

    def text(self, text: str) -> str:
        """``text`` with every name of the map replaced."""
        return self.replace_with_offsets(text)[0] if self._pattern is not None else text

    def optional(self, text: str | None) -> str | None:
        return None if text is None else self.text(text)

    def value(self, value: Any) -> Any:
        """A case attribute or metadata value: strings pass through the map."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list | tuple):
            return type(value)(self.value(v) for v in value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value


def load_pseudonymiser(project: ProjectReader) -> Pseudonymiser:
    """The project's stored map as a :class:`Pseudonymiser`; :class:`NoPseudonymMap` when
    the project has none (or keeps none of its names)."""
    pseudonymiser = Pseudonymiser(project.pseudonyms())
    if not pseudonymiser:
        raise NoPseudonymMap()
    return pseudonymiser


# ---------------------------------------------------------------------------
# The map as a reviewed YAML file, and user name lists
# ---------------------------------------------------------------------------

_HEADER = """\
# Pseudonymisation map proposed by codage. Review it, then: codage pseudonymise apply FILE
# name: the name as found; replacement: what replaces it in pseudonymised exports;
# kind: PER (person), LOC (place) or ORG (organisation); count: occurrences found;
# keep: false leaves a name as it is (a false positive). Titles (M., Mme) need not be listed.
"""


def write_map(pseudonyms: Iterable[Pseudonym], path: Path) -> int:
    """Write ``pseudonyms`` as a YAML map for review; returns the number of names."""
    import yaml  # here: every export command imports this module, few write a map

    data = {
        p.name: {"replacement": p.replacement, "kind": p.kind, "count": p.count, "keep": p.keep}
        for p in pseudonyms
    }
    text = _HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return len(data)


def read_map(path: Path) -> list[Pseudonym]:
    """The reviewed map of a YAML file; :class:`PseudonymMapError` names what is wrong."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PseudonymMapError(f"{path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise PseudonymMapError(f"{path}: not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise PseudonymMapError(f"{path}:{line} not valid YAML") from exc
    if not isinstance(data, Mapping):
        raise PseudonymMapError(f"{path}: expected a mapping of name -> replacement")
    out: dict[str, Pseudonym] = {}
    for name, entry in data.items():
        name = str(name).strip()
        if isinstance(entry, str):
            entry = {"replacement": entry}
        if not isinstance(entry, Mapping):
            raise PseudonymMapError(f"{path}: {name!r}: expected a replacement or a mapping")
        key = name_key(name)
        if key is None:
            raise PseudonymMapError(f"{path}: {name!r} is not a name (nothing left of it)")
        kind = str(entry.get("kind", "PER")).strip().upper()
        if kind not in PSEUDONYM_KINDS:
            raise PseudonymMapError(f"{path}: {name!r}: kind {kind!r} is not PER, LOC or ORG")
        keep = entry.get("keep", True)
        if not isinstance(keep, bool):
            raise PseudonymMapError(f"{path}: {name!r}: keep must be true or false")
        replacement = str(entry.get("replacement") or "").strip()
        if keep and not replacement:
            raise PseudonymMapError(f"{path}: {name!r} has no replacement")
        if keep and name_key(replacement) == key:
            raise PseudonymMapError(f"{path}: {name!r} is replaced by itself")
        count = entry.get("count", 0)
        if key in out:
            raise PseudonymMapError(f"{path}: {out[key].name!r} and {name!r} are the same name")
        out[key] = Pseudonym(
            key, name, kind, replacement, keep, count if isinstance(count, int) else 0
        )
    return list(out.values())


def read_name_list(path: Path) -> list[tuple[str, str]]:
    """(name, kind) of a user list: one name a line, ``Name ; LOC`` to give a kind
    (PER by default); blank lines and lines starting with # are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PseudonymMapError(f"{path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise PseudonymMapError(f"{path}: not UTF-8 text") from exc
    out = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, kind = line.partition(";")
        kind = kind.strip().upper() or "PER"
        if kind not in PSEUDONYM_KINDS:
            raise PseudonymMapError(f"{path}:{number}: kind {kind!r} is not PER, LOC or ORG")
        if name_key(name) is None:
            raise PseudonymMapError(f"{path}:{number}: {name.strip()!r} is not a name")
        out.append((name.strip(), kind))
    return out


def apply_map(project: Project, pseudonyms: Iterable[Pseudonym], *, coder: str) -> int:
    """Store ``pseudonyms`` as the project's map (replacing the previous one) in one
    journaled change that the coder can undo; returns the number of rows changed."""
    return project.set_pseudonyms(list(pseudonyms), coder=coder)
