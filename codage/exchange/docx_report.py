"""The quotation dossier: every extract of the codes asked for, code by code, in Word.

The document opens with a title page, a table of contents (a TOC field
written already filled, see ``dossier_layout.py``), a summary table and a bar
chart of frequencies (both in ``dossier_summary.py``); then one heading per
code (Heading 1..n following the tree), its definition and its extracts in
Word's Quote style, each with an attribution line and its memos.
"""

from __future__ import annotations

import io
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import cast

from docx import Document as new_docx
from lxml import etree

from codage import i18n
from codage.domain import Code, format_attribute
from codage.exchange.atomic import atomic_path
from codage.exchange.deflate_ahead import BUCKETS, Deflated, DeflatingSpill
from codage.exchange.dossier_extracts import Tally, comes_in_order, spill_extracts
from codage.exchange.dossier_layout import (
    DEFINITION_STYLE,
    TOC_LEVELS,
    BodyWriter,
    TocEntry,
    add_styles,
    fill_toc,
    page_break,
    toc_field,
)
from codage.exchange.dossier_summary import BranchTally, write_summary
from codage.exchange.dossier_xml import heading_xml, paragraph_xml
from codage.exchange.package import splice_deflated
from codage.exchange.spill import Spill
from codage.exchange.tables import xml_safe
from codage.services.selection import (
    Progress,
    Selection,
    SelectionStream,
)

GROUPS = ("code", "document", "case")

i18n.register(
    {
        "dossier.title": {"en": "Quotation dossier", "fr": "Dossier de citations"},
        "dossier.date": {"en": "Date: {date}", "fr": "Date : {date}"},
        "dossier.filters": {"en": "Filters", "fr": "Filtres"},
        "dossier.no_filter": {
            "en": "No filter: every coding of the project.",
            "fr": "Aucun filtre : tous les codages du projet.",
        },
        "dossier.filter.codes": {"en": "Codes", "fr": "Codes"},
        "dossier.filter.codes_only": {
            "en": "Codes (without sub-codes)",
            "fr": "Codes (sans sous-codes)",
        },
        "dossier.filter.documents": {"en": "Documents", "fr": "Documents"},
        "dossier.filter.coders": {"en": "Coders", "fr": "Codeurs"},
        "dossier.filter.cases": {"en": "Cases", "fr": "Cas"},
        "dossier.group_by": {"en": "Grouped by: {group}", "fr": "Regroupement : {group}"},
        "dossier.group.code": {"en": "code", "fr": "code"},
        "dossier.group.document": {"en": "document", "fr": "document"},
        "dossier.group.case": {"en": "case", "fr": "cas"},
        "dossier.coders": {"en": "Coders: {coders}", "fr": "Codeurs : {coders}"},
        "dossier.counts": {
            "en": "{extracts} extracts ({codings} codings) from {documents} documents",
            "fr": "{extracts} extraits ({codings} codages) issus de {documents} documents",
        },
        "dossier.contents": {"en": "Contents", "fr": "Sommaire"},
        "dossier.toc_placeholder": {
            "en": "Right-click and choose Update Field to build the table of contents.",
            "fr": "Clic droit puis « Mettre à jour les champs » pour construire le sommaire.",
        },
        "dossier.summary": {"en": "Summary", "fr": "Synthèse"},
        "dossier.col.code": {"en": "Code", "fr": "Code"},
        "dossier.col.extracts": {"en": "Extracts", "fr": "Extraits"},
        "dossier.col.codings": {"en": "Codings", "fr": "Codages"},
        "dossier.col.documents": {"en": "Documents", "fr": "Documents"},
        "dossier.col.cases": {"en": "Cases", "fr": "Cas"},
        "dossier.col.coders": {"en": "Coders", "fr": "Codeurs"},
        "dossier.chart_title": {
            "en": "Extracts per code, most first",
            "fr": "Extraits par code, du plus fréquent au moins fréquent",
        },
        "dossier.chart_caption": {
            "en": "Codes that hold extracts themselves; a parent's total is in the table above.",
            "fr": "Codes portant eux-mêmes des extraits ; le total d'un code parent "
            "figure dans le tableau ci-dessus.",
        },
        "dossier.include": {"en": "Include: {text}", "fr": "Inclure : {text}"},
        "dossier.exclude": {"en": "Exclude: {text}", "fr": "Exclure : {text}"},
        "dossier.coder_label": {"en": "coder", "fr": "codeur"},
        "dossier.automatic": {"en": "automatic", "fr": "automatique"},
        "dossier.suggested": {"en": "accepted suggestion", "fr": "suggestion acceptée"},
        "dossier.coders_label": {"en": "coders", "fr": "codeurs"},
        "dossier.also": {"en": "also coded", "fr": "aussi codé"},
        "dossier.memo": {"en": "Memo", "fr": "Mémo"},
        "dossier.no_case": {"en": "Without a case", "fr": "Sans cas"},
        "dossier.case": {"en": "case", "fr": "cas"},
        "dossier.empty": {
            "en": "No coding matches these filters.",
            "fr": "Aucun codage ne correspond à ces filtres.",
        },
    }
)


