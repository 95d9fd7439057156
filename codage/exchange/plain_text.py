"""A document's text as a UTF-8 file for the user's editor, written whole or not at all."""

from __future__ import annotations

from pathlib import Path

from codage.exchange.atomic import atomic_path

__all__ = ["export_text"]


def export_text(text: str, out: str | Path) -> Path:
    """Write ``text`` to ``out`` as UTF-8, byte for byte (``\\n`` newlines, no BOM).

    The file read back by ``codage document replace`` gives the same text, so
    that only what the user changes in their editor changes in the document.
    """
    target = Path(out)
    with atomic_path(target) as part:
        part.write_bytes(text.encode("utf-8"))
    return target
