"""The dossier writer as it was before streaming (python-docx, every extract held), kept
as the reference the streaming writer is compared with.

The quotation dossier: every extract of the codes asked for, code by code, in Word.

The document opens with a title page, a table of contents (a TOC field
written already filled, see ``dossier_layout.py``), a summary table and a bar
chart of frequencies (both in ``dossier_summary.py``); then one heading per
code (Heading 1..n following the tree), its definition and its extracts in
Word's Quote style, each with an attribution line and its memos.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from docx import Document as new_docx
from docx.oxml.ns import qn

from codage import i18n
from codage.domain import Code, format_attribute
from codage.exchange import docx_report  # noqa: F401  (registers the labels)
from codage.exchange.atomic import save_atomically
from codage.exchange.dossier_layout import (
    ATTRIBUTION_STYLE,
    CONTEXT_STYLE,
    DEFINITION_STYLE,
    MEMO_STYLE,
    BodyWriter,
    add_styles,
    fill_toc,
    page_break,
    toc_field,
)
from codage.exchange.tables import format_timestamp, xml_safe
from codage.passages import place_label
from codage.services.selection import CodingRecord, Memo, Progress, Selection
from tests.exchange.legacy.summary import write_summary

GROUPS = ("code", "document", "case")


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


@dataclass
class Extract:
    """One passage of one code: identical spans of several coders are one extract."""

    records: list[CodingRecord]
    memos: list[Memo] = field(default_factory=list)  # (author, text)
    overlapping: list[str] = field(default_factory=list)  # paths of other codes
    before: str = ""
    after: str = ""

    @property
    def first(self) -> CodingRecord:
        return self.records[0]

    @property
    def coders(self) -> list[str]:
        return sorted({r.coding.coder for r in self.records})


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------


def _labeller(language: str | None) -> Callable[..., str]:
    """A ``t()`` bound to one language, so that an export never changes the global one."""
    lang = language or i18n.language()
    if lang not in ("en", "fr"):
        raise ValueError(f"unknown language {lang!r}")

    def label(key: str, **values: object) -> str:
        texts = i18n.CATALOG[key]
        text = texts.get(lang) or texts["en"]
        # Values are names from users and files: XML refuses their control characters.
        return xml_safe(text.format(**values)) if values else text

    return label


# ---------------------------------------------------------------------------
# Extracts
# ---------------------------------------------------------------------------


def build_extracts(selection: Selection) -> list[Extract]:
    """Group the selection's records into extracts with memos, overlapping codes and context.

    Identical spans of one code by several coders are one extract; its memos
    and overlapping codes are those of all its records, its context that of
    its first.
    """
    extracts: list[Extract] = []
    last_key = None
    for record in selection.records:
        c = record.coding
        key = (record.code.id, c.document_id, c.start, c.end)
        if key != last_key:
            extracts.append(Extract([record]))
            last_key = key
        else:
            extracts[-1].records.append(record)
    paths = {code.id: code.path_str for code in selection.codes}
    order = {code.id: i for i, code in enumerate(selection.codes)}
    for extract in extracts:
        for record in extract.records:
            extract.memos.extend(record.memos)
        others = frozenset().union(*(r.overlapping for r in extract.records))
        extract.overlapping = [paths[i] for i in sorted(others, key=order.__getitem__)]
        extract.before, extract.after = extract.first.before, extract.first.after
    return extracts


def attribution(extract: Extract, label: Callable[..., str]) -> str:
    """The line under an extract: document, speaker, paragraph, time, case, coders, other codes."""
    r = extract.first
    parts = [r.document.name]
    if r.speaker:
        parts.append(r.speaker)
    if r.place is not None:
        parts.append(place_label(r.place, label))
    if r.timestamp is not None:
        parts.append(f"[{format_timestamp(r.timestamp)}]")
    if r.case is not None:
        attrs = ", ".join(
            f"{k}: {format_attribute(v)}"
            for k, v in sorted(r.case.attributes.items())
            if v is not None
        )
        parts.append(f"{label('dossier.case')} {r.case.name}" + (f" ({attrs})" if attrs else ""))
    coders = extract.coders
    # codings made by auto-coding from a search are told apart from a coder's own
    # and so are those a coder accepted from a code suggestion
    marks: dict[str, list[str]] = {c: [] for c in coders}
    for x in extract.records:
        for flag, key in (
            (x.coding.automatic, "dossier.automatic"),
            (x.coding.suggested, "dossier.suggested"),
        ):
            if flag and x.coding.coder in marks and label(key) not in marks[x.coding.coder]:
                marks[x.coding.coder].append(label(key))
    parts.append(
        f"{label('dossier.coders_label' if len(coders) > 1 else 'dossier.coder_label')}: "
        + ", ".join(f"{c} ({', '.join(marks[c])})" if marks.get(c) else c for c in coders)
    )
    if extract.overlapping:
        parts.append(f"{label('dossier.also')}: " + ", ".join(extract.overlapping))
    return "— " + " · ".join(parts)


# ---------------------------------------------------------------------------
# The dossier
# ---------------------------------------------------------------------------


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


def export_dossier(
    selection: Selection,
    out_path: str | Path,
    *,
    group_by: str = "code",
    language: str | None = None,
    progress: Progress | None = None,
) -> DossierReport:
    """Write a quotation dossier of the selected codings to a .docx file.

    ``selection`` comes from :func:`codage.services.selection.select_for_dossier`
    (memos, overlapping codes and context filled). ``group_by`` puts the code
    tree under each document or case instead of once; ``progress(done, total)``
    is called as extracts are written.
    """
    began = time.perf_counter()
    if group_by not in GROUPS:
        raise ValueError(f"cannot group by {group_by!r}: use code, document or case")
    label = _labeller(language)
    extracts = build_extracts(selection)
    out = Path(out_path)

    doc = new_docx()
    add_styles(doc)
    project_name = xml_safe(selection.project)
    doc.core_properties.title = f"{label('dossier.title')}: {project_name}"
    doc.core_properties.author = xml_safe(", ".join(selection.coders))

    # -- title page
    doc.add_paragraph(label("dossier.title"), style="Title")
    doc.add_paragraph(project_name, style="Subtitle")
    doc.add_paragraph(label("dossier.date", date=date.today().isoformat()))
    doc.add_paragraph(label("dossier.group_by", group=label(f"dossier.group.{group_by}")))
    doc.add_paragraph().add_run(label("dossier.filters")).bold = True
    if not selection.filters:
        doc.add_paragraph(label("dossier.no_filter"), style="List Bullet")
    for key, values in selection.filters.items():
        name = "codes_only" if key == "codes" and not selection.include_subcodes else key
        doc.add_paragraph(
            xml_safe(f"{label(f'dossier.filter.{name}')}: {', '.join(values)}"),
            style="List Bullet",
        )
    doc.add_paragraph(label("dossier.coders", coders=", ".join(selection.coders) or "—"))
    doc.add_paragraph(
        label(
            "dossier.counts",
            extracts=len(extracts),
            codings=len(selection.records),
            documents=len({r.document.id for r in selection.records}),
        )
    )
    page_break(doc)

    # -- contents and summary
    doc.add_paragraph(label("dossier.contents"), style="TOC Heading")
    toc = toc_field(doc, label("dossier.toc_placeholder"))
    page_break(doc)
    doc.add_paragraph(label("dossier.summary"), style="TOC Heading")
    write_summary(doc, selection, extracts, label)
    page_break(doc)

    # -- the extracts: the sectPr stays last, so it is set aside while we append
    writer = BodyWriter(doc)
    sect_pr = writer.body.find(qn("w:sectPr"))
    if sect_pr is not None:
        writer.body.remove(sect_pr)
    if not extracts:
        writer.paragraph(None, (label("dossier.empty"), None, False))
    done, total = 0, len(extracts)

    def write_codes(items: list[Extract], offset: int) -> None:
        nonlocal done
        per_code: dict[int, list[Extract]] = defaultdict(list)
        for e in items:
            per_code[e.first.code.id].append(e)
        for code, level in _headed(selection.codes, set(per_code), selection.code_ids):
            writer.heading(level + offset, code.name, code.colour)
            if code.description.strip():
                writer.paragraph(DEFINITION_STYLE, (code.description.strip(), None, False))
            for key, value in (
                ("dossier.include", code.inclusion),
                ("dossier.exclude", code.exclusion),
            ):
                if value.strip():
                    writer.paragraph(
                        DEFINITION_STYLE, (label(key, text=value.strip()), None, False)
                    )
            for extract in per_code.get(code.id, []):
                if extract.before:
                    writer.paragraph(CONTEXT_STYLE, ("… " + extract.before, None, False))
                writer.paragraph("Quote", (extract.first.coding.text.strip("\n"), None, False))
                if extract.after:
                    writer.paragraph(CONTEXT_STYLE, (extract.after + " …", None, False))
                writer.paragraph(ATTRIBUTION_STYLE, (attribution(extract, label), None, False))
                for author, text in extract.memos:
                    who = f" ({author})" if author else ""
                    writer.paragraph(
                        MEMO_STYLE, (f"{label('dossier.memo')}{who}: {text.strip()}", None, False)
                    )
                done += 1
                if progress is not None and (done % 200 == 0 or done == total):
                    progress(done, total)

    if group_by == "code":
        write_codes(extracts, 0)
    elif group_by == "document":
        per_doc: dict[str, list[Extract]] = defaultdict(list)
        for e in extracts:
            per_doc[e.first.document.name].append(e)
        for name in sorted(per_doc):
            writer.heading(1, name)
            write_codes(per_doc[name], 1)
    else:
        per_case: dict[str | None, list[Extract]] = defaultdict(list)
        for e in extracts:
            per_case[e.first.case.name if e.first.case else None].append(e)
        for case_name in sorted(per_case, key=lambda n: (n is None, n or "")):
            case = per_case[case_name][0].first.case
            writer.heading(1, case_name if case_name is not None else label("dossier.no_case"))
            if case is not None and case.attributes:
                attrs = ", ".join(
                    f"{k}: {format_attribute(v)}"
                    for k, v in sorted(case.attributes.items())
                    if v is not None
                )
                writer.paragraph(DEFINITION_STYLE, (attrs, None, False))
            write_codes(per_case[case_name], 1)
    if sect_pr is not None:
        writer.body.append(sect_pr)
    fill_toc(writer, toc)
    save_atomically(out, doc.save)
    return DossierReport(
        path=out,
        extracts=len(extracts),
        codings=len(selection.records),
        codes=len({e.first.code.id for e in extracts}),
        documents=len({r.document.id for r in selection.records}),
        coders=selection.coders,
        seconds=time.perf_counter() - began,
    )
