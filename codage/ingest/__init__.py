"""Files -> documents: readers, text normalisation, speaker turns, spaCy units.

``read_file`` and ``walk_paths`` read files into :class:`codage.domain.NewDocument`
objects without touching a project; ``import_files`` writes them into one.

The names below are loaded on first use, so that importing one module of the
package (the language model's, the readers') does not pull in the store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codage.ingest.errors import IngestError
    from codage.ingest.reader import ReadOptions, read_file, walk_paths
    from codage.ingest.service import FileReport, ImportReport, import_files

__all__ = [
    "FileReport",
    "ImportReport",
    "IngestError",
    "ReadOptions",
    "import_files",
    "read_file",
    "walk_paths",
]

_HOME = {
    "IngestError": "errors",
    "ReadOptions": "reader",
    "read_file": "reader",
    "walk_paths": "reader",
    "FileReport": "service",
    "ImportReport": "service",
    "import_files": "service",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"codage.ingest.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
