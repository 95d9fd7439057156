"""The one exception of the ingest package: a bad input file, said in one line."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """A file that cannot be imported.

    The message is one line meant for a person: the file name, what is wrong with it
    and what to do, e.g. ``entretien.pdf: this PDF has no text layer (a scan?); run
    OCR first``.
    """

    def __init__(self, path: str | Path | None, cause: str) -> None:
        self.path = None if path is None else Path(path)
        # A library's own message (openpyxl's, lxml's) can span lines: kept to one.
        self.cause = " ".join(cause.split())
        prefix = f"{self.path.name}: " if self.path is not None else ""
        super().__init__(prefix + self.cause)
