"""`.qdpx` -> the project: read, built in a temporary project, merged, reported.

:func:`prepare_qdpx` reads a ``.qdpx`` and writes it into a temporary SQLite
project (:mod:`.build`). :meth:`PreparedImport.merge_into` then merges it into
the target in one transaction (the same matching and report as ``codage
merge``, handed in by the caller since ingest does not import the analysis
layer) and keeps aside, in the target, the codings that could not be placed.
A file that fails leaves the target as it was.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codage.domain import fold
from codage.ingest.refi.build import Builder, Unplaced
from codage.ingest.refi.parse import read_qdpx
from codage.ingest.refi.report import RefiReport
from codage.services import open_project
from codage.services.backups import back_up
from codage.store.project import Project

# merge(target, source) -> the merge's report as plain data
Merge = Callable[[Project, Project], dict[str, Any]]


@dataclass
class PreparedImport:
    """A ``.qdpx`` written into a temporary project, ready to merge; close it after."""

    report: RefiReport
    project: Project
    folder: Path
    asides: list[Unplaced] = field(default_factory=list)

    def close(self) -> None:
        self.project.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PreparedImport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def merge_into(self, target: Project, *, coder: str, merge: Merge) -> RefiReport:
        """Merge into ``target`` in one transaction and keep aside what could not be placed.

        ``merge`` is :func:`codage.analysis.merge.merge_projects` for one source,
        returning its report as plain data. ``coder`` is the person importing, whose
        one journal entry (and one undo) the whole import is.
        """
        report = self.report
        fresh = not target.documents() and not target.codes()
        if not fresh:
            # an existing project gets a whole file's worth of changes: a copy first
            report.backup = back_up(target, "import-qdpx")
        with target.batch(
            coder=coder,
            action="import_qdpx",
            summary=f"import {report.file}",
            details={"source": report.file},
        ):
            report.merge = merge(target, self.project)
            _keep_aside(target, self.asides, coder, report.file)
            if fresh and report.project:
                # a project made by this import takes the name the file gives it
                target.set_name(report.project)
        return report


def prepare_qdpx(path: str | Path, *, coder: str, n_process: int = 1) -> PreparedImport:
    """Read a ``.qdpx`` and write it into a temporary project (see the module).

    ``coder`` is the person importing: codings whose coder the file does not
    name are theirs (counted in the report). Raises :class:`IngestError` for a
    file that cannot be read; nothing is written anywhere but the temporary
    project, which the returned object removes when closed.
    """
    path = Path(path)
    refi = read_qdpx(path)
    folder = Path(tempfile.mkdtemp(prefix="codage-qdpx-"))
    project: Project | None = None
    try:
        project = open_project(str(folder / "import.codage"), create=True)
        report = RefiReport(path, project=refi.name, origin=refi.origin)
        builder = Builder(refi, project, report, coder, n_process)
        builder.build()
        return PreparedImport(report, project, folder, builder.asides)
    except BaseException:
        if project is not None:
            project.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _keep_aside(target: Project, asides: list[Unplaced], coder: str, source: str) -> None:
    """Set aside, in the target, the codings the file could not place."""
    if not asides:
        return
    codes = target.codes()
    by_path = {c.path: c for c in codes}
    by_fold = {tuple(fold(p) for p in c.path): c for c in codes}
    for aside in asides:
        document = target.document_by_sha(aside.sha)
        if document is None:
            document = next((d for d in target.documents() if d.name == aside.document), None)
        code = by_path.get(aside.code) or by_fold.get(tuple(fold(p) for p in aside.code))
        if code is None:
            continue
        target.set_aside(
            document_name=document.name if document is not None else aside.document,
            document_id=document.id if document is not None else None,
            code_id=code.id,
            coder=aside.coder,
            start=aside.start,
            end=aside.end,
            text=aside.text,
            memo=aside.memo,
            source=source,
            reason=aside.reason,
            actor=coder,
        )
