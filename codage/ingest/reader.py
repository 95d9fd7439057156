"""Which reader reads which file, and which files a list of paths stands for."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from re import Pattern

from codage.domain import NewDocument
from codage.ingest.errors import IngestError
from codage.ingest.readers.opendocument import read_odt
from codage.ingest.readers.pdf import read_pdf
from codage.ingest.readers.plain import read_plain
from codage.ingest.readers.rtf import read_rtf
from codage.ingest.readers.subtitles import read_subtitles
from codage.ingest.readers.tables import TableOptions, read_csv, read_xlsx
from codage.ingest.readers.word import read_docx
from codage.ingest.speakers import using_speaker_pattern


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Options of :func:`read_file`; the column roles only matter for tables.

    ``speaker_pattern`` (see :func:`codage.ingest.speakers.compile_speaker_pattern`)
    replaces the automatic speaker detection of transcripts.
    """

    id_column: str | None = None
    text_columns: Sequence[str] | None = None
    attribute_columns: Sequence[str] | None = None
    speaker_pattern: Pattern[str] | None = None

    def table(self) -> TableOptions:
        return TableOptions(self.id_column, self.text_columns, self.attribute_columns)


Reader = Callable[[Path, ReadOptions], list[NewDocument]]

READERS: dict[str, Reader] = {
    ".txt": lambda p, o: read_plain(p),
    ".text": lambda p, o: read_plain(p),
    ".md": lambda p, o: read_plain(p),
    ".markdown": lambda p, o: read_plain(p),
    ".docx": lambda p, o: read_docx(p),
    ".odt": lambda p, o: read_odt(p),
    ".rtf": lambda p, o: read_rtf(p),
    ".pdf": lambda p, o: read_pdf(p),
    ".vtt": lambda p, o: read_subtitles(p),
    ".srt": lambda p, o: read_subtitles(p),
    ".csv": lambda p, o: read_csv(p, o.table()),
    ".tsv": lambda p, o: read_csv(p, o.table()),
    ".xlsx": lambda p, o: read_xlsx(p, o.table()),
}

# Formats people often have, with what to do about them.
_ADVICE = {
    ".doc": "an old Word file (.doc); save it as .docx in Word or LibreOffice",
    ".xls": "an old Excel file (.xls); save it as .xlsx or .csv",
    ".ods": "an OpenDocument spreadsheet; save it as .xlsx or .csv",
    ".pages": "a Pages file; export it as .docx",
    ".mp3": "audio; transcribe it first (e.g. Whisper to .vtt)",
    ".wav": "audio; transcribe it first (e.g. Whisper to .vtt)",
    ".m4a": "audio; transcribe it first (e.g. Whisper to .vtt)",
}

SUPPORTED = tuple(sorted(READERS))


def read_file(path: str | Path, options: ReadOptions | None = None) -> list[NewDocument]:
    """Read one file into documents (several for a table: one per question column).

    Sentences are not added here (see :func:`codage.ingest.nlp.add_sentences`).
    Raises :class:`IngestError` with a one-line message for any bad input.
    """
    path = Path(path)
    if not path.exists():
        raise IngestError(path, "no such file")
    if path.is_dir():
        raise IngestError(path, "is a directory; use walk_paths to list its files")
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        if suffix in _ADVICE:
            raise IngestError(path, f"this is {_ADVICE[suffix]}")
        raise IngestError(
            path,
            f"unknown file type {suffix or '(no extension)'!r}; codage reads "
            + " ".join(SUPPORTED),
        )
    options = options or ReadOptions()
    with using_speaker_pattern(options.speaker_pattern):
        return reader(path, options)


def walk_paths(paths: Iterable[str | Path], *, also: Iterable[str] = ()) -> list[Path]:
    """The files the given paths stand for, directories expanded, in a stable order.

    Inside directories (walked recursively, sorted), hidden files and folders,
    Office lock files (``~$x.docx``) and files of unsupported types are skipped;
    paths given explicitly are always kept, so that a wrong one gets its message.
    ``also`` names further suffixes to find in directories (``.qdpx`` projects).
    """
    suffixes = set(READERS) | {s.lower() for s in also}
    out: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and _wanted(p.relative_to(path), suffixes)
            )
        else:
            found = [path]
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                out.append(file)
    return out


def _wanted(relative: Path, suffixes: set[str]) -> bool:
    if any(part.startswith(".") for part in relative.parts):
        return False
    name = relative.name
    if name.startswith("~$") or name.endswith("~"):
        return False
    return relative.suffix.lower() in suffixes
