"""A plain Word report of titled tables and notes, written whole (the agreement report).

The writer receives what to say as strings, already in the reader's language:
it lays them out and writes the file; it neither computes nor queries anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codage.exchange.atomic import save_atomically
from codage.exchange.tables import xml_safe

__all__ = ["ReportSection", "write_report"]


@dataclass
class ReportSection:
    """A heading, paragraphs before the table, the table (header then rows), notes after it."""

    heading: str
    level: int = 1
    paragraphs: Sequence[str] = ()
    header: Sequence[str] = ()
    rows: Sequence[Sequence[str]] = ()
    notes: Sequence[str] = field(default_factory=list)


def write_report(path: str | Path, sections: Sequence[ReportSection]) -> None:
    """Write the sections to a .docx file; tables use Word's "Table Grid" style."""
    from docx import Document

    doc = Document()
    for section in sections:
        doc.add_heading(xml_safe(section.heading), section.level)
        for paragraph in section.paragraphs:
            doc.add_paragraph(xml_safe(paragraph))
        if section.header:
            table = doc.add_table(rows=1, cols=len(section.header))
            table.style = "Table Grid"
            for cell, title in zip(table.rows[0].cells, section.header, strict=True):
                cell.text = xml_safe(title)
            for row in section.rows:
                for cell, value in zip(table.add_row().cells, row, strict=True):
                    cell.text = xml_safe(value)
        for note in section.notes:
            doc.add_paragraph(xml_safe(note))
    save_atomically(path, doc.save)