@dataclass
class DossierReport:
    """What an export of a dossier wrote."""

    path: Path
    extracts: int
    codings: int
    codes: int
    documents: int
    coders: list[str] = field(default_factory=list)
    seconds: float = 0.0  # writing the file (the selection is read before, by the caller)


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------


def _labeller(language: str | None) -> Callable[..., str]:
    """A ``t()`` bound to one language, so that an export never changes the global one."""
    lang = language or i18n.language()
    if lang not in ("en", "fr"):
        raise ValueError(f"unknown language {lang!r}")

    plain: dict[str, str] = {}  # labels without values, asked for on every extract

    def label(key: str, **values: object) -> str:
        if not values and key in plain:
            return plain[key]
        texts = i18n.CATALOG[key]
        text = texts.get(lang) or texts["en"]
        if not values:
            plain[key] = text
            return text
        # Values are names from users and files: XML refuses their control characters.
        return xml_safe(text.format(**values))

    return label


# ---------------------------------------------------------------------------
# The dossier
# ---------------------------------------------------------------------------

# The paragraph that stands where the body goes in the front matter python-docx writes.
_MARKER = "codage-dossier-body-7c1f3a9e"
_MARKER_XML = f"<w:p><w:r><w:t>{_MARKER}</w:t></w:r></w:p>"
_DOCUMENT_PART = "word/document.xml"
# The body is written to the zip in slices of about this many characters.
_FLUSH = 1 << 20


def _headed(
    codes: Sequence[Code], used: set[int], scope: set[int] | None
) -> list[tuple[Code, int]]:
    """Codes to give a heading, in tree order, with their heading level (1-based)."""
    by_id = {c.id: c for c in codes}
    shown: set[int] = set()
    for code_id in used:
        current: int | None = code_id
        while current is not None and (scope is None or current in scope):
            shown.add(current)
            current = by_id[current].parent_id
    listed = [c for c in codes if c.id in shown]
    top = min((c.depth for c in listed), default=0)
    return [(c, min(c.depth - top + 1, 9)) for c in listed]


def _front_matter(
    source: Selection | SelectionStream,
    writer: BodyWriter,
    tally: Tally,
    branches: BranchTally,
    group_by: str,
    label: Callable[..., str],
) -> etree._Element:
    """Title page, contents (an empty field: see :func:`fill_toc`) and summary, through
    python-docx; returns the contents' paragraph."""
    doc = writer.doc
    styled = writer.styled
    project_name = xml_safe(source.project)
    coders = sorted(tally.coders)
    doc.core_properties.title = f"{label('dossier.title')}: {project_name}"
    doc.core_properties.author = xml_safe(", ".join(coders))

    # -- title page
    styled(label("dossier.title"), "Title")
    styled(project_name, "Subtitle")
    doc.add_paragraph(label("dossier.date", date=date.today().isoformat()))
    doc.add_paragraph(label("dossier.group_by", group=label(f"dossier.group.{group_by}")))
    doc.add_paragraph().add_run(label("dossier.filters")).bold = True
    if not source.filters:
        styled(label("dossier.no_filter"), "List Bullet")
    for key, values in source.filters.items():
        name = "codes_only" if key == "codes" and not source.include_subcodes else key
        styled(xml_safe(f"{label(f'dossier.filter.{name}')}: {', '.join(values)}"), "List Bullet")
    doc.add_paragraph(label("dossier.coders", coders=", ".join(coders) or "—"))
    doc.add_paragraph(
        label(
            "dossier.counts",
            extracts=tally.extracts,
            codings=tally.codings,
            documents=len(tally.documents),
        )
    )
    page_break(doc)

    # -- contents and summary
    styled(label("dossier.contents"), "TOC Heading")
    toc = toc_field(doc, label("dossier.toc_placeholder"))
    page_break(doc)
    styled(label("dossier.summary"), "TOC Heading")
    write_summary(doc, branches.rows(), label, writer.style_id)
    page_break(doc)
    return toc


