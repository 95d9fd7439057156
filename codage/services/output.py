"""What an export is asked, checked the same way by both faces: case filters typed as
``KEY=VALUE`` and the path a file is to be written to.

The checks raise errors that say what is wrong in data (which item, which folder); each
face words them its own way (an option name on the command line, a field in the dialog).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from codage.services import StoreError

__all__ = ["CaseFilterError", "OutputPathError", "check_output_path", "parse_case_filters"]


class CaseFilterError(StoreError):
    """A case filter that is not ``KEY=VALUE``; ``item`` is the piece as typed."""

    def __init__(self, item: str) -> None:
        super().__init__(f"{item!r}: expected KEY=VALUE, e.g. type=Commune")
        self.item = item


class OutputPathError(StoreError):
    """A path an export cannot be written to. ``reason`` is one of ``suffix`` (the name
    should end with ``suffix``), ``is_folder``, ``no_folder`` (``folder`` does not exist)
    and ``not_writable``."""

    def __init__(self, reason: str, path: Path, *, suffix: str = "", folder: Path | None = None):
        messages = {
            "suffix": f"{path}: the file name should end with {suffix}",
            "is_folder": f"{path}: is a folder, give a file name",
            "no_folder": f"{path}: the folder {folder} does not exist",
            "not_writable": f"{path}: cannot write there (permission denied)",
        }
        super().__init__(messages[reason])
        self.reason = reason
        self.path = path
        self.suffix = suffix
        self.folder = folder


def parse_case_filters(items: Iterable[str]) -> dict[str, list[str]] | None:
    """``KEY=VALUE`` items grouped by key (values of one key are alternatives); None when
    there are none. A bad one (a blank one too) raises :class:`CaseFilterError`."""
    out: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise CaseFilterError(item)
        out.setdefault(key.strip(), []).append(value.strip())
    return out or None


def check_output_path(path: Path, suffix: str | None = None) -> Path:
    """Refuse at once a path an export cannot write (before any work is done): a wrong
    ``suffix`` (e.g. ``.docx``), a folder, a missing folder, no permission."""
    if suffix is not None and path.suffix.lower() != suffix:
        raise OutputPathError("suffix", path, suffix=suffix)
    if path.is_dir():
        raise OutputPathError("is_folder", path)
    if not path.parent.is_dir():
        raise OutputPathError("no_folder", path, folder=path.parent)
    if not os.access(path if path.exists() else path.parent, os.W_OK):
        raise OutputPathError("not_writable", path)
    return path
