"""The code tree: ordering, names, colours, paths typed by people, and the YAML format.

Pure: no database. The store hands rows as dicts to :func:`tree_order`; the
services turn a :class:`CodebookSpec` into codes of a project.

The YAML format, meant to be written by hand::

    name: Collectivités numériques
    description: optional free text
    codes:
      - name: Partie 1
        colour: "#1F77B4"
        definition: what the code means
        include: inclusion criteria
        exclude: exclusion criteria
        example: a typical quotation
        codes:            # sub-codes, same shape
          - name: ...
"""

from __future__ import annotations

import functools
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codage.domain import Code, CodePath, fold, format_path, parse_path
from codage.limits import MAX_CODE_DEPTH

# PyYAML loads when a codebook file is read or written, not when a listing starts.
if TYPE_CHECKING:
    import yaml

__all__ = [
    "PALETTE",
    "CodeSpec",
    "CodebookError",
    "CodebookSpec",
    "PathError",
    "check_colour",
    "check_name",
    "dump_codebook",
    "format_path",
    "load_codebook",
    "next_colour",
    "next_free_colour",
    "parse_codebook",
    "parse_path",
    "resolve_path",
    "subtree_ids",
    "tree_order",
]

# Distinct colours readable on dark and light terminals, used for new codes.
PALETTE = (
    "#E6194B", "#3CB44B", "#FFE119", "#4363D8", "#F58231", "#911EB4", "#46F0F0",
    "#F032E6", "#BCF60C", "#FABEBE", "#008080", "#E6BEFF", "#9A6324", "#FFFAC8",
    "#AAFFC3", "#808000", "#FFD8B1", "#6A8CD8", "#D0A030", "#50B0A0",
)  # fmt: skip

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# C0, DEL, C1 and the bidirectional overrides and isolates (see codage.display)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class CodebookError(ValueError):
    """A codebook file or a code name that cannot be accepted; the message names the place."""


