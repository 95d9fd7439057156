"""Word ``.docx`` (python-docx): paragraphs and tables in order, headings, bold speakers."""

from __future__ import annotations

from pathlib import Path

from codage.domain import NewDocument, fold
from codage.ingest.encoding import clean_text
from codage.ingest.errors import IngestError
from codage.ingest.speakers import (
    is_dialogue_column,
    is_excluded_label,
    is_label_shape,
    speaker_role,
)
from codage.ingest.structure import build_document, join_blocks
from codage.ingest.zipguard import open_zip

_HEADING_STYLES = ("heading", "title", "titre", "subtitle", "sous-titre")
MAX_BOLD_LABEL = 60

Part = tuple[str, str, str | None]


def read_docx(path: Path) -> list[NewDocument]:
    """Read a ``.docx``: each paragraph and each table row becomes a block.

    Heading styles give ``heading`` units; a bold run ending with ``:`` at the start
    of a paragraph names its speaker; plain ``NOM :`` labels are found as in text.
    Table rows are flattened with `` | `` between cells, except two-column tables
    whose first column holds speaker names, which become ``Name : text`` lines.
    """
    import docx
    from docx.table import Table

    with open_zip(path) as archive:
        if "word/document.xml" not in archive.namelist():
            raise IngestError(path, "this zip file is not a Word document (no word/document.xml)")
    try:
        document = docx.Document(str(path))
        parts: list[Part] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                parts.extend(_table_parts(item))
            else:
                parts.append(_paragraph_part(item))
    except IngestError:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds on broken files
        raise IngestError(
            path, f"this Word file is corrupt ({exc}); open and save it again"
        ) from None
    parts = [
        (clean_text(text, path) if text.strip() else "", kind, speaker)
        for text, kind, speaker in parts
    ]
    text, blocks = join_blocks(parts)
    if not text.strip():
        raise IngestError(path, "this Word document contains no text; nothing to import")
    return [build_document(path.stem, text, blocks, source_path=path, metadata={"format": "docx"})]


def _paragraph_part(paragraph) -> Part:
    text = paragraph.text
    style = paragraph.style.name if paragraph.style is not None else ""
    if style and fold(style).startswith(_HEADING_STYLES):
        return text, "heading", None
    return text, "paragraph", _bold_speaker(paragraph, text)


def _bold_speaker(paragraph, text: str) -> str | None:
    """The label of a paragraph that starts with a bold run ending in ``:``."""
    bold = []
    rest = ""
    for run in paragraph.runs:
        if not run.text:
            continue
        if run.bold and not rest:
            bold.append(run.text)
        else:
            rest = run.text
            break
    label = "".join(bold).strip()
    if not label:
        return None
    if label.endswith(":"):
        label = label[:-1].strip()
    elif rest.lstrip().startswith(":"):
        pass
    else:
        return None
    label = " ".join(label.split())
    if (
        not label
        or is_excluded_label(label)
        or len(label) > MAX_BOLD_LABEL
        or not text.lstrip().startswith(label.split()[0])
    ):
        return None
    after = text.lstrip()[len(label) :].lstrip(" \t:").strip()
    # A bold line alone ("Questions posées :") is a pseudo-heading unless it looks
    # like a name; with text after it, the bold label is the transcriber's intent.
    if not after and not is_label_shape(label):
        return None
    if speaker_role(label) is None and not label[0].isupper():
        return None
    return label


def _table_parts(table) -> list[Part]:
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        seen: list[object] = []
        for cell in row.cells:
            # Merged cells come back once per grid column: keep each cell once.
            if any(cell._tc is other for other in seen):
                continue
            seen.append(cell._tc)
            cells.append(cell.text.strip())
        if any(cells):
            rows.append(cells)
    if rows and all(len(r) == 2 for r in rows) and _speaker_column([r[0] for r in rows]):
        return [
            (f"{label.rstrip(' :')} : {said}" if label else said, "paragraph", None)
            for label, said in rows
        ]
    return [(" | ".join(c for c in cells if c), "paragraph", None) for cells in rows]


def _speaker_column(values: list[str]) -> bool:
    # A report's "label | value" table is not a dialogue: see is_dialogue_column.
    return is_dialogue_column(values)
