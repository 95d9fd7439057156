"""Files -> documents: readers, text normalisation, speaker turns, spaCy units.

``read_file`` and ``walk_paths`` read files into :class:`codage.domain.NewDocument`
objects without touching a project; ``import_files`` writes them into one.
"""

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
