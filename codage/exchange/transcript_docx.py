"""A coded transcript in Word: the whole document, every coding a comment on its passage.

This is how NVivo and ATLAS.ti users review a coded interview: the text as it
is, and in the margin one comment per coding naming the code path, the coder
and the memo. A Word comment is anchored on whole runs, so each paragraph is
cut into runs at every coding boundary that falls inside it; overlapping
codings then share runs and each comment spans its own range of them.

Turns, paragraphs and answers carry the numbers the transcript view shows in
its gutter and dossiers print ("turn 12"), as Word list numbers: Word draws
them, so the text and the comments' anchors stay the document's own words.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from docx import Document as new_docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from codage import i18n
from codage.domain import Coding
from codage.exchange.atomic import save_atomically
from codage.exchange.tables import xml_safe
from codage.services.selection import Progress, TranscriptSource

i18n.register(
    {
        "transcript.coder": {"en": "Coder: {coder}", "fr": "Codeur : {coder}"},
        "transcript.memo": {"en": "Memo: {memo}", "fr": "Mémo : {memo}"},
        "transcript.subtitle": {
            "en": "{codings} codings, as comments",
            "fr": "{codings} codages, en commentaires",
        },
    }
)

_PARAGRAPH = re.compile(r"[^\n]+")


@dataclass
class TranscriptReport:
    """What an export of a coded transcript wrote."""

    path: Path
    document: str
    paragraphs: int
    comments: int
    # codings that cover nothing but line breaks, which Word cannot anchor a comment on
    skipped: int = 0


def _initials(name: str) -> str:
    return "".join(part[0] for part in name.replace("-", " ").split() if part).upper()[:4]


def _clip(coding: Coding, starts: list[int], ends: list[int]) -> tuple[int, int] | None:
    """The coding's span shrunk to paragraph text (line breaks are not in any run)."""
    start, end = coding.start, coding.end
    i = bisect.bisect_right(starts, start) - 1
    if i < 0 or start >= ends[i]:
        i += 1  # starts in a line break: begin at the next paragraph
        if i >= len(starts):
            return None
        start = starts[i]
    j = bisect.bisect_left(starts, end) - 1  # last paragraph beginning before the end
    if j < 0:
        return None
    end = min(end, ends[j])
    return (start, end) if start < end else None


# The template's numbered list style: its paragraphs are numbered 1, 2, 3... in order,
# and paragraphs that switch the numbering off do not break the count.
NUMBERED_STYLE = "List Number"


def _unnumbered(paragraph: Paragraph) -> None:
    """Keep the list's indent but draw no number (a turn's second line, say)."""
    p_pr = paragraph._p.get_or_add_pPr()
    num_pr = OxmlElement("w:numPr")
    for tag, value in (("w:ilvl", "0"), ("w:numId", "0")):
        child = OxmlElement(tag)
        child.set(qn("w:val"), value)
        num_pr.append(child)
    p_pr.append(num_pr)


def export_transcript(
    source: TranscriptSource,
    out_path: str | Path,
    *,
    language: str | None = None,
    progress: Progress | None = None,
) -> TranscriptReport:
    """Write a document to .docx, one Word paragraph per line of text, codings as comments.

    ``source`` comes from :func:`codage.services.selection.select_transcript`.
    Comment author is the coder.
    """
    lang = language or i18n.language()

    def label(key: str, **values: object) -> str:
        texts = i18n.CATALOG[key]
        return xml_safe((texts.get(lang) or texts["en"]).format(**values))

    text = source.text
    codings = source.codings
    paths = source.paths

    paragraphs = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]
    starts = [p[0] for p in paragraphs]
    ends = [p[1] for p in paragraphs]
    # the line where each numbered unit starts (readers start units at line starts)
    numbered = {max(bisect.bisect_right(starts, place.start) - 1, 0) for place in source.places}
    anchored: list[tuple[Coding, int, int]] = []
    skipped = 0
    for coding in codings:
        clipped = _clip(coding, starts, ends) if paragraphs else None
        if clipped is None:
            skipped += 1
            continue
        anchored.append((coding, *clipped))
    cuts: set[int] = set()
    for _, s, e in anchored:
        cuts.update((s, e))

    out = new_docx()
    out.core_properties.title = xml_safe(source.name)
    out.add_paragraph(xml_safe(source.name), style="Title")
    out.add_paragraph(label("transcript.subtitle", codings=len(anchored)), style="Subtitle")
    run_at: dict[int, Run] = {}  # offset where a run begins -> run
    run_to: dict[int, Run] = {}  # offset where a run ends -> run
    sorted_cuts = sorted(cuts)
    for index, (ps, pe) in enumerate(paragraphs):
        para = out.add_paragraph(style=NUMBERED_STYLE)
        if index not in numbered:
            _unnumbered(para)
        inner = sorted_cuts[
            bisect.bisect_right(sorted_cuts, ps) : bisect.bisect_left(sorted_cuts, pe)
        ]
        bounds = [ps, *inner, pe]
        for a, b in itertools.pairwise(bounds):
            run = para.add_run(xml_safe(text[a:b]))
            run_at[a] = run
            run_to[b] = run

    total = len(anchored)
    for n, (coding, s, e) in enumerate(anchored, 1):
        lines = [label("transcript.coder", coder=coding.coder)]
        for _, memo in source.memos.get(coding.id, ()):
            lines.append(label("transcript.memo", memo=memo.strip()))
        comment = out.add_comment(
            [run_at[s], run_to[e]],
            text=xml_safe(paths.get(coding.code_id, str(coding.code_id))),
            author=xml_safe(coding.coder),
            initials=xml_safe(_initials(coding.coder)),
        )
        # The comment's date is the coding's own (python-docx stamps the export time).
        when = coding.updated_at or coding.created_at
        if when is not None:
            comment._comment_elm.date = when.replace(tzinfo=UTC) if when.tzinfo is None else when
        for line in lines:
            comment.add_paragraph(xml_safe(line))
        if progress is not None and (n % 200 == 0 or n == total):
            progress(n, total)
    path = Path(out_path)
    save_atomically(path, out.save)
    return TranscriptReport(path, source.name, len(paragraphs), len(anchored), skipped)
