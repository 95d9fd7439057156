"""Two Word files compared part by part: every part of the package, byte for byte."""

from __future__ import annotations

import zipfile
from pathlib import Path


def docx_parts(path: Path) -> dict[str, bytes]:
    """Every part of the package by name, as stored (uncompressed)."""
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def same_parts(one: Path, other: Path) -> bool:
    """Whether both packages hold the same parts, in the same order, with the same bytes
    (a failing part is named in the assertion's message)."""
    a, b = docx_parts(one), docx_parts(other)
    assert list(a) == list(b)
    for name, data in a.items():
        assert data == b[name], f"{name} differs"
    return True
