"""The import service: files -> documents in a project, one transaction per file."""

from __future__ import annotations

import contextlib
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from codage.display import visible
from codage.domain import NewDocument, Unit, text_sha256, word_count
from codage.ingest.cases import CaseTable, load_case_table
from codage.ingest.errors import IngestError
from codage.ingest.model_process import start_model_processes, stop_unused_model_processes
from codage.ingest.nlp import AnalysisError, stream_units
from codage.ingest.reader import ReadOptions, read_file, walk_paths
from codage.ingest.speakers import compile_speaker_pattern, using_speaker_pattern

if TYPE_CHECKING:
    from codage.store.project import Project

Progress = Callable[[int, int, str], None]

IMPORTED, SKIPPED, FAILED = "imported", "skipped", "failed"


@dataclass(slots=True)
class FileReport:
    """What happened to one file."""

    path: Path
    status: str = IMPORTED
    message: str = ""
    kind: str | None = None
    documents: list[str] = field(default_factory=list)
    units: dict[str, int] = field(default_factory=dict)
    words: int = 0
    speakers: list[str] = field(default_factory=list)
    # one line each: what the import did not take as text, or doubts about it
    warnings: list[str] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def unit_count(self) -> int:
        """Units other than sentences: paragraphs, headings, turns, answers."""
        return sum(n for kind, n in self.units.items() if kind != "sentence")


@dataclass(slots=True)
class ImportReport:
    """Per-file outcome of :func:`import_files`, in the order the files were given."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def imported(self) -> list[FileReport]:
        return [f for f in self.files if f.status == IMPORTED]

    @property
    def skipped(self) -> list[FileReport]:
        return [f for f in self.files if f.status == SKIPPED]

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.status == FAILED]

    @property
    def ok(self) -> bool:
        """True when no file failed (skipped duplicates are not failures)."""
        return not self.failed


@dataclass(slots=True)
class _Pending:
    report: FileReport
    documents: list[NewDocument]
    duplicates: list[tuple[NewDocument, int]]
    # documents written so far (under their final names), in the file's transaction
    written: list[NewDocument] = field(default_factory=list)
    units: Counter[str] = field(default_factory=Counter)
    speakers: list[str] = field(default_factory=list)
    transaction: ExitStack | None = None


def import_files(
    project: Project,
    paths: Iterable[str | Path],
    *,
    force: bool = False,
    case_attributes: str | Path | None = None,
    id_column: str | None = None,
    text_columns: Sequence[str] | None = None,
    attribute_columns: Sequence[str] | None = None,
    speaker_pattern: str | re.Pattern[str] | None = None,
    n_process: int | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import files (directories are walked) into ``project``.

    Each file is read, split into units and sentences, then written in one
    transaction: a file that fails leaves nothing behind and the others go on. A
    document whose normalised text is already in the project (same SHA-256) is
    skipped, unless ``force``, which imports it again as ``name (2)``.
    ``case_attributes`` (CSV or YAML) links documents to cases with attributes;
    it also links already imported duplicates. ``progress(done, total, name)`` is
    called before each file and once at the end. ``n_process`` is the number of
    spaCy processes; by default one, or one per core (up to four) when the files
    weigh more than a few megabytes, where the start-up of the workers pays off.
    ``speaker_pattern``: a regular expression with a named group ``speaker`` (and
    optionally ``timestamp``) matched at the start of each line, which replaces the
    automatic speaker detection for this import.

    Raises :class:`IngestError` only when the case attributes file or the speaker
    pattern is unusable; every problem with an input file is reported in the
    returned report.
    """
    if isinstance(speaker_pattern, str):
        speaker_pattern = compile_speaker_pattern(speaker_pattern)
    # Sentences are placed after each turn's label, which the pattern finds too.
    with using_speaker_pattern(speaker_pattern):
        return _import(
            project,
            paths,
            force=force,
            case_attributes=case_attributes,
            options=ReadOptions(id_column, text_columns, attribute_columns, speaker_pattern),
            n_process=n_process,
            progress=progress,
        )