class PathError(LookupError):
    """A code path typed by a person that names no code, or several."""

    def __init__(self, message: str, candidates: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


def check_name(name: str) -> str:
    """A code name, trimmed; refuses empty names, the path separator and control
    characters (they would reach the terminal of everyone who lists the codebook)."""
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise CodebookError("a code needs a name")
    if "/" in cleaned:
        raise CodebookError(f"code name {cleaned!r} contains '/', which separates path levels")
    controls = sorted({f"U+{ord(c):04X}" for c in cleaned if _CONTROL.match(c)})
    if controls:
        shown = "".join(f"\\u{ord(c):04x}" if _CONTROL.match(c) else c for c in cleaned)
        raise CodebookError(
            f"code name '{shown}' contains control character(s) {', '.join(controls)}; "
            "use visible characters only"
        )
    return cleaned


def check_colour(colour: str) -> str:
    if not _COLOUR.match(colour or ""):
        raise CodebookError(f"colour {colour!r} is not of the form #RRGGBB")
    return colour.upper()


def next_colour(used: Iterable[str]) -> str:
    """The first palette colour not yet used, else one derived from the count."""
    return next_free_colour({c.upper() for c in used})


def next_free_colour(taken: set[str]) -> str:
    """:func:`next_colour` for a set of upper-case colours kept by the caller (bulk creation)."""
    for colour in PALETTE:
        if colour not in taken:
            return colour
    # Past the palette: spread hues by the golden angle so neighbours differ.
    import colorsys

    hue = (len(taken) * 0.618033988749895) % 1.0
    r, g, b = colorsys.hls_to_rgb(hue, 0.62, 0.55)
    return f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"


def tree_order(rows: Iterable[dict[str, Any]]) -> list[Code]:
    """Codes in depth-first tree order (siblings by position, then id), with their paths."""
    children: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        children[row["parent_id"]].append(row)
    for siblings in children.values():
        siblings.sort(key=lambda r: (r["position"], r["id"]))
    out: list[Code] = []

    def walk(parent: int | None, prefix: CodePath) -> None:
        for row in children.get(parent, []):
            path = (*prefix, row["name"])
            out.append(
                Code(
                    id=row["id"],
                    name=row["name"],
                    path=path,
                    parent_id=row["parent_id"],
                    description=row.get("description") or "",
                    colour=row["colour"],
                    position=row["position"],
                    inclusion=row.get("inclusion") or "",
                    exclusion=row.get("exclusion") or "",
                    example=row.get("example") or "",
                )
            )
            walk(row["id"], path)

    walk(None, ())
    return out


def subtree_ids(codes: Sequence[Code], code_id: int) -> list[int]:
    """The id of a code and of all its descendants."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for code in codes:
        children[code.parent_id].append(code.id)
    out, stack = [], [code_id]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(children[current])
    return out


def resolve_path(codes: Sequence[Code], typed: str) -> Code:
    """Find the code a person meant by a path.

    Exact match first, then without case and accents, then by a unique prefix
    of each level (folded). Raises :class:`PathError` listing the candidates
    when the path is unknown or ambiguous.
    """
    try:
        wanted = parse_path(typed)
    except ValueError:
        raise PathError(f"{typed!r} is not a code path") from None
    for code in codes:
        if code.path == wanted:
            return code
    folded = tuple(fold(level) for level in wanted)
    matches = [c for c in codes if tuple(fold(level) for level in c.path) == folded]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        matches = [
            c
            for c in codes
            if len(c.path) == len(folded)
            and all(
                fold(level).startswith(part) for level, part in zip(c.path, folded, strict=True)
            )
        ]
        if len(matches) == 1:
            return matches[0]
    if not matches:
        raise PathError(f"no code matches {typed!r}")
    candidates = [c.path_str for c in matches]
    shown = "; ".join(candidates[:8]) + (" ..." if len(candidates) > 8 else "")
    raise PathError(f"{typed!r} is ambiguous: {shown}", candidates)


# ---------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------

_BOOK_KEYS = {"name", "description", "codes"}
_CODE_KEYS = {"name", "colour", "definition", "include", "exclude", "example", "codes"}


@dataclass
class CodeSpec:
    name: str
    colour: str | None = None
    definition: str = ""
    include: str = ""
    exclude: str = ""
    example: str = ""
    children: list[CodeSpec] = field(default_factory=list)

    def walk(self, prefix: CodePath = ()) -> Iterable[tuple[CodePath, CodeSpec]]:
        path = (*prefix, self.name)
        yield path, self
        for child in self.children:
            yield from child.walk(path)


@dataclass
class CodebookSpec:
    name: str
    description: str = ""
    codes: list[CodeSpec] = field(default_factory=list)

    def walk(self) -> Iterable[tuple[CodePath, CodeSpec]]:
        for code in self.codes:
            yield from code.walk()


def _where(source: str, node: yaml.Node) -> str:
    return f"{source}:{node.start_mark.line + 1}"


def _scalar(source: str, node: yaml.Node, what: str) -> str:
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        raise CodebookError(f"{_where(source, node)}: {what} must be text")
    return str(node.value).strip()


def _mapping(source: str, node: yaml.Node, allowed: set[str], what: str) -> dict[str, yaml.Node]:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise CodebookError(f"{_where(source, node)}: {what} must be a mapping of keys")
    out: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = _scalar(source, key_node, "a key")
        if key not in allowed:
            raise CodebookError(
                f"{_where(source, key_node)}: unknown key {key!r} in {what} "
                f"(allowed: {', '.join(sorted(allowed))})"
            )
        if key in out:
            raise CodebookError(f"{_where(source, key_node)}: key {key!r} given twice")
        out[key] = value_node
    return out


def _codes(source: str, node: yaml.Node, seen: set[int], prefix: CodePath) -> list[CodeSpec]:
    import yaml

    if not isinstance(node, yaml.SequenceNode):
        raise CodebookError(f"{_where(source, node)}: 'codes' must be a list")
    if len(prefix) >= MAX_CODE_DEPTH:
        raise CodebookError(
            f"{_where(source, node)}: codes nested more than {MAX_CODE_DEPTH} levels deep "
            "(MAX_CODE_DEPTH); a codebook this deep is almost certainly a mistake"
        )
    specs: list[CodeSpec] = []
    names: dict[str, int] = {}
    for item in node.value:
        if id(item) in seen:
            raise CodebookError(f"{_where(source, item)}: the codebook refers to itself (a cycle)")
        seen.add(id(item))
        fields = _mapping(source, item, _CODE_KEYS, "a code")
        if "name" not in fields:
            raise CodebookError(f"{_where(source, item)}: a code without a name")
        try:
            name = check_name(_scalar(source, fields["name"], "a code name"))
        except CodebookError as exc:
            raise CodebookError(f"{_where(source, fields['name'])}: {exc}") from None
        if name.casefold() in names:
            raise CodebookError(
                f"{_where(source, fields['name'])}: duplicate code "
                f"{format_path((*prefix, name))!r} "
                f"(first at line {names[name.casefold()]})"
            )
        names[name.casefold()] = fields["name"].start_mark.line + 1
        spec = CodeSpec(name=name)
        if "colour" in fields:
            try:
                spec.colour = check_colour(_scalar(source, fields["colour"], "a colour"))
            except CodebookError as exc:
                raise CodebookError(f"{_where(source, fields['colour'])}: {exc}") from None
        for key in ("definition", "include", "exclude", "example"):
            if key in fields:
                setattr(spec, key, _scalar(source, fields[key], key))
        if "codes" in fields:
            spec.children = _codes(source, fields["codes"], seen, (*prefix, name))
        specs.append(spec)
    return specs


def parse_codebook(text: str, source: str = "<codebook>") -> CodebookSpec:
    """Parse the YAML codebook format; errors name the source and the line."""
    import yaml

    # libyaml's parser when present: pure-Python YAML made large codebooks slow.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    # Nesting costs the composer a few frames per level: leave room for the
    # deepest codebook allowed, so that depth gets its own message.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20 * MAX_CODE_DEPTH + 1000))
    try:
        try:
            root = yaml.compose(text, Loader=loader)
        except yaml.YAMLError:
            if loader is yaml.SafeLoader:
                raise
            # The pure-Python parser points at the line a person must fix.
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise CodebookError(f"{source}{line}: YAML syntax error: {exc.problem}") from None
    except yaml.YAMLError as exc:
        # a reader error (a NUL, a byte that is not text) spans two lines: said in one
        raise CodebookError(f"{source}: YAML error: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise CodebookError(
            f"{source}: nested far more than {MAX_CODE_DEPTH} levels deep (MAX_CODE_DEPTH)"
        ) from None
    finally:
        sys.setrecursionlimit(limit)
    if root is None:
        raise CodebookError(f"{source}: the file is empty")
    fields = _mapping(source, root, _BOOK_KEYS, "the codebook")
    if "codes" not in fields:
        raise CodebookError(f"{source}: no 'codes' list")
    name = _scalar(source, fields["name"], "the name") if "name" in fields else Path(source).stem
    description = (
        _scalar(source, fields["description"], "the description") if "description" in fields else ""
    )
    return CodebookSpec(name, description, _codes(source, fields["codes"], set(), ()))


def load_codebook(path: str | Path) -> CodebookSpec:
    """Read a codebook file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CodebookError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise CodebookError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_codebook(text, str(path))


def spec_from_codes(name: str, codes: Sequence[Code], description: str = "") -> CodebookSpec:
    """The spec of a project's codebook, ready to be written out."""
    specs: dict[int, CodeSpec] = {}
    book = CodebookSpec(name=name, description=description)
    for code in codes:  # tree order: parents come first
        spec = CodeSpec(
            name=code.name,
            colour=code.colour,
            definition=code.description,
            include=code.inclusion,
            exclude=code.exclusion,
            example=code.example,
        )
        specs[code.id] = spec
        siblings = book.codes if code.parent_id is None else specs[code.parent_id].children
        siblings.append(spec)
    return book


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


@functools.cache
def _dumper() -> type[yaml.SafeDumper]:
    """PyYAML's safe dumper writing multi-line text as blocks (built at first use)."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    _Dumper.add_representer(str, _str_representer)
    return _Dumper


def dump_codebook(book: CodebookSpec) -> str:
    """Write a codebook in the YAML format, keys in a stable, readable order."""

    def code(spec: CodeSpec) -> dict[str, Any]:
        out: dict[str, Any] = {"name": spec.name}
        if spec.colour:
            out["colour"] = spec.colour
        for key in ("definition", "include", "exclude", "example"):
            if getattr(spec, key):
                out[key] = getattr(spec, key)
        if spec.children:
            out["codes"] = [code(child) for child in spec.children]
        return out

    doc: dict[str, Any] = {"name": book.name}
    if book.description:
        doc["description"] = book.description
    doc["codes"] = [code(c) for c in book.codes]
    import yaml

    return yaml.dump(doc, Dumper=_dumper(), allow_unicode=True, sort_keys=False, width=100)
