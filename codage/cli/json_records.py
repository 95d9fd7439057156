"""A JSON list of flat records written fast, byte for byte as ``json.dumps`` writes it.

``json.dumps`` with ``indent`` leaves the C encoder for the pure-Python one, which cost
``segments --json`` most of its time at a million segments (issue 20). A segment is a
flat record (strings, numbers, booleans, null), and such a record's indented text is
simple enough to write here with the C string escapers the standard encoder itself
uses; anything else (an empty or nested record, a value ``default=str`` would turn
into text, a float that is not finite) goes through ``json.dumps`` as before.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import IO, Any

__all__ = ["record_json", "write_json_list"]

# Records checked and written at a time: the check that the stream can encode them is
# one call per batch, not one per record.
_BATCH = 512


def _finite(value: float) -> str:
    if math.isfinite(value):
        return float.__repr__(value)
    raise _NotFlat


class _NotFlat(Exception):
    """A value this module leaves to ``json.dumps``."""


def _converters(escape: Callable[[str], str]) -> dict[type, Callable[[Any], str]]:
    # By exact type: a subclass (an enum, say) is rare enough to go the slow way.
    return {
        str: escape,
        int: int.__repr__,
        bool: {True: "true", False: "false"}.__getitem__,
        type(None): lambda _: "null",
        float: _finite,
    }


_CONVERTERS = {False: _converters(encode_basestring), True: _converters(encode_basestring_ascii)}
# The text of a record with given keys, a "%s" for each value, in each escaping.
_TEMPLATES: dict[bool, dict[tuple[Any, ...], str | None]] = {False: {}, True: {}}
# Records of a list share their keys; records of many shapes are not worth remembering.
_KEPT_TEMPLATES = 64


def _template(keys: tuple[Any, ...], ascii_only: bool) -> str | None:
    if not keys or any(type(k) is not str for k in keys):
        return None
    escape = encode_basestring_ascii if ascii_only else encode_basestring
    heads = [escape(k).replace("%", "%%") + ": %s" for k in keys]
    return "{\n    " + ",\n    ".join(heads) + "\n  }"


def record_json(item: Any, ascii_only: bool) -> str:
    """``item`` as ``json.dumps(item, ensure_ascii=ascii_only, indent=2, default=str)``
    writes it, indented one level more (an element of a list at the top)."""
    if type(item) is dict:
        keys = tuple(item)
        templates = _TEMPLATES[ascii_only]
        try:
            template = templates[keys]
        except KeyError:
            template = _template(keys, ascii_only)
            if len(templates) < _KEPT_TEMPLATES:
                templates[keys] = template
        if template is not None:
            converters = _CONVERTERS[ascii_only]
            try:
                return template % tuple([converters[type(v)](v) for v in item.values()])
            except (KeyError, _NotFlat):
                pass
    text = json.dumps(item, ensure_ascii=ascii_only, indent=2, default=str)
    return text.replace("\n", "\n  ")


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def write_json_list(
    items: Iterable[Any],
    stream: IO[str],
    render: Callable[[Any, bool], str] = record_json,
) -> None:
    """The JSON list of ``items`` on ``stream``, written as they come: indented by two,
    each item in ``\\u`` escapes only if the stream's encoding cannot take it as it is
    (all of them if it cannot take "é…"). ``render(item, ascii_only)`` is an item's
    text as :func:`record_json` gives it (a faster one for items of a known shape)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    ascii_only = not _encodes("\u00e9\u2026", encoding)
    first = True
    batch: list[Any] = []

    def flush() -> None:
        nonlocal first
        texts = [render(item, ascii_only) for item in batch]
        chunk = ",\n  ".join(texts)
        if not ascii_only and not _encodes(chunk, encoding):
            texts = [
                text if _encodes(text, encoding) else render(item, True)
                for text, item in zip(texts, batch, strict=True)
            ]
            chunk = ",\n  ".join(texts)
        stream.write(("[\n  " if first else ",\n  ") + chunk)
        first = False
        batch.clear()

    for item in items:
        batch.append(item)
        if len(batch) >= _BATCH:
            flush()
    if batch:
        flush()
    stream.write("[]\n" if first else "\n]\n")