def _import(
    project: Project,
    paths: Iterable[str | Path],
    *,
    force: bool,
    case_attributes: str | Path | None,
    options: ReadOptions,
    n_process: int | None,
    progress: Progress | None,
) -> ImportReport:
    files = walk_paths(paths)
    if case_attributes is not None:
        # The case sheet often sits in the folder being imported: it is not a document.
        sheet = Path(case_attributes).resolve()
        files = [f for f in files if f.resolve() != sheet]
    if n_process is None:
        n_process = auto_processes(files)
    start_model_processes(n_process)
    cases = load_case_table(case_attributes) if case_attributes is not None else None
    names = {d.name for d in project.documents()}
    seen_shas: set[str] = set()
    report = ImportReport()
    waiting: dict[int, _Pending] = {}

    # Files with no new document only link duplicates to their cases: written
    # between two files' transactions, never inside one that may still fail.
    later: list[_Pending] = []

    def to_analyse() -> Iterator[tuple[int, NewDocument]]:
        # Files are read as the model asks for more text, so reading, analysing and
        # writing overlap and only the files in flight are held in memory.
        for index, path in enumerate(files):
            if progress is not None:
                progress(index, len(files), path.name)
            file_report = FileReport(path)
            report.files.append(file_report)
            item = _prepare(project, path, options, cases, force, seen_shas, file_report)
            if item is None:
                continue
            if not item.documents:
                later.append(item)
                continue
            waiting[index] = item
            for document in item.documents:
                yield index, document

    def write_later() -> None:
        while later:
            _write_duplicates_only(project, later.pop(0))

    current: _Pending | None = None
    try:
        for index, document, units in stream_units(to_analyse(), n_process=n_process):
            item = waiting[index]
            if current is not item:
                if current is not None:
                    _end_file(project, current, names)
                write_later()
                current = item
                _begin_file(project, item)
            if item.report.status != FAILED:
                _write_document(project, item, document, units, names)
            if document is item.documents[-1]:
                _end_file(project, item, names)
                del waiting[index]
                current = None
        if current is not None:
            _end_file(project, current, names)
    except AnalysisError as exc:  # the model failing: the files not yet written fail with it
        for item in waiting.values():
            _abandon(item, f"{item.report.file}: sentence analysis failed ({exc})")
        # and so do those it had not asked for yet, so that every file is reported
        for path in files[len(report.files) :]:
            file_report = FileReport(path)
            _fail(file_report, f"{file_report.file}: sentence analysis failed ({exc})")
            report.files.append(file_report)
    finally:
        # an import whose files all failed or were duplicates asked the model nothing
        stop_unused_model_processes()
    write_later()
    if progress is not None:
        progress(len(files), len(files), "")
    return report


AUTO_PROCESS_BYTES = 4_000_000


def auto_processes(files: Sequence[Path]) -> int:
    """How many spaCy processes an import of these files deserves, on this machine."""
    size = 0
    for path in files:
        try:
            size += path.stat().st_size
        except OSError:
            continue
    return worker_count(size, _usable_cores(), _available_memory())


# What one more spaCy worker process holds (the model, its vocabulary, the batch in
# flight), measured on the demo: about 350 MB; rounded up so that workers never push
# the machine into swap.
WORKER_BYTES = 512 * 1024 * 1024