def _body_plan(
    source: Selection | SelectionStream,
    spill: Spill | DeflatingSpill,
    writer: BodyWriter,
    tally: Tally,
    group_by: str,
    label: Callable[..., str],
) -> list[str | Hashable]:
    """The body in order: paragraphs written here (headings, definitions) as text, and
    the spill's buckets of extracts where they go. Headings are bookmarked for the
    contents as they are planned (``writer.toc``)."""
    plan: list[str | Hashable] = []

    def paragraph(style: str | None, text: str) -> None:
        style_id = None if style is None else writer.style_id(style)
        plan.append(paragraph_xml(style_id, [(text, None, False)]))

    def heading(level: int, text: str, colour: str | None = None) -> None:
        level = min(level, 9)
        bookmark = None
        if level <= TOC_LEVELS:
            bookmark = len(writer.toc) + 1
            writer.toc.append(TocEntry(level, xml_safe(text), f"_Toc{bookmark:08d}"))
        plan.append(heading_xml(writer.style_id(f"Heading {level}"), text, colour, bookmark))

    used: dict[str | None, set[int]] = defaultdict(set)
    for bucket in spill.buckets():
        group, code_id = cast("tuple[str | None, int]", bucket)
        used[group].add(code_id)

    def write_codes(group: str | None, offset: int) -> None:
        for code, level in _headed(source.codes, used[group], source.code_ids):
            heading(level + offset, code.name, code.colour)
            if code.description.strip():
                paragraph(DEFINITION_STYLE, code.description.strip())
            for key, value in (
                ("dossier.include", code.inclusion),
                ("dossier.exclude", code.exclusion),
            ):
                if value.strip():
                    paragraph(DEFINITION_STYLE, label(key, text=value.strip()))
            plan.append((group, code.id))

    if not tally.extracts:
        paragraph(None, label("dossier.empty"))
    if group_by == "code":
        write_codes(None, 0)
    elif group_by == "document":
        for name in sorted(n for n in used if n is not None):
            heading(1, name)
            write_codes(name, 1)
    else:
        for case_name in sorted(used, key=lambda n: (n is None, n or "")):
            case = tally.cases.get(case_name)
            heading(1, case_name if case_name is not None else label("dossier.no_case"))
            if case is not None and case.attributes:
                attrs = ", ".join(
                    f"{k}: {format_attribute(v)}"
                    for k, v in sorted(case.attributes.items())
                    if v is not None
                )
                paragraph(DEFINITION_STYLE, attrs)
            write_codes(case_name, 1)
    return plan


def _body(plan: list[str | Hashable], spill: Spill | DeflatingSpill) -> Iterator[bytes | Deflated]:
    """The body's bytes: the plan's paragraphs in slices of about a megabyte, and the
    spill's extracts where their buckets stand (deflated already where they could be)."""
    pending: list[str] = []
    size = 0
    for item in plan:
        if isinstance(item, str):
            pending.append(item)
            size += len(item)
            if size < _FLUSH:
                continue
        if pending:
            yield "".join(pending).encode("utf-8")
        pending, size = [], 0
        if not isinstance(item, str):
            if isinstance(spill, DeflatingSpill):
                deflated = spill.deflated(item)
                if deflated is not None:
                    yield deflated
            else:
                yield from spill.pieces(item)
    if pending:
        yield "".join(pending).encode("utf-8")


def export_dossier(
    source: Selection | SelectionStream,
    out_path: str | Path,
    *,
    group_by: str = "code",
    language: str | None = None,
    progress: Progress | None = None,
) -> DossierReport:
    """Write a quotation dossier of the selected codings to a .docx file.

    ``source`` comes from :func:`codage.services.selection.stream_for_dossier` (read
    one document at a time, the dossier's extracts kept in a temporary file until
    they are written in order; plain rows, read in the order of the documents' names,
    deflated by a second thread as they are read: see ``deflate_ahead.py``) or
    :func:`codage.services.selection.select_for_dossier`
    (memos, overlapping codes and context filled). ``group_by`` puts the code tree
    under each document or case instead of once; ``progress(done, total)`` is called
    as documents are read. The front matter (styles, title page, contents, summary)
    is made by python-docx; the body is written into the package as text.
    """
    began = time.perf_counter()
    if group_by not in GROUPS:
        raise ValueError(f"cannot group by {group_by!r}: use code, document or case")
    label = _labeller(language)
    out = Path(out_path)
    doc = new_docx()
    add_styles(doc)
    writer = BodyWriter(doc)
    spill: Spill | DeflatingSpill
    with atomic_path(out) as part:
        # a source read in order has its body deflated as it is read, when its buckets
        # are the codes and few enough to fill whole slices (see deflate_ahead)
        ahead = group_by == "code" and len(source.codes) <= BUCKETS and comes_in_order(source)
        spill = DeflatingSpill(part.parent) if ahead else Spill(part.parent)
        with spill:
            tally, branches = spill_extracts(
                source, spill, group_by, writer.style_id, label, progress
            )
            if isinstance(spill, DeflatingSpill):
                spill.finish()
            toc = _front_matter(source, writer, tally, branches, group_by, label)
            plan = _body_plan(source, spill, writer, tally, group_by, label)
            doc.add_paragraph(_MARKER)
            fill_toc(writer, toc)
            front = io.BytesIO()
            doc.save(front)
            splice_deflated(part, front, _DOCUMENT_PART, _MARKER_XML, _body(plan, spill))
    return DossierReport(
        path=out,
        extracts=tally.extracts,
        codings=tally.codings,
        codes=len(tally.codes),
        documents=len(tally.documents),
        coders=sorted(tally.coders),
        seconds=time.perf_counter() - began,
    )