def worker_count(size: int, cores: int, available: int | None) -> int:
    """Worker processes for ``size`` bytes of files on ``cores`` usable cores with
    ``available`` bytes of free memory (None when unknown).

    Measured on a 2-core machine, two processes made an import slower and heavier than
    one (1.5x the CPU, 2.3x the memory: the main process parses and writes while the
    workers tag, so they fight for the same cores). So one worker per two cores beyond
    the first two, at most four, and no more than free memory holds."""
    if size < AUTO_PROCESS_BYTES or cores <= 2:
        return 1
    count = min(cores // 2, 4)
    if available is not None:
        count = min(count, available // WORKER_BYTES)
    return max(1, count)


def _usable_cores() -> int:
    """Cores this process may run on (a container's or taskset's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _available_memory() -> int | None:
    """Free memory in bytes, as the kernel counts it, or None where it cannot say."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _prepare(
    project: Project,
    path: Path,
    options: ReadOptions,
    cases: CaseTable | None,
    force: bool,
    seen_shas: set[str],
    report: FileReport,
) -> _Pending | None:
    """Read a file and sort its documents into new ones and duplicates."""
    try:
        documents = read_file(path, options)
    except IngestError as exc:
        _fail(report, str(exc))
        return None
    except Exception as exc:  # a reader bug must not stop the other files
        _fail(report, f"{path.name}: could not be read ({type(exc).__name__}: {exc})")
        return None
    if cases is not None:
        documents = [_with_case(d, cases) for d in documents]
    report.kind = documents[0].kind if documents else None
    fresh: list[NewDocument] = []
    duplicates: list[tuple[NewDocument, int]] = []
    for document in documents:
        sha = text_sha256(document.text)
        existing = project.document_by_sha(sha)
        if not force and (existing is not None or sha in seen_shas):
            duplicates.append((document, existing.id if existing is not None else -1))
            continue
        seen_shas.add(sha)
        fresh.append(document)
    if not fresh:
        report.status = SKIPPED
        names = ", ".join(d.name for d, _ in duplicates)
        report.message = (
            f"{path.name}: already in the project ({names}); use --force to import again"
        )
    return _Pending(report, fresh, duplicates)


def _begin_file(project: Project, item: _Pending) -> None:
    """Open the one transaction in which a file's documents are written."""
    item.transaction = ExitStack()
    item.transaction.enter_context(project.batch())


def _write_document(
    project: Project,
    item: _Pending,
    document: NewDocument,
    units: Iterator[tuple[Unit, str | None]],
    names: set[str],
) -> None:
    """Write one document of a file as its units come; a failure fails the whole file."""
    report = item.report
    named = _unique_name(_visible_name(document, report), names | {d.name for d in item.written})
    # The question columns of one table share their respondents: give each
    # respondent's attributes once per file, not once per question.
    described = {k for d in item.written for k in d.cases}
    cases = {k: v for k, v in document.cases.items() if k not in described}

    def counted() -> Iterator[tuple[Unit, str | None]]:
        for unit, case in units:
            item.units[unit.kind] += 1
            if unit.speaker is not None and unit.speaker not in item.speakers:
                item.speakers.append(unit.speaker)
            yield unit, case

    try:
        project.add_document(replace(named, cases=cases, units=[], unit_cases={}), counted())
    except AnalysisError:
        raise
    except Exception as exc:  # the store's Conflict and database errors alike
        _abandon(item, _file_message(report, exc))
        return
    item.written.append(replace(named, units=[], unit_cases={}))


def _end_file(project: Project, item: _Pending, names: set[str]) -> None:
    """Link the file's duplicates to their cases, commit, and fill in its report."""
    report = item.report
    if report.status == FAILED or item.transaction is None:
        return
    try:
        _link_duplicates(project, item)
    except Exception as exc:
        _abandon(item, _file_message(report, exc))
        return
    try:
        item.transaction.close()
    except Exception as exc:  # the commit itself failing (disk full...)
        item.transaction = None
        _fail(report, _file_message(report, exc))
        return
    item.transaction = None
    documents = item.written
    names.update(d.name for d in documents)
    if not documents:
        return
    report.documents = [d.name for d in documents]
    report.units = dict(item.units)
    report.words = sum(word_count(d.text) for d in documents)
    report.speakers = item.speakers
    for document in documents:
        for warning in document.warnings:
            if warning not in report.warnings:
                report.warnings.append(warning)
    if item.duplicates:
        report.message = f"{len(item.duplicates)} document(s) already in the project were skipped"


def _abandon(item: _Pending, message: str) -> None:
    """Roll back the file's transaction, if open, and fail it with ``message``."""
    if item.transaction is not None:
        transaction, item.transaction = item.transaction, None
        failure = RuntimeError(message)
        # the rollback's own error changes nothing for the report
        with contextlib.suppress(Exception):
            transaction.__exit__(RuntimeError, failure, None)
    _fail(item.report, message)


def _write_duplicates_only(project: Project, item: _Pending) -> None:
    """A file whose documents are all in the project: link its cases, in one transaction."""
    try:
        with project.batch():
            _link_duplicates(project, item)
    except Exception as exc:
        _fail(item.report, _file_message(item.report, exc))


def _link_duplicates(project: Project, item: _Pending) -> None:
    for document, existing_id in item.duplicates:
        if document.case is not None and existing_id >= 0:
            project.set_case(document.case, document.cases.get(document.case, {}))
            project.link_case(document.case, document_id=existing_id)


def _file_message(report: FileReport, exc: Exception) -> str:
    message = str(exc)
    return message if message.startswith(report.file) else f"{report.file}: {message}"


def _fail(report: FileReport, message: str) -> None:
    report.status = FAILED
    report.message = message
    report.documents = []
    report.units = {}
    report.words = 0
    report.speakers = []
    report.warnings = []


def _with_case(document: NewDocument, cases: CaseTable) -> NewDocument:
    assignment = cases.get(document.name)
    if assignment is None:
        return document
    merged = dict(document.cases)
    merged[assignment.case] = {**merged.get(assignment.case, {}), **assignment.attributes}
    return replace(document, case=assignment.case, cases=merged)


def _visible_name(document: NewDocument, report: FileReport) -> NewDocument:
    """A name from a file name or a table header, with its control characters shown
    (ESC as ␛...) rather than kept: the name reaches every terminal that lists it."""
    shown = visible(document.name)
    if shown == document.name:
        return document
    report.warnings.append(
        f"document name has control characters, shown in it as visible signs: {shown}"
    )
    return replace(document, name=shown)


def _unique_name(document: NewDocument, names: set[str]) -> NewDocument:
    """``name``, or ``name (2)``, ``name (3)``... when the project already has it."""
    if document.name not in names:
        return document
    n = 2
    while f"{document.name} ({n})" in names:
        n += 1
    return replace(document, name=f"{document.name} ({n})")
